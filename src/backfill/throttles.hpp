// What makes a backfill wait before its next batch: each throttle looks at one thing (a pause
// asked for through the state store, a pause file, a replica's lag, the server's load) and says
// why the backfill must wait, or nothing. They are polled between batches, and again while one of
// them holds, so a backfill goes on as soon as every one of them lets it.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dialects/dialect.hpp"

namespace migrate {

class Throttle {
  public:
    virtual ~Throttle() = default;
    // Why the backfill must wait now, or empty. `work` is the backfill's own connection to the
    // target. Throws to stop the backfill altogether (the critical load).
    virtual std::string check(Connection& work) = 0;
};

// `migrate backfill pause` from any shell: a row in the state store's pauses for this migration
// or for all.
std::unique_ptr<Throttle> make_pause_request_throttle(const Dialect& dialect, std::string migration_id);

// gh-ost's throttle flag file: while `path` exists, the backfill waits.
std::unique_ptr<Throttle> make_pause_file_throttle(std::filesystem::path path);

// Waits while `replica` replays more than `max_lag` behind, or cannot say how far (replication
// stopped, the replica unreachable): a replica that falls behind serves stale reads, and one that
// cannot keep up only falls further behind. Connects on first use and again after a failure;
// throws Error(usage) at once if the server is not a replica.
std::unique_ptr<Throttle> make_replica_lag_throttle(const Dialect& dialect, DatabaseUrl replica, Duration max_lag,
                                                    ConnectOptions options);

// pt-online-schema-change's --max-load and --critical-load: waits while the server runs `pause_at`
// or more statements besides the backfill, and stops the backfill (an Error, the cursor kept)
// at `abort_at` or more. Either may be absent. Throws Error(usage) if the dialect cannot tell.
std::unique_ptr<Throttle> make_load_throttle(const Dialect& dialect, std::optional<std::int64_t> pause_at,
                                             std::optional<std::int64_t> abort_at);

}  // namespace migrate

// One [[backfill]] step run in keyset batches over the table's key: each batch updates the rows
// after the cursor, up to the batch's last key, that still match the step's `where`, and saves
// the new cursor in the same transaction (on PostgreSQL, in the same statement). A killed run
// therefore resumes at the last committed cursor and no row is updated twice.
//
// Around the batches: the batch size adapts to a target time (batch_sizer.hpp); throttles make it
// wait (throttles.hpp); a rate limit and a sleep ratio space the batches out; SIGINT and SIGTERM
// stop it after the batch in flight; lock waits, deadlocks and lost connections are retried, on a
// new connection where the old one died. It works on a connection of its own, so that the runner's
// connection, which holds the runner lock, is never the one that gets killed or dropped.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backfill/batch_sizer.hpp"
#include "backfill/throttles.hpp"
#include "dialects/dialect.hpp"
#include "model/migration.hpp"
#include "state/state_store.hpp"
#include "support/retry.hpp"

namespace migrate {

// A backfill step's SQL for the dialect at hand.
struct BackfillSpec {
    std::string table;
    std::string set;
    std::string where;
};

struct BackfillOptions {
    BatchSizing batch;
    // A pass walks the whole key range once. Rows written behind the cursor by concurrent
    // writers are picked up by another pass; more passes than this means `set` does not make
    // `where` false for every row, and the step fails instead of looping.
    int max_passes = 3;
    RetryPolicy retry;  // for a batch that met a lock, a deadlock, a serialization failure or a lost connection
    std::int64_t max_rows_per_second = 0;  // 0: no limit
    double sleep_ratio = 0;                // after each batch, sleep this fraction of its time
    std::vector<DatabaseUrl> replicas;
    Duration max_replica_lag{1000};
    std::optional<std::int64_t> max_load;       // wait at or above
    std::optional<std::int64_t> critical_load;  // stop at or above
    std::filesystem::path pause_file;           // empty: none
    int vacuum_every = 0;                       // batches; 0: never
    // How often throttles are polled: between batches at most this often, and while they hold.
    Duration throttle_interval{250};
    std::string runner;  // "user on host, pid N", shown by `migrate backfill status`
};

// What a backfill reports as it goes.
struct BackfillEvent {
    enum class Kind {
        started,   // before the first batch; `size_before`, `estimated rows` known
        batch,     // after each committed batch
        waiting,   // a throttle began to hold, or now holds for another reason (`throttle`)
        going,     // every throttle lets it go again after `waited`
        vacuumed,  // `message` says what
        retrying,  // `message` holds the error, `waited` the pause before the next try
        counting,  // after each part of the count that ends a pass; `rows_left` found so far
        counted,   // that count is done; `rows_left` rows match `where` (another pass if any)
        finished,  // no row matches `where`; `size_after` known
    };
    Kind kind = Kind::batch;
    BackfillProgress progress;  // as saved; its live figures are current
    int batch_rows = 0;         // keys the batch walked (batch) or the next batch will (others)
    std::int64_t batch_updated = 0;
    Duration batch_took{0};
    // Per second of this run, pacing included but not the waits for throttles, which say nothing
    // about how long the rest will take.
    double rows_per_second = 0;  // rows updated
    double keys_per_second = 0;  // keys walked: the pace of the ETA
    std::string throttle;        // what holds or slows it now; empty when nothing does
    Duration waited{0};
    Duration elapsed{0};  // since this run started
    std::optional<std::int64_t> size_before;
    std::optional<std::int64_t> size_after;
    std::string message;
    std::string error_code;         // retrying: the SQLSTATE or error number that made it retry
    std::int64_t rows_left = 0;     // counting, counted: rows matching `where` in the parts counted so far
    std::optional<double> counted;  // counting, counted: share of the table counted, where it can tell
    std::int64_t parts = 0;         // counting, counted: the statements the count took so far
};

using BackfillListener = std::function<void(const BackfillEvent&)>;
// A new connection to the target, for the backfill's own work.
using ConnectionSource = std::function<std::unique_ptr<Connection>()>;

class KeysetBackfill {
  public:
    KeysetBackfill(const Dialect& dialect, ConnectionSource connect, const Migration& migration, int step_index,
                   BackfillSpec spec, BackfillOptions options);

    // Runs batches to the end of the current pass and returns the progress (not marked completed:
    // the caller counts what is left with count_left, then records the phase or asks for another
    // pass). Throws Error(interrupted) when a stop was requested (StopSignals), after
    // saving the cursor. `still_locked` is asked every few seconds whether the runner lock is
    // still held.
    BackfillProgress run(const BackfillListener& listener, const std::function<void()>& still_locked);
    // The rows of the table that match `where`, counted a part at a time (storage pages where the
    // dialect can read them by page, else key ranges), each part one statement sized like a batch
    // to take about `--batch-time`. Between parts it obeys stop signals, throttles and the sleep
    // ratio as between batches, and asks `still_locked` as run does. Throws Error(interrupted)
    // when a stop was requested.
    std::int64_t count_left(const BackfillListener& listener, const std::function<void()>& still_locked);
    // Rows behind the cursor (`left` of them) match `where` again: starts another walk from the
    // first key, or fails when `max_passes` walks did not make `where` false.
    void next_pass(std::int64_t left, const BackfillListener& listener);
    // Reports the end, once the caller has recorded the phase as done.
    void report_finished(const BackfillListener& listener);

  private:
    struct Batch {
        int rows = 0;  // keys walked
        std::int64_t updated = 0;
        std::chrono::microseconds took{0};  // the statement's; see BatchSizer::record
        bool end_of_pass = false;
    };

    void connect();
    // Runs `work`, retrying transient errors and lost connections (after reconnecting and
    // re-reading the saved progress, since a batch whose commit was cut off may or may not have
    // committed).
    template <typename Work>
    auto resilient(const BackfillListener& listener, Work&& work) -> decltype(work());
    void save_live(const std::string& state, const std::string& throttle);
    // Polls the throttles until none holds; reports waits to the listener.
    void wait_for_throttles(const BackfillListener& listener);
    // Before each batch and each part of the count: stops if asked to, asks `still_locked` every
    // few seconds (`lock_checked` is when it last did), and waits for the throttles.
    void before_next(const BackfillListener& listener, const std::function<void()>& still_locked,
                     std::chrono::steady_clock::time_point& lock_checked);
    std::string holding_throttle();
    Batch run_batch();
    // count_left's work, without the failure it records.
    std::int64_t count_parts(const BackfillListener& listener, const std::function<void()>& still_locked);
    // An error other than a stop ends the run: the state row says `failed` and why, so that
    // `backfill status` tells it from a run that died.
    void record_failure(const Error& error);
    // On the first run: the throttles, the table's size and row estimate, the start event.
    void prepare(const BackfillListener& listener);
    // Upper key of the next batch after `last_key`, or an empty row at the end of a pass; `keys`
    // becomes the number of keys up to it.
    Row next_upper_key(const Row& last_key, int batch_size, int& keys);
    std::string key_after(const Row& last_key, std::vector<Value>& params) const;
    [[noreturn]] void stop(int signal);
    BackfillEvent event(BackfillEvent::Kind kind) const;

    const Dialect& m_dialect;
    ConnectionSource m_connect;
    const Migration& m_migration;
    int m_step_index;
    BackfillSpec m_step;
    BackfillOptions m_options;
    BatchSizer m_sizer;
    std::unique_ptr<Connection> m_work;
    std::unique_ptr<StateStore> m_store;
    std::vector<std::unique_ptr<Throttle>> m_throttles;
    std::vector<std::string> m_keys;  // quoted key columns
    std::string m_key_list;           // "a", "b"
    BackfillProgress m_progress;
    std::chrono::steady_clock::time_point m_started;
    std::chrono::steady_clock::time_point m_last_throttle_check{};
    std::int64_t m_updated_this_run = 0;
    std::int64_t m_scanned_this_run = 0;
    Duration m_throttled{0};  // waiting for throttles in this run
    std::string m_pacing;     // the rate limit or sleep ratio, when it slowed the latest batch
    bool m_prepared = false;
    std::optional<std::int64_t> m_size_before;
    int m_batches_this_run = 0;
};

}  // namespace migrate

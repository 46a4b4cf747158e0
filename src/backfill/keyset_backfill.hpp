// One [[backfill]] step run in keyset batches over the table's key: each batch updates the rows
// after the cursor, up to the batch's last key, that still match the step's `where`, and saves
// the new cursor in the same transaction. A killed run therefore resumes at the last committed
// cursor and no row is updated twice.
#pragma once

#include <functional>
#include <string>
#include <vector>

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
    int batch_size = 1000;
    // A pass walks the whole key range once. Rows written behind the cursor by concurrent
    // writers are picked up by another pass; more passes than this means `set` does not make
    // `where` false, and the step fails instead of looping.
    int max_passes = 3;
    RetryPolicy retry;  // for a batch that met a lock, a deadlock or a serialization failure
};

// Called after every committed batch.
using BatchObserver = std::function<void(const BackfillProgress&)>;

class KeysetBackfill {
  public:
    KeysetBackfill(const Dialect& dialect, Connection& connection, StateStore& store, const Migration& migration,
                   int step_index, BackfillSpec spec, BackfillOptions options);

    // Runs batches until no row matches `where`; returns the final progress (not yet marked
    // completed: the caller does that together with the phase transition).
    BackfillProgress run(const BatchObserver& observer, const RetryObserver& on_retry);

    // Rows that still match `where`.
    std::int64_t remaining();

  private:
    // Upper key of the next batch after `progress.last_key`, or an empty row at the end of a pass.
    Row next_upper_key(const Row& last_key);
    // "key > cursor", or a condition that is always true before the first batch.
    std::string key_after(const Row& last_key, std::vector<Value>& params) const;

    const Dialect& m_dialect;
    Connection& m_connection;
    StateStore& m_store;
    const Migration& m_migration;
    int m_step_index;
    BackfillSpec m_step;
    BackfillOptions m_options;
    std::vector<std::string> m_keys;  // quoted key columns
    std::string m_key_list;           // "a", "b"
};

}  // namespace migrate

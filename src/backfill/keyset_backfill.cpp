#include "backfill/keyset_backfill.hpp"

#include <fmt/format.h>

#include "support/error.hpp"

namespace migrate {

KeysetBackfill::KeysetBackfill(const Dialect& dialect, Connection& connection, StateStore& store,
                               const Migration& migration, int step_index, BackfillSpec spec, BackfillOptions options)
    : m_dialect(dialect),
      m_connection(connection),
      m_store(store),
      m_migration(migration),
      m_step_index(step_index),
      m_step(std::move(spec)),
      m_options(options) {
    if (m_options.batch_size < 1) {
        throw Error(ErrorKind::usage, fmt::format("batch size must be at least 1, not {}", m_options.batch_size));
    }
    for (const std::string& column : dialect.key_columns(connection, m_step.table)) {
        m_keys.push_back(dialect.quote_identifier(column));
    }
    for (std::size_t i = 0; i < m_keys.size(); ++i) {
        m_key_list += (i ? ", " : "") + m_keys[i];
    }
}

std::string KeysetBackfill::key_after(const Row& last_key, std::vector<Value>& params) const {
    if (last_key.empty()) {
        return "1 = 1";
    }
    return m_dialect.key_compare(m_keys, ">", last_key, params);
}

Row KeysetBackfill::next_upper_key(const Row& last_key) {
    std::vector<Value> params;
    std::string after = key_after(last_key, params);
    std::string descending;
    for (std::size_t i = 0; i < m_keys.size(); ++i) {
        descending += (i ? ", " : "") + m_keys[i] + " DESC";
    }
    // The batch's last key is the batch_size-th key after the cursor, or the table's last key
    // when fewer remain.
    QueryResult nth =
        m_connection.query(fmt::format("SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT 1 OFFSET {}", m_key_list,
                                       m_step.table, after, m_key_list, m_options.batch_size - 1),
                           params);
    if (!nth.rows.empty()) {
        return nth.rows.front();
    }
    QueryResult last = m_connection.query(
        fmt::format("SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT 1", m_key_list, m_step.table, after, descending),
        params);
    return last.rows.empty() ? Row{} : last.rows.front();
}

std::int64_t KeysetBackfill::remaining() {
    QueryResult result =
        m_connection.query(fmt::format("SELECT COUNT(*) FROM {} WHERE {}", m_step.table, m_step.where));
    return value_to_int(result.rows.at(0).at(0));
}

BackfillProgress KeysetBackfill::run(const BatchObserver& observer, const RetryObserver& on_retry) {
    BackfillProgress progress;
    if (auto saved = m_store.backfill_progress(m_migration, m_step_index)) {
        progress = *saved;
    } else {
        progress.migration_id = m_migration.id;
        progress.step = m_step_index;
        progress.table = m_step.table;
        progress.passes = 1;
        m_connection.begin();
        try {
            m_store.save_backfill(progress);
            m_connection.commit();
        } catch (...) {
            m_connection.rollback();
            throw;
        }
    }
    if (progress.completed) {
        return progress;
    }
    while (true) {
        // Reads wait on locks too (an application's LOCK TABLE, another deploy's DDL).
        Row upper = with_retries(m_options.retry, on_retry, [&] { return next_upper_key(progress.last_key); });
        if (upper.empty()) {
            std::int64_t left = with_retries(m_options.retry, on_retry, [&] { return remaining(); });
            if (left == 0) {
                return progress;
            }
            if (progress.passes >= m_options.max_passes) {
                throw Error(ErrorKind::state,
                            fmt::format("backfill of {} ({}) walked the table {} times and {} rows still match "
                                        "`where {}`",
                                        m_step.table, m_migration.label(), progress.passes, left, m_step.where),
                            {}, "make sure `set` makes `where` false for every row it updates");
            }
            // Rows behind the cursor changed since this pass started: walk again from the start.
            m_connection.begin();
            try {
                progress.last_key.clear();
                ++progress.passes;
                m_store.save_backfill(progress);
                m_connection.commit();
            } catch (...) {
                m_connection.rollback();
                throw;
            }
            continue;
        }
        std::vector<Value> params;
        std::string after = key_after(progress.last_key, params);
        std::string up_to = m_dialect.key_compare(m_keys, "<=", upper, params);
        std::string sql = fmt::format("UPDATE {} SET {} WHERE {} AND {} AND ({})", m_step.table, m_step.set, after,
                                      up_to, m_step.where);
        // A batch that meets a lock is rolled back whole, cursor included, and tried again.
        progress = with_retries(m_options.retry, on_retry, [&] {
            BackfillProgress next = progress;
            m_connection.begin();
            try {
                next.rows_updated += m_connection.execute(sql, params);
                next.last_key = upper;
                ++next.batches;
                m_store.save_backfill(next);
                m_connection.commit();
            } catch (...) {
                m_connection.rollback();
                throw;
            }
            return next;
        });
        if (observer) {
            observer(progress);
        }
    }
}

}  // namespace migrate

#include "backfill/keyset_backfill.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "support/error.hpp"
#include "support/stop_signal.hpp"

namespace migrate {

namespace {

using Clock = std::chrono::steady_clock;

Duration since(Clock::time_point start) {
    return std::chrono::duration_cast<Duration>(Clock::now() - start);
}

std::chrono::microseconds micros_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

// `ratio` of `took`, for --sleep-ratio.
std::chrono::microseconds scaled(std::chrono::microseconds took, double ratio) {
    return std::chrono::microseconds{
        static_cast<std::chrono::microseconds::rep>(static_cast<double>(took.count()) * ratio)};
}

double per_second(std::int64_t count, Duration elapsed) {
    return elapsed.count() > 0 ? count * 1000.0 / static_cast<double>(elapsed.count()) : 0.0;
}

// How often the runner lock's connection is checked while a long backfill runs on another.
constexpr Duration lock_check_interval{5000};
// How often a backfill that waits for a throttle refreshes its state row, so `backfill status`
// from another host can tell a waiting run from a dead one.
constexpr Duration waiting_heartbeat{2000};
// The most one part of the count that ends a pass may take, in pages or keys, however fast the
// parts before it were.
constexpr int max_count_part = 1 << 24;
// The least time a part of that count aims at, whatever --batch-time says. A part holds no row
// lock, so the short batches chosen for the application's sake say nothing about it; and each part
// costs a round trip and a plan, a millisecond or more on a busy server. Parts aimed at 2 ms
// batches hardly outgrew that cost: a count of 2,000,000 rows took from 1,200 to 16,000 of them.
constexpr Duration min_count_part_time{50};

}  // namespace

KeysetBackfill::KeysetBackfill(const Dialect& dialect, ConnectionSource connect, const Migration& migration,
                               int step_index, BackfillSpec spec, BackfillOptions options)
    : m_dialect(dialect),
      m_connect(std::move(connect)),
      m_migration(migration),
      m_step_index(step_index),
      m_step(std::move(spec)),
      m_options(std::move(options)),
      m_sizer([&] {
          BatchSizing sizing = m_options.batch;
          // A batch is written at once: under a rate limit, one of the adaptive maximum would be
          // a burst followed by a long sleep, so the maximum is one batch-time's worth of rows.
          if (m_options.max_rows_per_second > 0 && sizing.fixed == 0) {
              auto per_batch = m_options.max_rows_per_second * sizing.target.count() / 1000;
              sizing.max = static_cast<int>(std::clamp<std::int64_t>(per_batch, sizing.min, sizing.max));
          }
          return BatchSizer(sizing);
      }()) {
    if (m_options.vacuum_every < 0 || (m_options.vacuum_every > 0 && !m_dialect.can_vacuum())) {
        throw Error(ErrorKind::usage,
                    fmt::format("--vacuum-every is for PostgreSQL; {} has no VACUUM to run", m_dialect.name()));
    }
    if (m_options.sleep_ratio < 0 || m_options.max_rows_per_second < 0) {
        throw Error(ErrorKind::usage, "--sleep-ratio and --max-rows-per-second cannot be negative");
    }
}

void KeysetBackfill::connect() {
    m_work = m_connect();
    m_store = std::make_unique<StateStore>(m_dialect, *m_work);
    if (m_keys.empty()) {
        for (const std::string& column : m_dialect.key_columns(*m_work, m_step.table)) {
            m_keys.push_back(m_dialect.quote_identifier(column));
        }
        for (std::size_t i = 0; i < m_keys.size(); ++i) {
            m_key_list += (i ? ", " : "") + m_keys[i];
        }
    }
    // What was saved is the truth: a batch whose commit the old connection never confirmed may
    // have committed after all.
    if (auto saved = m_store->backfill_progress(m_migration, m_step_index)) {
        BackfillProgress live = m_progress;
        m_progress = *saved;
        m_progress.estimated_rows = live.estimated_rows ? live.estimated_rows : saved->estimated_rows;
        m_progress.runner = m_options.runner;
    }
}

template <typename Work>
auto KeysetBackfill::resilient(const BackfillListener& listener, Work&& work) -> decltype(work()) {
    static thread_local std::mt19937_64 random{std::random_device{}()};
    for (int attempt = 1;; ++attempt) {
        try {
            if (!m_work) {
                connect();
            }
            return work();
        } catch (const Error& e) {
            bool lost = m_dialect.connection_lost(e);
            if (!lost && !e.transient()) {
                throw;
            }
            if (attempt > m_options.retry.retries) {
                throw retries_exhausted(m_options.retry, e);
            }
            if (lost) {
                m_store.reset();
                m_work.reset();
            }
            Duration delay = retry_delay(m_options.retry, attempt, random);
            BackfillEvent retrying = event(BackfillEvent::Kind::retrying);
            retrying.message = fmt::format(
                "{}{}; {} {}/{} in {}", e.what(), e.code().empty() ? "" : " (" + e.code() + ")",
                lost ? "reconnecting, try" : "retry", attempt, m_options.retry.retries, format_duration(delay));
            retrying.waited = delay;
            retrying.error_code = e.code();
            listener(retrying);
            if (!sleep_unless_stopped(delay)) {
                stop(stop_requested());
            }
        }
    }
}

BackfillEvent KeysetBackfill::event(BackfillEvent::Kind kind) const {
    BackfillEvent out;
    out.kind = kind;
    out.progress = m_progress;
    out.batch_rows = m_sizer.size();
    out.elapsed = since(m_started);
    out.rows_per_second = per_second(m_updated_this_run, out.elapsed - m_throttled);
    out.keys_per_second = per_second(m_scanned_this_run, out.elapsed - m_throttled);
    out.throttle = m_pacing;
    return out;
}

void KeysetBackfill::save_live(const std::string& state, const std::string& throttle) {
    m_progress.run_state = state;
    m_progress.throttle = throttle;
    m_work->begin();
    try {
        m_store->save_backfill(m_progress);
        m_work->commit();
    } catch (...) {
        m_work->rollback();
        throw;
    }
}

void KeysetBackfill::stop(int signal) {
    try {
        if (m_work) {
            save_live("stopped", fmt::format("stopped by {}", signal_name(signal)));
        }
    } catch (const Error&) {
        // The cursor of the last batch is saved either way; only the state label is stale.
    }
    throw Error(ErrorKind::interrupted,
                fmt::format("backfill of {} ({}) stopped by {} after {} batches ({} rows updated in all); the cursor "
                            "is saved and the next 'migrate apply' resumes from it",
                            m_step.table, m_migration.label(), signal_name(signal), m_progress.batches,
                            m_progress.rows_updated),
                signal_name(signal));
}

void KeysetBackfill::before_next(const BackfillListener& listener, const std::function<void()>& still_locked,
                                 Clock::time_point& lock_checked) {
    if (int signal = stop_requested()) {
        stop(signal);
    }
    if (still_locked && since(lock_checked) >= lock_check_interval) {
        still_locked();
        lock_checked = Clock::now();
    }
    wait_for_throttles(listener);
}

std::string KeysetBackfill::holding_throttle() {
    m_last_throttle_check = Clock::now();
    for (const auto& throttle : m_throttles) {
        if (std::string reason = throttle->check(*m_work); !reason.empty()) {
            return reason;
        }
    }
    return {};
}

void KeysetBackfill::wait_for_throttles(const BackfillListener& listener) {
    if (Clock::now() - m_last_throttle_check < m_options.throttle_interval) {
        return;
    }
    std::string reason = resilient(listener, [&] { return holding_throttle(); });
    if (reason.empty()) {
        return;
    }
    auto started = Clock::now();
    auto saved = Clock::now();
    resilient(listener, [&] { save_live("waiting", reason); });
    BackfillEvent waiting = event(BackfillEvent::Kind::waiting);
    waiting.throttle = reason;
    listener(waiting);
    while (true) {
        if (!sleep_unless_stopped(m_options.throttle_interval)) {
            stop(stop_requested());
        }
        std::string now_holding = resilient(listener, [&] { return holding_throttle(); });
        if (now_holding.empty()) {
            break;
        }
        if (now_holding != reason || Clock::now() - saved >= waiting_heartbeat) {
            saved = Clock::now();
            resilient(listener, [&] { save_live("waiting", now_holding); });
        }
        if (now_holding != reason) {
            reason = now_holding;
            waiting = event(BackfillEvent::Kind::waiting);
            waiting.throttle = reason;
            waiting.waited = since(started);
            listener(waiting);
        }
    }
    m_throttled += since(started);
    BackfillEvent going = event(BackfillEvent::Kind::going);
    going.waited = since(started);
    going.message = reason;
    listener(going);
}

std::string KeysetBackfill::key_after(const Row& last_key, std::vector<Value>& params) const {
    if (last_key.empty()) {
        return "1 = 1";
    }
    return m_dialect.key_compare(m_keys, ">", last_key, params);
}

Row KeysetBackfill::next_upper_key(const Row& last_key, int batch_size, int& keys) {
    std::vector<Value> params;
    std::string after = key_after(last_key, params);
    std::string descending;
    for (std::size_t i = 0; i < m_keys.size(); ++i) {
        descending += (i ? ", " : "") + m_keys[i] + " DESC";
    }
    // The batch's last key is the batch_size-th key after the cursor, or the table's last key
    // when fewer remain.
    QueryResult nth = m_work->query(fmt::format("SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT 1 OFFSET {}", m_key_list,
                                                m_step.table, after, m_key_list, batch_size - 1),
                                    params);
    keys = batch_size;
    if (!nth.rows.empty()) {
        return nth.rows.front();
    }
    // The pass's last batch: fewer than batch_size keys, counted so that the keys walked add up.
    std::vector<Value> last_params;
    std::string counted = key_after(last_key, last_params);
    std::string last_after = key_after(last_key, last_params);
    QueryResult last =
        m_work->query(fmt::format("SELECT {}, (SELECT COUNT(*) FROM {} WHERE {}) FROM {} WHERE {} ORDER "
                                  "BY {} LIMIT 1",
                                  m_key_list, m_step.table, counted, m_step.table, last_after, descending),
                      last_params);
    if (last.rows.empty()) {
        return Row{};
    }
    Row upper = last.rows.front();
    keys = static_cast<int>(value_to_int(upper.back()));
    upper.pop_back();
    return upper;
}

KeysetBackfill::Batch KeysetBackfill::run_batch() {
    Batch batch;
    Row upper = next_upper_key(m_progress.last_key, m_sizer.size(), batch.rows);
    if (upper.empty()) {
        batch.end_of_pass = true;
        return batch;
    }
    std::vector<Value> params;
    std::string after = key_after(m_progress.last_key, params);
    std::string up_to = m_dialect.key_compare(m_keys, "<=", upper, params);
    std::string sql =
        fmt::format("UPDATE {} SET {} WHERE {} AND {} AND ({})", m_step.table, m_step.set, after, up_to, m_step.where);
    BackfillProgress next = m_progress;
    next.last_key = upper;
    ++next.batches;
    next.rows_scanned += batch.rows;
    next.batch_size = batch.rows;
    next.run_state = "running";
    next.throttle = m_pacing;
    auto started = Clock::now();
    if (m_dialect.can_write_in_with()) {
        // One statement, its own transaction: the batch's rows stay locked only while it runs, not
        // over the round trips of a BEGIN, the cursor's save and a COMMIT, each of which waits for a
        // core on a busy server. The rows/s saved is the one before this batch, whose count only
        // the statement knows.
        next.rows_per_second =
            static_cast<std::int64_t>(per_second(m_updated_this_run, since(m_started) - m_throttled));
        std::string save =
            m_store->backfill_update_sql(next, params, "rows_updated + (SELECT COUNT(*) FROM migrate_batch)");
        QueryResult done = m_work->query(
            fmt::format("WITH migrate_batch AS ({} RETURNING 1), migrate_saved AS ({} RETURNING 1) SELECT "
                        "(SELECT COUNT(*) FROM migrate_batch), (SELECT COUNT(*) FROM migrate_saved)",
                        sql, save),
            params);
        batch.updated = value_to_int(done.rows.at(0).at(0));
        next.rows_updated += batch.updated;
        if (value_to_int(done.rows.at(0).at(1)) == 0) {
            // The state row was deleted by hand meanwhile. The batch has committed; its cursor is
            // saved as the first one is, by a new row.
            m_store->save_backfill(next);
        }
    } else {
        m_work->begin();
        try {
            batch.updated = m_work->execute(sql, params);
            next.rows_updated += batch.updated;
            next.rows_per_second = static_cast<std::int64_t>(
                per_second(m_updated_this_run + batch.updated, since(m_started) - m_throttled));
            m_store->save_backfill(next);
            m_work->commit();
        } catch (...) {
            m_work->rollback();
            throw;
        }
    }
    batch.took = micros_since(started);
    m_progress = next;
    return batch;
}

std::int64_t KeysetBackfill::count_left(const BackfillListener& listener, const std::function<void()>& still_locked) {
    try {
        return count_parts(listener, still_locked);
    } catch (const Error& e) {
        record_failure(e);
        throw;
    }
}

std::int64_t KeysetBackfill::count_parts(const BackfillListener& listener, const std::function<void()>& still_locked) {
    // One COUNT of a large table would outlast a statement timeout, keep its snapshot (and with
    // it vacuum) for all of its time, and could be neither paused nor stopped. Counted a part at
    // a time, a row written behind the part being counted is found by the next pass's count, as
    // a row written after one COUNT would be.
    std::optional<std::int64_t> pages =
        resilient(listener, [&] { return m_dialect.table_pages(*m_work, m_step.table); });
    // Parts are sized in rows, like batches. The first holds as many rows as the batches of this
    // run walked in the part's target time (counting a row takes less than updating it), or a
    // batch's worth when none ran. By page, a part of N rows spans N / density pages, the density
    // being the table's average: after a backfill whole ranges of pages hold only the rows it
    // replaced, which a part crosses in no time, and a size grown on them would be far too large
    // for the pages of live rows after them. For the same reason a part that found under a quarter
    // of the rows its pages hold on average says nothing of how long rows take to count, and does
    // not resize the parts: fed to the sizer, the handful of rows such a part finds in the time its
    // pages took shrank the parts to a page or two, thousands of them. Those pages are crossed at
    // the first part's size, which is why it is not a batch's worth: after 2 ms batches, that took
    // 1,200 to 1,500 statements for a table of 2,000,000 rows.
    BatchSizing sizing;
    sizing.target = std::max(m_options.batch.target, min_count_part_time);
    sizing.min = 1;
    sizing.max = max_count_part;
    double walked_in_target = per_second(m_scanned_this_run, since(m_started) - m_throttled) *
                              static_cast<double>(sizing.target.count()) / 1000;
    sizing.first =
        walked_in_target >= 1 ? static_cast<int>(std::min<double>(walked_in_target, max_count_part)) : m_sizer.size();
    BatchSizer part(sizing);
    double density = 1;
    if (pages && *pages > 0) {
        std::int64_t rows = std::max(m_progress.rows_scanned, m_progress.estimated_rows);
        density = std::max(1.0, static_cast<double>(rows) / static_cast<double>(*pages));
    }
    std::int64_t left = 0;
    std::int64_t next_page = 0;
    std::int64_t rows_counted = 0;
    std::int64_t parts = 0;
    Row last_key;
    auto count_started = Clock::now();
    auto lock_checked = count_started;
    // The state row says `counting`, refreshed as a waiting run's is: with no batch to save it, a
    // long count would otherwise look like a run that died.
    std::optional<Clock::time_point> saved;
    while (true) {
        before_next(listener, still_locked, lock_checked);
        if (!saved || m_progress.run_state != "counting" || since(*saved) >= waiting_heartbeat) {
            resilient(listener, [&] { save_live("counting", {}); });
            saved = Clock::now();
        }
        auto started = Clock::now();
        // The last part by page has no end, so that it takes the pages the table grew by meanwhile.
        std::optional<std::int64_t> end_page;
        if (pages) {
            auto span = std::max<std::int64_t>(1, static_cast<std::int64_t>(part.size() / density));
            if (next_page + span < *pages) {
                end_page = next_page + span;
            }
        }
        Row upper;
        std::int64_t rows = 0;
        std::int64_t found = resilient(listener, [&]() -> std::int64_t {
            std::vector<Value> params;
            std::string range;
            if (pages) {
                range = m_dialect.page_range(next_page, end_page);
            } else {
                int keys = 0;
                upper = next_upper_key(last_key, part.size(), keys);
                if (upper.empty()) {
                    rows = 0;
                    return 0;
                }
                rows = keys;
                // Two statements, not one + expression, whose operands may be evaluated in either
                // order: each appends its values to `params`, which must follow the placeholders.
                range = key_after(last_key, params);
                range += " AND " + m_dialect.key_compare(m_keys, "<=", upper, params);
            }
            QueryResult counted = m_work->query(
                fmt::format("SELECT COUNT(*), COALESCE(SUM(CASE WHEN ({}) THEN 1 ELSE 0 END), 0) FROM {} WHERE {}",
                            m_step.where, m_step.table, range),
                params);
            if (pages) {
                rows = value_to_int(counted.rows.at(0).at(0));
            }
            return value_to_int(counted.rows.at(0).at(1));
        });
        std::chrono::microseconds took = micros_since(started);
        left += found;
        rows_counted += rows;
        ++parts;
        bool sparse = false;
        if (pages) {
            std::int64_t spanned = end_page.value_or(std::max(*pages, next_page + 1)) - next_page;
            sparse = static_cast<double>(rows) * 4 < static_cast<double>(spanned) * density;
        }
        if (!sparse) {
            part.record(static_cast<int>(std::min<std::int64_t>(rows, max_count_part)), took);
        }
        bool last_part = pages ? !end_page : upper.empty();
        BackfillEvent counting = event(last_part ? BackfillEvent::Kind::counted : BackfillEvent::Kind::counting);
        counting.rows_left = left;
        counting.batch_rows = part.size();
        counting.parts = parts;
        std::string walked;
        if (pages) {
            next_page = end_page.value_or(*pages);
            counting.counted = *pages > 0 ? std::min(1.0, static_cast<double>(next_page) / *pages) : 1.0;
            walked = fmt::format("{} rows in {} of {} pages", rows_counted, next_page, *pages);
        } else {
            last_key = upper.empty() ? last_key : upper;
            if (m_progress.estimated_rows > 0) {
                counting.counted =
                    std::min(1.0, static_cast<double>(rows_counted) / static_cast<double>(m_progress.estimated_rows));
            }
            walked = fmt::format("{} rows", rows_counted);
        }
        if (last_part) {
            counting.counted = 1.0;
            counting.message = fmt::format("counted the rows that match `where`: {} ({}, {} statements in {})", left,
                                           walked, parts, format_duration(since(count_started)));
            listener(counting);
            return left;
        }
        counting.message = fmt::format("counting the rows that match `where`: {} so far ({})", left, walked);
        listener(counting);
        if (m_options.sleep_ratio > 0) {
            std::chrono::microseconds pause = scaled(took, m_options.sleep_ratio);
            if (pause > std::chrono::microseconds::zero() && !sleep_unless_stopped(pause)) {
                stop(stop_requested());
            }
        }
    }
}

void KeysetBackfill::next_pass(std::int64_t left, const BackfillListener& listener) {
    if (m_progress.passes >= m_options.max_passes) {
        throw Error(ErrorKind::state,
                    fmt::format("backfill of {} ({}) walked the table {} times and {} rows still match `where {}`",
                                m_step.table, m_migration.label(), m_progress.passes, left, m_step.where),
                    {}, "make sure `set` makes `where` false for every row it updates");
    }
    resilient(listener, [&] {
        BackfillProgress next = m_progress;
        next.last_key.clear();
        next.rows_scanned = 0;
        ++next.passes;
        m_work->begin();
        try {
            m_store->save_backfill(next);
            m_work->commit();
        } catch (...) {
            m_work->rollback();
            throw;
        }
        m_progress = next;
    });
}

void KeysetBackfill::report_finished(const BackfillListener& listener) {
    m_pacing.clear();
    BackfillEvent finished = event(BackfillEvent::Kind::finished);
    finished.size_before = m_size_before;
    if (m_work) {
        try {
            finished.size_after = m_dialect.table_size(*m_work, m_step.table);
        } catch (const Error&) {
            // The phase is recorded as done; a size it cannot read now is only not reported.
        }
    }
    listener(finished);
}

void KeysetBackfill::prepare(const BackfillListener& listener) {
    m_throttles.push_back(make_pause_request_throttle(m_dialect, m_migration.id));
    if (!m_options.pause_file.empty()) {
        m_throttles.push_back(make_pause_file_throttle(m_options.pause_file));
    }
    ConnectOptions replica_options;
    replica_options.read_only = true;
    replica_options.application_name = "migrate replica check";
    for (const DatabaseUrl& replica : m_options.replicas) {
        m_throttles.push_back(
            make_replica_lag_throttle(m_dialect, replica, m_options.max_replica_lag, replica_options));
    }
    if (m_options.max_load || m_options.critical_load) {
        m_throttles.push_back(make_load_throttle(m_dialect, m_options.max_load, m_options.critical_load));
    }
    resilient(listener, [&] {
        m_size_before = m_dialect.table_size(*m_work, m_step.table);
        m_progress.estimated_rows = m_dialect.estimated_rows(*m_work, m_step.table).value_or(0);
        save_live("running", {});
    });
    BackfillEvent started = event(BackfillEvent::Kind::started);
    started.size_before = m_size_before;
    listener(started);
    m_prepared = true;
}

BackfillProgress KeysetBackfill::run(const BackfillListener& listener, const std::function<void()>& still_locked) {
    if (!m_prepared) {
        m_started = Clock::now();
        m_progress.migration_id = m_migration.id;
        m_progress.step = m_step_index;
        m_progress.table = m_step.table;
        m_progress.passes = 1;
        m_progress.runner = m_options.runner;
        resilient(listener, [&] {
            if (!m_store->backfill_progress(m_migration, m_step_index)) {
                save_live("running", {});
            }
        });
        if (m_progress.completed) {
            return m_progress;
        }
    }
    try {
        if (!m_prepared) {
            prepare(listener);
        }
        auto lock_checked = Clock::now();
        while (true) {
            before_next(listener, still_locked, lock_checked);
            Batch batch = resilient(listener, [&] { return run_batch(); });
            if (batch.end_of_pass) {
                return m_progress;
            }
            ++m_batches_this_run;
            m_updated_this_run += batch.updated;
            m_scanned_this_run += batch.rows;
            m_sizer.record(batch.rows, batch.took);

            std::chrono::microseconds pause{0};
            m_pacing.clear();
            if (m_options.max_rows_per_second > 0 && batch.updated > 0) {
                std::chrono::microseconds needed{batch.updated * 1'000'000 / m_options.max_rows_per_second};
                if (needed > batch.took) {
                    pause = needed - batch.took;
                    m_pacing = fmt::format("--max-rows-per-second {}", m_options.max_rows_per_second);
                }
            }
            if (m_options.sleep_ratio > 0) {
                std::chrono::microseconds ratio = scaled(batch.took, m_options.sleep_ratio);
                if (ratio > pause) {
                    pause = ratio;
                    m_pacing = fmt::format("--sleep-ratio {}", m_options.sleep_ratio);
                }
            }
            BackfillEvent done = event(BackfillEvent::Kind::batch);
            done.batch_rows = batch.rows;
            done.batch_updated = batch.updated;
            done.batch_took = std::chrono::duration_cast<Duration>(batch.took);
            done.waited = std::chrono::duration_cast<Duration>(pause);
            listener(done);

            if (m_options.vacuum_every > 0 && m_batches_this_run % m_options.vacuum_every == 0) {
                auto vacuum_started = Clock::now();
                resilient(listener, [&] { m_dialect.vacuum_table(*m_work, m_step.table); });
                BackfillEvent vacuumed = event(BackfillEvent::Kind::vacuumed);
                vacuumed.size_before = m_size_before;
                vacuumed.size_after = m_dialect.table_size(*m_work, m_step.table);
                vacuumed.message =
                    fmt::format("VACUUM {} took {}", m_step.table, format_duration(since(vacuum_started)));
                listener(vacuumed);
            }
            if (pause > std::chrono::microseconds::zero() && !sleep_unless_stopped(pause)) {
                stop(stop_requested());
            }
        }
    } catch (const Error& e) {
        record_failure(e);
        throw;
    }
}

void KeysetBackfill::record_failure(const Error& error) {
    if (error.kind() != ErrorKind::interrupted && m_work) {
        try {
            save_live("failed", error.what());
        } catch (const Error&) {
            // The error the user sees is the first one.
        }
    }
}

}  // namespace migrate

#include "engine/runner.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "support/error.hpp"
#include "support/redact.hpp"
#include "support/retry.hpp"
#include "support/sql_lexer.hpp"
#include "support/stop_signal.hpp"

namespace migrate {

namespace {

std::string step_name(const PhaseRun& run, const Action& action) {
    return fmt::format("{} {} step {} ({}:{})", run.migration->label(), to_string(run.phase), action.step + 1,
                       run.migration->path.string(), action.location.line);
}

Error in_context(const std::string& where, const Error& error) {
    return Error(error.kind(), fmt::format("{}: {}", where, error.what()), error.code(), error.hint(),
                 error.transient());
}

// Runs `work` inside a transaction that commits when it returns and rolls back when it throws.
template <typename Work>
void in_transaction(Connection& connection, Work&& work) {
    connection.begin();
    try {
        work();
        connection.commit();
    } catch (...) {
        connection.rollback();
        throw;
    }
}

}  // namespace

void Runner::run(const Plan& plan) {
    for (const PhaseRun& run : plan.runs) {
        auto started = std::chrono::steady_clock::now();
        m_observer.phase_started(run);
        try {
            if (run.direction == Direction::up && run.phase == Phase::contract && !run.actions.empty()) {
                pass_contract_gate(run);
            }
            if (run.direction == Direction::up && run.phase == Phase::backfill) {
                run_backfill(run);
            } else if (run.transactional()) {
                run_in_one_transaction(run);
            } else {
                run_step_by_step(run);
            }
        } catch (const Error& e) {
            // A gate that closed while earlier phases ran refused the contract before any of it
            // ran: the log says so rather than that it failed.
            if (e.kind() == ErrorKind::gate_closed) {
                record_outcome(run, "gate_closed", e.what());
            } else if (e.kind() != ErrorKind::interrupted) {
                record_outcome(run, "failed", e.what());
            }
            throw;
        }
        m_observer.phase_finished(run,
                                  std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - started));
        // A signal that came while the backfill's last count ran: the phase is recorded, and the
        // next one (a contract, perhaps) is not started.
        if (int signal = stop_requested(); signal != 0 && &run != &plan.runs.back()) {
            throw Error(ErrorKind::interrupted,
                        fmt::format("stopped by {} after {} {}; the next 'migrate apply' goes on from there",
                                    signal_name(signal), run.migration->label(), to_string(run.phase)),
                        signal_name(signal));
        }
    }
}

template <typename Work>
void Runner::transaction(const PhaseRun& run, Work&& work) {
    with_retries(m_options.retry, retry_observer(run), [&] { in_transaction(m_connection, work); });
}

RetryObserver Runner::retry_observer(const PhaseRun& run) {
    return [this, &run](int attempt, Duration delay, const Error& error) {
        m_observer.retrying(&run, attempt, m_options.retry.retries, delay, error);
    };
}

void Runner::run_in_one_transaction(const PhaseRun& run) {
    // A lock timeout anywhere rolls the whole phase back, and the whole phase is tried again.
    transaction(run, [&] {
        for (const Action& action : run.actions) {
            try {
                m_connection.execute_script(action.sql);
            } catch (const Error& e) {
                throw in_context(step_name(run, action), e);
            }
        }
        finish_phase(run);
    });
}

void Runner::run_step_by_step(const PhaseRun& run) {
    const Migration& migration = *run.migration;
    std::optional<std::string> previous_status;
    transaction(run, [&] {
        bool applied = run.direction == Direction::down && !run.part_done;
        PhaseState current = applied ? state_after(run.phase) : state_before(run.phase);
        previous_status = m_store.mark_in_progress(migration, current);
    });
    bool any_recorded = std::any_of(run.actions.begin(), run.actions.end(), [](const Action& a) { return a.done; });
    for (const Action& action : run.actions) {
        if (action.done) {
            continue;
        }
        try {
            if (action.traits.transactional) {
                transaction(run, [&] {
                    m_connection.execute_script(action.sql);
                    m_store.record_step_done(migration, run.phase, run.direction, action.step);
                });
                any_recorded = true;
                continue;
            }
            bool may_have_run = action.may_have_run;
            with_retries(m_options.retry, retry_observer(run), [&] {
                for (const std::string& note : m_dialect.clean_up_before(m_connection, action.sql, may_have_run)) {
                    m_observer.note(run, note);
                }
                may_have_run = true;  // a retry follows an attempt that may have got far
                // Runs on its own; if migrate dies before the record below commits, a rerun
                // repeats this one step (after the clean-up above).
                m_connection.execute_script(action.sql);
            });
            transaction(run, [&] { m_store.record_step_done(migration, run.phase, run.direction, action.step); });
            any_recorded = true;
        } catch (const Error& e) {
            // Nothing of this phase has happened if no step completed and the failed one is a
            // single statement (which the database applies whole or not at all): the state goes
            // back to what it was, so the migration may be fixed and run again.
            if (!any_recorded && split_statements(action.sql).statements.size() <= 1) {
                try {
                    in_transaction(m_connection, [&] { m_store.undo_in_progress(migration, previous_status); });
                } catch (...) {
                    // Left in progress; status shows it, and a rerun starts from the first step.
                }
            }
            throw in_context(step_name(run, action), e);
        }
    }
    transaction(run, [&] { finish_phase(run); });
}

void Runner::run_backfill(const PhaseRun& run) {
    const Migration& migration = *run.migration;
    transaction(run, [&] {
        m_store.mark_in_progress(migration, PhaseState::expanded);
        m_store.append_event(make_event(run, "started", {}));
    });
    // Ctrl-C and a pod's SIGTERM end the batch in flight, not the process.
    StopSignals stop_signals;
    // The backfill works on its own connection; this one holds the runner lock and must still
    // hold it when the phase is recorded as done.
    auto still_locked = [&] {
        try {
            m_connection.query("SELECT 1");
        } catch (const Error& e) {
            throw Error(
                ErrorKind::database,
                fmt::format("the connection that holds the runner lock was lost during the backfill: {}", e.what()),
                e.code(), "the cursor is saved; run 'migrate apply' again to resume");
        }
    };
    auto listener_for = [&](const Action& action) {
        return [&](const BackfillEvent& event) { m_observer.backfill(run, action, event); };
    };
    std::vector<std::unique_ptr<KeysetBackfill>> backfills;
    for (const Action& action : run.actions) {
        BackfillOptions options = m_options.backfill;
        options.retry = m_options.retry;
        backfills.push_back(
            std::make_unique<KeysetBackfill>(m_dialect, m_connect, migration, action.step, action.backfill, options));
    }
    // Each step walks its table; then a count per step decides: done, or another walk for the
    // rows written behind the cursor meanwhile.
    auto for_each_step = [&](const std::function<void(std::size_t)>& work) {
        for (std::size_t k = 0; k < run.actions.size(); ++k) {
            try {
                work(k);
            } catch (const Error& e) {
                if (e.kind() == ErrorKind::interrupted) {
                    record_outcome(run, "interrupted", e.what());
                    throw;
                }
                throw in_context(step_name(run, run.actions[k]), e);
            }
        }
    };
    while (true) {
        for_each_step([&](std::size_t k) { backfills[k]->run(listener_for(run.actions[k]), still_locked); });
        std::vector<std::int64_t> left(run.actions.size(), 0);
        for_each_step(
            [&](std::size_t k) { left[k] = backfills[k]->count_left(listener_for(run.actions[k]), still_locked); });
        if (std::all_of(left.begin(), left.end(), [](std::int64_t n) { return n == 0; })) {
            transaction(run, [&] {
                for (const Action& action : run.actions) {
                    if (auto done = m_store.backfill_progress(migration, action.step)) {
                        done->completed = true;
                        done->run_state = "done";
                        done->throttle.clear();
                        m_store.save_backfill(*done);
                    }
                }
                finish_phase(run);
            });
            break;
        }
        for_each_step([&](std::size_t k) {
            if (left[k] > 0) {
                backfills[k]->next_pass(left[k], listener_for(run.actions[k]));
            }
        });
    }
    for (std::size_t k = 0; k < run.actions.size(); ++k) {
        backfills[k]->report_finished(listener_for(run.actions[k]));
    }
}

void Runner::pass_contract_gate(const PhaseRun& run) {
    // The fleet may have changed during a long backfill since the plan was checked: ask again,
    // under the runner lock, right before the destructive part.
    Fleet fleet = with_retries(m_options.retry, retry_observer(run), [&] { return m_store.fleet(); });
    if (std::optional<std::string> forced = pass_gate(*run.migration, fleet, m_options.gate)) {
        transaction(run, [&] { m_store.append_event(make_event(run, "gate_forced", *forced)); });
    }
}

void Runner::finish_phase(const PhaseRun& run) {
    const Migration& migration = *run.migration;
    if (run.direction == Direction::up) {
        m_store.clear_steps(migration, run.phase);
        m_store.record_phase_applied(migration, run.phase, m_store.next_phase_seq(), m_options.run_by);
        m_store.append_event(make_event(run, "applied", {}));
        return;
    }
    if (run.phase != Phase::contract) {
        m_store.delete_backfills(migration);
    }
    m_store.record_phase_rolled_back(migration, run.phase);
    m_store.append_event(make_event(run, "rolled_back", {}));
}

Event Runner::make_event(const PhaseRun& run, const std::string& outcome, const std::string& detail) const {
    Event event;
    event.run_by = m_options.run_by;
    event.run_on = m_options.run_on;
    event.command = m_options.command;
    event.migration_id = run.migration->id;
    event.phase = std::string(to_string(run.phase));
    event.direction = std::string(to_string(run.direction));
    event.outcome = outcome;
    event.detail = detail;
    return event;
}

void Runner::record_outcome(const PhaseRun& run, const std::string& outcome, const std::string& message) noexcept {
    // What the phase did is rolled back, or checkpointed where it stopped; this separate
    // transaction only adds to the log. If even that fails (the database is gone), the error the
    // user sees is the original one.
    try {
        in_transaction(m_connection, [&] { m_store.append_event(make_event(run, outcome, redact_secrets(message))); });
    } catch (...) {
    }
}

}  // namespace migrate

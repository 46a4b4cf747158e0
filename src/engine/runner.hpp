// Executes a Plan. A phase whose SQL can share a transaction commits in one transaction with its
// state rows and event, or not at all. A phase with a step that cannot run in a transaction runs
// step by step, recording each completed step so that a rerun resumes after it. A backfill runs
// in keyset batches and becomes "backfilled" only once no row matches its `where`. A contract
// starts only once its gate lets it (engine/gate.hpp), asked again right before it runs.
#pragma once

#include <string>

#include "backfill/keyset_backfill.hpp"
#include "engine/gate.hpp"
#include "engine/plan.hpp"
#include "support/retry.hpp"

namespace migrate {

// What a run reports as it goes; the CLI renders it as text or JSON.
class RunObserver {
  public:
    virtual ~RunObserver() = default;
    virtual void phase_started(const PhaseRun& run) = 0;
    virtual void backfill(const PhaseRun& run, const Action& action, const BackfillEvent& event) = 0;
    // A lock wait ran out (or similar); the work is tried again after `delay`. `run` is null for
    // work before the first phase (reading the state store).
    virtual void retrying(const PhaseRun* run, int attempt, int retries, Duration delay, const Error& error) = 0;
    // Something the dialect did on the way that the user should know about.
    virtual void note(const PhaseRun& run, const std::string& message) = 0;
    virtual void phase_finished(const PhaseRun& run, Duration took) = 0;
};

struct RunOptions {
    std::string command;  // as recorded in the event log, passwords already redacted
    std::string run_by;
    std::string run_on;
    BackfillOptions backfill;
    RetryPolicy retry;  // for work that failed on a lock wait, a deadlock or a serialization failure
    GatePolicy gate;
};

class Runner {
  public:
    // `connection` holds the runner lock; `connect` opens the backfills' own connections.
    Runner(const Dialect& dialect, Connection& connection, ConnectionSource connect, StateStore& store,
           RunObserver& observer, RunOptions options)
        : m_dialect(dialect),
          m_connection(connection),
          m_connect(std::move(connect)),
          m_store(store),
          m_observer(observer),
          m_options(std::move(options)) {}

    // Runs every phase of `plan` in order; stops at the first failure and throws it, with the
    // migration, phase, step and file position added to the message.
    void run(const Plan& plan);

  private:
    void run_in_one_transaction(const PhaseRun& run);
    void run_step_by_step(const PhaseRun& run);
    void run_backfill(const PhaseRun& run);
    // Throws when the contract of `run` may not run now; logs a --force that overrides the gate.
    void pass_contract_gate(const PhaseRun& run);
    // Runs `work` in a transaction, the whole transaction retried on transient errors.
    template <typename Work>
    void transaction(const PhaseRun& run, Work&& work);
    RetryObserver retry_observer(const PhaseRun& run);
    // The state rows and event that finish a phase; inside the caller's transaction.
    void finish_phase(const PhaseRun& run);
    Event make_event(const PhaseRun& run, const std::string& outcome, const std::string& detail) const;
    // Appends to the event log how a phase ended early, in a transaction of its own.
    void record_outcome(const PhaseRun& run, const std::string& outcome, const std::string& message) noexcept;

    const Dialect& m_dialect;
    Connection& m_connection;
    ConnectionSource m_connect;
    StateStore& m_store;
    RunObserver& m_observer;
    RunOptions m_options;
};

}  // namespace migrate

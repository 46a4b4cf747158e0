// A migrations directory and the database it targets: the entry point the CLI drives. It loads
// the migrations, reads the state, plans, and for apply and rollback takes the runner lock,
// re-reads the state under it, checks that files and state agree, and runs the plan.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "engine/plan.hpp"
#include "engine/runner.hpp"

namespace migrate {

struct ProjectSettings {
    DatabaseUrl url;
    std::filesystem::path dir;
    DialectOptions dialect;
    Duration lock_timeout{2000};    // per statement, for locks held by application traffic
    Duration statement_timeout{0};  // per statement, zero for none
    Duration lock_wait{0};          // for the runner lock held by another migrate
    RunOptions run;
};

class Project {
  public:
    explicit Project(ProjectSettings settings);

    const ProjectSettings& settings() const { return m_settings; }
    const Dialect& dialect() const { return *m_dialect; }
    // Loaded on first use; throws Error(input) listing every bad file.
    const std::vector<Migration>& migrations();

    // The state as it is now, without writing anything: empty if the database or its state
    // store does not exist yet.
    StateSnapshot read_state();

    // Creates the state store if it is missing; returns whether it had to.
    bool init();

    // What apply or rollback would run now; read-only.
    Plan plan_apply(const ApplyRequest& request);
    Plan plan_rollback(const RollbackRequest& request);

    // Run under the runner lock; return what was run. `check` sees the plan under the lock before
    // anything runs, and refuses it by throwing (apply's linter).
    Plan apply(const ApplyRequest& request, RunObserver& observer, const std::function<void(const Plan&)>& check = {});
    Plan rollback(const RollbackRequest& request, RunObserver& observer);

    // `migrate backfill pause` and `resume`: written at once, without the runner lock (a running
    // backfill holds it), and logged as events. `scope` is a migration id or "*" for all; resume
    // with an empty scope lifts every pause. Throw Error(state) when the store is missing or older
    // than this build.
    void pause_backfills(const std::string& scope, const std::string& reason);
    std::int64_t resume_backfills(const std::string& scope);

    // `migrate fleet register`, the heartbeat of one app instance: not under the runner lock
    // either. Creates or upgrades the state store when it has to; logs an event when the
    // instance is new or reports a version other than before. Returns the version before.
    std::optional<std::string> register_instance(const FleetMember& member);
    // Returns whether the instance was registered.
    bool deregister_instance(const std::string& app, const std::string& instance);
    // `migrate fleet prune`: StateStore::prune_fleet, logged when it removed any.
    std::int64_t prune_fleet(const std::string& app, std::int64_t stale_seconds);
    // Read-only; an empty fleet when the database or its store does not exist yet.
    Fleet read_fleet(const std::string& app);
    // The statement an app runs to heartbeat by itself (StateStore::heartbeat_sql).
    std::string heartbeat_sql() const;

  private:
    struct Session;
    Session open_for_writing();
    ConnectOptions connect_options(bool read_only) const;
    // For pause and resume: `work` in a transaction on a connection of its own, retried while a
    // backfill holds the database busy.
    // `create_store`: create or upgrade a missing or older store first, instead of refusing.
    template <typename Work>
    auto in_control_transaction(Work&& work, bool create_store = false) -> decltype(work(std::declval<StateStore&>()));
    Event control_event(const std::string& scope, const std::string& outcome, const std::string& detail) const;
    Event fleet_event(const std::string& outcome, const std::string& detail) const;
    // Creates the state store if needed and reads it, under the runner lock.
    StateSnapshot prepare_state(StateStore& store, RunObserver& observer) const;
    // Takes the runner lock, reads the state, checks it against the files, and runs the plan
    // `planner` makes of it.
    template <typename Planner>
    Plan run_under_lock(RunObserver& observer, Planner&& planner);

    ProjectSettings m_settings;
    std::unique_ptr<Dialect> m_dialect;
    std::optional<std::vector<Migration>> m_migrations;
};

}  // namespace migrate

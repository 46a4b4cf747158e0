#include "engine/project.hpp"

#include <fmt/format.h>

#include "model/migration_loader.hpp"
#include "support/clock.hpp"
#include "support/error.hpp"
#include "support/retry.hpp"

namespace migrate {

struct Project::Session {
    std::unique_ptr<Connection> connection;
    std::unique_ptr<RunnerLock> lock;
};

Project::Project(ProjectSettings settings)
    : m_settings(std::move(settings)), m_dialect(make_dialect(m_settings.url, m_settings.dialect)) {}

const std::vector<Migration>& Project::migrations() {
    if (!m_migrations) {
        m_migrations = load_migration_directory(m_settings.dir);
    }
    return *m_migrations;
}

StateSnapshot Project::read_state() {
    if (!m_dialect->database_exists(m_settings.url)) {
        return {};
    }
    std::unique_ptr<Connection> connection = m_dialect->connect(m_settings.url, connect_options(true));
    StateStore store(*m_dialect, *connection);
    return store.load();
}

ConnectOptions Project::connect_options(bool read_only) const {
    ConnectOptions options;
    options.lock_timeout = m_settings.lock_timeout;
    options.statement_timeout = m_settings.statement_timeout;
    options.read_only = read_only;
    return options;
}

Project::Session Project::open_for_writing() {
    Session session;
    session.connection = m_dialect->connect(m_settings.url, connect_options(false));
    session.lock = m_dialect->lock_runner(*session.connection, m_settings.url, m_settings.lock_wait);
    return session;
}

bool Project::init() {
    Session session = open_for_writing();
    StateStore store(*m_dialect, *session.connection);
    if (store.initialized()) {
        return false;
    }
    store.initialize();
    return true;
}

StateSnapshot Project::prepare_state(StateStore& store, RunObserver& observer) const {
    // The application may hold the database busy right now, as it may during any phase.
    RetryObserver report = [&](int attempt, Duration delay, const Error& error) {
        observer.retrying(nullptr, attempt, m_settings.run.retry.retries, delay, error);
    };
    return with_retries(m_settings.run.retry, report, [&] {
        store.initialize();
        return store.load();
    });
}

Plan Project::plan_apply(const ApplyRequest& request) {
    const std::vector<Migration>& all = migrations();
    StateSnapshot state = read_state();
    require_consistent(all, state);
    return migrate::plan_apply(all, state, request, *m_dialect);
}

Plan Project::plan_rollback(const RollbackRequest& request) {
    const std::vector<Migration>& all = migrations();
    StateSnapshot state = read_state();
    require_consistent(all, state);
    return migrate::plan_rollback(all, state, request, *m_dialect);
}

template <typename Planner>
Plan Project::run_under_lock(RunObserver& observer, Planner&& planner) {
    Session session = open_for_writing();
    StateStore store(*m_dialect, *session.connection);
    StateSnapshot state = prepare_state(store, observer);
    require_consistent(migrations(), state);
    Plan plan = planner(state);
    ConnectionSource connect = [this] {
        ConnectOptions options = connect_options(false);
        options.application_name = "migrate backfill";
        return m_dialect->connect(m_settings.url, options);
    };
    Runner(*m_dialect, *session.connection, connect, store, observer, m_settings.run).run(plan);
    return plan;
}

Plan Project::apply(const ApplyRequest& request, RunObserver& observer, const std::function<void(const Plan&)>& check) {
    // Bad files and bad requests are reported before anything is locked or created.
    check_request(migrations(), request);
    return run_under_lock(observer, [&](const StateSnapshot& state) {
        Plan plan = migrate::plan_apply(migrations(), state, request, *m_dialect);
        if (check) {
            check(plan);
        }
        // A closed gate refuses the whole run before anything of it starts; the runner asks
        // again before each contract.
        for (const PhaseRun& run : plan.runs) {
            if (run.phase == Phase::contract && run.direction == Direction::up && !run.actions.empty()) {
                pass_gate(*run.migration, state.fleet, m_settings.run.gate);
            }
        }
        return plan;
    });
}

Plan Project::rollback(const RollbackRequest& request, RunObserver& observer) {
    check_request(migrations(), request);
    if (!m_dialect->database_exists(m_settings.url)) {
        return {};  // nothing was ever applied there; do not create it
    }
    return run_under_lock(observer, [&](const StateSnapshot& state) {
        return migrate::plan_rollback(migrations(), state, request, *m_dialect);
    });
}

namespace {

void require_current_store(StateStore& store, const DatabaseUrl& url) {
    // initialized() first: layout() reads a table that may not exist.
    int layout = store.initialized() ? store.layout() : 0;
    if (layout == 0) {
        throw Error(
            ErrorKind::state,
            fmt::format("{} has no migrate state yet: nothing has been applied or registered there", url.redacted()),
            {}, "check --database-url");
    }
    if (layout < StateStore::schema_version) {
        throw Error(ErrorKind::state,
                    fmt::format("the state store on {} has layout {}, from an older migrate", url.redacted(), layout),
                    {}, "run 'migrate init' once to upgrade it");
    }
}

}  // namespace

template <typename Work>
auto Project::in_control_transaction(Work&& work, bool create_store) -> decltype(work(std::declval<StateStore&>())) {
    std::unique_ptr<Connection> connection = m_dialect->connect(m_settings.url, connect_options(false));
    StateStore store(*m_dialect, *connection);
    if (create_store && (!store.initialized() || store.layout() < StateStore::schema_version)) {
        with_retries(m_settings.run.retry, {}, [&] { store.initialize(); });
    }
    require_current_store(store, m_settings.url);
    // A running backfill writes batch after batch: the write may have to wait for a gap.
    return with_retries(m_settings.run.retry, {}, [&] {
        connection->begin();
        try {
            auto result = work(store);
            connection->commit();
            return result;
        } catch (...) {
            connection->rollback();
            throw;
        }
    });
}

Event Project::control_event(const std::string& scope, const std::string& outcome, const std::string& detail) const {
    return {0,
            {},
            m_settings.run.run_by,
            m_settings.run.run_on,
            m_settings.run.command,
            scope == "*" ? "" : scope,
            "backfill",
            "up",
            outcome,
            detail};
}

void Project::pause_backfills(const std::string& scope, const std::string& reason) {
    in_control_transaction([&](StateStore& store) {
        store.pause_backfills(
            {scope, fmt::format("{} on {}", m_settings.run.run_by, m_settings.run.run_on), utc_timestamp(), reason});
        store.append_event(control_event(scope, "paused", reason));
        return true;
    });
}

std::int64_t Project::resume_backfills(const std::string& scope) {
    return in_control_transaction([&](StateStore& store) {
        std::int64_t lifted = store.resume_backfills(scope);
        if (lifted > 0) {
            store.append_event(control_event(scope, "resumed", {}));
        }
        return lifted;
    });
}

Event Project::fleet_event(const std::string& outcome, const std::string& detail) const {
    Event event;
    event.run_by = m_settings.run.run_by;
    event.run_on = m_settings.run.run_on;
    event.command = m_settings.run.command;
    event.outcome = outcome;
    event.detail = detail;
    return event;
}

std::optional<std::string> Project::register_instance(const FleetMember& member) {
    return in_control_transaction(
        [&](StateStore& store) {
            std::optional<std::string> before = store.register_instance(member);
            // A heartbeat every few seconds would drown the log: only what changes is logged.
            std::string who = fmt::format("{}/{} runs {}", member.app, member.instance, member.version);
            if (!before) {
                store.append_event(fleet_event("registered", who));
            } else if (*before != member.version) {
                store.append_event(fleet_event("registered", fmt::format("{} (was {})", who, *before)));
            }
            return before;
        },
        true);
}

bool Project::deregister_instance(const std::string& app, const std::string& instance) {
    return in_control_transaction([&](StateStore& store) {
        bool removed = store.deregister_instance(app, instance);
        if (removed) {
            store.append_event(fleet_event("deregistered", fmt::format("{}/{}", app, instance)));
        }
        return removed;
    });
}

std::int64_t Project::prune_fleet(const std::string& app, std::int64_t stale_seconds) {
    return in_control_transaction([&](StateStore& store) {
        std::int64_t removed = store.prune_fleet(app, stale_seconds);
        if (removed > 0) {
            store.append_event(fleet_event(
                "pruned", fmt::format("{} instance{} of {} stale for over {}s", removed, removed == 1 ? "" : "s",
                                      app.empty() ? "every app" : app, stale_seconds)));
        }
        return removed;
    });
}

Fleet Project::read_fleet(const std::string& app) {
    if (!m_dialect->database_exists(m_settings.url)) {
        return {};
    }
    std::unique_ptr<Connection> connection = m_dialect->connect(m_settings.url, connect_options(true));
    StateStore store(*m_dialect, *connection);
    if (!store.initialized() || store.layout() < StateStore::fleet_layout) {
        return {};
    }
    return store.fleet(app);
}

std::string Project::heartbeat_sql() const {
    return fleet_heartbeat_sql(*m_dialect);
}

}  // namespace migrate

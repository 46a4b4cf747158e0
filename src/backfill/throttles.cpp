#include "backfill/throttles.hpp"

#include <system_error>

#include <fmt/format.h>

#include "state/state_store.hpp"
#include "support/error.hpp"

namespace migrate {

namespace {

class PauseRequestThrottle final : public Throttle {
  public:
    PauseRequestThrottle(const Dialect& dialect, std::string migration_id)
        : m_dialect(dialect), m_migration_id(std::move(migration_id)) {}

    std::string check(Connection& work) override {
        StateStore store(m_dialect, work);
        for (const BackfillPause& pause : store.backfill_pauses()) {
            if (pause.scope == "*" || pause.scope == m_migration_id) {
                return fmt::format("paused by {} at {}{}{}", pause.paused_by, pause.paused_at,
                                   pause.reason.empty() ? "" : ": ", pause.reason);
            }
        }
        return {};
    }

  private:
    const Dialect& m_dialect;
    std::string m_migration_id;
};

class PauseFileThrottle final : public Throttle {
  public:
    explicit PauseFileThrottle(std::filesystem::path path) : m_path(std::move(path)) {}

    std::string check(Connection&) override {
        std::error_code error;
        if (std::filesystem::exists(m_path, error)) {
            return fmt::format("pause file {} exists", m_path.string());
        }
        return {};
    }

  private:
    std::filesystem::path m_path;
};

class ReplicaLagThrottle final : public Throttle {
  public:
    ReplicaLagThrottle(const Dialect& dialect, DatabaseUrl replica, Duration max_lag, ConnectOptions options)
        : m_dialect(dialect), m_replica(std::move(replica)), m_max_lag(max_lag), m_options(std::move(options)) {
        // A replica given by mistake (the primary, a typo) is refused before the first batch,
        // instead of holding the backfill for ever.
        m_connection = m_dialect.connect(m_replica, m_options);
        m_dialect.replica_lag(*m_connection);
    }

    std::string check(Connection&) override {
        std::optional<Duration> lag;
        try {
            if (!m_connection) {
                m_connection = m_dialect.connect(m_replica, m_options);
            }
            lag = m_dialect.replica_lag(*m_connection);
        } catch (const Error& e) {
            if (e.kind() == ErrorKind::usage) {
                throw;
            }
            m_connection.reset();
            return fmt::format("replica {} cannot be read: {}", m_replica.redacted(), e.what());
        }
        if (!lag) {
            return fmt::format("replica {} does not say how far behind it is (replication stopped?)",
                               m_replica.redacted());
        }
        if (*lag > m_max_lag) {
            return fmt::format("replica lag {} > {} on {}", format_duration(*lag), format_duration(m_max_lag),
                               m_replica.redacted());
        }
        return {};
    }

  private:
    const Dialect& m_dialect;
    DatabaseUrl m_replica;
    Duration m_max_lag;
    ConnectOptions m_options;
    std::unique_ptr<Connection> m_connection;
};

class LoadThrottle final : public Throttle {
  public:
    LoadThrottle(const Dialect& dialect, std::optional<std::int64_t> pause_at, std::optional<std::int64_t> abort_at)
        : m_dialect(dialect), m_pause_at(pause_at), m_abort_at(abort_at) {}

    std::string check(Connection& work) override {
        std::optional<std::int64_t> load = m_dialect.server_load(work);
        if (!load) {
            throw Error(ErrorKind::usage,
                        fmt::format("{} does not report its load; --max-load and --critical-load are for PostgreSQL "
                                    "and MySQL",
                                    m_dialect.name()));
        }
        if (m_abort_at && *load >= *m_abort_at) {
            throw Error(ErrorKind::database,
                        fmt::format("backfill stopped: the server runs {} statements besides it, at or over "
                                    "--critical-load {}",
                                    *load, *m_abort_at),
                        {}, "the cursor is saved; run the backfill again when the load is lower");
        }
        if (m_pause_at && *load >= *m_pause_at) {
            return fmt::format("server load {} >= --max-load {}", *load, *m_pause_at);
        }
        return {};
    }

  private:
    const Dialect& m_dialect;
    std::optional<std::int64_t> m_pause_at;
    std::optional<std::int64_t> m_abort_at;
};

}  // namespace

std::unique_ptr<Throttle> make_pause_request_throttle(const Dialect& dialect, std::string migration_id) {
    return std::make_unique<PauseRequestThrottle>(dialect, std::move(migration_id));
}

std::unique_ptr<Throttle> make_pause_file_throttle(std::filesystem::path path) {
    return std::make_unique<PauseFileThrottle>(std::move(path));
}

std::unique_ptr<Throttle> make_replica_lag_throttle(const Dialect& dialect, DatabaseUrl replica, Duration max_lag,
                                                    ConnectOptions options) {
    return std::make_unique<ReplicaLagThrottle>(dialect, std::move(replica), max_lag, std::move(options));
}

std::unique_ptr<Throttle> make_load_throttle(const Dialect& dialect, std::optional<std::int64_t> pause_at,
                                             std::optional<std::int64_t> abort_at) {
    return std::make_unique<LoadThrottle>(dialect, pause_at, abort_at);
}

}  // namespace migrate

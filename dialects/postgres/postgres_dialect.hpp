// The PostgreSQL back-end (postgres:// and postgresql:// URLs, libpq's environment variables for
// whatever the URL leaves out). State lives in its own schema; DDL that PostgreSQL refuses in a
// transaction block (CREATE INDEX CONCURRENTLY and its kind) is detected so the engine runs it
// on its own; the runner lock is a session advisory lock. The backfill's probes read the
// recovery functions of a replica, pg_stat_activity and the planner's statistics.
#pragma once

#include <fmt/format.h>

#include "dialects/dialect.hpp"

namespace migrate {

class PostgresDialect final : public Dialect {
  public:
    explicit PostgresDialect(DialectOptions options) : m_options(std::move(options)) {}

    std::string_view name() const override { return "postgres"; }

    std::unique_ptr<Connection> connect(const DatabaseUrl& url, const ConnectOptions& options) const override;
    bool database_exists(const DatabaseUrl& url) const override;
    std::unique_ptr<RunnerLock> lock_runner(Connection& connection, const DatabaseUrl& url,
                                            Duration wait) const override;

    std::string quote_identifier(std::string_view name) const override;
    std::string placeholder(std::size_t n) const override { return fmt::format("${}", n); }
    std::string state_table(std::string_view name) const override;
    std::string state_column_type(StateColumn column) const override;
    void create_state_namespace(Connection& connection) const override;
    bool state_table_exists(Connection& connection, std::string_view name) const override;
    std::string epoch_now_sql() const override { return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS BIGINT)"; }

    SqlTraits classify(std::string_view sql) const override;
    std::vector<std::string> clean_up_before(Connection& connection, std::string_view sql,
                                             bool may_have_run) const override;
    std::vector<std::string> key_columns(Connection& connection, std::string_view table) const override;

    bool can_watch_replicas_and_load() const override { return true; }
    std::optional<Duration> replica_lag(Connection& replica) const override;
    std::optional<std::int64_t> server_load(Connection& connection) const override;
    std::optional<std::int64_t> table_size(Connection& connection, std::string_view table) const override;
    std::optional<std::int64_t> estimated_rows(Connection& connection, std::string_view table) const override;
    std::optional<std::int64_t> table_pages(Connection& connection, std::string_view table) const override;
    std::string page_range(std::int64_t first, std::optional<std::int64_t> end) const override;
    bool can_vacuum() const override { return true; }
    bool can_write_in_with() const override { return true; }
    void vacuum_table(Connection& connection, std::string_view table) const override;
    bool connection_lost(const Error& error) const override;

    // The advisory lock key of a state schema: runners of one schema exclude each other, and
    // two schemas in one database (two apps) do not.
    static std::int64_t runner_lock_key(std::string_view state_schema);

  private:
    DialectOptions m_options;
};

}  // namespace migrate

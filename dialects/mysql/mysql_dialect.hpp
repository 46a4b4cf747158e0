// The MySQL / MariaDB back-end (mysql:// and mariadb:// URLs). DDL commits implicitly there, so
// every DDL statement is a step of its own, recorded as soon as it succeeds; ALTERs run online
// (INSTANT, else INPLACE without locks) or are refused; the runner lock is GET_LOCK. The backfill's
// probes read SHOW REPLICA STATUS, Threads_running and InnoDB's table statistics.
#pragma once

#include "dialects/dialect.hpp"

namespace migrate {

class MysqlDialect final : public Dialect {
  public:
    explicit MysqlDialect(DialectOptions options) : m_options(std::move(options)) {}

    std::string_view name() const override { return "mysql"; }

    std::unique_ptr<Connection> connect(const DatabaseUrl& url, const ConnectOptions& options) const override;
    bool database_exists(const DatabaseUrl& url) const override;
    std::unique_ptr<RunnerLock> lock_runner(Connection& connection, const DatabaseUrl& url,
                                            Duration wait) const override;

    std::string quote_identifier(std::string_view name) const override;
    std::string placeholder(std::size_t) const override { return "?"; }
    std::string state_table(std::string_view name) const override;
    std::string state_column_type(StateColumn column) const override;
    void create_state_namespace(Connection&) const override {}
    bool state_table_exists(Connection& connection, std::string_view name) const override;
    std::string epoch_now_sql() const override { return "UNIX_TIMESTAMP()"; }
    std::string upsert_sql(std::string_view table, const std::vector<std::string>& columns,
                           const std::vector<std::string>& values, const std::vector<std::string>& key_columns,
                           const std::vector<std::string>& update_columns) const override;

    SqlTraits classify(std::string_view sql) const override;
    std::vector<std::string> clean_up_before(Connection& connection, std::string_view sql,
                                             bool may_have_run) const override;
    std::string key_compare(const std::vector<std::string>& columns, std::string_view op, const Row& key,
                            std::vector<Value>& params) const override;
    std::vector<std::string> key_columns(Connection& connection, std::string_view table) const override;

    bool can_watch_replicas_and_load() const override { return true; }
    std::optional<Duration> replica_lag(Connection& replica) const override;
    std::optional<std::int64_t> server_load(Connection& connection) const override;
    std::optional<std::int64_t> table_size(Connection& connection, std::string_view table) const override;
    std::optional<std::int64_t> estimated_rows(Connection& connection, std::string_view table) const override;
    bool connection_lost(const Error& error) const override;

  private:
    DialectOptions m_options;
};

}  // namespace migrate

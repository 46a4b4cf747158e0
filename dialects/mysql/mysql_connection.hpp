// A Connection to MySQL or MariaDB through mysql-connector-c++ 1.1: one session with
// lock_wait_timeout set, statements of a script run one by one, ALTERs given the strongest online
// algorithm the server accepts, and connector exceptions turned into migrate::Error with the
// server's error number (lock wait timeouts and deadlocks marked transient).
#pragma once

#include <memory>

#include "dialects/dialect.hpp"
#include "dialects/mysql/mysql_url.hpp"

namespace sql {
class Connection;
}  // namespace sql

namespace migrate {

class MysqlConnection final : public Connection {
  public:
    MysqlConnection(const MysqlTarget& target, const DatabaseUrl& url, const ConnectOptions& options,
                    bool require_online_ddl);
    ~MysqlConnection() override;

    void execute_script(std::string_view sql) override;
    std::int64_t execute(std::string_view sql, const std::vector<Value>& params) override;
    QueryResult query(std::string_view sql, const std::vector<Value>& params) override;

    void begin() override;
    void commit() override;
    void rollback() noexcept override;

  private:
    void run_statement(const std::string& sql);
    // Runs an ALTER / CREATE INDEX / DROP INDEX with ALGORITHM=INSTANT, else INPLACE with
    // LOCK=NONE; refuses it when the server would need a blocking table copy.
    void run_online(const std::string& sql, bool after_comma);

    std::unique_ptr<sql::Connection> m_connection;
    bool m_require_online_ddl;
    bool m_in_transaction = false;
};

// Opens a session without choosing a database, to learn whether `target.database` exists.
bool mysql_database_exists(const MysqlTarget& target, const DatabaseUrl& url);

}  // namespace migrate

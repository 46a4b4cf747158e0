// A Connection to PostgreSQL through libpqxx 6: one session with lock_timeout and
// statement_timeout set, transactions driven by the engine, and every libpqxx exception turned
// into a migrate::Error carrying the SQLSTATE (lock timeouts, deadlocks and serialization
// failures marked transient, so the runner retries them).
#pragma once

#include <memory>

#include "dialects/dialect.hpp"

namespace migrate {

class PostgresConnection final : public Connection {
  public:
    PostgresConnection(const DatabaseUrl& url, const ConnectOptions& options);
    ~PostgresConnection() override;

    void execute_script(std::string_view sql) override;
    std::int64_t execute(std::string_view sql, const std::vector<Value>& params) override;
    QueryResult query(std::string_view sql, const std::vector<Value>& params) override;

    void begin() override;
    void commit() override;
    void rollback() noexcept override;

  private:
    struct Session;  // the libpqxx objects, kept out of this header
    std::unique_ptr<Session> m_session;
    bool m_in_transaction = false;
    Duration m_lock_timeout;
};

// Connects to check whether `url` names an existing database: false when the server says it
// does not exist, an Error for any other failure.
bool postgres_database_exists(const DatabaseUrl& url);

}  // namespace migrate

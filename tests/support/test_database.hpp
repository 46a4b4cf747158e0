// One throwaway database per test, the same interface on every dialect, so the integration suites
// run each case on SQLite, PostgreSQL and MySQL (MariaDB) alike: the URL migrate is given, reads
// and writes made the way a user would check them (never through migrate's own Connection
// classes), and a dump of schema and rows for "data and state exactly as before" comparisons.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace migrate::testing {

using Rows = std::vector<std::vector<std::string>>;

// An application transaction that holds a lock making DDL on a table wait (on SQLite the write
// lock on the whole file). Rolled back on destruction unless released first.
class HeldLock {
  public:
    virtual ~HeldLock() = default;
    // Commits the transaction; may be called from another thread than the one that took it.
    virtual void release() = 0;
};

class TestDatabase {
  public:
    virtual ~TestDatabase() = default;

    virtual std::string_view dialect() const = 0;
    // The URL to give migrate (--database-url). It may hold a password.
    virtual std::string url() const = 0;

    // Rows of a query, every value as text ("NULL" for NULL).
    virtual Rows rows(const std::string& sql) = 0;
    // The single value of a query that returns one row and one column.
    std::string value(const std::string& sql);
    // The single value, or nullopt when a writer holds what the query needs right now or the
    // table it reads does not exist yet: for polling a database that a migrate process is
    // writing to, without waiting on it.
    virtual std::optional<std::string> try_value(const std::string& sql) = 0;
    // Runs statements, committed at once.
    virtual void exec(const std::string& sql) = 0;
    // Schema and rows of every table, in key order, as one text; tables named in `skip_tables`
    // (as state_table() or user_table() name them) contribute their schema but not their rows.
    virtual std::string dump(const std::vector<std::string>& skip_tables = {}) = 0;

    // A state table by its role ("migrations", "events", ...), as SQL: "_migrate_migrations" on
    // SQLite and MySQL, "migrate.migrations" on PostgreSQL.
    virtual std::string state_table(std::string_view name) const = 0;
    // The columns of a user table, in their order.
    virtual std::vector<std::string> columns(const std::string& table) = 0;
    bool has_column(const std::string& table, const std::string& column);
    // The user's tables (not migrate's), sorted, separated by spaces.
    virtual std::string user_tables() = 0;

    // Waits until no other session uses the database (held locks count: release them first).
    // After a client is killed, PostgreSQL and MySQL roll back its open transaction and release
    // its locks (MySQL also its GET_LOCK) only once the server has noticed; SQLite has nothing
    // to wait for.
    virtual void wait_for_other_sessions() {}

    // Starts an application transaction that holds a lock `ALTER TABLE table` must wait for.
    virtual std::unique_ptr<HeldLock> hold_lock(const std::string& table) = 0;
};

// A fresh database of `dialect` ("sqlite", "postgres" or "mysql"). PostgreSQL and MySQL databases
// are created on the server MIGRATE_TEST_POSTGRES_URL or MIGRATE_TEST_MYSQL_URL names and dropped
// again by the destructor. Throws when the dialect is unknown or its server is not available (see
// dialect_unavailable).
std::unique_ptr<TestDatabase> make_test_database(std::string_view dialect);

// The dialects this build can test: the GoogleTest parameter list of the integration suites.
std::vector<std::string> test_dialects();
// The dialects whose SQL migrations-example carries, for the suites that apply it.
std::vector<std::string> example_dialects();
// Parameter names for INSTANTIATE_TEST_SUITE_P: the dialect itself.
std::string dialect_param_name(const ::testing::TestParamInfo<std::string>& info);

// Why `dialect` cannot be tested here (its server is not configured), or nullopt when it can.
std::optional<std::string> dialect_unavailable(std::string_view dialect);
// True when the CI environment variable is set: a server that is missing is then a failure.
bool running_in_ci();

// The base of every dialect-parameterized suite: one fresh database per test. Without its
// server the test fails in CI and is skipped elsewhere, saying how to run it. A derived SetUp
// calls this one first and returns if IsSkipped() or HasFatalFailure().
class DialectTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override;

    TestDatabase& db() { return *m_db; }
    const std::string& dialect() const { return GetParam(); }
    bool is_sqlite() const { return GetParam() == "sqlite"; }
    bool is_postgres() const { return GetParam() == "postgres"; }
    bool is_mysql() const { return GetParam() == "mysql"; }

    std::unique_ptr<TestDatabase> m_db;
};

// "a,b,c" for rows a, b, c of one column: comparisons that SQLite writes with group_concat and
// PostgreSQL with string_agg, written once.
std::string joined(const Rows& rows, const std::string& separator = ",");

// The password in a server URL ("scheme://user:PASSWORD@host..."), or "" if it has none: what
// must never show in migrate's output.
std::string url_password(const std::string& url);

#ifdef MIGRATE_WITH_MYSQL

// A MySQL error as the server reported it.
class MysqlError : public std::runtime_error {
  public:
    MysqlError(const std::string& message, int code) : std::runtime_error(message), m_code(code) {}
    int code() const { return m_code; }

  private:
    int m_code;
};

// One client session on a MySQL server, through mysql-connector-c++ and not migrate's own
// classes: what the TestDatabase reads and writes with, and what MySQL-only tests use for the
// application's sessions (a reader, a blocker, another runner). `url` is
// mysql://user:password@host:port/database, or ...@localhost/database?socket=PATH. The tests'
// own SQL concatenates with ||, as on the other databases, so the session sets PIPES_AS_CONCAT.
// Autocommit is on.
class MysqlSession {
  public:
    explicit MysqlSession(const std::string& url);
    ~MysqlSession();
    MysqlSession(const MysqlSession&) = delete;
    MysqlSession& operator=(const MysqlSession&) = delete;

    // Rows of one statement, every value as text ("NULL" for NULL). Throws MysqlError.
    Rows rows(const std::string& sql);
    std::string value(const std::string& sql);
    // Runs statements separated by ';' (not inside quotes), each committed unless a transaction
    // is open. Throws MysqlError.
    void exec(const std::string& sql);
    // The server's id of this session (CONNECTION_ID()), as KILL and the process list name it.
    std::int64_t id() const { return m_id; }

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::int64_t m_id = 0;
};

#endif  // MIGRATE_WITH_MYSQL

}  // namespace migrate::testing

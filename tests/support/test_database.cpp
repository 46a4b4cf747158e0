// The TestDatabase implementations: SQLite files in a temp folder through SQLiteCpp, PostgreSQL
// databases created per test on the server the test scripts start, through libpqxx, and MySQL
// databases the same way through mysql-connector-c++.
#include "test_database.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>

#include "test_support.hpp"

#ifdef MIGRATE_WITH_POSTGRES
#include <pqxx/pqxx>
#endif
#ifdef MIGRATE_WITH_MYSQL
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_connection.h>
#include <mysql_driver.h>
#endif

namespace migrate::testing {

namespace {

constexpr const char* postgres_url_variable = "MIGRATE_TEST_POSTGRES_URL";
constexpr const char* mysql_url_variable = "MIGRATE_TEST_MYSQL_URL";

// Helpers of the server dialects, unused in a build with neither.
[[maybe_unused]] bool is_skipped(const std::vector<std::string>& skip_tables, const std::string& name) {
    return std::find(skip_tables.begin(), skip_tables.end(), name) != skip_tables.end();
}

// The server URL with its path (the database name) replaced by `database`; user, password, host,
// port and query parameters stay.
[[maybe_unused]] std::string with_database(const std::string& url, const std::string& database) {
    std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
        throw std::runtime_error("a test server URL must look like scheme://user:password@host:port/");
    }
    std::size_t path = url.find('/', scheme_end + 3);
    std::size_t query = url.find('?', scheme_end + 3);
    std::string authority = url.substr(0, std::min(path, query));
    std::string rest = query == std::string::npos ? "" : url.substr(query);
    return authority + "/" + database + rest;
}

// The URL in the environment variable `variable`; throws when it is not set.
[[maybe_unused]] std::string server_url(const char* variable) {
    const char* url = std::getenv(variable);
    if (url == nullptr || *url == '\0') {
        throw std::runtime_error(std::string(variable) + " is not set");
    }
    return url;
}

[[maybe_unused]] std::string random_database_name() {
    static thread_local std::mt19937_64 random{std::random_device{}()};
    std::ostringstream name;
    name << "migrate_test_" << std::hex << random();
    return name.str();
}

class SqliteHeldLock final : public HeldLock {
  public:
    explicit SqliteHeldLock(const std::filesystem::path& file) : m_database(file.string(), SQLite::OPEN_READWRITE) {
        // The write lock, as an application's write transaction holds it until it commits.
        m_database.exec("BEGIN IMMEDIATE");
    }
    ~SqliteHeldLock() override {
        if (!m_released) {
            try {
                m_database.exec("ROLLBACK");
            } catch (...) {
            }
        }
    }
    void release() override {
        m_database.exec("COMMIT");
        m_released = true;
    }

  private:
    SQLite::Database m_database;
    bool m_released = false;
};

class SqliteTestDatabase final : public TestDatabase {
  public:
    SqliteTestDatabase() : m_file(m_dir / "app.db") {}

    std::string_view dialect() const override { return "sqlite"; }
    std::string url() const override { return "sqlite:" + m_file.string(); }

    Rows rows(const std::string& sql) override { return sqlite_rows(m_file, sql); }
    std::optional<std::string> try_value(const std::string& sql) override {
        if (!std::filesystem::exists(m_file)) {
            return std::nullopt;
        }
        try {
            return sqlite_try_value(m_file, sql);
        } catch (const SQLite::Exception& e) {
            // migrate has not created the state store yet.
            if (std::string(e.what()).find("no such table") != std::string::npos) {
                return std::nullopt;
            }
            throw;
        }
    }
    void exec(const std::string& sql) override { sqlite_exec(m_file, sql); }
    std::string dump(const std::vector<std::string>& skip_tables) override { return sqlite_dump(m_file, skip_tables); }

    std::string state_table(std::string_view name) const override { return "_migrate_" + std::string(name); }
    std::vector<std::string> columns(const std::string& table) override {
        std::vector<std::string> out;
        for (const auto& row : rows("SELECT name FROM pragma_table_info('" + table + "') ORDER BY cid")) {
            out.push_back(row[0]);
        }
        return out;
    }
    std::string user_tables() override {
        std::string out;
        for (const auto& row :
             rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_migrate\\_%' ESCAPE '\\' "
                  "ORDER BY name")) {
            out += (out.empty() ? "" : " ") + row[0];
        }
        return out;
    }

    std::unique_ptr<HeldLock> hold_lock(const std::string&) override {
        return std::make_unique<SqliteHeldLock>(m_file);
    }

  private:
    TempDir m_dir;
    std::filesystem::path m_file;
};

#ifdef MIGRATE_WITH_POSTGRES

std::string field_text(const pqxx::field& field) {
    return field.is_null() ? "NULL" : std::string(field.c_str());
}

Rows to_rows(const pqxx::result& result) {
    Rows out;
    for (const auto& row : result) {
        std::vector<std::string> values;
        for (const auto& field : row) {
            values.push_back(field_text(field));
        }
        out.push_back(std::move(values));
    }
    return out;
}

class PostgresHeldLock final : public HeldLock {
  public:
    PostgresHeldLock(const std::string& url, const std::string& table) : m_connection(url) {
        m_transaction = std::make_unique<pqxx::work>(m_connection);
        // ACCESS SHARE until commit: what any reading transaction of the application holds, and
        // enough to make ALTER TABLE (ACCESS EXCLUSIVE) wait.
        m_transaction->exec("SELECT * FROM " + m_connection.quote_name(table) + " LIMIT 1");
    }
    ~PostgresHeldLock() override {
        try {
            if (m_transaction) {
                m_transaction->abort();
            }
        } catch (...) {
        }
    }
    void release() override {
        m_transaction->commit();
        m_transaction.reset();
    }

  private:
    pqxx::connection m_connection;
    std::unique_ptr<pqxx::work> m_transaction;
};

class PostgresTestDatabase final : public TestDatabase {
  public:
    PostgresTestDatabase() : m_server_url(server_url(postgres_url_variable)), m_name(random_database_name()) {
        pqxx::connection admin(m_server_url);
        pqxx::nontransaction create(admin);
        create.exec("CREATE DATABASE " + admin.quote_name(m_name));
        m_url = with_database(m_server_url, m_name);
    }

    ~PostgresTestDatabase() override {
        m_connection.reset();
        try {
            // FORCE ends the sessions a killed or still running migrate left behind.
            pqxx::connection admin(m_server_url);
            pqxx::nontransaction drop(admin);
            drop.exec("DROP DATABASE IF EXISTS " + admin.quote_name(m_name) + " WITH (FORCE)");
        } catch (const std::exception& e) {
            ADD_FAILURE() << "cannot drop the test database " << m_name << ": " << e.what();
        }
    }

    std::string_view dialect() const override { return "postgres"; }
    std::string url() const override { return m_url; }

    Rows rows(const std::string& sql) override {
        pqxx::nontransaction read(connection());
        return to_rows(read.exec(sql));
    }

    std::optional<std::string> try_value(const std::string& sql) override {
        try {
            pqxx::work read(connection());
            // Readers do not wait for writers on PostgreSQL, but they do wait for DDL that a
            // migrate phase holds until it commits.
            read.exec("SET LOCAL lock_timeout = '50ms'");
            pqxx::result result = read.exec(sql);
            read.commit();
            if (result.empty()) {
                return std::nullopt;
            }
            return field_text(result[0][0]);
        } catch (const pqxx::sql_error& e) {
            // 55P03: the lock wait ran out; 42P01: migrate has not created the table yet.
            if (e.sqlstate() == "55P03" || e.sqlstate() == "42P01") {
                return std::nullopt;
            }
            throw;
        }
    }

    void exec(const std::string& sql) override {
        pqxx::work write(connection());
        write.exec(sql);
        write.commit();
    }

    std::string dump(const std::vector<std::string>& skip_tables) override {
        pqxx::nontransaction read(connection());
        std::ostringstream out;
        // Functions first: trigger functions belong to the schema as much as tables do.
        for (const auto& function :
             read.exec("SELECT n.nspname || '.' || p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
                       "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IN ('public', 'migrate') "
                       "AND p.prokind IN ('f', 'p') ORDER BY 1, 2")) {
            out << "== function " << function[0].c_str() << "\n" << function[1].c_str() << "\n";
        }
        for (const auto& table :
             read.exec("SELECT n.nspname, c.relname, c.relkind, c.oid FROM pg_class c "
                       "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'migrate') "
                       "AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY 1, 2")) {
            std::string schema = table[0].c_str();
            std::string name = table[1].c_str();
            std::string oid = table[3].c_str();
            std::string qualified = read.quote_name(schema) + "." + read.quote_name(name);
            out << "== " << schema << "." << name << " (" << table[2].c_str() << ")\n";
            for (const auto& column : read.exec_params(
                     "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
                     "coalesce(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity FROM pg_attribute a "
                     "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                     "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                     oid)) {
                std::string default_value = column[3].c_str();
                std::string identity = column[4].c_str();
                out << "column " << column[0].c_str() << " " << column[1].c_str()
                    << (std::string(column[2].c_str()) == "t" ? " NOT NULL" : "")
                    << (default_value.empty() ? "" : " DEFAULT " + default_value)
                    << (identity.empty() ? "" : " IDENTITY " + identity) << "\n";
            }
            for (const auto& constraint : read.exec_params(
                     "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::oid "
                     "ORDER BY 1",
                     oid)) {
                out << "constraint " << constraint[0].c_str() << " " << constraint[1].c_str() << "\n";
            }
            for (const auto& index : read.exec_params(
                     "SELECT pg_get_indexdef(i.indexrelid), i.indisvalid FROM pg_index i "
                     "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::oid ORDER BY c.relname",
                     oid)) {
                out << "index " << index[0].c_str() << (std::string(index[1].c_str()) == "t" ? "" : " INVALID") << "\n";
            }
            for (const auto& trigger : read.exec_params(
                     "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = $1::oid AND NOT tgisinternal "
                     "ORDER BY tgname",
                     oid)) {
                out << "trigger " << trigger[0].c_str() << "\n";
            }
            bool skipped =
                is_skipped(skip_tables, schema + "." + name) || (schema == "public" && is_skipped(skip_tables, name));
            if (skipped || std::string(table[2].c_str()) == "v") {
                continue;
            }
            // Ordered by the text of the whole row: every column takes part, and column types
            // without an ordering (json, point) still sort.
            for (const auto& row : read.exec("SELECT t.* FROM " + qualified + " t ORDER BY t::text COLLATE \"C\"")) {
                for (const auto& field : row) {
                    out << field_text(field) << "|";
                }
                out << "\n";
            }
        }
        return out.str();
    }

    std::string state_table(std::string_view name) const override { return "migrate." + std::string(name); }

    std::vector<std::string> columns(const std::string& table) override {
        pqxx::nontransaction read(connection());
        std::vector<std::string> out;
        for (const auto& row : read.exec_params("SELECT column_name FROM information_schema.columns "
                                                "WHERE table_schema = 'public' AND table_name = $1 "
                                                "ORDER BY ordinal_position",
                                                table)) {
            out.push_back(row[0].c_str());
        }
        return out;
    }

    std::string user_tables() override {
        std::string out;
        for (const auto& row : rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")) {
            out += (out.empty() ? "" : " ") + row[0];
        }
        return out;
    }

    void wait_for_other_sessions() override {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (value("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND pid <> pg_backend_pid()") != "0") {
            if (std::chrono::steady_clock::now() > deadline) {
                throw std::runtime_error("other sessions still use " + m_name + " after 30s");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    std::unique_ptr<HeldLock> hold_lock(const std::string& table) override {
        return std::make_unique<PostgresHeldLock>(m_url, table);
    }

  private:
    pqxx::connection& connection() {
        if (!m_connection) {
            m_connection = std::make_unique<pqxx::connection>(m_url);
        }
        return *m_connection;
    }

    std::string m_server_url;
    std::string m_name;
    std::string m_url;
    std::unique_ptr<pqxx::connection> m_connection;
};

#endif  // MIGRATE_WITH_POSTGRES

#ifdef MIGRATE_WITH_MYSQL

// Where a mysql:// URL points, taken apart for the connector, which has no URL parser.
struct MysqlTarget {
    std::string host = "localhost";
    int port = 3306;
    std::string socket;
    std::string user;
    std::string password;
    std::string database;
};

std::string percent_decoded(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

MysqlTarget parse_mysql_url(const std::string& url) {
    MysqlTarget target;
    std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
        throw std::runtime_error("a MySQL test URL must look like mysql://user:password@host:port/database");
    }
    std::string rest = url.substr(scheme_end + 3);
    std::string query;
    if (std::size_t mark = rest.find('?'); mark != std::string::npos) {
        query = rest.substr(mark + 1);
        rest.resize(mark);
    }
    std::string authority = rest;
    if (std::size_t slash = rest.find('/'); slash != std::string::npos) {
        authority = rest.substr(0, slash);
        target.database = percent_decoded(rest.substr(slash + 1));
    }
    if (std::size_t at = authority.rfind('@'); at != std::string::npos) {
        std::string user_info = authority.substr(0, at);
        authority = authority.substr(at + 1);
        std::size_t colon = user_info.find(':');
        target.user = percent_decoded(user_info.substr(0, colon));
        if (colon != std::string::npos) {
            target.password = percent_decoded(user_info.substr(colon + 1));
        }
    }
    if (std::size_t colon = authority.rfind(':'); colon != std::string::npos) {
        target.port = std::stoi(authority.substr(colon + 1));
        authority.resize(colon);
    }
    if (!authority.empty()) {
        target.host = authority;
    }
    std::istringstream parameters(query);
    for (std::string parameter; std::getline(parameters, parameter, '&');) {
        if (parameter.starts_with("socket=")) {
            target.socket = percent_decoded(parameter.substr(7));
        }
    }
    return target;
}

// Statements separated by ';' outside quotes and comments: enough for the tests' own SQL.
std::vector<std::string> split_statements(const std::string& sql) {
    std::vector<std::string> out;
    std::string current;
    char quote = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        char c = sql[i];
        if (quote != 0) {
            current += c;
            if (c == '\\' && quote != '`' && i + 1 < sql.size()) {
                current += sql[++i];
            } else if (c == quote) {
                quote = 0;
            }
        } else if (c == '\'' || c == '"' || c == '`') {
            quote = c;
            current += c;
        } else if (c == '-' && sql.compare(i, 3, "-- ") == 0) {
            i = std::min(sql.find('\n', i), sql.size());
            current += '\n';
        } else if (c == ';') {
            out.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    out.push_back(current);
    std::erase_if(
        out, [](const std::string& statement) { return statement.find_first_not_of(" \t\r\n") == std::string::npos; });
    return out;
}

std::string sql_literal(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        out += c == '\'' ? "''" : (c == '\\' ? "\\\\" : std::string(1, c));
    }
    return out + "'";
}

std::string quoted_name(const std::string& name) {
    std::string out = "`";
    for (char c : name) {
        out += c == '`' ? "``" : std::string(1, c);
    }
    return out + "`";
}

#endif  // MIGRATE_WITH_MYSQL

}  // namespace

#ifdef MIGRATE_WITH_MYSQL

struct MysqlSession::Impl {
    std::unique_ptr<sql::Connection> connection;

    // Runs `work`, turning the connector's exceptions into MysqlError with the server's number.
    template <typename Work>
    auto guarded(const std::string& sql, Work&& work) -> decltype(work()) {
        try {
            return work();
        } catch (const sql::SQLException& e) {
            throw MysqlError(
                std::string(e.what()) + " (MySQL error " + std::to_string(e.getErrorCode()) + ") in: " + sql,
                e.getErrorCode());
        }
    }
};

MysqlSession::MysqlSession(const std::string& url) : m_impl(std::make_unique<Impl>()) {
    MysqlTarget target = parse_mysql_url(url);
    sql::mysql::MySQL_Driver* driver = sql::mysql::get_mysql_driver_instance();
    // Sessions are opened on the tests' own threads too (readers, blockers); the client library
    // wants each thread introduced. Repeating it on one thread is harmless.
    driver->threadInit();
    sql::ConnectOptionsMap options;
    options["hostName"] = sql::SQLString(
        target.socket.empty() ? "tcp://" + target.host + ":" + std::to_string(target.port) : "unix://" + target.socket);
    options["userName"] = sql::SQLString(target.user);
    options["password"] = sql::SQLString(target.password);
    if (!target.database.empty()) {
        options["schema"] = sql::SQLString(target.database);
    }
    options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    options["OPT_CONNECT_TIMEOUT"] = 10;
    options["OPT_RECONNECT"] = false;
    m_impl->guarded("(connect)", [&] { m_impl->connection.reset(driver->connect(options)); });
    m_id = std::stoll(value("SELECT CONNECTION_ID()"));
    // A test that waits on a lock it should not wait on fails after a minute instead of hanging
    // until ctest's timeout (the server's default is a day).
    exec(
        "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'PIPES_AS_CONCAT'); "
        "SET SESSION lock_wait_timeout = 60");
}

MysqlSession::~MysqlSession() = default;

Rows MysqlSession::rows(const std::string& sql) {
    return m_impl->guarded(sql, [&] {
        std::unique_ptr<sql::Statement> statement(m_impl->connection->createStatement());
        Rows out;
        if (!statement->execute(sql)) {
            return out;
        }
        std::unique_ptr<sql::ResultSet> result(statement->getResultSet());
        unsigned int count = result->getMetaData()->getColumnCount();
        while (result->next()) {
            std::vector<std::string> row;
            for (unsigned int i = 1; i <= count; ++i) {
                row.push_back(result->isNull(i) ? "NULL" : std::string(result->getString(i)));
            }
            out.push_back(std::move(row));
        }
        return out;
    });
}

std::string MysqlSession::value(const std::string& sql) {
    Rows result = rows(sql);
    if (result.size() != 1 || result[0].size() != 1) {
        throw std::runtime_error("expected one value from: " + sql);
    }
    return result[0][0];
}

void MysqlSession::exec(const std::string& sql) {
    for (const std::string& statement : split_statements(sql)) {
        rows(statement);
    }
}

namespace {

class MysqlHeldLock final : public HeldLock {
  public:
    MysqlHeldLock(const std::string& url, const std::string& table) : m_session(url) {
        // A shared metadata lock until commit: what any reading transaction of the application
        // holds, and enough to make ALTER TABLE wait for its exclusive one.
        m_session.exec("START TRANSACTION");
        m_session.rows("SELECT * FROM " + quoted_name(table) + " LIMIT 1");
    }
    ~MysqlHeldLock() override {
        if (!m_released) {
            try {
                m_session.exec("ROLLBACK");
            } catch (...) {
            }
        }
    }
    void release() override {
        m_session.exec("COMMIT");
        m_released = true;
    }

  private:
    MysqlSession m_session;
    bool m_released = false;
};

class MysqlTestDatabase final : public TestDatabase {
  public:
    MysqlTestDatabase() : m_server_url(server_url(mysql_url_variable)), m_name(random_database_name()) {
        // The collation named, not only the character set: that alone would pick utf8mb4's
        // default collation instead of the server's.
        MysqlSession admin(with_database(m_server_url, ""));
        admin.exec("CREATE DATABASE " + quoted_name(m_name) + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        m_url = with_database(m_server_url, m_name);
    }

    ~MysqlTestDatabase() override {
        m_session.reset();
        m_poll.reset();
        try {
            // Like PostgreSQL's DROP DATABASE ... WITH (FORCE): sessions a killed or still running
            // migrate left behind would make the drop wait for their metadata locks.
            MysqlSession admin(with_database(m_server_url, ""));
            for (const auto& row : admin.rows("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = " +
                                              sql_literal(m_name) + " AND ID <> CONNECTION_ID()")) {
                try {
                    admin.exec("KILL " + row[0]);
                } catch (const MysqlError&) {
                    // It ended by itself in the meantime.
                }
            }
            admin.exec("DROP DATABASE IF EXISTS " + quoted_name(m_name));
        } catch (const std::exception& e) {
            ADD_FAILURE() << "cannot drop the test database " << m_name << ": " << e.what();
        }
    }

    std::string_view dialect() const override { return "mysql"; }
    std::string url() const override { return m_url; }

    Rows rows(const std::string& sql) override { return session().rows(sql); }

    std::optional<std::string> try_value(const std::string& sql) override {
        if (!m_poll) {
            m_poll = std::make_unique<MysqlSession>(m_url);
            // Reads wait for nobody's row locks, but they do wait for the metadata lock of DDL
            // that a migrate phase runs or waits to run. (MySQL takes 0 as its minimum, 1.)
            m_poll->exec("SET SESSION lock_wait_timeout = 0");
        }
        try {
            Rows result = m_poll->rows(sql);
            if (result.empty() || result[0].empty()) {
                return std::nullopt;
            }
            return result[0][0];
        } catch (const MysqlError& e) {
            // 1205: the lock wait ran out; 1146: migrate has not created the table yet.
            if (e.code() == 1205 || e.code() == 1146) {
                return std::nullopt;
            }
            throw;
        }
    }

    void exec(const std::string& sql) override { session().exec(sql); }

    std::string dump(const std::vector<std::string>& skip_tables) override {
        MysqlSession& read = session();
        std::ostringstream out;
        for (const auto& routine :
             read.rows("SELECT ROUTINE_TYPE, ROUTINE_NAME, ROUTINE_DEFINITION FROM information_schema.ROUTINES "
                       "WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY 1, 2")) {
            out << "== " << routine[0] << " " << routine[1] << "\n" << routine[2] << "\n";
        }
        for (const auto& trigger :
             read.rows("SELECT TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, "
                       "ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() "
                       "ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER")) {
            out << "== trigger " << trigger[0] << " " << trigger[1] << " " << trigger[2] << " ON " << trigger[3] << "\n"
                << trigger[4] << "\n";
        }
        // The AUTO_INCREMENT counter in a table's options is where the next key starts, not
        // schema: a phase rolled back and applied again moves it without changing anything else.
        static const std::regex counter(" AUTO_INCREMENT=[0-9]+");
        for (const auto& table :
             read.rows("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                       "ORDER BY BINARY TABLE_NAME")) {
            const std::string& name = table[0];
            bool view = table[1] == "VIEW";
            Rows definition = read.rows((view ? "SHOW CREATE VIEW " : "SHOW CREATE TABLE ") + quoted_name(name));
            out << "== " << name << " (" << table[1] << ")\n"
                << std::regex_replace(definition.at(0).at(1), counter, "") << "\n";
            if (view || is_skipped(skip_tables, name)) {
                continue;
            }
            // Every column orders the rows, and its binary form breaks the ties that a
            // case-insensitive collation leaves, so that two dumps of the same rows agree.
            std::string order;
            for (const std::string& column : columns(name)) {
                std::string quoted = quoted_name(column);
                order += (order.empty() ? "" : ", ") + quoted + ", CAST(" + quoted + " AS BINARY)";
            }
            for (const auto& row : read.rows("SELECT * FROM " + quoted_name(name) + " ORDER BY " + order)) {
                for (const auto& field : row) {
                    out << field << "|";
                }
                out << "\n";
            }
        }
        return out.str();
    }

    std::string state_table(std::string_view name) const override { return "_migrate_" + std::string(name); }

    std::vector<std::string> columns(const std::string& table) override {
        std::vector<std::string> out;
        for (const auto& row : session().rows("SELECT COLUMN_NAME FROM information_schema.COLUMNS "
                                              "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = " +
                                              sql_literal(table) + " ORDER BY ORDINAL_POSITION")) {
            out.push_back(row[0]);
        }
        return out;
    }

    std::string user_tables() override {
        std::string out;
        for (const auto& row : rows(
                 "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                 "AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME NOT LIKE '\\_migrate\\_%' ORDER BY BINARY TABLE_NAME")) {
            out += (out.empty() ? "" : " ") + row[0];
        }
        return out;
    }

    void wait_for_other_sessions() override {
        std::string mine = std::to_string(session().id()) + (m_poll ? ", " + std::to_string(m_poll->id()) : "");
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (value("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID NOT IN (" +
                     mine + ")") != "0") {
            if (std::chrono::steady_clock::now() > deadline) {
                throw std::runtime_error("other sessions still use " + m_name + " after 30s");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    std::unique_ptr<HeldLock> hold_lock(const std::string& table) override {
        return std::make_unique<MysqlHeldLock>(m_url, table);
    }

  private:
    MysqlSession& session() {
        if (!m_session) {
            m_session = std::make_unique<MysqlSession>(m_url);
        }
        return *m_session;
    }

    std::string m_server_url;
    std::string m_name;
    std::string m_url;
    std::unique_ptr<MysqlSession> m_session;
    std::unique_ptr<MysqlSession> m_poll;  // for try_value, which must not wait on locks
};

}  // namespace

#endif  // MIGRATE_WITH_MYSQL

std::string TestDatabase::value(const std::string& sql) {
    Rows result = rows(sql);
    if (result.size() != 1 || result[0].size() != 1) {
        throw std::runtime_error("expected one value from: " + sql);
    }
    return result[0][0];
}

bool TestDatabase::has_column(const std::string& table, const std::string& column) {
    std::vector<std::string> names = columns(table);
    return std::find(names.begin(), names.end(), column) != names.end();
}

std::unique_ptr<TestDatabase> make_test_database(std::string_view dialect) {
    if (dialect == "sqlite") {
        return std::make_unique<SqliteTestDatabase>();
    }
#ifdef MIGRATE_WITH_POSTGRES
    if (dialect == "postgres") {
        return std::make_unique<PostgresTestDatabase>();
    }
#endif
#ifdef MIGRATE_WITH_MYSQL
    if (dialect == "mysql") {
        return std::make_unique<MysqlTestDatabase>();
    }
#endif
    throw std::runtime_error("no test database for dialect '" + std::string(dialect) + "' in this build");
}

std::vector<std::string> test_dialects() {
    std::vector<std::string> dialects = {"sqlite"};
#ifdef MIGRATE_WITH_POSTGRES
    dialects.push_back("postgres");
#endif
#ifdef MIGRATE_WITH_MYSQL
    dialects.push_back("mysql");
#endif
    return dialects;
}

std::vector<std::string> example_dialects() {
    return test_dialects();
}

std::string dialect_param_name(const ::testing::TestParamInfo<std::string>& info) {
    return info.param;
}

bool running_in_ci() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && *ci != '\0';
}

std::optional<std::string> dialect_unavailable(std::string_view dialect) {
    const char* variable = dialect == "postgres" ? postgres_url_variable
                           : dialect == "mysql"  ? mysql_url_variable
                                                 : nullptr;
    if (variable == nullptr) {
        return std::nullopt;
    }
    const char* url = std::getenv(variable);
    if (url == nullptr || *url == '\0') {
        std::string server = dialect == "postgres" ? "PostgreSQL" : "MySQL";
        return std::string(variable) + " is not set: the " + server +
               " tests need a server. Run scripts/test.sh, which starts one, or "
               "`source scripts/test-servers.sh` and run ctest from the same shell";
    }
    return std::nullopt;
}

void DialectTest::SetUp() {
    if (auto why = dialect_unavailable(GetParam())) {
        if (running_in_ci()) {
            FAIL() << *why << " (CI is set, so a missing server is a failure)";
        }
        GTEST_SKIP() << *why;
    }
    m_db = make_test_database(GetParam());
}

std::string url_password(const std::string& url) {
    std::size_t authority = url.find("://");
    std::size_t at = url.find('@', authority == std::string::npos ? 0 : authority + 3);
    if (authority == std::string::npos || at == std::string::npos) {
        return {};
    }
    std::string user_info = url.substr(authority + 3, at - authority - 3);
    std::size_t colon = user_info.find(':');
    return colon == std::string::npos ? std::string() : user_info.substr(colon + 1);
}

std::string joined(const Rows& rows, const std::string& separator) {
    std::string out;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        out += (i ? separator : "") + (rows[i].empty() ? std::string() : rows[i][0]);
    }
    return out;
}

}  // namespace migrate::testing

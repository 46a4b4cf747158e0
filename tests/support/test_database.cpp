// The TestDatabase implementations: SQLite files in a temp folder through SQLiteCpp, and
// PostgreSQL databases created per test on the server the test scripts start, through libpqxx.
#include "test_database.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>

#include "test_support.hpp"

#ifdef MIGRATE_WITH_POSTGRES
#include <pqxx/pqxx>
#endif

namespace migrate::testing {

namespace {

constexpr const char* postgres_url_variable = "MIGRATE_TEST_POSTGRES_URL";

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

bool is_skipped(const std::vector<std::string>& skip_tables, const std::string& name) {
    return std::find(skip_tables.begin(), skip_tables.end(), name) != skip_tables.end();
}

// The server URL with its path (the database name) replaced by `database`; user, password, host,
// port and query parameters stay.
std::string with_database(const std::string& url, const std::string& database) {
    std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
        throw std::runtime_error(std::string(postgres_url_variable) + " must be a postgres:// URL");
    }
    std::size_t path = url.find('/', scheme_end + 3);
    std::size_t query = url.find('?', scheme_end + 3);
    std::string authority = url.substr(0, std::min(path, query));
    std::string rest = query == std::string::npos ? "" : url.substr(query);
    return authority + "/" + database + rest;
}

std::string server_url() {
    const char* url = std::getenv(postgres_url_variable);
    if (url == nullptr || *url == '\0') {
        throw std::runtime_error(std::string(postgres_url_variable) + " is not set");
    }
    return url;
}

std::string random_database_name() {
    static thread_local std::mt19937_64 random{std::random_device{}()};
    std::ostringstream name;
    name << "migrate_test_" << std::hex << random();
    return name.str();
}

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
    PostgresTestDatabase() : m_server_url(server_url()), m_name(random_database_name()) {
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

}  // namespace

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
    throw std::runtime_error("no test database for dialect '" + std::string(dialect) + "' in this build");
}

std::vector<std::string> test_dialects() {
#ifdef MIGRATE_WITH_POSTGRES
    return {"sqlite", "postgres"};
#else
    return {"sqlite"};
#endif
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
    if (dialect == "postgres") {
        const char* url = std::getenv(postgres_url_variable);
        if (url == nullptr || *url == '\0') {
            return std::string(postgres_url_variable) +
                   " is not set: the PostgreSQL tests need a server. Run scripts/test.sh, which starts one, or "
                   "`source scripts/test-servers.sh` and run ctest from the same shell";
        }
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

std::string joined(const Rows& rows, const std::string& separator) {
    std::string out;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        out += (i ? separator : "") + (rows[i].empty() ? std::string() : rows[i][0]);
    }
    return out;
}

}  // namespace migrate::testing

#include "dialects/sqlite/sqlite_dialect.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include "dialects/sqlite/sqlite_connection.hpp"
#include "support/error.hpp"
#include "support/identity.hpp"
#include "support/sql_lexer.hpp"

namespace migrate {

namespace fs = std::filesystem;

namespace {

// The runner lock is an flock on "<database>.migrate-lock". A SQLite write lock cannot be held
// across the many short transactions of a backfill, and a lock row in the database would
// outlive a killed runner; the kernel drops an flock the moment its process dies.
class SqliteRunnerLock final : public RunnerLock {
  public:
    explicit SqliteRunnerLock(int fd) : m_fd(fd) {}
    ~SqliteRunnerLock() override {
        flock(m_fd, LOCK_UN);
        close(m_fd);
    }
    SqliteRunnerLock(const SqliteRunnerLock&) = delete;
    SqliteRunnerLock& operator=(const SqliteRunnerLock&) = delete;

  private:
    int m_fd;
};

std::string read_holder(int fd) {
    char buffer[512] = {};
    ssize_t n = pread(fd, buffer, sizeof buffer - 1, 0);
    std::string holder = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) {
        holder.pop_back();
    }
    return holder;
}

bool is_word_statement(const Statement& statement, std::initializer_list<const char*> words) {
    for (const char* word : words) {
        if (statement.tokens.front().is_word(word)) {
            return true;
        }
    }
    return false;
}

// `schema.table`, "table" or table as the user wrote it, as (schema, table); "main" when it names
// no schema.
std::pair<std::string, std::string> split_table_name(std::string_view table) {
    auto [schema, name] = migrate::split_table_name(table, LexFlavor::standard);
    return {schema.empty() ? "main" : schema, name};
}

}  // namespace

fs::path SqliteDialect::file_path(const DatabaseUrl& url) {
    std::string_view rest = std::string_view(url.text).substr(url.scheme.size() + 1);
    if (rest.starts_with("//")) {
        rest.remove_prefix(2);
    }
    if (rest.empty()) {
        throw Error(ErrorKind::usage, fmt::format("database URL '{}' names no file", url.redacted()), {},
                    "write sqlite:PATH, e.g. sqlite:app.db or sqlite:///var/lib/app/app.db");
    }
    return fs::path(rest);
}

std::unique_ptr<Connection> SqliteDialect::connect(const DatabaseUrl& url, const ConnectOptions& options) const {
    return std::make_unique<SqliteConnection>(file_path(url), options);
}

bool SqliteDialect::database_exists(const DatabaseUrl& url) const {
    std::error_code ec;
    return fs::exists(file_path(url), ec);
}

std::unique_ptr<RunnerLock> SqliteDialect::lock_runner(Connection&, const DatabaseUrl& url, Duration wait) const {
    fs::path lock_path = file_path(url);
    lock_path += ".migrate-lock";
    int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw Error(ErrorKind::database,
                    fmt::format("cannot open the runner lock file '{}': {}", lock_path.string(), std::strerror(errno)));
    }
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            int saved = errno;
            close(fd);
            throw Error(ErrorKind::database,
                        fmt::format("cannot lock '{}': {}", lock_path.string(), std::strerror(saved)));
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            std::string holder = read_holder(fd);
            close(fd);
            throw runner_lock_busy(url, holder, wait);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::string holder = fmt::format("pid {} on {}", getpid(), current_host());
    if (ftruncate(fd, 0) == 0) {
        [[maybe_unused]] ssize_t written = pwrite(fd, holder.data(), holder.size(), 0);
    }
    return std::make_unique<SqliteRunnerLock>(fd);
}

std::string SqliteDialect::quote_identifier(std::string_view name) const {
    std::string out = "\"";
    for (char c : name) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    out += '"';
    return out;
}

std::string SqliteDialect::state_table(std::string_view name) const {
    return quote_identifier(fmt::format("_migrate_{}", name));
}

std::string SqliteDialect::state_column_type(StateColumn column) const {
    return column == StateColumn::integer ? "INTEGER" : "TEXT";
}

void SqliteDialect::create_state_namespace(Connection&) const {}

bool SqliteDialect::state_table_exists(Connection& connection, std::string_view name) const {
    QueryResult result = connection.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                          {fmt::format("_migrate_{}", name)});
    return !result.rows.empty();
}

SqlTraits SqliteDialect::classify(std::string_view sql) const {
    SplitResult split = split_statements(sql);
    for (const Statement& statement : split.statements) {
        if (statement.tokens.front().is_word("VACUUM")) {
            return {false, "VACUUM cannot run inside a transaction", {}};
        }
        if (is_word_statement(statement, {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"})) {
            return {false, "the step controls its own transaction", {}};
        }
        if (statement.tokens.front().is_word("PRAGMA") && statement.tokens.size() > 1 &&
            (statement.tokens[1].is_word("foreign_keys") || statement.tokens[1].is_word("journal_mode"))) {
            return {false, fmt::format("PRAGMA {} has no effect inside a transaction", statement.tokens[1].text), {}};
        }
    }
    return {};
}

std::vector<std::string> SqliteDialect::key_columns(Connection& connection, std::string_view table) const {
    auto [schema, name] = split_table_name(table);
    QueryResult info = connection.query("SELECT name, pk FROM pragma_table_info(?, ?) ORDER BY pk", {name, schema});
    if (info.rows.empty()) {
        throw Error(ErrorKind::input, fmt::format("backfill table '{}' does not exist", table));
    }
    std::vector<std::string> keys;
    for (const Row& row : info.rows) {
        if (std::get<std::int64_t>(row[1]) > 0) {
            keys.push_back(std::get<std::string>(row[0]));
        }
    }
    if (keys.empty()) {
        // Every SQLite table without a declared primary key is a rowid table.
        keys.emplace_back("rowid");
    }
    return keys;
}

std::optional<std::int64_t> SqliteDialect::table_size(Connection& connection, std::string_view table) const {
    // The dbstat table exists only in builds with SQLITE_ENABLE_DBSTAT_VTAB (Debian's has it).
    QueryResult dbstat = connection.query("SELECT sqlite_compileoption_used('ENABLE_DBSTAT_VTAB')", {});
    if (value_to_int(dbstat.rows.at(0).at(0)) == 0) {
        return std::nullopt;
    }
    // The pages of the table's b-tree and of its indexes (a WITHOUT ROWID table is one b-tree
    // named after the table); the aggregate form reads one row per b-tree.
    auto [schema, name] = split_table_name(table);
    QueryResult result = connection.query(
        fmt::format("SELECT sum(pgsize) FROM dbstat(?, 1) WHERE name IN (SELECT name FROM {}.sqlite_master "
                    "WHERE type IN ('table', 'index') AND tbl_name = ? COLLATE NOCASE)",
                    quote_identifier(schema)),
        {schema, name});
    if (result.rows.empty() || is_null(result.rows[0][0])) {
        return std::nullopt;
    }
    return value_to_int(result.rows[0][0]);
}

std::optional<std::int64_t> SqliteDialect::estimated_rows(Connection& connection, std::string_view table) const {
    // SQLite keeps no row count; counting reads the smallest index, fast enough for a progress
    // report once per run.
    auto [schema, name] = split_table_name(table);
    QueryResult found = connection.query(
        fmt::format("SELECT name FROM {}.sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE",
                    quote_identifier(schema)),
        {name});
    if (found.rows.empty()) {
        return std::nullopt;
    }
    QueryResult count = connection.query(
        fmt::format("SELECT COUNT(*) FROM {}.{}", quote_identifier(schema), quote_identifier(name)), {});
    return value_to_int(count.rows.at(0).at(0));
}

}  // namespace migrate

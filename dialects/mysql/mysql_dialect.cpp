#include "dialects/mysql/mysql_dialect.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "dialects/mysql/mysql_connection.hpp"
#include "dialects/mysql/mysql_sql.hpp"
#include "dialects/mysql/mysql_url.hpp"
#include "support/error.hpp"
#include "support/sql_lexer.hpp"

namespace migrate {

namespace {

// The lock is named after the database, so runners of different databases on one server do
// not wait for each other.
constexpr const char* lock_name = "CONCAT('migrate:', DATABASE())";

class MysqlRunnerLock final : public RunnerLock {
  public:
    explicit MysqlRunnerLock(Connection& connection) : m_connection(connection) {}
    ~MysqlRunnerLock() override {
        try {
            m_connection.query(fmt::format("SELECT RELEASE_LOCK({})", lock_name), {});
        } catch (...) {
            // The session is gone, and the server freed its lock with it.
        }
    }
    MysqlRunnerLock(const MysqlRunnerLock&) = delete;
    MysqlRunnerLock& operator=(const MysqlRunnerLock&) = delete;

  private:
    Connection& m_connection;
};

// Selects the rows of `table` (as the user wrote it) in an information_schema table that names
// tables by TABLE_SCHEMA and TABLE_NAME; a name without a database is in the connection's.
struct TableFilter {
    std::string where;
    std::vector<Value> params;
};

TableFilter table_filter(std::string_view table) {
    auto [schema, name] = split_table_name(table, LexFlavor::mysql);
    TableFilter filter;
    filter.where = fmt::format("TABLE_SCHEMA = {} AND TABLE_NAME = ?", schema.empty() ? "DATABASE()" : "?");
    if (!schema.empty()) {
        filter.params.emplace_back(schema);
    }
    filter.params.emplace_back(name);
    return filter;
}

// `column` (an expression over its columns) of `table` in information_schema.TABLES, or nullopt
// when there is no such table or the value is NULL. InnoDB's figures there are those of its last
// statistics run (ANALYZE TABLE, or the automatic one once a tenth of the table changed); MySQL 8
// also caches them for information_schema_stats_expiry (a day by default).
std::optional<std::int64_t> table_figure(Connection& connection, std::string_view table, std::string_view column) {
    TableFilter filter = table_filter(table);
    QueryResult result = connection.query(
        fmt::format("SELECT {} FROM information_schema.TABLES WHERE {}", column, filter.where), filter.params);
    if (result.rows.empty() || is_null(result.rows[0][0])) {
        return std::nullopt;
    }
    return value_to_int(result.rows[0][0]);
}

}  // namespace

std::unique_ptr<Connection> MysqlDialect::connect(const DatabaseUrl& url, const ConnectOptions& options) const {
    return std::make_unique<MysqlConnection>(parse_mysql_url(url), url, options, m_options.require_online_ddl);
}

bool MysqlDialect::database_exists(const DatabaseUrl& url) const {
    return mysql_database_exists(parse_mysql_url(url), url);
}

std::unique_ptr<RunnerLock> MysqlDialect::lock_runner(Connection& connection, const DatabaseUrl& url,
                                                      Duration wait) const {
    bool taken = poll_runner_lock(wait, [&] {
        return value_to_int(connection.query(fmt::format("SELECT GET_LOCK({}, 0)", lock_name), {}).rows.at(0).at(0)) ==
               1;
    });
    if (taken) {
        return std::make_unique<MysqlRunnerLock>(connection);
    }
    QueryResult holder =
        connection.query(fmt::format("SELECT p.ID, p.USER, p.HOST, p.TIME FROM information_schema.PROCESSLIST p "
                                     "WHERE p.ID = IS_USED_LOCK({})",
                                     lock_name),
                         {});
    std::string who;
    if (!holder.rows.empty()) {
        const Row& row = holder.rows[0];
        who = fmt::format("connection {} of {} from {}, connected {}s ago", value_to_string(row[0]),
                          value_to_string(row[1]), value_to_string(row[2]), value_to_string(row[3]));
    }
    throw runner_lock_busy(url, who, wait);
}

std::string MysqlDialect::quote_identifier(std::string_view name) const {
    std::string out = "`";
    for (char c : name) {
        out += c;
        if (c == '`') {
            out += '`';
        }
    }
    return out + "`";
}

std::string MysqlDialect::state_table(std::string_view name) const {
    return quote_identifier(fmt::format("_migrate_{}", name));
}

std::string MysqlDialect::state_column_type(StateColumn column) const {
    switch (column) {
        case StateColumn::key:
            // Short enough for a composite primary key of three within InnoDB's 3072 bytes.
            return "VARCHAR(191) CHARACTER SET utf8mb4";
        case StateColumn::text:
            return "LONGTEXT CHARACTER SET utf8mb4";
        case StateColumn::integer:
            return "BIGINT";
    }
    return "LONGTEXT";
}

std::string MysqlDialect::upsert_sql(std::string_view table, const std::vector<std::string>& columns,
                                     const std::vector<std::string>& values,
                                     [[maybe_unused]] const std::vector<std::string>& key_columns,
                                     const std::vector<std::string>& update_columns) const {
    // MySQL finds the conflicting row by any unique key of the table, which for the state tables
    // is their primary key: `key_columns`.
    std::string names;
    for (const std::string& column : columns) {
        names += (names.empty() ? "" : ", ") + column;
    }
    std::string given;
    for (const std::string& value : values) {
        given += (given.empty() ? "" : ", ") + value;
    }
    std::string updates;
    for (const std::string& column : update_columns) {
        updates += fmt::format("{}{} = VALUES({})", updates.empty() ? "" : ", ", column, column);
    }
    return fmt::format("INSERT INTO {} ({}) VALUES ({}) ON DUPLICATE KEY UPDATE {}", table, names, given, updates);
}

bool MysqlDialect::state_table_exists(Connection& connection, std::string_view name) const {
    QueryResult result =
        connection.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                         {fmt::format("_migrate_{}", name)});
    return !result.rows.empty();
}

SqlTraits MysqlDialect::classify(std::string_view sql) const {
    SqlTraits traits;
    for (const Statement& statement : split_statements(sql, LexFlavor::mysql).statements) {
        if (std::string reason = mysql_outside_transaction_reason(statement); !reason.empty() && traits.transactional) {
            traits = {false, reason, {}};
        }
        std::string algorithm = m_options.require_online_ddl ? expected_algorithm(statement) : "";
        if (!algorithm.empty()) {
            traits.note += fmt::format("{}expected: {}", traits.note.empty() ? "" : "; ", algorithm);
        }
    }
    return traits;
}

std::vector<std::string> MysqlDialect::clean_up_before(Connection& connection, std::string_view sql,
                                                       bool may_have_run) const {
    std::vector<std::string> notes;
    if (!may_have_run) {
        return notes;
    }
    for (const Statement& statement : split_statements(sql, LexFlavor::mysql).statements) {
        // The server finishes a statement whose client died, at its own pace: wait for it, so
        // that what it does is done before the step is looked at again.
        std::string text(statement.text);
        bool told = false;
        while (true) {
            QueryResult running = connection.query(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND <> 'Sleep' "
                "AND LEFT(INFO, CHAR_LENGTH(?)) = ?",
                {text, text});
            if (running.rows.empty()) {
                break;
            }
            if (!told) {
                notes.push_back(
                    fmt::format("waited for connection {}, which was still running this step for the "
                                "earlier, interrupted run",
                                value_to_string(running.rows[0][0])));
                told = true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
        // An index that run built is built again, so that it is sure to match the step.
        std::optional<CreatedIndex> index = index_created(statement);
        if (!index || index->if_not_exists) {
            continue;
        }
        auto [schema, table] = split_table_name(index->table, LexFlavor::mysql);
        std::vector<Value> params;
        if (!schema.empty()) {
            params.emplace_back(schema);
        }
        params.insert(params.end(), {table, index->name});
        QueryResult exists = connection.query(
            fmt::format("SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {} AND TABLE_NAME = ? "
                        "AND INDEX_NAME = ? LIMIT 1",
                        schema.empty() ? "DATABASE()" : "?"),
            params);
        if (exists.rows.empty()) {
            continue;
        }
        connection.execute_script(fmt::format("DROP INDEX {} ON {}", quote_identifier(index->name), index->table));
        notes.push_back(
            fmt::format("dropped the index {} that the earlier, interrupted run built without recording "
                        "the step, to build it again",
                        index->name));
    }
    return notes;
}

std::string MysqlDialect::key_compare(const std::vector<std::string>& columns, std::string_view op, const Row& key,
                                      std::vector<Value>& params) const {
    // (a, b) > (x, y) spelled out as a > x OR (a = x AND b > y): MariaDB's range optimizer uses
    // the primary key for the second form only. For <=, every term but the last is strict.
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        std::string term;
        for (std::size_t j = 0; j < i; ++j) {
            term += fmt::format("{} = ? AND ", columns[j]);
            params.push_back(key[j]);
        }
        std::string_view this_op = i + 1 < columns.size() ? (op == ">" ? ">" : "<") : op;
        term += fmt::format("{} {} ?", columns[i], this_op);
        params.push_back(key[i]);
        out += (out.empty() ? "(" : " OR (") + term + ")";
    }
    return columns.size() > 1 ? "(" + out + ")" : out;
}

std::vector<std::string> MysqlDialect::key_columns(Connection& connection, std::string_view table) const {
    TableFilter filter = table_filter(table);
    QueryResult exists =
        connection.query(fmt::format("SELECT 1 FROM information_schema.TABLES WHERE {}", filter.where), filter.params);
    if (exists.rows.empty()) {
        throw Error(ErrorKind::input, fmt::format("backfill table '{}' does not exist", table));
    }
    // The primary key, else the unique index of fewest columns that are all NOT NULL, whole (no
    // prefix) and plain columns (no expression): any of them orders every row exactly once.
    QueryResult indexes = connection.query(
        fmt::format("SELECT INDEX_NAME, COLUMN_NAME, NULLABLE, SUB_PART FROM information_schema.STATISTICS WHERE {} "
                    "AND NON_UNIQUE = 0 ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX",
                    filter.where),
        filter.params);
    std::map<std::string, std::vector<std::string>> usable;
    std::set<std::string> unusable;
    std::string primary;
    for (const Row& row : indexes.rows) {
        std::string index = value_to_string(row[0]);
        if (is_null(row[1]) || value_to_string(row[2]) == "YES" || !is_null(row[3])) {
            unusable.insert(index);
        }
        usable[index].push_back(value_to_string(row[1]));
        if (index == "PRIMARY") {
            primary = index;
        }
    }
    const std::vector<std::string>* best = nullptr;
    for (const auto& [index, columns] : usable) {
        if (unusable.contains(index)) {
            continue;
        }
        if (index == primary) {
            return columns;
        }
        if (best == nullptr || columns.size() < best->size()) {
            best = &columns;
        }
    }
    if (best == nullptr) {
        throw Error(ErrorKind::input,
                    fmt::format("backfill table '{}' has no primary key and no unique index on NOT NULL columns; a "
                                "backfill walks a table in the order of such a key",
                                table),
                    {}, "add a primary key (or a unique NOT NULL column) in an expand step before the backfill");
    }
    return *best;
}

std::optional<Duration> MysqlDialect::replica_lag(Connection& replica) const {
    QueryResult status;
    try {
        status = replica.query("SHOW REPLICA STATUS", {});
    } catch (const Error& e) {
        // A syntax error: MySQL before 8.0.22 and MariaDB before 10.5.1 know only the old name.
        if (e.code() != "1064") {
            throw;
        }
        status = replica.query("SHOW SLAVE STATUS", {});
    }
    if (status.rows.empty()) {
        Row server = replica.query("SELECT @@hostname, @@port", {}).rows.at(0);
        throw Error(ErrorKind::usage,
                    fmt::format("the MySQL server {}:{} is not a replica (SHOW REPLICA STATUS shows no source)",
                                value_to_string(server[0]), value_to_string(server[1])),
                    {}, "name a replica of the target database, not the target itself");
    }
    // MySQL 8.0.22 renamed the column; MariaDB keeps the old name under either statement.
    std::size_t column = 0;
    while (column < status.columns.size() && status.columns[column] != "Seconds_Behind_Source" &&
           status.columns[column] != "Seconds_Behind_Master") {
        ++column;
    }
    if (column == status.columns.size()) {
        throw Error(ErrorKind::database, "MySQL: SHOW REPLICA STATUS has no Seconds_Behind_Source column");
    }
    // One row per replication channel: the backfill waits for the slowest. NULL: a replication
    // thread is stopped or not connected.
    Duration lag{0};
    for (const Row& row : status.rows) {
        if (is_null(row[column])) {
            return std::nullopt;
        }
        lag = std::max(lag, Duration(value_to_int(row[column]) * 1000));
    }
    return lag;
}

std::optional<std::int64_t> MysqlDialect::server_load(Connection& connection) const {
    // Threads_running counts the session that asks, and the binlog dump thread of each connected
    // replica, which never sleeps: neither is a statement of the load, and with them a primary
    // with two replicas would hold --max-load 2 for good.
    QueryResult status =
        connection.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_running', 'Slaves_connected')", {});
    std::optional<std::int64_t> running;
    std::optional<std::int64_t> replicas;
    for (const Row& row : status.rows) {
        (value_to_string(row.at(0)) == "Threads_running" ? running : replicas) = value_to_int(row.at(1));
    }
    if (!running) {
        return std::nullopt;
    }
    if (!replicas) {
        // MySQL has no Slaves_connected; its process list shows the dump threads to a user with
        // the PROCESS privilege, and none to others, who then count them as load.
        replicas = value_to_int(
            connection
                .query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'", {})
                .rows.at(0)
                .at(0));
    }
    return std::max<std::int64_t>(0, *running - 1 - *replicas);
}

std::optional<std::int64_t> MysqlDialect::table_size(Connection& connection, std::string_view table) const {
    return table_figure(connection, table, "DATA_LENGTH + INDEX_LENGTH");
}

std::optional<std::int64_t> MysqlDialect::estimated_rows(Connection& connection, std::string_view table) const {
    return table_figure(connection, table, "TABLE_ROWS");
}

bool MysqlDialect::connection_lost(const Error& error) const {
    // Client errors: cannot connect through the socket (2002) or TCP (2003), the server has gone
    // away (2006), lost during a query (2013, 2055). Server errors: connection killed (MariaDB's
    // 1927), shutting down (1053), disconnected for inactivity (MySQL's 4031). After KILL
    // CONNECTION, MariaDB 10.11 through this connector reports 2013, then 2006.
    static constexpr std::string_view lost[] = {"2002", "2003", "2006", "2013", "2055", "1927", "1053", "4031"};
    return std::ranges::find(lost, error.code()) != std::end(lost);
}

}  // namespace migrate

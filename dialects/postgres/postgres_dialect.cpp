#include "dialects/postgres/postgres_dialect.hpp"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "dialects/postgres/postgres_connection.hpp"
#include "dialects/postgres/postgres_sql.hpp"
#include "support/error.hpp"
#include "support/sql_lexer.hpp"

namespace migrate {

namespace {

class PostgresRunnerLock final : public RunnerLock {
  public:
    PostgresRunnerLock(Connection& connection, std::int64_t key) : m_connection(connection), m_key(key) {}
    ~PostgresRunnerLock() override {
        try {
            m_connection.query("SELECT pg_advisory_unlock($1)", {m_key});
        } catch (...) {
            // The session is gone, and its advisory locks with it.
        }
    }
    PostgresRunnerLock(const PostgresRunnerLock&) = delete;
    PostgresRunnerLock& operator=(const PostgresRunnerLock&) = delete;

  private:
    Connection& m_connection;
    std::int64_t m_key;
};

}  // namespace

std::unique_ptr<Connection> PostgresDialect::connect(const DatabaseUrl& url, const ConnectOptions& options) const {
    return std::make_unique<PostgresConnection>(url, options);
}

bool PostgresDialect::database_exists(const DatabaseUrl& url) const {
    return postgres_database_exists(url);
}

std::int64_t PostgresDialect::runner_lock_key(std::string_view state_schema) {
    // FNV-1a of "migrate:<schema>": stable across builds and machines, as every runner of a
    // database must compute the same key.
    std::uint64_t hash = 14695981039346656037ull;
    for (char c : std::string("migrate:") + std::string(state_schema)) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ull;
    }
    return static_cast<std::int64_t>(hash);
}

std::unique_ptr<RunnerLock> PostgresDialect::lock_runner(Connection& connection, const DatabaseUrl& url,
                                                         Duration wait) const {
    std::int64_t key = runner_lock_key(m_options.state_schema);
    bool taken = poll_runner_lock(wait, [&] {
        return value_to_int(connection.query("SELECT pg_try_advisory_lock($1::bigint)::int", {key}).rows.at(0).at(0)) ==
               1;
    });
    if (taken) {
        return std::make_unique<PostgresRunnerLock>(connection, key);
    }
    // A bigint advisory key shows in pg_locks as its high and low 32 bits. Advisory locks belong to
    // one database: a migrate working on another database of the server holds the same key.
    auto bits = static_cast<std::uint64_t>(key);
    QueryResult holder = connection.query(
        "SELECT a.pid, coalesce(host(a.client_addr), 'local socket'), a.application_name, "
        "to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS') FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid "
        "AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        {static_cast<std::int64_t>(bits >> 32), static_cast<std::int64_t>(bits & 0xffffffffu)});
    std::string who;
    if (!holder.rows.empty()) {
        const Row& row = holder.rows[0];
        who = fmt::format("server process {} from {}, application '{}', connected since {}", value_to_string(row[0]),
                          value_to_string(row[1]), value_to_string(row[2]), value_to_string(row[3]));
    }
    throw runner_lock_busy(url, who, wait);
}

std::string PostgresDialect::quote_identifier(std::string_view name) const {
    std::string out = "\"";
    for (char c : name) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    return out + "\"";
}

std::string PostgresDialect::state_table(std::string_view name) const {
    return quote_identifier(m_options.state_schema) + "." + quote_identifier(name);
}

std::string PostgresDialect::state_column_type(StateColumn column) const {
    return column == StateColumn::integer ? "BIGINT" : "TEXT";
}

void PostgresDialect::create_state_namespace(Connection& connection) const {
    connection.execute(fmt::format("CREATE SCHEMA IF NOT EXISTS {}", quote_identifier(m_options.state_schema)));
}

bool PostgresDialect::state_table_exists(Connection& connection, std::string_view name) const {
    QueryResult result = connection.query("SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = $2",
                                          {m_options.state_schema, std::string(name)});
    return !result.rows.empty();
}

SqlTraits PostgresDialect::classify(std::string_view sql) const {
    for (const Statement& statement : split_statements(sql).statements) {
        if (std::string reason = outside_transaction_reason(statement); !reason.empty()) {
            return {false, reason, {}};
        }
    }
    return {};
}

std::vector<std::string> PostgresDialect::clean_up_before(Connection& connection, std::string_view sql,
                                                          bool may_have_run) const {
    std::vector<std::string> notes;
    for (const Statement& statement : split_statements(sql).statements) {
        std::optional<ConcurrentIndex> index = concurrent_index_created(statement);
        if (!index || index->name.empty()) {
            continue;
        }
        QueryResult found = connection.query(
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), i.indisvalid::int FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = to_regclass($1)",
            {index->name});
        if (found.rows.empty()) {
            continue;
        }
        std::string name = value_to_string(found.rows[0][0]);
        bool valid = value_to_int(found.rows[0][1]) == 1;
        std::string note;
        if (!valid) {
            // A build that failed part-way leaves its index behind, INVALID: the next attempt
            // would fail on its name, or skip it under IF NOT EXISTS.
            note = fmt::format(
                "dropped the INVALID index {} that an earlier, failed CREATE INDEX CONCURRENTLY left "
                "behind",
                name);
        } else if (may_have_run && !index->if_not_exists) {
            // The server finishes a build whose client died, so the earlier run may have built it
            // and died before recording the step. Built again, it is sure to match the step.
            note = fmt::format(
                "dropped the index {} that the earlier, interrupted run built without recording the "
                "step, to build it again",
                name);
        } else {
            continue;
        }
        connection.execute_script(fmt::format("DROP INDEX CONCURRENTLY IF EXISTS {}", name));
        notes.push_back(note);
    }
    return notes;
}

std::vector<std::string> PostgresDialect::key_columns(Connection& connection, std::string_view table) const {
    QueryResult exists = connection.query("SELECT to_regclass($1) IS NOT NULL", {std::string(table)});
    if (exists.rows.empty() || value_to_string(exists.rows[0][0]) != "t") {
        throw Error(ErrorKind::input, fmt::format("backfill table '{}' does not exist", table));
    }
    // The primary key, else the valid unique index of fewest columns that are all NOT NULL, with
    // no expression and no WHERE: any of them orders every row exactly once.
    QueryResult keys = connection.query(
        "WITH candidate AS (SELECT i.indexrelid, i.indkey FROM pg_index i WHERE i.indrelid = to_regclass($1) AND "
        "i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL AND NOT EXISTS (SELECT 1 FROM "
        "pg_attribute n WHERE n.attrelid = i.indrelid AND n.attnum = ANY (i.indkey) AND NOT n.attnotnull) ORDER BY "
        "i.indisprimary DESC, i.indnatts, i.indexrelid LIMIT 1) "
        "SELECT a.attname FROM candidate c JOIN pg_attribute a ON a.attrelid = to_regclass($1) AND a.attnum = ANY "
        "(c.indkey) ORDER BY array_position(c.indkey::int2[], a.attnum)",
        {std::string(table)});
    if (keys.rows.empty()) {
        throw Error(ErrorKind::input,
                    fmt::format("backfill table '{}' has no primary key and no unique index on NOT NULL columns; a "
                                "backfill walks a table in the order of such a key",
                                table),
                    {}, "add a primary key (or a unique NOT NULL column) in an expand step before the backfill");
    }
    std::vector<std::string> columns;
    for (const Row& row : keys.rows) {
        columns.push_back(value_to_string(row[0]));
    }
    return columns;
}

std::optional<Duration> PostgresDialect::replica_lag(Connection& replica) const {
    // Once everything received is replayed, the replica is caught up, however long ago the primary
    // last committed. Until then the lag is the age of the last transaction replayed, which keeps
    // growing while replay waits (paused, or held back by a conflicting query on the replica):
    // clock_timestamp(), as now() stands still inside a transaction. A WAL receiver that streamed
    // once and is gone means replication stopped, and the primary may be anywhere ahead.
    QueryResult result = replica.query(
        "SELECT pg_is_in_recovery()::int, "
        "(pg_last_wal_receive_lsn() IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver))::int, "
        "coalesce(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false)::int, "
        "(greatest(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0) * 1000)::bigint, "
        "coalesce(host(inet_server_addr()) || ':' || inet_server_port(), 'the local socket')",
        {});
    const Row& row = result.rows.at(0);
    if (value_to_int(row[0]) == 0) {
        throw Error(ErrorKind::usage,
                    fmt::format("the PostgreSQL server at {} is not a replica (pg_is_in_recovery() is false)",
                                value_to_string(row[4])),
                    {}, "name a hot standby that replicates the target database, not the target itself");
    }
    if (value_to_int(row[1]) == 1) {
        return std::nullopt;
    }
    if (value_to_int(row[2]) == 1) {
        return Duration(0);
    }
    if (is_null(row[3])) {
        return std::nullopt;
    }
    return Duration(value_to_int(row[3]));
}

std::optional<std::int64_t> PostgresDialect::server_load(Connection& connection) const {
    // Other roles' sessions show their state only to members of pg_read_all_stats (pg_monitor);
    // without it, the count covers the sessions of the role migrate connects as.
    QueryResult result = connection.query(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend' "
        "AND pid <> pg_backend_pid()",
        {});
    return value_to_int(result.rows.at(0).at(0));
}

std::optional<std::int64_t> PostgresDialect::table_size(Connection& connection, std::string_view table) const {
    QueryResult result = connection.query("SELECT pg_total_relation_size(to_regclass($1))", {std::string(table)});
    if (result.rows.empty() || is_null(result.rows[0][0])) {
        return std::nullopt;
    }
    return value_to_int(result.rows[0][0]);
}

std::optional<std::int64_t> PostgresDialect::estimated_rows(Connection& connection, std::string_view table) const {
    // reltuples is -1 until the table's first VACUUM or ANALYZE.
    QueryResult result = connection.query(
        "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass($1) AND reltuples >= 0", {std::string(table)});
    if (result.rows.empty() || is_null(result.rows[0][0])) {
        return std::nullopt;
    }
    return value_to_int(result.rows[0][0]);
}

std::optional<std::int64_t> PostgresDialect::table_pages(Connection& connection, std::string_view table) const {
    // A TID range scan (PostgreSQL 14) reads only the pages of the range; before it, a ctid range
    // is a filter on a scan of the whole table. A partitioned table has no pages of its own, and
    // its partitions' page numbers overlap.
    QueryResult result = connection.query(
        "SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint FROM pg_class c "
        "WHERE c.oid = to_regclass($1) AND c.relkind = 'r' AND current_setting('server_version_num')::int >= 140000",
        {std::string(table)});
    if (result.rows.empty() || is_null(result.rows[0][0])) {
        return std::nullopt;
    }
    return value_to_int(result.rows[0][0]);
}

std::string PostgresDialect::page_range(std::int64_t first, std::optional<std::int64_t> end) const {
    std::string range = fmt::format("ctid >= '({},0)'::tid", first);
    if (end) {
        range += fmt::format(" AND ctid < '({},0)'::tid", *end);
    }
    return range;
}

void PostgresDialect::vacuum_table(Connection& connection, std::string_view table) const {
    // The name as the server resolves and quotes it: the user's spelling goes into no SQL text.
    QueryResult resolved = connection.query("SELECT to_regclass($1)::text", {std::string(table)});
    if (resolved.rows.empty() || is_null(resolved.rows[0][0])) {
        throw Error(ErrorKind::input, fmt::format("table '{}' does not exist, so it cannot be vacuumed", table));
    }
    // On its own, outside a transaction: VACUUM refuses to run in one.
    connection.execute(fmt::format("VACUUM {}", value_to_string(resolved.rows[0][0])));
}

bool PostgresDialect::connection_lost(const Error& error) const {
    // Class 08 (connection exceptions; the connection's own code for a broken session), and the
    // server ending sessions: pg_terminate_backend or a fast shutdown (57P01), a crash of another
    // backend (57P02), a server starting up or shutting down (57P03).
    const std::string& code = error.code();
    return code.starts_with("08") || code == "57P01" || code == "57P02" || code == "57P03";
}

}  // namespace migrate

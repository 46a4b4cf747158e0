// The interface between the engine and a database back-end. The engine, the state store and the
// backfill speak only through Dialect and Connection; a back-end implements them in its folder
// and registers its URL schemes in dialects/registry.cpp. Nothing outside dialects/ includes a
// driver header, and every driver exception becomes a migrate::Error at this boundary.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "support/duration.hpp"
#include "support/error.hpp"
#include "support/sql_lexer.hpp"

namespace migrate {

// One SQL value crossing the boundary: NULL, integer, real or text.
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;
using Row = std::vector<Value>;

// Lenient readers: drivers differ in which types they return for the same column.
bool is_null(const Value& value);
std::string value_to_string(const Value& value);  // NULL reads as ""
std::int64_t value_to_int(const Value& value);    // NULL reads as 0; text is parsed

struct QueryResult {
    std::vector<std::string> columns;
    std::vector<Row> rows;
};

// A connection URL as given by the user. `text` may hold a password: print redacted() only.
struct DatabaseUrl {
    std::string text;
    std::string scheme;  // before the first ':'

    std::string redacted() const;
};

// Parses "scheme:..." and rejects anything without a scheme. Throws Error(usage).
DatabaseUrl parse_database_url(std::string_view text);

struct ConnectOptions {
    // How long one statement may wait for a lock held by someone else (application traffic).
    Duration lock_timeout{2000};
    // How long one statement may run at all; zero for no limit.
    Duration statement_timeout{0};
    // plan and status open the database read-only and must not create it.
    bool read_only = false;
    // How the session shows up in the server's process list, where the server has one
    // (PostgreSQL's application_name): a DBA tells the backfill's session from the runner's.
    std::string application_name = "migrate";
};

// Settings that shape a dialect's SQL rather than one connection.
struct DialectOptions {
    // Where the state tables live, on databases that have schemas.
    std::string state_schema = "migrate";
    // MySQL: run ALTERs only with an online algorithm (INSTANT, or INPLACE without locks) and
    // refuse those that need a blocking table copy.
    bool require_online_ddl = true;
};

class Connection {
  public:
    virtual ~Connection() = default;

    // Runs user SQL from a migration step; it may hold several statements.
    virtual void execute_script(std::string_view sql) = 0;
    // Runs one statement whose placeholders (Dialect::placeholder) are bound to `params`;
    // returns the rows it changed.
    virtual std::int64_t execute(std::string_view sql, const std::vector<Value>& params = {}) = 0;
    // Runs one query whose placeholders are bound to `params`.
    virtual QueryResult query(std::string_view sql, const std::vector<Value>& params = {}) = 0;

    virtual void begin() = 0;
    virtual void commit() = 0;
    // Never throws: it runs on error paths.
    virtual void rollback() noexcept = 0;
};

// Held while one migrate process works on a database; released on destruction (and by the
// operating system or the server if the process dies).
class RunnerLock {
  public:
    virtual ~RunnerLock() = default;
};

// What the engine must know about one step's SQL before running it.
struct SqlTraits {
    bool transactional = true;  // false: must run outside a transaction, on its own
    std::string reason;         // why not transactional, for plan output
    std::string note;           // what else the user should know before it runs (expected locking)
};

// Column roles of the state store's tables; each dialect picks its types.
enum class StateColumn { key, text, integer };

class Dialect {
  public:
    virtual ~Dialect() = default;

    virtual std::string_view name() const = 0;

    virtual std::unique_ptr<Connection> connect(const DatabaseUrl& url, const ConnectOptions& options) const = 0;
    // False when the database does not exist yet; plan and status then show everything pending.
    virtual bool database_exists(const DatabaseUrl& url) const = 0;

    // Takes the runner lock, waiting up to `wait`; throws Error(lock_timeout) naming the holder
    // where the database can tell.
    virtual std::unique_ptr<RunnerLock> lock_runner(Connection& connection, const DatabaseUrl& url,
                                                    Duration wait) const = 0;

    virtual std::string quote_identifier(std::string_view name) const = 0;
    // The placeholder for the n-th (1-based) parameter of a statement: "?" or "$n".
    virtual std::string placeholder(std::size_t n) const = 0;
    // The quoted, possibly schema-qualified name of a state table ("migrations", "events", ...).
    virtual std::string state_table(std::string_view name) const = 0;
    virtual std::string state_column_type(StateColumn column) const = 0;
    // Creates the namespace the state tables live in, if the dialect has one.
    virtual void create_state_namespace(Connection& connection) const = 0;
    virtual bool state_table_exists(Connection& connection, std::string_view name) const = 0;
    // The server's clock as whole seconds since the Unix epoch, as an SQL expression. App
    // heartbeats and the contract gate both read it, so hosts with wrong clocks agree on who is
    // live.
    virtual std::string epoch_now_sql() const = 0;
    // One INSERT of `values` (SQL expressions) into `columns` that updates `update_columns` of the
    // row instead when one with the same `key_columns` exists. By default ON CONFLICT (PostgreSQL,
    // SQLite 3.24+).
    virtual std::string upsert_sql(std::string_view table, const std::vector<std::string>& columns,
                                   const std::vector<std::string>& values, const std::vector<std::string>& key_columns,
                                   const std::vector<std::string>& update_columns) const;

    virtual SqlTraits classify(std::string_view sql) const = 0;

    // Before a step that runs outside a transaction: removes what an earlier, failed run of
    // `sql` left behind that would make it fail again (on PostgreSQL, the INVALID index of a
    // failed CREATE INDEX CONCURRENTLY). `may_have_run`: an earlier run may have completed this
    // very step and died before recording it. Returns what it did, for the user to see.
    virtual std::vector<std::string> clean_up_before(Connection& connection, std::string_view sql,
                                                     bool may_have_run) const = 0;

    // `columns` (quoted) compared with `key` by `op` (">" or "<="), for keyset batches; the
    // values it binds are appended to `params`. By default a row-value comparison,
    // (a, b) > (?, ?); a dialect whose optimizer cannot use an index for that spells it out.
    virtual std::string key_compare(const std::vector<std::string>& columns, std::string_view op, const Row& key,
                                    std::vector<Value>& params) const;

    // The columns a backfill walks in keyset order: the primary key, or what the dialect
    // offers instead. `table` is as the user wrote it. Throws Error(input) if there is none.
    virtual std::vector<std::string> key_columns(Connection& connection, std::string_view table) const = 0;

    // What the backfill's throttles and reports read. The defaults say the dialect cannot tell:
    // the options that need them are refused before a backfill starts.

    // Whether replica_lag and server_load can tell anything: a server database.
    virtual bool can_watch_replicas_and_load() const { return false; }
    // How far `replica` (a connection to a replica of the target) replays behind its primary;
    // nullopt when it cannot tell (replication stopped, nothing replayed yet), which throttles
    // as a lag too long would. Throws Error(usage) when the server is not a replica.
    virtual std::optional<Duration> replica_lag(Connection& replica) const;
    // Statements the server is running now, besides the caller's: PostgreSQL's active backends,
    // MySQL's Threads_running.
    virtual std::optional<std::int64_t> server_load(Connection& connection) const;
    // Bytes the table takes on disk (with its indexes); nullopt where the dialect cannot tell.
    virtual std::optional<std::int64_t> table_size(Connection& connection, std::string_view table) const;
    // The planner's estimate of the table's row count, cheap to read; nullopt when unknown.
    virtual std::optional<std::int64_t> estimated_rows(Connection& connection, std::string_view table) const;
    // How the count that ends a backfill pass can read the table a part at a time: the number
    // of storage pages the table has now, when the dialect can read a range of pages by itself
    // (page_range); nullopt when it cannot, and the count walks the key instead.
    virtual std::optional<std::int64_t> table_pages(Connection& connection, std::string_view table) const;
    // The condition that holds for the rows stored on pages [first, end), or on pages from
    // `first` on when `end` is nullopt. Only for a dialect whose table_pages says how many.
    virtual std::string page_range(std::int64_t first, std::optional<std::int64_t> end) const;
    // Whether vacuum_table does anything.
    virtual bool can_vacuum() const { return false; }
    // Whether a WITH may hold UPDATEs (PostgreSQL's data-modifying WITH), so that a backfill batch
    // and the save of its cursor go to the server as one statement, its own transaction.
    virtual bool can_write_in_with() const { return false; }
    // Makes the space of the rows a batched backfill replaced reusable (PostgreSQL: VACUUM, which
    // runs outside a transaction and takes no lock that blocks reads or writes).
    virtual void vacuum_table(Connection& connection, std::string_view table) const;
    // Whether `error` says the connection is gone (server restart, killed session, network), so
    // that a new connection may carry on where this one failed.
    virtual bool connection_lost([[maybe_unused]] const Error& error) const { return false; }
};

// The dialect for `url`'s scheme. Throws Error(usage) listing the schemes this build supports.
std::unique_ptr<Dialect> make_dialect(const DatabaseUrl& url, const DialectOptions& options = {});

// What lock_runner does on a server: asks `try_take` every 100 ms until it says the lock is taken
// or `wait` has passed. False when it never was.
bool poll_runner_lock(Duration wait, const std::function<bool()>& try_take);

// The error lock_runner throws when another runner kept the lock for all of `wait`; `holder`
// says who, where the database can tell (empty: unknown).
Error runner_lock_busy(const DatabaseUrl& url, const std::string& holder, Duration wait);

// A backfill's table as the user wrote it (`schema.table`, "table", table, quoted as `flavor`
// quotes) as (schema, table), the schema empty when it names none. Throws Error(input).
std::pair<std::string, std::string> split_table_name(std::string_view table, LexFlavor flavor);

// "a, b" for {a, b}: the placeholders of `count` parameters starting at `first`.
std::string placeholders(const Dialect& dialect, std::size_t count, std::size_t first = 1);

}  // namespace migrate

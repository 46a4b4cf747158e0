#include "dialects/postgres/postgres_connection.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "dialects/postgres/postgres_sql.hpp"
#include "support/error.hpp"
#include "support/redact.hpp"
#include "support/sql_lexer.hpp"

namespace migrate {

namespace {

// PostgreSQL type OIDs of the values the engine reads as numbers.
constexpr pqxx::oid int8_oid = 20;
constexpr pqxx::oid int2_oid = 21;
constexpr pqxx::oid int4_oid = 23;
constexpr pqxx::oid oid_oid = 26;
constexpr pqxx::oid float4_oid = 700;
constexpr pqxx::oid float8_oid = 701;

// "ERROR:  relation \"x\" does not exist\nLINE 1: ..." -> the first line, without the severity.
std::string server_message(const char* what) {
    std::string message(what);
    message = message.substr(0, message.find('\n'));
    for (const char* prefix : {"ERROR:  ", "FATAL:  "}) {
        if (message.starts_with(prefix)) {
            message.erase(0, std::string_view(prefix).size());
        }
    }
    return message;
}

Error translate(const pqxx::sql_error& e) {
    const std::string& state = e.sqlstate();
    std::string message = fmt::format("PostgreSQL: {}", redact_secrets(server_message(e.what())));
    // lock_not_available, deadlock_detected, serialization_failure: trying again may work.
    if (state == "55P03" || state == "40P01" || state == "40001") {
        return Error(ErrorKind::lock_timeout, message, state,
                     "another transaction holds a lock this statement needs; migrate retries with growing "
                     "pauses (--lock-retries), each wait bounded by --lock-timeout",
                     true);
    }
    if (state == "57014") {
        return Error(ErrorKind::lock_timeout, message, state,
                     "a statement ran longer than --statement-timeout; raise it for this migration");
    }
    return Error(ErrorKind::database, message, state);
}

// Keeps server notices ("... does not exist, skipping") off the user's terminal, and remembers
// the FATAL message of a server that ends the session while it is idle (pg_terminate_backend, a
// shutdown): libpq hands it over as a notice, and libpqxx 6 reports the loss without it.
class SessionNotices final : public pqxx::errorhandler {
  public:
    explicit SessionNotices(pqxx::connection_base& connection) : pqxx::errorhandler(connection) {}

    bool operator()(const char message[]) noexcept override {
        if (std::string_view(message).starts_with("FATAL:")) {
            try {
                m_fatal = server_message(message);
            } catch (...) {
                // Out of memory: the loss is reported without the reason.
            }
        }
        return false;
    }

    const std::string& fatal() const { return m_fatal; }

  private:
    std::string m_fatal;
};

// connection_failure: libpqxx 6 reports a session the server ended as a broken_connection
// without the server's SQLSTATE (57P01 for pg_terminate_backend), so the code is given here.
Error translate_broken(const pqxx::broken_connection& e, const SessionNotices& notices) {
    std::string reason = notices.fatal().empty() ? server_message(e.what()) : notices.fatal();
    return Error(ErrorKind::database, fmt::format("PostgreSQL: the connection was lost: {}", redact_secrets(reason)),
                 "08006");
}

// A connection attempt that failed: 57P03 when the server said it is starting up or shutting
// down, 08001 when no server answered at all (refused, unreachable, closed before the startup
// finished), none when a server refused the login (password, missing database, too many
// connections) and trying again would not help. libpqxx 6 passes only libpq's message.
std::string connect_failure_code(const std::string& message) {
    if (message.find("FATAL:") == std::string::npos) {
        return "08001";
    }
    if (message.find("the database system is") != std::string::npos) {
        return "57P03";
    }
    return {};
}

template <typename Work>
auto translated(const SessionNotices& notices, Work&& work) -> decltype(work()) {
    try {
        return work();
    } catch (const pqxx::sql_error& e) {
        throw translate(e);
    } catch (const pqxx::broken_connection& e) {
        throw translate_broken(e, notices);
    } catch (const pqxx::failure& e) {
        throw Error(ErrorKind::database, fmt::format("PostgreSQL: {}", redact_secrets(server_message(e.what()))));
    }
}

std::string milliseconds(Duration duration) {
    return fmt::format("'{}ms'", duration.count());
}

// Parameters go to libpq as text, NULL as a null pointer; the server infers their types.
pqxx::result run(pqxx::connection& connection, std::string_view sql, const std::vector<Value>& params) {
    // Once broken, a libpqxx 6 connection opens a new session at its next use, silently, without
    // this one's settings (lock_timeout, read-only) or its advisory locks (the runner lock): the
    // caller must see the loss and connect again itself.
    if (!connection.is_open()) {
        throw pqxx::broken_connection("an earlier statement found the session gone; a new connection is needed");
    }
    std::vector<std::string> texts;
    texts.reserve(params.size());
    for (const Value& value : params) {
        texts.push_back(value_to_string(value));
    }
    std::vector<const char*> pointers;
    for (std::size_t i = 0; i < params.size(); ++i) {
        pointers.push_back(is_null(params[i]) ? nullptr : texts[i].c_str());
    }
    pqxx::nontransaction work(connection);
    if (params.empty()) {
        return work.exec(std::string(sql));
    }
    return work.exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(pointers));
}

}  // namespace

struct PostgresConnection::Session {
    explicit Session(const std::string& url) : connection(url), notices(connection) {}
    pqxx::connection connection;
    SessionNotices notices;
};

PostgresConnection::PostgresConnection(const DatabaseUrl& url, const ConnectOptions& options)
    : m_lock_timeout(options.lock_timeout) {
    try {
        m_session = std::make_unique<Session>(url.text);
    } catch (const pqxx::broken_connection& e) {
        throw Error(ErrorKind::database,
                    fmt::format("cannot connect to {}: {}", url.redacted(), redact_secrets(server_message(e.what()))),
                    connect_failure_code(e.what()));
    }
    // No parallel workers: migrate is a background job beside live traffic, and its one big read,
    // the count of rows a backfill left, would otherwise take three cores at once.
    std::string setup = fmt::format(
        "SET application_name = {}; SET client_min_messages = warning; SET lock_timeout = {}; "
        "SET statement_timeout = {}; SET max_parallel_workers_per_gather = 0;",
        m_session->connection.quote(options.application_name), milliseconds(options.lock_timeout),
        milliseconds(options.statement_timeout));
    if (options.read_only) {
        setup += " SET default_transaction_read_only = on;";
    }
    translated(m_session->notices, [&] { return run(m_session->connection, setup, {}); });
}

PostgresConnection::~PostgresConnection() = default;

void PostgresConnection::execute_script(std::string_view sql) {
    translated(m_session->notices, [&] {
        if (m_in_transaction) {
            run(m_session->connection, sql, {});
            return;
        }
        // Outside a transaction each statement is sent on its own: several statements in one
        // message would run in one implicit transaction, where CREATE INDEX CONCURRENTLY and its
        // kind are refused.
        SplitResult split = split_statements(sql);
        if (split.error) {
            run(m_session->connection, sql, {});  // let the server report the syntax error
            return;
        }
        for (const Statement& statement : split.statements) {
            if (!is_concurrent_index_statement(statement)) {
                run(m_session->connection, statement.text, {});
                continue;
            }
            // A concurrent index build waits for every older transaction in the database, and
            // PostgreSQL counts that against lock_timeout. The wait blocks nobody (its lock
            // lets reads and writes through), so it is not cut off; statement_timeout still is.
            run(m_session->connection, "SET lock_timeout = 0", {});
            try {
                run(m_session->connection, statement.text, {});
            } catch (...) {
                try {
                    run(m_session->connection, "SET lock_timeout = " + milliseconds(m_lock_timeout), {});
                } catch (...) {
                    // The statement's own error is the one to report.
                }
                throw;
            }
            run(m_session->connection, "SET lock_timeout = " + milliseconds(m_lock_timeout), {});
        }
    });
}

std::int64_t PostgresConnection::execute(std::string_view sql, const std::vector<Value>& params) {
    return translated(m_session->notices, [&] {
        return static_cast<std::int64_t>(run(m_session->connection, sql, params).affected_rows());
    });
}

QueryResult PostgresConnection::query(std::string_view sql, const std::vector<Value>& params) {
    return translated(m_session->notices, [&] {
        pqxx::result result = run(m_session->connection, sql, params);
        QueryResult out;
        for (pqxx::row::size_type c = 0; c < result.columns(); ++c) {
            out.columns.emplace_back(result.column_name(c));
        }
        for (const pqxx::row& row : result) {
            Row values;
            for (const pqxx::field& field : row) {
                if (field.is_null()) {
                    values.emplace_back(nullptr);
                    continue;
                }
                switch (field.type()) {
                    case int2_oid:
                    case int4_oid:
                    case int8_oid:
                    case oid_oid:
                        values.emplace_back(field.as<std::int64_t>());
                        break;
                    case float4_oid:
                    case float8_oid:
                        values.emplace_back(field.as<double>());
                        break;
                    default:
                        values.emplace_back(field.as<std::string>());
                        break;
                }
            }
            out.rows.push_back(std::move(values));
        }
        return out;
    });
}

void PostgresConnection::begin() {
    translated(m_session->notices, [&] { return run(m_session->connection, "BEGIN", {}); });
    m_in_transaction = true;
}

void PostgresConnection::commit() {
    m_in_transaction = false;
    translated(m_session->notices, [&] { return run(m_session->connection, "COMMIT", {}); });
}

void PostgresConnection::rollback() noexcept {
    if (!m_in_transaction) {
        return;
    }
    m_in_transaction = false;
    try {
        run(m_session->connection, "ROLLBACK", {});
    } catch (...) {
        // The connection is gone; the server has rolled the transaction back with it.
    }
}

bool postgres_database_exists(const DatabaseUrl& url) {
    try {
        pqxx::connection connection(url.text);
        return true;
    } catch (const pqxx::broken_connection& e) {
        std::string message = server_message(e.what());
        if (message.find("does not exist") != std::string::npos && message.find("database") != std::string::npos) {
            return false;
        }
        throw Error(ErrorKind::database,
                    fmt::format("cannot connect to {}: {}", url.redacted(), redact_secrets(message)));
    }
}

}  // namespace migrate

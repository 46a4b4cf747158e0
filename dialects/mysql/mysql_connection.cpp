#include "dialects/mysql/mysql_connection.hpp"

#include <cmath>

#include <cppconn/datatype.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <fmt/format.h>
#include <mysql_connection.h>
#include <mysql_driver.h>

#include "dialects/mysql/mysql_sql.hpp"
#include "support/error.hpp"
#include "support/redact.hpp"
#include "support/sql_lexer.hpp"

namespace migrate {

namespace {

// Server error numbers the back-end acts on.
constexpr int er_lock_wait_timeout = 1205;
constexpr int er_lock_deadlock = 1213;
constexpr int er_alter_operation_not_supported = 1845;
constexpr int er_alter_operation_not_supported_reason = 1846;
constexpr int er_statement_timeout = 1969;  // MariaDB's max_statement_time
constexpr int er_bad_db = 1049;

Error translate(const sql::SQLException& e) {
    int number = e.getErrorCode();
    std::string message = fmt::format("MySQL: {}", redact_secrets(e.what()));
    std::string code = std::to_string(number);
    if (number == er_lock_wait_timeout || number == er_lock_deadlock) {
        return Error(ErrorKind::lock_timeout, message, code,
                     "another session holds a lock this statement needs (a long transaction, or one that read "
                     "the table); migrate retries with growing pauses (--lock-retries), each wait bounded by "
                     "--lock-timeout",
                     true);
    }
    if (number == er_statement_timeout) {
        return Error(ErrorKind::lock_timeout, message, code,
                     "a statement ran longer than --statement-timeout; raise it for this migration");
    }
    return Error(ErrorKind::database, message, code);
}

template <typename Work>
auto translated(Work&& work) -> decltype(work()) {
    try {
        return work();
    } catch (const sql::SQLException& e) {
        throw translate(e);
    }
}

std::unique_ptr<sql::Connection> open(const MysqlTarget& target, const DatabaseUrl& url, bool with_database) {
    sql::ConnectOptionsMap options;
    options["hostName"] = target.socket.empty() ? fmt::format("tcp://{}:{}", target.host, target.port)
                                                : fmt::format("unix://{}", target.socket);
    options["userName"] = target.user;
    options["password"] = target.password;
    if (with_database) {
        options["schema"] = target.database;
    }
    options["OPT_CHARSET_NAME"] = "utf8mb4";
    // Rows matched rather than rows changed: an UPDATE that sets a value it already has still
    // counts, as on the other databases.
    options["CLIENT_FOUND_ROWS"] = true;
    try {
        return std::unique_ptr<sql::Connection>(sql::mysql::get_mysql_driver_instance()->connect(options));
    } catch (const sql::SQLException& e) {
        if (with_database && e.getErrorCode() == er_bad_db) {
            throw Error(
                ErrorKind::database,
                fmt::format("cannot connect to {}: the database '{}' does not exist", url.redacted(), target.database),
                std::to_string(e.getErrorCode()), "create it first (CREATE DATABASE ... CHARACTER SET utf8mb4)");
        }
        throw Error(ErrorKind::database,
                    fmt::format("cannot connect to {}: {}", url.redacted(), redact_secrets(e.what())),
                    std::to_string(e.getErrorCode()));
    }
}

void bind(sql::PreparedStatement& statement, const std::vector<Value>& params) {
    unsigned int index = 1;
    for (const Value& value : params) {
        if (const auto* i = std::get_if<std::int64_t>(&value)) {
            statement.setInt64(index, *i);
        } else if (const auto* d = std::get_if<double>(&value)) {
            statement.setDouble(index, *d);
        } else if (const auto* s = std::get_if<std::string>(&value)) {
            statement.setString(index, *s);
        } else {
            statement.setNull(index, sql::DataType::VARCHAR);
        }
        ++index;
    }
}

// MySQL's lock_wait_timeout counts whole seconds; a shorter timeout still waits one.
long whole_seconds(Duration duration) {
    return std::max(1L, static_cast<long>(std::ceil(static_cast<double>(duration.count()) / 1000.0)));
}

}  // namespace

MysqlConnection::MysqlConnection(const MysqlTarget& target, const DatabaseUrl& url, const ConnectOptions& options,
                                 bool require_online_ddl)
    : m_connection(open(target, url, true)), m_require_online_ddl(require_online_ddl) {
    long lock_seconds = whole_seconds(options.lock_timeout);
    std::string setup =
        fmt::format("SET SESSION lock_wait_timeout = {0}, innodb_lock_wait_timeout = {0}", lock_seconds);
    translated([&] {
        std::unique_ptr<sql::Statement> statement(m_connection->createStatement());
        statement->execute(setup);
        std::unique_ptr<sql::ResultSet> version(statement->executeQuery("SELECT VERSION()"));
        bool mariadb = version->next() && version->getString(1).asStdString().find("MariaDB") != std::string::npos;
        if (options.statement_timeout.count() > 0) {
            // MariaDB bounds every statement; MySQL's max_execution_time bounds only SELECTs.
            statement->execute(
                mariadb ? fmt::format("SET SESSION max_statement_time = {:.3f}",
                                      static_cast<double>(options.statement_timeout.count()) / 1000.0)
                        : fmt::format("SET SESSION max_execution_time = {}", options.statement_timeout.count()));
        }
        if (options.read_only) {
            statement->execute("SET SESSION TRANSACTION READ ONLY");
        }
        return 0;
    });
}

MysqlConnection::~MysqlConnection() = default;

void MysqlConnection::run_statement(const std::string& sql) {
    std::unique_ptr<sql::Statement> statement(m_connection->createStatement());
    if (statement->execute(sql)) {
        // Rows a step's SELECT returns are read and dropped, so the session can go on.
        std::unique_ptr<sql::ResultSet> ignored(statement->getResultSet());
    }
}

void MysqlConnection::run_online(const std::string& sql, bool after_comma) {
    // ALTER TABLE lists its clauses with commas; CREATE / DROP INDEX with spaces.
    const std::vector<std::string> clauses =
        after_comma ? std::vector<std::string>{", ALGORITHM=INSTANT", ", ALGORITHM=INPLACE, LOCK=NONE"}
                    : std::vector<std::string>{" ALGORITHM=INSTANT", " ALGORITHM=INPLACE LOCK=NONE"};
    std::string refusal;
    for (const std::string& clause : clauses) {
        try {
            run_statement(sql + clause);
            return;
        } catch (const sql::SQLException& e) {
            if (e.getErrorCode() != er_alter_operation_not_supported &&
                e.getErrorCode() != er_alter_operation_not_supported_reason) {
                throw;
            }
            refusal = e.what();
        }
    }
    throw Error(ErrorKind::database,
                fmt::format("MySQL: '{}' needs a table copy that blocks writes for its whole run (the server refused "
                            "ALGORITHM=INSTANT and ALGORITHM=INPLACE, LOCK=NONE: {})",
                            sql, refusal),
                std::to_string(er_alter_operation_not_supported_reason),
                "do it without a copy under lock: add a new column or table, backfill it, switch the app over, "
                "then drop the old one (the expand/backfill/contract way, or gh-ost / pt-online-schema-change); or "
                "run this step with --online-ddl off in a maintenance window");
}

void MysqlConnection::execute_script(std::string_view sql) {
    translated([&] {
        SplitResult split = split_statements(sql, LexFlavor::mysql);
        if (split.error) {
            run_statement(std::string(sql));  // let the server report the syntax error
            return 0;
        }
        for (const Statement& statement : split.statements) {
            std::string text(statement.text);
            OnlineDdlForm form = m_require_online_ddl ? online_ddl_form(statement) : OnlineDdlForm::none;
            if (form == OnlineDdlForm::alter_table || form == OnlineDdlForm::index) {
                run_online(text, form == OnlineDdlForm::alter_table);
            } else {
                run_statement(text);
            }
        }
        return 0;
    });
}

std::int64_t MysqlConnection::execute(std::string_view sql, const std::vector<Value>& params) {
    return translated([&]() -> std::int64_t {
        std::unique_ptr<sql::PreparedStatement> statement(m_connection->prepareStatement(std::string(sql)));
        bind(*statement, params);
        return statement->executeUpdate();
    });
}

QueryResult MysqlConnection::query(std::string_view sql, const std::vector<Value>& params) {
    return translated([&] {
        std::unique_ptr<sql::PreparedStatement> statement(m_connection->prepareStatement(std::string(sql)));
        bind(*statement, params);
        std::unique_ptr<sql::ResultSet> rows(statement->executeQuery());
        sql::ResultSetMetaData* meta = rows->getMetaData();
        unsigned int columns = meta->getColumnCount();
        QueryResult result;
        for (unsigned int c = 1; c <= columns; ++c) {
            result.columns.push_back(meta->getColumnLabel(c).asStdString());
        }
        while (rows->next()) {
            Row row;
            for (unsigned int c = 1; c <= columns; ++c) {
                if (rows->isNull(c)) {
                    row.emplace_back(nullptr);
                    continue;
                }
                switch (meta->getColumnType(c)) {
                    case sql::DataType::BIT:
                    case sql::DataType::TINYINT:
                    case sql::DataType::SMALLINT:
                    case sql::DataType::MEDIUMINT:
                    case sql::DataType::INTEGER:
                    case sql::DataType::BIGINT:
                    case sql::DataType::YEAR:
                        row.emplace_back(static_cast<std::int64_t>(rows->getInt64(c)));
                        break;
                    case sql::DataType::REAL:
                    case sql::DataType::DOUBLE:
                        row.emplace_back(static_cast<double>(rows->getDouble(c)));
                        break;
                    default:
                        row.emplace_back(rows->getString(c).asStdString());
                        break;
                }
            }
            result.rows.push_back(std::move(row));
        }
        return result;
    });
}

void MysqlConnection::begin() {
    translated([&] {
        run_statement("START TRANSACTION");
        return 0;
    });
    m_in_transaction = true;
}

void MysqlConnection::commit() {
    m_in_transaction = false;
    translated([&] {
        run_statement("COMMIT");
        return 0;
    });
}

void MysqlConnection::rollback() noexcept {
    if (!m_in_transaction) {
        return;
    }
    m_in_transaction = false;
    try {
        run_statement("ROLLBACK");
    } catch (...) {
        // The session is gone; the server rolls back what it had open.
    }
}

bool mysql_database_exists(const MysqlTarget& target, const DatabaseUrl& url) {
    std::unique_ptr<sql::Connection> connection = open(target, url, false);
    return translated([&] {
        std::unique_ptr<sql::PreparedStatement> statement(
            connection->prepareStatement("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"));
        statement->setString(1, target.database);
        std::unique_ptr<sql::ResultSet> rows(statement->executeQuery());
        return rows->next();
    });
}

}  // namespace migrate

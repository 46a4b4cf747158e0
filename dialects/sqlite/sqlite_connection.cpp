#include "dialects/sqlite/sqlite_connection.hpp"

#include <chrono>
#include <thread>

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include "support/error.hpp"

namespace migrate {

namespace {

Error translate(const SQLite::Exception& e) {
    int code = e.getErrorCode();
    std::string number = std::to_string(e.getExtendedErrorCode());
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
        return Error(ErrorKind::lock_timeout, fmt::format("SQLite: {}", e.what()), number,
                     "another connection holds a lock on the database; retry when it is idle, or raise "
                     "--lock-timeout",
                     true);
    }
    return Error(ErrorKind::database, fmt::format("SQLite: {}", e.what()), number);
}

void bind_all(SQLite::Statement& statement, const std::vector<Value>& params) {
    int index = 1;
    for (const Value& value : params) {
        std::visit(
            [&](const auto& v) {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, std::nullptr_t>) {
                    statement.bind(index);
                } else {
                    statement.bind(index, v);
                }
            },
            value);
        ++index;
    }
}

}  // namespace

template <typename Work>
auto SqliteConnection::retry_busy(Work&& work) -> decltype(work()) {
    auto deadline = std::chrono::steady_clock::now() + m_lock_timeout;
    while (true) {
        try {
            return work();
        } catch (const SQLite::Exception& e) {
            bool busy = e.getErrorCode() == SQLITE_BUSY;
            bool outside_transaction = sqlite3_get_autocommit(m_db.getHandle()) != 0;
            if (!busy || !outside_transaction || std::chrono::steady_clock::now() >= deadline) {
                throw translate(e);
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

// Read-only use still opens the file read-write (never creating it): after a migrate process was
// killed mid-transaction, the first reader must roll back the hot journal, which a read-only
// handle cannot do. query_only then makes SQLite refuse any write on this connection.
SqliteConnection::SqliteConnection(const std::filesystem::path& file, const ConnectOptions& options) try
    : m_db(file.string(), options.read_only ? SQLite::OPEN_READWRITE : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE),
           static_cast<int>(options.lock_timeout.count())),
      m_lock_timeout(options.lock_timeout) {
    if (options.read_only) {
        m_db.exec("PRAGMA query_only = ON");
    }
} catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("cannot open SQLite database '{}': {}", file.string(), e.what()),
                std::to_string(e.getExtendedErrorCode()));
}

// Not retried: a script of several statements may have run some of them before SQLite said
// BUSY, and running those again would repeat them.
void SqliteConnection::execute_script(std::string_view sql) {
    try {
        m_db.exec(std::string(sql));
    } catch (const SQLite::Exception& e) {
        throw translate(e);
    }
}

std::int64_t SqliteConnection::execute(std::string_view sql, const std::vector<Value>& params) {
    return retry_busy([&]() -> std::int64_t {
        SQLite::Statement statement(m_db, std::string(sql));
        bind_all(statement, params);
        statement.exec();
        return m_db.getChanges();
    });
}

QueryResult SqliteConnection::query(std::string_view sql, const std::vector<Value>& params) {
    return retry_busy([&] {
        SQLite::Statement statement(m_db, std::string(sql));
        bind_all(statement, params);
        QueryResult result;
        int columns = statement.getColumnCount();
        for (int i = 0; i < columns; ++i) {
            result.columns.emplace_back(statement.getColumnName(i));
        }
        while (statement.executeStep()) {
            Row row;
            row.reserve(static_cast<std::size_t>(columns));
            for (int i = 0; i < columns; ++i) {
                SQLite::Column column = statement.getColumn(i);
                switch (column.getType()) {
                    case SQLITE_INTEGER:
                        row.emplace_back(column.getInt64());
                        break;
                    case SQLITE_FLOAT:
                        row.emplace_back(column.getDouble());
                        break;
                    case SQLITE_NULL:
                        row.emplace_back(nullptr);
                        break;
                    default:
                        row.emplace_back(column.getString());
                        break;
                }
            }
            result.rows.push_back(std::move(row));
        }
        return result;
    });
}

void SqliteConnection::begin() {
    // IMMEDIATE takes the write lock now, so a phase never fails half-way on a lock upgrade.
    retry_busy([&] { return m_db.exec("BEGIN IMMEDIATE"); });
}

void SqliteConnection::commit() {
    execute_script("COMMIT");
}

void SqliteConnection::rollback() noexcept {
    if (sqlite3_get_autocommit(m_db.getHandle()) == 0) {
        sqlite3_exec(m_db.getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

}  // namespace migrate

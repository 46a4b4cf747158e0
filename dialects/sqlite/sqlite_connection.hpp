// A Connection over one SQLite database file (SQLiteCpp), translating SQLite errors into
// migrate::Error with the extended result code.
#pragma once

#include <filesystem>

#include <SQLiteCpp/Database.h>

#include "dialects/dialect.hpp"

namespace migrate {

class SqliteConnection final : public Connection {
  public:
    SqliteConnection(const std::filesystem::path& file, const ConnectOptions& options);

    void execute_script(std::string_view sql) override;
    std::int64_t execute(std::string_view sql, const std::vector<Value>& params) override;
    QueryResult query(std::string_view sql, const std::vector<Value>& params) override;

    void begin() override;
    void commit() override;
    void rollback() noexcept override;

  private:
    // Runs `work`, retrying while SQLite reports SQLITE_BUSY outside a transaction until the lock
    // timeout is spent: SQLite returns BUSY without calling its busy handler when a reader meets
    // a writer mid-commit in rollback-journal mode, so the handler alone is not enough.
    template <typename Work>
    auto retry_busy(Work&& work) -> decltype(work());

    SQLite::Database m_db;
    Duration m_lock_timeout;
};

}  // namespace migrate

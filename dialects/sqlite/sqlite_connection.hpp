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
    // Runs `work` (one statement), retrying while SQLite reports SQLITE_BUSY outside a
    // transaction until the lock timeout is spent: in rollback-journal mode a reader can meet
    // BUSY again and again while a writer commits back to back, and SQLite's own busy handler
    // backs off so far that it gives up before the writer pauses.
    template <typename Work>
    auto retry_busy(Work&& work) -> decltype(work());

    SQLite::Database m_db;
    Duration m_lock_timeout;
};

}  // namespace migrate

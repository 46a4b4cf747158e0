// A Connection over one SQLite database file (SQLiteCpp), translating SQLite errors into
// migrate::Error with the extended result code.
#pragma once

#include <SQLiteCpp/Database.h>

#include <filesystem>

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
    SQLite::Database m_db;
};

}  // namespace migrate

// The SQLite back-end: an embedded database file named by sqlite:PATH. Every DDL statement is
// transactional here, so each phase commits with its state rows or not at all.
#pragma once

#include <filesystem>

#include "dialects/dialect.hpp"

namespace migrate {

class SqliteDialect final : public Dialect {
  public:
    std::string_view name() const override { return "sqlite"; }

    std::unique_ptr<Connection> connect(const DatabaseUrl& url, const ConnectOptions& options) const override;
    bool database_exists(const DatabaseUrl& url) const override;
    std::unique_ptr<RunnerLock> lock_runner(Connection& connection, const DatabaseUrl& url,
                                            Duration wait) const override;

    std::string quote_identifier(std::string_view name) const override;
    std::string placeholder(std::size_t) const override { return "?"; }
    std::string state_table(std::string_view name) const override;
    std::string state_column_type(StateColumn column) const override;
    void create_state_namespace(Connection& connection) const override;
    bool state_table_exists(Connection& connection, std::string_view name) const override;
    std::string epoch_now_sql() const override { return "CAST(strftime('%s', 'now') AS INTEGER)"; }

    SqlTraits classify(std::string_view sql) const override;
    std::vector<std::string> clean_up_before(Connection&, std::string_view, bool) const override { return {}; }
    std::vector<std::string> key_columns(Connection& connection, std::string_view table) const override;

    std::optional<std::int64_t> table_size(Connection& connection, std::string_view table) const override;
    std::optional<std::int64_t> estimated_rows(Connection& connection, std::string_view table) const override;

    // The file a sqlite: URL names: "sqlite:app.db" and "sqlite://app.db" -> app.db,
    // "sqlite:///tmp/app.db" -> /tmp/app.db. Throws Error(usage) when no path is given.
    static std::filesystem::path file_path(const DatabaseUrl& url);
};

}  // namespace migrate

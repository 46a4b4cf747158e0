// What the backfill's throttles and reports read from SQLite: the row count and the pages of a
// table and its indexes (from the dbstat table), and the probes an embedded database has no use
// for (replicas, load, VACUUM between batches), which say so.
#include <gtest/gtest.h>

#include "dialects/dialect.hpp"
#include "support/error.hpp"
#include "test_database.hpp"

namespace migrate {
namespace {

class SqliteProbes : public testing::DialectTest {
  protected:
    void SetUp() override {
        DialectTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        m_url = parse_database_url(db().url());
        m_dialect = make_dialect(m_url);
        m_connection = m_dialect->connect(m_url, {});
    }

    std::optional<std::int64_t> table_size(const std::string& table) {
        return m_dialect->table_size(*m_connection, table);
    }
    std::optional<std::int64_t> estimated_rows(const std::string& table) {
        return m_dialect->estimated_rows(*m_connection, table);
    }

    DatabaseUrl m_url;
    std::unique_ptr<Dialect> m_dialect;
    std::unique_ptr<Connection> m_connection;
};

TEST_P(SqliteProbes, EstimatedRowsCountsTheRowsOfTheTableAsAMigrationNamesIt) {
    db().exec("CREATE TABLE \"Line Items\" (id INTEGER PRIMARY KEY, note TEXT NOT NULL)");
    EXPECT_EQ(estimated_rows("\"Line Items\""), 0);
    db().exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
        "INSERT INTO \"Line Items\" SELECT i, 'note ' || i FROM n");
    EXPECT_EQ(estimated_rows("\"Line Items\""), 5000);
    EXPECT_EQ(estimated_rows("main.\"Line Items\""), 5000);
    EXPECT_EQ(estimated_rows("\"LINE ITEMS\""), 5000) << "SQLite names are case-insensitive";
    EXPECT_FALSE(estimated_rows("no_such_table").has_value());
}

TEST_P(SqliteProbes, TableSizeCountsThePagesOfTheTableAndItsIndexes) {
    if (db().value("SELECT sqlite_compileoption_used('ENABLE_DBSTAT_VTAB')") == "0") {
        db().exec("CREATE TABLE items (id INTEGER PRIMARY KEY, note TEXT NOT NULL)");
        EXPECT_FALSE(table_size("items").has_value()) << "without dbstat there is nothing to read the size from";
        return;
    }
    db().exec("CREATE TABLE items (id INTEGER PRIMARY KEY, note TEXT NOT NULL)");
    db().exec("CREATE TABLE others (id INTEGER PRIMARY KEY, note TEXT NOT NULL)");
    std::int64_t page = std::stoll(db().value("PRAGMA page_size"));
    EXPECT_EQ(table_size("items"), page) << "an empty table is its root page";

    db().exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
        "INSERT INTO items SELECT i, printf('%100d', i) FROM n");
    std::optional<std::int64_t> rows_only = table_size("items");
    ASSERT_TRUE(rows_only.has_value());
    EXPECT_GT(*rows_only, 5000 * 100);
    EXPECT_EQ(*rows_only % page, 0);

    db().exec("CREATE INDEX items_note ON items (note)");
    std::optional<std::int64_t> with_index = table_size("items");
    ASSERT_TRUE(with_index.has_value());
    EXPECT_GT(*with_index, *rows_only + 5000 * 100) << "the index holds every note again";
    EXPECT_EQ(table_size("main.ITEMS"), with_index);
    EXPECT_EQ(table_size("others"), page) << "another table's pages are not this one's";
    EXPECT_FALSE(table_size("no_such_table").has_value());
}

TEST_P(SqliteProbes, ReplicasLoadAndVacuumAreNotForSqlite) {
    try {
        m_dialect->replica_lag(*m_connection);
        FAIL() << "SQLite has no replicas to watch";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::usage) << e.what();
    }
    EXPECT_FALSE(m_dialect->server_load(*m_connection).has_value());
    EXPECT_FALSE(m_dialect->can_vacuum());
    try {
        m_dialect->vacuum_table(*m_connection, "items");
        FAIL() << "vacuum_table is for PostgreSQL";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::usage) << e.what();
    }
    EXPECT_FALSE(m_dialect->connection_lost(Error(ErrorKind::database, "SQLite: disk I/O error", "10")));
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteProbes, ::testing::Values("sqlite"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

// Backfills on a real SQLite file: keyset batches over single and composite keys, a run killed
// with SIGKILL part-way that resumes with every row updated exactly once, and rows written
// behind the cursor by the application caught by a further pass.
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>

#include "engine/project.hpp"
#include "support/error.hpp"
#include "recording_observer.hpp"
#include "test_support.hpp"

namespace migrate {
namespace {

using testing::TempDir;

// `touches` counts how often the backfill updated each row: it must end at exactly 1. The table
// is big enough that a run in batches of 20 takes seconds, so the tests can kill it part-way.
constexpr int item_count = 40000;
constexpr const char* items_migration = R"toml(
[[expand]]
up = """
CREATE TABLE items (id INTEGER PRIMARY KEY, src TEXT NOT NULL, dst TEXT, touches INTEGER NOT NULL DEFAULT 0);
INSERT INTO items (src)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
SELECT 'item-' || i FROM n;
"""
down = "DROP TABLE items"

[[backfill]]
table = "items"
set = "dst = upper(src), touches = touches + 1"
where = "dst IS NULL"
)toml";

class SqliteBackfill : public ::testing::Test {
  protected:
    void SetUp() override { m_db = m_dir / "app.db"; }

    std::string url() const { return "sqlite:" + m_db.string(); }
    std::string dir() const { return (m_dir / "migrations").string(); }

    Project project(int batch_size) {
        ProjectSettings settings;
        settings.url = parse_database_url(url());
        settings.dir = m_dir / "migrations";
        settings.run.command = "test";
        settings.run.backfill.batch_size = batch_size;
        return Project(settings);
    }

    std::int64_t rows_recorded() {
        auto rows = testing::sqlite_rows(m_db, "SELECT rows_updated FROM _migrate_backfills");
        return rows.empty() ? 0 : std::stoll(rows[0][0]);
    }

    // Waits until a running backfill has recorded `rows` rows. Polls without waiting on locks:
    // in rollback-journal mode a reader that waits on a busy writer can be held for seconds.
    void wait_until_recorded(std::int64_t rows) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < deadline) {
            auto value = testing::sqlite_try_value(m_db, "SELECT rows_updated FROM _migrate_backfills");
            if (value && std::stoll(*value) >= rows) {
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        FAIL() << "the backfill never reached " << rows << " rows";
    }

    TempDir m_dir;
    std::filesystem::path m_db;
};

TEST_F(SqliteBackfill, RunsInBatchesOfTheGivenSize) {
    testing::write_file(m_dir / "migrations" / "0001_items.toml", items_migration);
    testing::RecordingObserver quiet;
    project(1000).apply({Phase::backfill, std::nullopt}, quiet);
    EXPECT_EQ(quiet.batches, item_count / 1000);
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM items WHERE dst = upper(src) AND touches = 1"),
              std::to_string(item_count));
    EXPECT_EQ(testing::sqlite_value(m_db,
                                    "SELECT batches || '/' || rows_updated || '/' || completed FROM "
                                    "_migrate_backfills"),
              "40/40000/1");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT phase FROM _migrate_migrations"), "backfilled");
}

// Both of SQLite's journal modes: recovery after a kill works differently in each.
class SqliteBackfillKilled : public SqliteBackfill, public ::testing::WithParamInterface<const char*> {};

TEST_P(SqliteBackfillKilled, KilledRunResumesAndUpdatesEveryRowExactlyOnce) {
    testing::write_file(m_dir / "migrations" / "0001_items.toml", items_migration);
    auto expand = testing::run_migrate({"apply", "--phase", "expand", "-u", url(), "-d", dir()});
    ASSERT_EQ(expand.exit_code, 0) << expand.err;
    testing::sqlite_exec(m_db, std::string("PRAGMA journal_mode = ") + GetParam());

    for (int round = 0; round < 2; ++round) {
        std::int64_t before = rows_recorded();
        pid_t child =
            testing::spawn_migrate({"apply", "--phase", "backfill", "--batch-size", "20", "-u", url(), "-d", dir()},
                                   m_dir.path(), "backfill" + std::to_string(round));
        // Kill it once it has committed a few more batches, i.e. truly mid-way.
        wait_until_recorded(before + 1000);
        kill(child, SIGKILL);
        EXPECT_EQ(testing::wait_for(child), -SIGKILL);

        // What the state says was done is exactly what the data shows: the batch in flight
        // rolled back together with its cursor.
        std::int64_t recorded = rows_recorded();
        EXPECT_GT(recorded, before);
        EXPECT_LT(recorded, item_count);
        EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM items WHERE dst IS NOT NULL"),
                  std::to_string(recorded));
        EXPECT_EQ(testing::sqlite_value(m_db, "SELECT MAX(touches) FROM items"), "1");
        EXPECT_EQ(testing::sqlite_value(m_db, "SELECT phase FROM _migrate_migrations"), "expanded");
    }

    auto resumed = testing::run_migrate({"apply", "-u", url(), "-d", dir()});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM items WHERE dst = upper(src) AND touches = 1"),
              std::to_string(item_count));
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT rows_updated FROM _migrate_backfills"), std::to_string(item_count));
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT phase FROM _migrate_migrations"), "contracted");
}

INSTANTIATE_TEST_SUITE_P(JournalModes, SqliteBackfillKilled, ::testing::Values("delete", "wal"));

TEST_F(SqliteBackfill, CompositePrimaryKeyIsWalkedInKeyOrder) {
    testing::write_file(m_dir / "migrations" / "0001_stock.toml", R"toml(
[[expand]]
up = """
CREATE TABLE stock (warehouse TEXT NOT NULL, sku INTEGER NOT NULL, qty INTEGER NOT NULL, qty_x2 INTEGER,
                    touches INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (warehouse, sku));
INSERT INTO stock (warehouse, sku, qty)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
SELECT 'w' || (i % 7), i, i FROM n;
"""
down = "DROP TABLE stock"

[[backfill]]
table = "stock"
set = "qty_x2 = qty * 2, touches = touches + 1"
where = "qty_x2 IS NULL"
)toml");
    testing::RecordingObserver quiet;
    project(100).apply({Phase::backfill, std::nullopt}, quiet);
    EXPECT_EQ(quiet.batches, 30);
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM stock WHERE qty_x2 = qty * 2 AND touches = 1"), "3000");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT last_key FROM _migrate_backfills"), "[\"w6\",2995]");
}

TEST_F(SqliteBackfill, TableWithoutDeclaredKeyIsWalkedByRowid) {
    testing::write_file(m_dir / "migrations" / "0001_log.toml", R"toml(
[[expand]]
up = """
CREATE TABLE log (line TEXT, shout TEXT);
INSERT INTO log (line) VALUES ('a'), ('b'), ('c'), ('d'), ('e');
"""
down = "DROP TABLE log"

[[backfill]]
table = "log"
set = "shout = upper(line)"
where = "shout IS NULL"
)toml");
    testing::RecordingObserver quiet;
    project(2).apply({Phase::backfill, std::nullopt}, quiet);
    EXPECT_EQ(quiet.batches, 3);
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT group_concat(shout) FROM log"), "A,B,C,D,E");
}

TEST_F(SqliteBackfill, SetThatNeverSatisfiesWhereFailsInsteadOfLooping) {
    testing::write_file(m_dir / "migrations" / "0001_bad.toml", R"toml(
[[expand]]
up = """
CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO t (v) VALUES (NULL), (NULL);
"""
down = "DROP TABLE t"

[[backfill]]
table = "t"
set = "v = NULL"
where = "v IS NULL"
)toml");
    testing::RecordingObserver quiet;
    try {
        project(10).apply({Phase::backfill, std::nullopt}, quiet);
        FAIL() << "the backfill cannot finish";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("still match"), std::string::npos) << e.what();
    }
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT phase FROM _migrate_migrations"), "expanded");
}

TEST_F(SqliteBackfill, RowsWrittenBehindTheCursorArePickedUpByAnotherPass) {
    testing::write_file(m_dir / "migrations" / "0001_items.toml", items_migration);
    ASSERT_EQ(testing::run_migrate({"apply", "--phase", "expand", "-u", url(), "-d", dir()}).exit_code, 0);
    pid_t child = testing::spawn_migrate(
        {"apply", "--phase", "backfill", "--batch-size", "20", "-u", url(), "-d", dir()}, m_dir.path(), "backfill");
    wait_until_recorded(1000);
    kill(child, SIGKILL);
    testing::wait_for(child);
    // While no backfill runs, the application clears a row the cursor has passed.
    ASSERT_EQ(testing::sqlite_value(m_db, "SELECT dst FROM items WHERE id = 5"), "ITEM-5");
    testing::sqlite_exec(m_db, "UPDATE items SET dst = NULL WHERE id = 5");

    testing::RecordingObserver quiet;
    project(1000).apply({Phase::backfill, std::nullopt}, quiet);
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM items WHERE dst IS NULL"), "0");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT passes FROM _migrate_backfills"), "2");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT touches FROM items WHERE id = 5"), "2");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM items WHERE touches = 1"),
              std::to_string(item_count - 1));
}

}  // namespace
}  // namespace migrate

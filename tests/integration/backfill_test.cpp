// Backfills on every dialect: keyset batches over single and composite keys, a run killed with
// SIGKILL part-way that resumes with every row updated exactly once, and rows written behind the
// cursor by the application caught by a further pass. SQLite-only: tables walked by rowid, and
// the kill in WAL mode.
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>

#include "engine/project.hpp"
#include "recording_observer.hpp"
#include "support/error.hpp"
#include "test_database.hpp"
#include "test_support.hpp"

namespace migrate {
namespace {

using testing::TempDir;

// `touches` counts how often the backfill updated each row: it must end at exactly 1. The table
// is big enough that a run in batches of 20 takes seconds, so the tests can kill it part-way.
// MySQL concatenates with CONCAT(), and MariaDB stops a recursive CTE after 1000 rounds
// (max_recursive_iterations), so there the 40,000 rows are 200 x 200.
constexpr int item_count = 40000;
constexpr const char* items_migration = R"toml(
[[expand]]
up.sqlite = """
CREATE TABLE items (id INTEGER PRIMARY KEY, src TEXT NOT NULL, dst TEXT, touches INTEGER NOT NULL DEFAULT 0)
"""
up.postgres = """
CREATE TABLE items (id BIGSERIAL PRIMARY KEY, src TEXT NOT NULL, dst TEXT, touches INTEGER NOT NULL DEFAULT 0)
"""
up.mysql = """
CREATE TABLE items (id BIGINT AUTO_INCREMENT PRIMARY KEY, src VARCHAR(40) NOT NULL, dst VARCHAR(40),
                    touches INTEGER NOT NULL DEFAULT 0)
"""
down = "DROP TABLE items"

[[expand]]
up.default = """
INSERT INTO items (src)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
SELECT 'item-' || i FROM n;
"""
up.mysql = """
INSERT INTO items (src)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
SELECT CONCAT('item-', (a.i - 1) * 200 + b.i) FROM n AS a CROSS JOIN n AS b ORDER BY a.i, b.i;
"""
down = "DELETE FROM items"

[[backfill]]
table = "items"
set = "dst = upper(src), touches = touches + 1"
where = "dst IS NULL"
)toml";

class Backfill : public testing::DialectTest {
  protected:
    std::string url() { return db().url(); }
    std::string dir() const { return (m_dir / "migrations").string(); }
    std::string state(const std::string& table) { return db().state_table(table); }

    Project project(int batch_size) {
        ProjectSettings settings;
        settings.url = parse_database_url(url());
        settings.dir = m_dir / "migrations";
        settings.run.command = "test";
        settings.run.backfill.batch_size = batch_size;
        return Project(settings);
    }

    std::int64_t rows_recorded() {
        auto rows = db().rows("SELECT rows_updated FROM " + state("backfills"));
        return rows.empty() ? 0 : std::stoll(rows[0][0]);
    }

    // Waits until a running backfill has recorded `rows` rows. Polls without waiting on locks:
    // in SQLite's rollback-journal mode a reader that waits on a busy writer can be held for
    // seconds.
    void wait_until_recorded(std::int64_t rows) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < deadline) {
            auto value = db().try_value("SELECT rows_updated FROM " + state("backfills"));
            if (value && std::stoll(*value) >= rows) {
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        FAIL() << "the backfill never reached " << rows << " rows";
    }

    // Kills migrate twice part-way through the backfill, checks after each kill that the state
    // and the data agree, then lets a third run finish the job. `prepare` runs after expand.
    void kill_twice_then_resume(const std::function<void()>& prepare) {
        testing::write_file(m_dir / "migrations" / "0001_items.toml", items_migration);
        auto expand = testing::run_migrate({"apply", "--phase", "expand", "-u", url(), "-d", dir()});
        ASSERT_EQ(expand.exit_code, 0) << expand.err;
        prepare();

        for (int round = 0; round < 2; ++round) {
            std::int64_t before = rows_recorded();
            pid_t child =
                testing::spawn_migrate({"apply", "--phase", "backfill", "--batch-size", "20", "-u", url(), "-d", dir()},
                                       m_dir.path(), "backfill" + std::to_string(round));
            // Kill it once it has committed a few more batches, i.e. truly mid-way.
            wait_until_recorded(before + 1000);
            kill(child, SIGKILL);
            EXPECT_EQ(testing::wait_for(child), -SIGKILL);
            db().wait_for_other_sessions();

            // What the state says was done is exactly what the data shows: the batch in flight
            // rolled back together with its cursor.
            std::int64_t recorded = rows_recorded();
            EXPECT_GT(recorded, before);
            EXPECT_LT(recorded, item_count);
            EXPECT_EQ(db().value("SELECT COUNT(*) FROM items WHERE dst IS NOT NULL"), std::to_string(recorded));
            EXPECT_EQ(db().value("SELECT MAX(touches) FROM items"), "1");
            EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "expanded");
        }

        auto resumed = testing::run_migrate({"apply", "-u", url(), "-d", dir()});
        ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
        EXPECT_EQ(db().value("SELECT COUNT(*) FROM items WHERE dst = upper(src) AND touches = 1"),
                  std::to_string(item_count));
        EXPECT_EQ(db().value("SELECT rows_updated FROM " + state("backfills")), std::to_string(item_count));
        EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "contracted");
    }

    TempDir m_dir;
};

TEST_P(Backfill, RunsInBatchesOfTheGivenSize) {
    testing::write_file(m_dir / "migrations" / "0001_items.toml", items_migration);
    testing::RecordingObserver quiet;
    project(1000).apply({Phase::backfill, std::nullopt}, quiet);
    EXPECT_EQ(quiet.batches, item_count / 1000);
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM items WHERE dst = upper(src) AND touches = 1"),
              std::to_string(item_count));
    EXPECT_EQ(db().value("SELECT batches || '/' || rows_updated || '/' || completed FROM " + state("backfills")),
              "40/40000/1");
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "backfilled");
}

TEST_P(Backfill, KilledRunResumesAndUpdatesEveryRowExactlyOnce) {
    kill_twice_then_resume([] {});
}

TEST_P(Backfill, CompositePrimaryKeyIsWalkedInKeyOrder) {
    testing::write_file(m_dir / "migrations" / "0001_stock.toml", R"toml(
[[expand]]
up.default = """
CREATE TABLE stock (warehouse TEXT NOT NULL, sku INTEGER NOT NULL, qty INTEGER NOT NULL, qty_x2 INTEGER,
                    touches INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (warehouse, sku));
INSERT INTO stock (warehouse, sku, qty)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
SELECT 'w' || (i % 7), i, i FROM n;
"""
up.mysql = """
CREATE TABLE stock (warehouse VARCHAR(10) NOT NULL, sku INTEGER NOT NULL, qty INTEGER NOT NULL, qty_x2 INTEGER,
                    touches INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (warehouse, sku));
INSERT INTO stock (warehouse, sku, qty)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
SELECT CONCAT('w', ((a.i - 1) * 100 + b.i) % 7), (a.i - 1) * 100 + b.i, (a.i - 1) * 100 + b.i
FROM n AS a CROSS JOIN n AS b WHERE a.i <= 30;
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
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM stock WHERE qty_x2 = qty * 2 AND touches = 1"), "3000");
    EXPECT_EQ(db().value("SELECT last_key FROM " + state("backfills")), "[\"w6\",2995]");
}

TEST_P(Backfill, SetThatNeverSatisfiesWhereFailsInsteadOfLooping) {
    testing::write_file(m_dir / "migrations" / "0001_bad.toml", R"toml(
[[expand]]
up = """
CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO t (id, v) VALUES (1, NULL), (2, NULL);
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
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "expanded");
}

TEST_P(Backfill, RowsWrittenBehindTheCursorArePickedUpByAnotherPass) {
    testing::write_file(m_dir / "migrations" / "0001_items.toml", items_migration);
    ASSERT_EQ(testing::run_migrate({"apply", "--phase", "expand", "-u", url(), "-d", dir()}).exit_code, 0);
    pid_t child = testing::spawn_migrate(
        {"apply", "--phase", "backfill", "--batch-size", "20", "-u", url(), "-d", dir()}, m_dir.path(), "backfill");
    wait_until_recorded(1000);
    kill(child, SIGKILL);
    testing::wait_for(child);
    db().wait_for_other_sessions();
    // While no backfill runs, the application clears a row the cursor has passed.
    ASSERT_EQ(db().value("SELECT dst FROM items WHERE id = 5"), "ITEM-5");
    db().exec("UPDATE items SET dst = NULL WHERE id = 5");

    testing::RecordingObserver quiet;
    project(1000).apply({Phase::backfill, std::nullopt}, quiet);
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM items WHERE dst IS NULL"), "0");
    EXPECT_EQ(db().value("SELECT passes FROM " + state("backfills")), "2");
    EXPECT_EQ(db().value("SELECT touches FROM items WHERE id = 5"), "2");
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM items WHERE touches = 1"), std::to_string(item_count - 1));
}

INSTANTIATE_TEST_SUITE_P(Dialects, Backfill, ::testing::ValuesIn(testing::test_dialects()),
                         testing::dialect_param_name);

// What only SQLite has: the rowid, and journal modes in which recovery after a kill differs.
class SqliteBackfill : public Backfill {};

TEST_P(SqliteBackfill, KilledRunInWalModeResumesAndUpdatesEveryRowExactlyOnce) {
    kill_twice_then_resume([this] { db().exec("PRAGMA journal_mode = wal"); });
}

TEST_P(SqliteBackfill, TableWithoutDeclaredKeyIsWalkedByRowid) {
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
    EXPECT_EQ(db().value("SELECT group_concat(shout) FROM log"), "A,B,C,D,E");
}

INSTANTIATE_TEST_SUITE_P(SqliteOnly, SqliteBackfill, ::testing::Values("sqlite"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

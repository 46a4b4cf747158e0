// Backfills on every dialect: keyset batches over single and composite keys, a run killed with
// SIGKILL five times at random moments that resumes with every row updated exactly once, and rows
// written behind the cursor by the application caught by a further pass. SQLite-only: tables
// walked by rowid, and the kills in WAL mode.
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>

#include "backfill_fixture.hpp"
#include "recording_observer.hpp"
#include "support/error.hpp"

namespace migrate {
namespace {

using testing::item_count;
using testing::items_migration;

class Backfill : public testing::BackfillFixture {
  protected:
    // Kills migrate with SIGKILL five times at random moments of the backfill (the seed is
    // printed, so a failure can be replayed), checks after each kill that the state and the data
    // agree, then lets a sixth run finish the job. `prepare` runs after expand.
    void kill_five_times_then_resume(const std::function<void()>& prepare) {
        expand_items();
        prepare();
        unsigned seed = std::random_device{}();
        SCOPED_TRACE("random seed " + std::to_string(seed));
        std::mt19937 random(seed);

        for (int round = 0; round < 5; ++round) {
            std::int64_t before = rows_recorded();
            pid_t child = spawn_backfill({"--batch-size", "20"}, "backfill" + std::to_string(round));
            // Some batches in, then a random pause: the kill may land inside a batch, between
            // its UPDATE and its commit, or between batches.
            wait_until_recorded(before + std::uniform_int_distribution<int>(20, 1000)(random));
            std::this_thread::sleep_for(
                std::chrono::microseconds(std::uniform_int_distribution<int>(0, 20000)(random)));
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

TEST_P(Backfill, KilledFiveTimesAtRandomMomentsResumesAndUpdatesEveryRowExactlyOnce) {
    kill_five_times_then_resume([] {});
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

TEST_P(SqliteBackfill, KilledFiveTimesInWalModeResumesAndUpdatesEveryRowExactlyOnce) {
    kill_five_times_then_resume([this] { db().exec("PRAGMA journal_mode = wal"); });
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

// PostgreSQL and MySQL walk the primary key, or else a unique index on NOT NULL columns; a table
// with neither is refused before any batch, naming the table.
class ServerBackfill : public Backfill {};

TEST_P(ServerBackfill, TableWithOnlyAUniqueNotNullKeyIsWalkedByIt) {
    testing::write_file(m_dir / "migrations" / "0001_codes.toml", R"toml(
[[expand]]
up = """
CREATE TABLE codes (code VARCHAR(20) NOT NULL, note VARCHAR(20), label VARCHAR(40), UNIQUE (note), UNIQUE (code));
INSERT INTO codes (code) VALUES ('c'), ('a'), ('e'), ('b'), ('d');
"""
down = "DROP TABLE codes"

[[backfill]]
table = "codes"
set = "label = upper(code)"
where = "label IS NULL"
)toml");
    testing::RecordingObserver quiet;
    project(2).apply({Phase::backfill, std::nullopt}, quiet);
    EXPECT_EQ(quiet.batches, 3);
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM codes WHERE label = upper(code)"), "5");
    // Walked by `code` (the nullable `note` cannot order every row): the cursor is its last value.
    EXPECT_EQ(db().value("SELECT last_key FROM " + state("backfills")), "[\"e\"]");
}

TEST_P(ServerBackfill, TableWithoutAUsableKeyIsRefusedNamingIt) {
    testing::write_file(m_dir / "migrations" / "0001_log.toml", R"toml(
[[expand]]
up = """
CREATE TABLE log (line VARCHAR(20), shout VARCHAR(20), UNIQUE (line));
INSERT INTO log (line) VALUES ('a'), ('b');
"""
down = "DROP TABLE log"

[[backfill]]
table = "log"
set = "shout = upper(line)"
where = "shout IS NULL"
)toml");
    ASSERT_EQ(testing::run_migrate({"apply", "--phase", "expand", "-u", url(), "-d", dir()}).exit_code, 0);
    auto refused = testing::run_migrate({"apply", "-u", url(), "-d", dir()});
    EXPECT_EQ(refused.exit_code, 1) << refused.err;
    EXPECT_NE(refused.err.find("backfill table 'log' has no primary key and no unique index on NOT NULL columns"),
              std::string::npos)
        << refused.err;
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM log WHERE shout IS NULL"), "2");
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "expanded");
}

std::vector<std::string> server_dialects() {
    std::vector<std::string> servers = testing::test_dialects();
    std::erase(servers, "sqlite");
    return servers;
}

INSTANTIATE_TEST_SUITE_P(Servers, ServerBackfill, ::testing::ValuesIn(server_dialects()), testing::dialect_param_name);

INSTANTIATE_TEST_SUITE_P(SqliteOnly, SqliteBackfill, ::testing::Values("sqlite"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

// Two migrate processes on one database, on every dialect: the runner lock lets one work while the
// other waits (and gets its turn) or gives up with exit code 5; nothing is ever applied twice.
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>

#include "test_database.hpp"
#include "test_support.hpp"

namespace migrate {
namespace {

using testing::TempDir;

class Concurrency : public testing::DialectTest {
  protected:
    std::vector<std::string> apply_args(const std::string& lock_wait, const std::string& batch_size) {
        return {"apply",       "-u",      db().url(),     "-d",      (m_dir / "migrations").string(),
                "--lock-wait", lock_wait, "--batch-size", batch_size};
    }

    // Every (migration, phase) applied exactly once, according to the event log.
    void expect_each_phase_applied_once(int phases) {
        std::string events = db().state_table("events");
        EXPECT_EQ(db().value("SELECT COUNT(*) FROM " + events + " WHERE outcome = 'applied'"), std::to_string(phases));
        EXPECT_EQ(db().value("SELECT COUNT(*) FROM (SELECT migration_id, phase FROM " + events +
                             " WHERE outcome = 'applied' GROUP BY 1, 2 HAVING COUNT(*) > 1) AS twice"),
                  "0");
    }

    TempDir m_dir;
};

// The example project, whose 18 phases give the second runner many chances to cut in.
class ExampleConcurrency : public Concurrency {};

TEST_P(ExampleConcurrency, SecondApplyWaitsForTheFirstAndThenFindsNothingToDo) {
    testing::copy_example_migrations(m_dir / "migrations");
    // The app version the example's contract waits for.
    testing::ProcessResult registered = testing::run_migrate(
        {"fleet", "register", "-u", db().url(), "--app", "web", "--instance", "web-1", "--version", "2.0.0"});
    ASSERT_EQ(registered.exit_code, 0) << registered.err;
    pid_t first = testing::spawn_migrate(apply_args("60s", "50"), m_dir.path(), "first");
    pid_t second = testing::spawn_migrate(apply_args("60s", "50"), m_dir.path(), "second");
    EXPECT_EQ(testing::wait_for(first), 0) << testing::read_file(m_dir / "first.err");
    EXPECT_EQ(testing::wait_for(second), 0) << testing::read_file(m_dir / "second.err");
    std::string outputs = testing::read_file(m_dir / "first.out") + testing::read_file(m_dir / "second.out");
    EXPECT_NE(outputs.find("Nothing to apply"), std::string::npos) << outputs;
    expect_each_phase_applied_once(18);
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM users"), "12000");
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM users WHERE display_name IS NULL"), "0");
}

INSTANTIATE_TEST_SUITE_P(Dialects, ExampleConcurrency, ::testing::ValuesIn(testing::example_dialects()),
                         testing::dialect_param_name);

// A backfill of 40,000 rows in batches of 20 keeps the first runner busy for seconds on every
// database, long enough to be caught holding the lock. (MySQL concatenates with CONCAT(), and
// MariaDB's recursive CTEs stop after 1000 rounds.)
constexpr const char* long_backfill_migration = R"toml(
[[expand]]
up.default = """
CREATE TABLE items (id INTEGER PRIMARY KEY, src TEXT NOT NULL, dst TEXT, touches INTEGER NOT NULL DEFAULT 0);
INSERT INTO items (id, src)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
SELECT i, 'item-' || i FROM n;
"""
up.mysql = """
CREATE TABLE items (id INTEGER PRIMARY KEY, src TEXT NOT NULL, dst TEXT, touches INTEGER NOT NULL DEFAULT 0);
INSERT INTO items (id, src)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
SELECT (a.i - 1) * 200 + b.i, CONCAT('item-', (a.i - 1) * 200 + b.i) FROM n AS a CROSS JOIN n AS b;
"""
down = "DROP TABLE items"

[[backfill]]
table = "items"
set = "dst = upper(src), touches = touches + 1"
where = "dst IS NULL"
)toml";

TEST_P(Concurrency, SecondApplyGivesUpWithExitCode5WhenTheLockWaitRunsOut) {
    testing::write_file(m_dir / "migrations" / "0001_items.toml", long_backfill_migration);
    // Throttled, so that it surely still runs when the second one gives up on a busy machine.
    std::vector<std::string> throttled = apply_args("60s", "20");
    throttled.insert(throttled.end(), {"--max-rows-per-second", "10000"});
    pid_t first = testing::spawn_migrate(throttled, m_dir.path(), "first");
    // Once the backfill has recorded progress, the first run holds the runner lock.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool backfilling = false;
    while (!backfilling && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        auto rows = db().try_value("SELECT rows_updated FROM " + db().state_table("backfills"));
        backfilling = rows && std::stoll(*rows) >= 200;
    }
    ASSERT_TRUE(backfilling) << testing::read_file(m_dir / "first.out") << testing::read_file(m_dir / "first.err");
    auto second = testing::run_migrate(apply_args("300ms", "20"));
    EXPECT_EQ(second.exit_code, 5) << second.out << second.err;
    EXPECT_NE(second.err.find("another migrate is running"), std::string::npos) << second.err;
    if (is_sqlite()) {
        // SQLite's lock file names the holder's process.
        EXPECT_NE(second.err.find("pid " + std::to_string(first)), std::string::npos) << second.err;
    }
    if (is_mysql()) {
        // GET_LOCK's holder is named by its connection id, user and host.
        std::string holder = db().value("SELECT IS_USED_LOCK(CONCAT('migrate:', DATABASE()))");
        EXPECT_NE(second.err.find("connection " + holder + " of migrate_test"), std::string::npos) << second.err;
    }
    EXPECT_NE(db().value("SELECT rows_updated FROM " + db().state_table("backfills")), "40000")
        << "the first run finished before the second gave up: the test proved nothing";
    EXPECT_EQ(testing::wait_for(first), 0) << testing::read_file(m_dir / "first.err");
    expect_each_phase_applied_once(3);
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM items WHERE touches = 1"), "40000");
}

INSTANTIATE_TEST_SUITE_P(Dialects, Concurrency, ::testing::ValuesIn(testing::test_dialects()),
                         testing::dialect_param_name);

}  // namespace
}  // namespace migrate

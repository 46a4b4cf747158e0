// Two migrate processes on one SQLite database: the runner lock lets one work while the other
// waits (and gets its turn) or gives up with exit code 5; nothing is ever applied twice.
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>

#include "test_support.hpp"

namespace migrate {
namespace {

using testing::TempDir;

class SqliteConcurrency : public ::testing::Test {
  protected:
    void SetUp() override {
        testing::copy_example_migrations(m_dir / "migrations");
        m_db = m_dir / "app.db";
    }

    std::vector<std::string> apply_args(const std::string& lock_wait, const std::string& batch_size) const {
        return {"apply",
                "-u",
                "sqlite:" + m_db.string(),
                "-d",
                (m_dir / "migrations").string(),
                "--lock-wait",
                lock_wait,
                "--batch-size",
                batch_size};
    }

    // Every (migration, phase) applied exactly once, according to the event log.
    void expect_each_phase_applied_once() {
        EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM _migrate_events WHERE outcome = 'applied'"), "18");
        EXPECT_EQ(testing::sqlite_value(m_db,
                                        "SELECT COUNT(*) FROM (SELECT migration_id, phase FROM _migrate_events "
                                        "WHERE outcome = 'applied' GROUP BY 1, 2 HAVING COUNT(*) > 1)"),
                  "0");
        EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM users"), "12000");
        EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM users WHERE display_name IS NULL"), "0");
    }

    TempDir m_dir;
    std::filesystem::path m_db;
};

TEST_F(SqliteConcurrency, SecondApplyWaitsForTheFirstAndThenFindsNothingToDo) {
    pid_t first = testing::spawn_migrate(apply_args("60s", "50"), m_dir.path(), "first");
    pid_t second = testing::spawn_migrate(apply_args("60s", "50"), m_dir.path(), "second");
    EXPECT_EQ(testing::wait_for(first), 0) << testing::read_file(m_dir / "first.err");
    EXPECT_EQ(testing::wait_for(second), 0) << testing::read_file(m_dir / "second.err");
    std::string outputs = testing::read_file(m_dir / "first.out") + testing::read_file(m_dir / "second.out");
    EXPECT_NE(outputs.find("Nothing to apply"), std::string::npos) << outputs;
    expect_each_phase_applied_once();
}

TEST_F(SqliteConcurrency, SecondApplyGivesUpWithExitCode5WhenTheLockWaitRunsOut) {
    // Small batches make the first run's backfill last long enough to be caught holding the lock.
    pid_t first = testing::spawn_migrate(apply_args("60s", "20"), m_dir.path(), "first");
    // The first run prints each phase as it starts; once 0004's backfill shows, it holds the lock.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool backfilling = false;
    while (!backfilling && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        std::string out = testing::read_file(m_dir / "first.out");
        auto at = out.find("0004_rename_username");
        backfilling = at != std::string::npos && out.find("0004_rename_username", at + 1) != std::string::npos;
    }
    ASSERT_TRUE(backfilling) << testing::read_file(m_dir / "first.out");
    auto second = testing::run_migrate(apply_args("300ms", "20"));
    EXPECT_EQ(second.exit_code, 5) << second.err;
    EXPECT_NE(second.err.find("another migrate is running"), std::string::npos) << second.err;
    EXPECT_NE(second.err.find("pid " + std::to_string(first)), std::string::npos) << second.err;
    EXPECT_EQ(testing::wait_for(first), 0) << testing::read_file(m_dir / "first.err");
    expect_each_phase_applied_once();
}

}  // namespace
}  // namespace migrate

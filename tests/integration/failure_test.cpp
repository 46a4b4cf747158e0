// What a failure leaves behind on SQLite: a statement failing in the middle of a phase rolls back
// the whole phase with its state rows; a phase of steps that cannot share a transaction resumes
// after its last completed step; a lock held by the application makes migrate give up cleanly.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <thread>

#include "engine/project.hpp"
#include "support/error.hpp"
#include "recording_observer.hpp"
#include "test_support.hpp"

namespace migrate {
namespace {

using testing::TempDir;

class SqliteFailure : public ::testing::Test {
  protected:
    void SetUp() override {
        m_db = m_dir / "app.db";
        testing::write_file(m_dir / "migrations" / "0001_accounts.toml", R"toml(
[[expand]]
up = """
CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO accounts (name) VALUES ('ann'), ('bob'), ('cy');
"""
down = "DROP TABLE accounts"
)toml");
    }

    Project project(Duration lock_timeout = Duration(2000), int lock_retries = 10) {
        ProjectSettings settings;
        settings.url = parse_database_url("sqlite:" + m_db.string());
        settings.dir = m_dir / "migrations";
        settings.lock_timeout = lock_timeout;
        settings.run.retry.retries = lock_retries;
        settings.run.command = "test";
        return Project(settings);
    }

    std::string state_and_data() { return testing::sqlite_dump(m_db, {"_migrate_events"}); }

    TempDir m_dir;
    std::filesystem::path m_db;
    testing::RecordingObserver m_quiet;
};

TEST_F(SqliteFailure, FailingStatementInTheMiddleOfExpandLeavesDataAndStateAsBefore) {
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    testing::write_file(m_dir / "migrations" / "0002_broken.toml", R"toml(
[[expand]]
up = "ALTER TABLE accounts ADD COLUMN email TEXT"
down = "ALTER TABLE accounts DROP COLUMN email"

[[expand]]
up = "UPDATE accounts SET name = upper(name)"
down = "UPDATE accounts SET name = lower(name)"

[[expand]]
up = "INSERT INTO no_such_table VALUES (1)"
down = "SELECT 1"
)toml");
    std::string before = state_and_data();
    try {
        project().apply({Phase::contract, std::nullopt}, m_quiet);
        FAIL() << "apply should have failed";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::database);
        EXPECT_NE(std::string(e.what()).find("0002_broken expand step 3"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("no such table"), std::string::npos) << e.what();
    }
    EXPECT_EQ(state_and_data(), before);
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT group_concat(name) FROM accounts"), "ann,bob,cy");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT outcome FROM _migrate_events WHERE migration_id = '0002'"), "failed");
}

TEST_F(SqliteFailure, FailingStatementInContractKeepsTheMigrationBackfilled) {
    testing::write_file(m_dir / "migrations" / "0002_drop_name.toml", R"toml(
[[expand]]
up = "ALTER TABLE accounts ADD COLUMN label TEXT"
down = "ALTER TABLE accounts DROP COLUMN label"

[[contract]]
up = "UPDATE accounts SET label = name"
down = "UPDATE accounts SET label = NULL"

[[contract]]
up = "ALTER TABLE accounts DROP COLUMN no_such_column"
down = "SELECT 1"
)toml");
    project().apply({Phase::backfill, std::nullopt}, m_quiet);
    project().apply({Phase::contract, 1}, m_quiet);
    std::string before = state_and_data();
    EXPECT_THROW(project().apply({Phase::contract, std::nullopt}, m_quiet), Error);
    EXPECT_EQ(state_and_data(), before);
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT phase FROM _migrate_migrations WHERE id = '0002'"), "backfilled");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM accounts WHERE label IS NOT NULL"), "0");
}

TEST_F(SqliteFailure, StepThatCannotRunInATransactionMakesThePhaseResumeAfterItsLastDoneStep) {
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    // VACUUM cannot run inside a transaction, so this phase runs step by step.
    testing::write_file(m_dir / "migrations" / "0002_audit.toml", R"toml(
[[expand]]
up = "INSERT INTO accounts (name) VALUES ('dee')"
down = "DELETE FROM accounts WHERE name = 'dee'"

[[expand]]
up = "VACUUM"
irreversible = true

[[expand]]
up = "INSERT INTO audit (note) VALUES ('dee added')"
down = "DELETE FROM audit WHERE note = 'dee added'"
)toml");
    EXPECT_THROW(project().apply({Phase::expand, std::nullopt}, m_quiet), Error);
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT status FROM _migrate_migrations WHERE id = '0002'"), "in_progress");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT group_concat(step) FROM _migrate_steps WHERE migration_id = '0002'"),
              "0,1");

    // The operator fixes what step 3 needed and reruns: steps 1 and 2 do not run again.
    testing::sqlite_exec(m_db, "CREATE TABLE audit (note TEXT)");
    Plan plan = project().apply({Phase::expand, std::nullopt}, m_quiet);
    ASSERT_EQ(plan.runs.size(), 1u);
    EXPECT_TRUE(plan.runs[0].actions[0].done);
    EXPECT_TRUE(plan.runs[0].actions[1].done);
    EXPECT_FALSE(plan.runs[0].actions[2].done);
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM accounts WHERE name = 'dee'"), "1");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM audit"), "1");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT phase || '/' || status FROM _migrate_migrations WHERE id = '0002'"),
              "expanded/ok");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM _migrate_steps"), "0");
}

TEST_F(SqliteFailure, RollbackRefusesWhileAPhaseIsPartDone) {
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    testing::write_file(m_dir / "migrations" / "0002_part.toml", R"toml(
[[expand]]
up = "VACUUM"
irreversible = true

[[expand]]
up = "INSERT INTO missing (x) VALUES (1)"
down = "DELETE FROM missing"
)toml");
    EXPECT_THROW(project().apply({Phase::expand, std::nullopt}, m_quiet), Error);
    try {
        project().rollback({}, m_quiet);
        FAIL() << "rollback should refuse";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::state);
        EXPECT_NE(std::string(e.what()).find("part-way"), std::string::npos) << e.what();
    }
}

TEST_F(SqliteFailure, ApplicationHoldingTheDatabaseLockMakesApplyGiveUpAfterItsRetries) {
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    testing::write_file(m_dir / "migrations" / "0002_add.toml", R"toml(
[[expand]]
up = "ALTER TABLE accounts ADD COLUMN email TEXT"
down = "ALTER TABLE accounts DROP COLUMN email"
)toml");
    std::string before = state_and_data();
    {
        // An application transaction that holds the write lock for longer than migrate waits.
        SQLite::Database app(m_db.string(), SQLite::OPEN_READWRITE);
        app.exec("BEGIN IMMEDIATE");
        app.exec("UPDATE accounts SET name = name");
        auto started = std::chrono::steady_clock::now();
        try {
            project(Duration(300), 2).apply({Phase::expand, std::nullopt}, m_quiet);
            FAIL() << "apply should have given up";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::lock_timeout) << e.what();
            EXPECT_NE(std::string(e.what()).find("gave up after 2 retries"), std::string::npos) << e.what();
        }
        // Three tries of 300ms each, with pauses between them.
        auto waited = std::chrono::steady_clock::now() - started;
        EXPECT_GE(waited, std::chrono::milliseconds(900));
        EXPECT_LT(waited, std::chrono::seconds(10));
        app.exec("ROLLBACK");
    }
    EXPECT_EQ(state_and_data(), before);
    project().apply({Phase::expand, std::nullopt}, m_quiet);
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT phase FROM _migrate_migrations WHERE id = '0002'"), "expanded");
}

TEST_F(SqliteFailure, ApplyRetriesUntilTheApplicationLetsGoOfTheDatabase) {
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    testing::write_file(m_dir / "migrations" / "0002_add.toml", R"toml(
[[expand]]
up = "ALTER TABLE accounts ADD COLUMN email TEXT"
down = "ALTER TABLE accounts DROP COLUMN email"
)toml");
    SQLite::Database app(m_db.string(), SQLite::OPEN_READWRITE);
    app.exec("BEGIN IMMEDIATE");
    app.exec("UPDATE accounts SET name = name");
    std::thread release([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        app.exec("COMMIT");
    });
    auto started = std::chrono::steady_clock::now();
    project(Duration(200), 10).apply({Phase::expand, std::nullopt}, m_quiet);
    release.join();
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1400));
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT phase FROM _migrate_migrations WHERE id = '0002'"), "expanded");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM pragma_table_info('accounts') WHERE name = 'email'"),
              "1");
}

}  // namespace
}  // namespace migrate

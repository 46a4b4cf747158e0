// What a failure leaves behind, on every dialect: a statement failing in the middle of a phase
// rolls back the whole phase with its state rows; a phase of steps that cannot share a
// transaction resumes after its last completed step; a lock held by the application makes
// migrate retry, and give up cleanly when its retries run out. MySQL commits every DDL statement
// on its own, so there a phase with DDL always runs step by step: where the other databases
// leave no trace of a failed phase, MySQL keeps its completed steps, recorded, for a rerun to
// resume after or a rollback to undo.
#include <thread>

#include <gtest/gtest.h>

#include "engine/project.hpp"
#include "recording_observer.hpp"
#include "support/error.hpp"
#include "test_database.hpp"
#include "test_support.hpp"

namespace migrate {
namespace {

using testing::TempDir;

// Auto-increment keys are spelled differently on each database; the rows are the same.
constexpr const char* accounts_migration = R"toml(
[[expand]]
up.sqlite = """
CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO accounts (name) VALUES ('ann'), ('bob'), ('cy');
"""
up.postgres = """
CREATE TABLE accounts (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO accounts (name) VALUES ('ann'), ('bob'), ('cy');
"""
up.mysql = """
CREATE TABLE accounts (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL);
INSERT INTO accounts (name) VALUES ('ann'), ('bob'), ('cy');
"""
down = "DROP TABLE accounts"
)toml";

class Failure : public testing::DialectTest {
  protected:
    void SetUp() override {
        DialectTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        testing::write_file(m_dir / "migrations" / "0001_accounts.toml", accounts_migration);
    }

    Project project(Duration lock_timeout = Duration(2000), int lock_retries = 10) {
        ProjectSettings settings;
        settings.url = parse_database_url(db().url());
        settings.dir = m_dir / "migrations";
        settings.lock_timeout = lock_timeout;
        settings.run.retry.retries = lock_retries;
        settings.run.command = "test";
        // These migrations name no app version for their contracts, as `apply --no-gate` allows.
        settings.run.gate.no_gate = true;
        return Project(settings);
    }

    // Everything but the event log, which records the failure.
    std::string state_and_data() { return db().dump({db().state_table("events")}); }

    std::string state(const std::string& table) { return db().state_table(table); }

    std::string names() { return testing::joined(db().rows("SELECT name FROM accounts ORDER BY id")); }

    // The steps of `migration` recorded as done, "0,1" for the first two.
    std::string steps_done(const std::string& migration) {
        return testing::joined(db().rows("SELECT step FROM " + state("steps") + " WHERE migration_id = '" + migration +
                                         "' ORDER BY step"));
    }

    std::string phase_and_status(const std::string& migration) {
        return db().value("SELECT phase || '/' || status FROM " + state("migrations") + " WHERE id = '" + migration +
                          "'");
    }

    TempDir m_dir;
    testing::RecordingObserver m_quiet;
};

TEST_P(Failure, FailingStatementInTheMiddleOfExpandLeavesNoTraceOrOnMysqlItsDoneStepsRecorded) {
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
        std::string reason = is_sqlite()     ? "no such table"
                             : is_postgres() ? "\"no_such_table\" does not exist"
                                             : "no_such_table' doesn't exist";
        EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
        if (is_postgres()) {
            EXPECT_EQ(e.code(), "42P01") << e.what();  // undefined_table
        }
        if (is_mysql()) {
            EXPECT_EQ(e.code(), "1146") << e.what();  // ER_NO_SUCH_TABLE
        }
    }
    EXPECT_EQ(db().value("SELECT outcome FROM " + state("events") + " WHERE migration_id = '0002'"), "failed");
    if (!is_mysql()) {
        EXPECT_EQ(state_and_data(), before);
        EXPECT_FALSE(db().has_column("accounts", "email"));
        EXPECT_EQ(names(), "ann,bob,cy");
        return;
    }

    // The ADD COLUMN committed on its own, so the phase ran step by step: the state names the two
    // steps that completed, and the data shows them.
    EXPECT_TRUE(db().has_column("accounts", "email"));
    EXPECT_EQ(names(), "ANN,BOB,CY");
    EXPECT_EQ(phase_and_status("0002"), "pending/in_progress");
    EXPECT_EQ(steps_done("0002"), "0,1");
    // Once what step 3 needs exists, a rerun resumes there: ADD COLUMN again would fail.
    db().exec("CREATE TABLE no_such_table (x INT)");
    Plan resumed = project().apply({Phase::contract, std::nullopt}, m_quiet);
    ASSERT_FALSE(resumed.runs.empty());
    EXPECT_TRUE(resumed.runs[0].actions[0].done);
    EXPECT_TRUE(resumed.runs[0].actions[1].done);
    EXPECT_EQ(phase_and_status("0002"), "contracted/ok");
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM no_such_table"), "1");
    EXPECT_EQ(names(), "ANN,BOB,CY");
}

TEST_P(Failure, FailingStatementInContractKeepsTheMigrationBackfilled) {
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
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations") + " WHERE id = '0002'"), "backfilled");
    if (!is_mysql()) {
        EXPECT_EQ(state_and_data(), before);
        EXPECT_EQ(db().value("SELECT COUNT(*) FROM accounts WHERE label IS NOT NULL"), "0");
        return;
    }
    // The DROP COLUMN makes the phase run step by step: the UPDATE before it is done and recorded.
    EXPECT_EQ(phase_and_status("0002"), "backfilled/in_progress");
    EXPECT_EQ(steps_done("0002"), "0");
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM accounts WHERE label IS NOT NULL"), "3");
}

TEST_P(Failure, StepThatCannotRunInATransactionMakesThePhaseResumeAfterItsLastDoneStep) {
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    // VACUUM cannot run inside a transaction on SQLite and PostgreSQL, nor DDL on MySQL, so this
    // phase runs step by step.
    testing::write_file(m_dir / "migrations" / "0002_audit.toml", R"toml(
[[expand]]
up = "INSERT INTO accounts (name) VALUES ('dee')"
down = "DELETE FROM accounts WHERE name = 'dee'"

[[expand]]
up.default = "VACUUM"
up.mysql = "ALTER TABLE accounts COMMENT = 'audited'"
irreversible = true

[[expand]]
up = "INSERT INTO audit (note) VALUES ('dee added')"
down = "DELETE FROM audit WHERE note = 'dee added'"
)toml");
    EXPECT_THROW(project().apply({Phase::expand, std::nullopt}, m_quiet), Error);
    EXPECT_EQ(db().value("SELECT status FROM " + state("migrations") + " WHERE id = '0002'"), "in_progress");
    EXPECT_EQ(
        testing::joined(db().rows("SELECT step FROM " + state("steps") + " WHERE migration_id = '0002' ORDER BY step")),
        "0,1");

    // The operator fixes what step 3 needed and reruns: steps 1 and 2 do not run again.
    db().exec("CREATE TABLE audit (note TEXT)");
    Plan plan = project().apply({Phase::expand, std::nullopt}, m_quiet);
    ASSERT_EQ(plan.runs.size(), 1u);
    EXPECT_TRUE(plan.runs[0].actions[0].done);
    EXPECT_TRUE(plan.runs[0].actions[1].done);
    EXPECT_FALSE(plan.runs[0].actions[2].done);
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM accounts WHERE name = 'dee'"), "1");
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM audit"), "1");
    EXPECT_EQ(db().value("SELECT phase || '/' || status FROM " + state("migrations") + " WHERE id = '0002'"),
              "expanded/ok");
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM " + state("steps")), "0");
}

TEST_P(Failure, RollbackOfAPhaseThatStoppedPartWayUndoesTheStepsThatRanInReverse) {
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    testing::write_file(m_dir / "migrations" / "0002_part.toml", R"toml(
[[expand]]
up = "INSERT INTO accounts (name) VALUES ('dee')"
down = "DELETE FROM accounts WHERE name = 'dee'"

[[expand]]
up.default = "VACUUM"
up.mysql = "ALTER TABLE accounts COMMENT = 'part'"
down.default = "VACUUM"
down.mysql = "ALTER TABLE accounts COMMENT = ''"

[[expand]]
up = "INSERT INTO missing (x) VALUES (1)"
down = "DELETE FROM missing"
)toml");
    std::string before = state_and_data();
    EXPECT_THROW(project().apply({Phase::expand, std::nullopt}, m_quiet), Error);
    EXPECT_EQ(names(), "ann,bob,cy,dee");

    // The operator gives up on 0002 instead: its two steps that ran are undone, the last first.
    Plan undone = project().rollback({}, m_quiet);
    ASSERT_EQ(undone.runs.size(), 1u);
    EXPECT_EQ(undone.runs[0].migration->id, "0002");
    ASSERT_EQ(undone.runs[0].actions.size(), 2u);
    EXPECT_EQ(undone.runs[0].actions[0].step, 1);
    EXPECT_EQ(undone.runs[0].actions[1].step, 0);
    EXPECT_EQ(names(), "ann,bob,cy");
    EXPECT_EQ(state_and_data(), before);
}

TEST_P(Failure, RollbackOfAPhaseThatStoppedPartWayRefusesWhenAStepThatRanIsIrreversible) {
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    testing::write_file(m_dir / "migrations" / "0002_part.toml", R"toml(
[[expand]]
up.default = "VACUUM"
up.mysql = "ALTER TABLE accounts COMMENT = 'vacuumed'"
irreversible = true

[[expand]]
up = "INSERT INTO missing (x) VALUES (1)"
down = "DELETE FROM missing"
)toml");
    EXPECT_THROW(project().apply({Phase::expand, std::nullopt}, m_quiet), Error);
    std::string before = state_and_data();
    try {
        project().rollback({}, m_quiet);
        FAIL() << "rollback should refuse";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::state);
        EXPECT_NE(std::string(e.what()).find("0002_part expand step 1"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("irreversible"), std::string::npos) << e.what();
    }
    EXPECT_EQ(state_and_data(), before);
}

TEST_P(Failure, ApplicationHoldingALockMakesApplyGiveUpAfterItsRetries) {
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    testing::write_file(m_dir / "migrations" / "0002_add.toml", R"toml(
[[expand]]
up = "ALTER TABLE accounts ADD COLUMN email TEXT"
down = "ALTER TABLE accounts DROP COLUMN email"
)toml");
    std::string before = state_and_data();
    {
        // An application transaction that holds its lock for longer than migrate waits.
        auto app = db().hold_lock("accounts");
        auto started = std::chrono::steady_clock::now();
        try {
            project(Duration(300), 2).apply({Phase::expand, std::nullopt}, m_quiet);
            FAIL() << "apply should have given up";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::lock_timeout) << e.what();
            EXPECT_NE(std::string(e.what()).find("gave up after 2 retries"), std::string::npos) << e.what();
            if (is_postgres()) {
                EXPECT_EQ(e.code(), "55P03") << e.what();  // lock_not_available
            }
            if (is_mysql()) {
                EXPECT_EQ(e.code(), "1205") << e.what();  // ER_LOCK_WAIT_TIMEOUT, for the metadata lock
            }
        }
        // Three tries of 300ms each (on MySQL of a whole second, its shortest lock wait), with
        // pauses between them.
        auto waited = std::chrono::steady_clock::now() - started;
        EXPECT_GE(waited, std::chrono::milliseconds(900));
        EXPECT_LT(waited, std::chrono::seconds(10));
        // Each retry is shown to the user. (On SQLite the lock makes the state store's
        // preparation wait, before any phase starts, where retries are not reported.)
        if (is_postgres()) {
            EXPECT_EQ(m_quiet.retries, (std::vector<std::string>{"55P03", "55P03"}));
        }
        if (is_mysql()) {
            EXPECT_EQ(m_quiet.retries, (std::vector<std::string>{"1205", "1205"}));
        }
    }
    EXPECT_EQ(state_and_data(), before);
    project().apply({Phase::expand, std::nullopt}, m_quiet);
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations") + " WHERE id = '0002'"), "expanded");
}

TEST_P(Failure, ApplyRetriesUntilTheApplicationLetsGo) {
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    testing::write_file(m_dir / "migrations" / "0002_add.toml", R"toml(
[[expand]]
up = "ALTER TABLE accounts ADD COLUMN email TEXT"
down = "ALTER TABLE accounts DROP COLUMN email"
)toml");
    auto app = db().hold_lock("accounts");
    std::thread release([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        app->release();
    });
    auto started = std::chrono::steady_clock::now();
    std::optional<std::string> failure;
    try {
        project(Duration(200), 10).apply({Phase::expand, std::nullopt}, m_quiet);
    } catch (const Error& e) {
        failure = e.what();
    }
    release.join();
    ASSERT_FALSE(failure) << *failure;
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1400));
    if (!is_sqlite()) {
        EXPECT_FALSE(m_quiet.retries.empty());
    }
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations") + " WHERE id = '0002'"), "expanded");
    EXPECT_TRUE(db().has_column("accounts", "email"));
}

INSTANTIATE_TEST_SUITE_P(Dialects, Failure, ::testing::ValuesIn(testing::test_dialects()), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

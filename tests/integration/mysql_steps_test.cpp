// Steps on MySQL, where every DDL statement commits on its own: a phase of three DDL steps whose
// migrate is killed (SIGKILL) after the second step, while the third waits for a table the
// application is reading. The state names the two completed steps and `status` shows them; a
// rerun resumes at the third step; a rollback instead undoes exactly the two, the second first.
// Each step also writes to a journal table, so what ran, and in which order, can be seen.
#include <gtest/gtest.h>
#include <signal.h>

#include "mysql_fixture.hpp"

namespace migrate {
namespace {

using testing::contains;

constexpr const char* base_migration = R"toml(
[[expand]]
up = """
CREATE TABLE journal (seq BIGINT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(40) NOT NULL);
CREATE TABLE accounts (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL);
INSERT INTO accounts (name) VALUES ('ann'), ('bob'), ('cy');
CREATE TABLE slow (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40) NOT NULL);
INSERT INTO slow (v) VALUES ('a'), ('b');
"""
down = """
DROP TABLE slow;
DROP TABLE accounts;
DROP TABLE journal;
"""
)toml";

constexpr const char* three_steps_migration = R"toml(
[[expand]]
up = """
CREATE TABLE audit (note VARCHAR(100) NOT NULL);
INSERT INTO journal (what) VALUES ('up 1');
"""
down = """
DROP TABLE audit;
INSERT INTO journal (what) VALUES ('down 1');
"""

[[expand]]
up = """
ALTER TABLE accounts ADD COLUMN email VARCHAR(200);
INSERT INTO journal (what) VALUES ('up 2');
"""
down = """
ALTER TABLE accounts DROP COLUMN email;
INSERT INTO journal (what) VALUES ('down 2');
"""

[[expand]]
up = """
ALTER TABLE slow ADD COLUMN extra INT;
INSERT INTO journal (what) VALUES ('up 3');
"""
down = """
ALTER TABLE slow DROP COLUMN extra;
INSERT INTO journal (what) VALUES ('down 3');
"""
)toml";

class MysqlSteps : public testing::MysqlTest {
  protected:
    void SetUp() override {
        MysqlTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        add_migration("0001_base.toml", base_migration);
        auto applied = migrate({"apply"});
        ASSERT_EQ(applied.exit_code, 0) << show(applied);
        add_migration("0002_three_steps.toml", three_steps_migration);
        m_before = schema_and_state();
    }

    // Everything but the event log and the journal's rows.
    std::string schema_and_state() { return db().dump({state("events"), "journal"}); }

    std::string journal() { return testing::joined(db().rows("SELECT what FROM journal ORDER BY seq")); }

    // Sessions whose statement text starts with `sql` and that wait for a metadata lock.
    std::string sessions_waiting_for_lock(const std::string& sql) {
        return db().value("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE '" +
                          sql + "%' AND STATE = 'Waiting for table metadata lock'");
    }

    // Runs `apply --phase expand` while the application reads `slow` in an open transaction, so
    // that the third step's ALTER waits for its metadata lock (for up to a minute); kills migrate
    // there, once the state records the first two steps; and lets the application go on only
    // after the server has noticed and dropped the ALTER, which otherwise would still run.
    void kill_during_the_third_step() {
        auto application = db().hold_lock("slow");
        pid_t child = testing::spawn_migrate(with_target({"apply", "--phase", "expand", "--lock-timeout", "60s"}),
                                             m_dir.path(), "killed");
        bool stuck = eventually([&] {
            auto done = db().try_value("SELECT COUNT(*) FROM " + state("steps") + " WHERE migration_id = '0002'");
            return done == "2" && sessions_waiting_for_lock("ALTER TABLE slow") != "0";
        });
        if (!stuck) {
            kill(child, SIGKILL);
            testing::wait_for(child);
            FAIL() << "migrate never reached the third step\n"
                   << testing::read_file(m_dir / "killed.out") << testing::read_file(m_dir / "killed.err");
        }
        // Watched by its thread's id, which leaves the process list only when the thread ends:
        // its statement text can read otherwise for a moment while the server drops it.
        std::string alter_thread = db().value(
            "SELECT MIN(ID) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'ALTER TABLE "
            "slow%'");
        kill(child, SIGKILL);
        EXPECT_EQ(testing::wait_for(child), -SIGKILL);
        // A server thread waiting for a metadata lock checks about once a second whether its
        // client is still there.
        ASSERT_TRUE(eventually([&] {
            return db().value("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " + alter_thread) == "0";
        })) << "the server kept the dead client's ALTER";
        application.reset();
        db().wait_for_other_sessions();
    }

    std::string m_before;
};

TEST_P(MysqlSteps, PhaseKilledAfterItsSecondStepShowsInStatusAndResumesAtTheThird) {
    kill_during_the_third_step();
    if (HasFatalFailure()) {
        return;
    }
    EXPECT_EQ(phase_and_status("0002"), "pending/in_progress");
    EXPECT_EQ(steps_done("0002"), "0,1");
    EXPECT_EQ(journal(), "up 1,up 2");
    EXPECT_TRUE(db().has_column("accounts", "email"));
    EXPECT_FALSE(db().has_column("slow", "extra"));

    // status says where the phase stopped: in progress, its second step the last one done.
    auto status = migrate({"status"});
    ASSERT_EQ(status.exit_code, 0) << show(status);
    std::string line = status_line(status.out, "0002");
    EXPECT_TRUE(contains(line, "in_progress")) << status.out;
    EXPECT_TRUE(contains(line, "step 2")) << "status should name the last completed step\n" << status.out;
    EXPECT_FALSE(contains(line, "step 3")) << status.out;

    // The rerun runs only the third step: CREATE TABLE audit or ADD COLUMN email again would fail.
    auto resumed = migrate({"apply", "--phase", "expand"});
    ASSERT_EQ(resumed.exit_code, 0) << show(resumed);
    EXPECT_EQ(journal(), "up 1,up 2,up 3");
    EXPECT_TRUE(db().has_column("slow", "extra"));
    EXPECT_EQ(phase_and_status("0002"), "expanded/ok");
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM " + state("steps")), "0");
}

TEST_P(MysqlSteps, PhaseKilledAfterItsSecondStepRollsBackExactlyTheTwoInReverse) {
    kill_during_the_third_step();
    if (HasFatalFailure()) {
        return;
    }
    ASSERT_EQ(steps_done("0002"), "0,1");

    auto rolled_back = migrate({"rollback"});
    ASSERT_EQ(rolled_back.exit_code, 0) << show(rolled_back);
    // The downs of steps 2 and 1, in that order, and not the down of step 3, which never ran
    // (DROP COLUMN extra would fail).
    EXPECT_EQ(journal(), "up 1,up 2,down 2,down 1");
    EXPECT_EQ(schema_and_state(), m_before);
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM " + state("migrations") + " WHERE id = '0002'"), "0");
    EXPECT_EQ(db().user_tables(), "accounts journal slow");

    // And the migration applies from scratch afterwards.
    auto applied = migrate({"apply", "--phase", "expand"});
    ASSERT_EQ(applied.exit_code, 0) << show(applied);
    EXPECT_EQ(journal(), "up 1,up 2,down 2,down 1,up 1,up 2,up 3");
    EXPECT_EQ(phase_and_status("0002"), "expanded/ok");
}

// The same guarantee for a step that fails instead of a process that dies: the state names the
// completed steps and the failure, status shows both, and nothing is half-recorded.
TEST_P(MysqlSteps, FailingThirdStepLeavesTheFirstTwoRecordedAndStatusShowsWhereItStopped) {
    db().exec("DROP TABLE slow");
    auto failed = migrate({"apply", "--phase", "expand"});
    ASSERT_EQ(failed.exit_code, 1) << show(failed);
    EXPECT_TRUE(contains(failed.err, "0002_three_steps expand step 3")) << show(failed);
    EXPECT_TRUE(contains(failed.err, "1146")) << show(failed);  // ER_NO_SUCH_TABLE
    EXPECT_EQ(phase_and_status("0002"), "pending/in_progress");
    EXPECT_EQ(steps_done("0002"), "0,1");
    EXPECT_EQ(journal(), "up 1,up 2");

    auto status = migrate({"status"});
    ASSERT_EQ(status.exit_code, 0) << show(status);
    std::string line = status_line(status.out, "0002");
    EXPECT_TRUE(contains(line, "in_progress")) << status.out;
    EXPECT_TRUE(contains(line, "FAILED")) << status.out;
    EXPECT_TRUE(contains(line, "step 2")) << "status should name the last completed step\n" << status.out;

    db().exec("CREATE TABLE slow (id BIGINT AUTO_INCREMENT PRIMARY KEY)");
    auto resumed = migrate({"apply", "--phase", "expand"});
    ASSERT_EQ(resumed.exit_code, 0) << show(resumed);
    EXPECT_EQ(journal(), "up 1,up 2,up 3");
    EXPECT_EQ(phase_and_status("0002"), "expanded/ok");
}

// Rollback runs step by step too: a down that fails leaves the downs before it done and
// recorded, apply refuses until the rollback is finished, and the rollback rerun resumes.
TEST_P(MysqlSteps, RollbackThatFailsPartWayResumesAtTheFailedDown) {
    auto applied = migrate({"apply", "--phase", "expand"});
    ASSERT_EQ(applied.exit_code, 0) << show(applied);
    // Someone dropped the column by hand, so the down of step 2 fails.
    db().exec("ALTER TABLE accounts DROP COLUMN email");

    auto failed = migrate({"rollback"});
    ASSERT_EQ(failed.exit_code, 1) << show(failed);
    EXPECT_TRUE(contains(failed.err, "1091")) << show(failed);  // ER_CANT_DROP_FIELD_OR_KEY
    EXPECT_EQ(journal(), "up 1,up 2,up 3,down 3");
    EXPECT_FALSE(db().has_column("slow", "extra"));
    EXPECT_EQ(phase_and_status("0002"), "expanded/in_progress");

    auto refused = migrate({"apply"});
    EXPECT_EQ(refused.exit_code, 1) << show(refused);
    EXPECT_EQ(journal(), "up 1,up 2,up 3,down 3");

    // Put back what the down needs; the rerun starts at the down of step 2 (DROP COLUMN extra
    // again would fail).
    db().exec("ALTER TABLE accounts ADD COLUMN email VARCHAR(200)");
    auto resumed = migrate({"rollback"});
    ASSERT_EQ(resumed.exit_code, 0) << show(resumed);
    EXPECT_EQ(journal(), "up 1,up 2,up 3,down 3,down 2,down 1");
    EXPECT_EQ(schema_and_state(), m_before);
}

// A migrate killed while the server runs its ALTER does not stop the ALTER: MariaDB notices a dead
// client only when it next talks to it, so a long index build finishes after migrate died, and
// the step is done while the state does not record it. Here that state is made directly: the
// step ran, and its record is taken out as if the run had died before committing it. The rerun
// must not fail on the index that is already there.
TEST_P(MysqlSteps, IndexBuiltByARunThatDiedBeforeRecordingTheStepDoesNotBlockTheRerun) {
    add_migration("0002_three_steps.toml", R"toml(
[[expand]]
up = "CREATE INDEX accounts_name_idx ON accounts (name)"
down = "DROP INDEX accounts_name_idx ON accounts"

[[expand]]
up = "INSERT INTO audit (note) VALUES ('name indexed')"
down = "DELETE FROM audit WHERE note = 'name indexed'"
)toml");
    auto failed = migrate({"apply", "--phase", "expand"});
    ASSERT_EQ(failed.exit_code, 1) << show(failed);
    ASSERT_EQ(steps_done("0002"), "0");
    db().exec("DELETE FROM " + state("steps") + " WHERE migration_id = '0002' AND step = 0");
    db().exec("CREATE TABLE audit (note VARCHAR(100))");

    auto rerun = migrate({"apply", "--phase", "expand"});
    EXPECT_EQ(rerun.exit_code, 0) << show(rerun);
    EXPECT_EQ(db().value("SELECT COUNT(DISTINCT INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "
                         "DATABASE() AND TABLE_NAME = 'accounts' AND INDEX_NAME <> 'PRIMARY'"),
              "1");
    EXPECT_EQ(phase_and_status("0002"), "expanded/ok");
}

INSTANTIATE_TEST_SUITE_P(Mysql, MysqlSteps, ::testing::Values("mysql"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

// The concurrent-index path on PostgreSQL: CREATE INDEX CONCURRENTLY cannot run in a transaction,
// so its phase runs step by step with each step recorded; a failed CREATE UNIQUE INDEX
// CONCURRENTLY leaves an INVALID index behind, which the next run drops before building again.
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "postgres_fixture.hpp"

namespace migrate {
namespace {

using testing::contains;

constexpr const char* people_migration = R"toml(
[[expand]]
up = """
CREATE TABLE people (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email TEXT NOT NULL);
INSERT INTO people (email) SELECT 'person' || i || '@example.com' FROM generate_series(1, 1000) AS i;
"""
down = "DROP TABLE people"
)toml";

class PostgresConcurrentIndex : public testing::PostgresTest {
  protected:
    // "t" for a valid index, "f" for an INVALID one, "" when there is none.
    std::string validity(const std::string& index) {
        auto rows = db().rows(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = '" +
            index + "'");
        return rows.empty() ? "" : rows[0][0];
    }
};

TEST_P(PostgresConcurrentIndex, StepsRunOneByOneOutsideATransactionAndARerunResumesAfterTheLastDone) {
    add_migration("0001_people.toml", people_migration);
    add_migration("0002_nickname.toml", R"toml(
[[expand]]
up = "ALTER TABLE people ADD COLUMN nickname TEXT"
down = "ALTER TABLE people DROP COLUMN nickname"

[[expand]]
up = "CREATE INDEX CONCURRENTLY people_nickname_idx ON people (nickname)"
down = "DROP INDEX CONCURRENTLY people_nickname_idx"

[[expand]]
up = "INSERT INTO audit (note) VALUES ('nickname indexed')"
down = "DELETE FROM audit WHERE note = 'nickname indexed'"
)toml");
    auto failed = migrate({"apply", "--phase", "expand"});
    ASSERT_EQ(failed.exit_code, 1) << show(failed);
    EXPECT_TRUE(contains(failed.err, "0002_nickname expand step 3")) << show(failed);
    EXPECT_TRUE(contains(failed.err, "\"audit\" does not exist")) << show(failed);
    // PostgreSQL refuses CREATE INDEX CONCURRENTLY inside a transaction block: that it was built
    // shows it ran on its own; that steps 1 and 2 stayed shows each was committed as it completed.
    EXPECT_EQ(validity("people_nickname_idx"), "t");
    EXPECT_TRUE(db().has_column("people", "nickname"));
    EXPECT_EQ(db().value("SELECT status FROM " + state("migrations") + " WHERE id = '0002'"), "in_progress");
    EXPECT_EQ(testing::joined(db().rows("SELECT step FROM " + state("steps") +
                                        " WHERE migration_id = '0002' AND phase = 'expand' ORDER BY step")),
              "0,1");

    // Fixed and rerun: steps 1 and 2 do not run again (ADD COLUMN would fail on the existing column).
    db().exec("CREATE TABLE audit (note TEXT)");
    auto resumed = migrate({"apply", "--phase", "expand"});
    ASSERT_EQ(resumed.exit_code, 0) << show(resumed);
    EXPECT_EQ(db().value("SELECT phase || '/' || status FROM " + state("migrations") + " WHERE id = '0002'"),
              "expanded/ok");
    EXPECT_EQ(db().value("SELECT count(*) FROM " + state("steps")), "0");
    EXPECT_EQ(db().value("SELECT count(*) FROM audit"), "1");

    // The down runs DROP INDEX CONCURRENTLY, again outside a transaction.
    auto rolled_back = migrate({"rollback"});
    ASSERT_EQ(rolled_back.exit_code, 0) << show(rolled_back);
    EXPECT_EQ(validity("people_nickname_idx"), "");
    EXPECT_FALSE(db().has_column("people", "nickname"));
    EXPECT_EQ(db().value("SELECT count(*) FROM " + state("migrations") + " WHERE id = '0002'"), "0");
}

TEST_P(PostgresConcurrentIndex, FailedUniqueIndexIsLeftInvalidAndDroppedAndRebuiltByTheNextRun) {
    add_migration("0001_people.toml", people_migration);
    ASSERT_EQ(migrate({"apply"}).exit_code, 0);
    // The application wrote a duplicate the unique index will trip over.
    db().exec("INSERT INTO people (email) VALUES ('person7@example.com')");
    add_migration("0002_unique_email.toml", R"toml(
[[expand]]
up = "CREATE UNIQUE INDEX CONCURRENTLY people_email_key ON people (email)"
down = "DROP INDEX CONCURRENTLY people_email_key"
)toml");

    auto failed = migrate({"apply"});
    ASSERT_EQ(failed.exit_code, 1) << show(failed);
    EXPECT_TRUE(contains(failed.err, "could not create unique index")) << show(failed);
    EXPECT_TRUE(contains(failed.err, "23505")) << show(failed);  // unique_violation
    EXPECT_EQ(validity("people_email_key"), "f") << "a failed CREATE INDEX CONCURRENTLY leaves its index INVALID";
    EXPECT_NE(db().value("SELECT count(*) FROM " + state("migrations") + " WHERE id = '0002' AND phase = 'expanded'"),
              "1");

    // Rerun before the data is fixed: the INVALID index is dropped, the build fails again and
    // leaves exactly one INVALID index, not a second one under another name.
    auto again = migrate({"apply"});
    ASSERT_EQ(again.exit_code, 1) << show(again);
    EXPECT_TRUE(contains(again.out + again.err, "dropped the INVALID index")) << show(again);
    EXPECT_EQ(db().value("SELECT count(*) FROM pg_class WHERE relname LIKE 'people_email_key%'"), "1");
    EXPECT_EQ(validity("people_email_key"), "f");

    db().exec("DELETE FROM people WHERE id = 1001");
    auto fixed = migrate({"apply"});
    ASSERT_EQ(fixed.exit_code, 0) << show(fixed);
    EXPECT_TRUE(contains(fixed.out, "dropped the INVALID index")) << show(fixed);
    EXPECT_TRUE(contains(fixed.out, "people_email_key")) << show(fixed);
    EXPECT_EQ(validity("people_email_key"), "t");
    EXPECT_EQ(db().value("SELECT count(*) FROM pg_class WHERE relname LIKE 'people_email_key%'"), "1");
    EXPECT_EQ(db().value("SELECT phase || '/' || status FROM " + state("migrations") + " WHERE id = '0002'"),
              "contracted/ok");
    // The index does its job now.
    EXPECT_THROW(db().exec("INSERT INTO people (email) VALUES ('person7@example.com')"), std::exception);
}

// A migrate killed while CREATE INDEX CONCURRENTLY runs does not stop the server from finishing
// the build: PostgreSQL notices the client is gone only when it next talks to it. The index is
// then VALID while the state does not record the step. Here that state is made directly: the
// step ran, and its record is taken out as if the run had died before committing it.
TEST_P(PostgresConcurrentIndex, IndexBuiltByARunThatDiedBeforeRecordingTheStepDoesNotBlockTheRerun) {
    add_migration("0001_people.toml", people_migration);
    add_migration("0002_email.toml", R"toml(
[[expand]]
up = "CREATE INDEX CONCURRENTLY people_email_idx ON people (email)"
down = "DROP INDEX CONCURRENTLY people_email_idx"

[[expand]]
up = "INSERT INTO audit (note) VALUES ('email indexed')"
down = "DELETE FROM audit WHERE note = 'email indexed'"
)toml");
    auto failed = migrate({"apply", "--phase", "expand"});
    ASSERT_EQ(failed.exit_code, 1) << show(failed);
    ASSERT_EQ(validity("people_email_idx"), "t");
    db().exec("DELETE FROM " + state("steps") + " WHERE migration_id = '0002' AND step = 0");
    db().exec("CREATE TABLE audit (note TEXT)");

    auto rerun = migrate({"apply", "--phase", "expand"});
    EXPECT_EQ(rerun.exit_code, 0) << show(rerun);
    // Built again rather than trusted: the user is told.
    EXPECT_NE(rerun.out.find("dropped the index public.people_email_idx that the earlier, interrupted run built"),
              std::string::npos)
        << show(rerun);
    EXPECT_EQ(validity("people_email_idx"), "t");
    EXPECT_EQ(db().value("SELECT phase || '/' || status FROM " + state("migrations") + " WHERE id = '0002'"),
              "expanded/ok");
}

// CREATE INDEX CONCURRENTLY ends by waiting for every transaction older than it, on any table,
// and lock_timeout counts that wait. The wait blocks no one (the build holds only a SHARE UPDATE
// EXCLUSIVE lock), so bounding it by --lock-timeout only makes the build fail, with an INVALID
// index left behind, whenever the application has a transaction open for longer.
TEST_P(PostgresConcurrentIndex, IndexBuildOutwaitsAnOldTransactionOnAnotherTableBeyondTheLockTimeout) {
    add_migration("0001_people.toml", people_migration);
    ASSERT_EQ(migrate({"apply"}).exit_code, 0);
    db().exec("CREATE TABLE reports (id INTEGER PRIMARY KEY)");
    add_migration("0002_email.toml", R"toml(
[[expand]]
up = "CREATE INDEX CONCURRENTLY people_email_idx ON people (email)"
down = "DROP INDEX CONCURRENTLY people_email_idx"
)toml");

    // A report of the application: a snapshot held for 3 seconds, on a table the index is not on.
    pqxx::connection app(db().url());
    auto report = std::make_unique<pqxx::work>(app);
    report->exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    report->exec("SELECT count(*) FROM reports");
    std::thread finish_report([&] {
        std::this_thread::sleep_for(std::chrono::seconds(3));
        report->commit();
    });
    auto started = std::chrono::steady_clock::now();
    auto applied = migrate({"apply", "--lock-timeout", "500ms", "--lock-retries", "2"});
    auto took = std::chrono::steady_clock::now() - started;
    finish_report.join();

    EXPECT_EQ(applied.exit_code, 0) << show(applied);
    EXPECT_EQ(validity("people_email_idx"), "t");
    EXPECT_GE(took, std::chrono::milliseconds(2500)) << "the build cannot finish before the report does";
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresConcurrentIndex, ::testing::Values("postgres"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

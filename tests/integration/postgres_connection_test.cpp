// Connecting to PostgreSQL as a user does, through the migrate binary: both URL schemes, libpq's
// environment variables for what the URL leaves out, the state schema option, a runner lock held
// elsewhere, and the password in the URL never showing in any output or in the event log.
#include <cstdlib>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "dialects/postgres/postgres_dialect.hpp"
#include "postgres_fixture.hpp"

namespace migrate {
namespace {

using testing::contains;
using testing::ProcessResult;

constexpr const char* notes_migration = R"toml(
[[expand]]
up.postgres = "CREATE TABLE notes (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body TEXT NOT NULL)"
up.sqlite = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
down = "DROP TABLE notes"

[[backfill]]
table = "notes"
set = "body = upper(body)"
where = "body <> upper(body)"
)toml";

class PostgresConnection : public testing::PostgresTest {
  protected:
    // The URL with its "user:password@" taken out.
    std::string url_without_user() {
        std::string url = db().url();
        std::size_t authority = url.find("://") + 3;
        std::size_t at = url.find('@', authority);
        return at == std::string::npos ? url : url.substr(0, authority) + url.substr(at + 1);
    }
    std::string url_with_password(const std::string& password) {
        std::string url = db().url();
        std::size_t authority = url.find("://") + 3;
        return url.substr(0, authority) + "migrate_test:" + password + "@" + url_without_user().substr(authority);
    }
};

TEST_P(PostgresConnection, PasswordNeverAppearsInAnyOutputOrTheEventLog) {
    std::string password = testing::postgres_test_password();
    ASSERT_FALSE(password.empty()) << "the test server's URL has no password, so there is nothing to look for";
    add_migration("0001_notes.toml", notes_migration);
    add_migration("0002_broken.toml", R"toml(
[[expand]]
up = "INSERT INTO no_such_table VALUES (1)"
down = "SELECT 1"
)toml");

    std::vector<ProcessResult> results;
    results.push_back(migrate({"plan"}));
    results.push_back(migrate({"apply"}));
    EXPECT_EQ(results.back().exit_code, 1) << show(results.back());
    results.push_back(migrate({"apply", "--format", "json"}));
    EXPECT_EQ(results.back().exit_code, 1) << show(results.back());
    results.push_back(migrate({"status"}));
    EXPECT_EQ(results.back().exit_code, 0) << show(results.back());
    results.push_back(migrate({"status", "--format", "json"}));
    results.push_back(migrate({"rollback", "--dry-run"}));
    // Errors that carry the URL itself: a database that does not exist, a wrong password.
    std::string missing_database = db().url();
    missing_database.replace(missing_database.rfind('/'), std::string::npos, "/no_such_database");
    results.push_back(testing::run_migrate({"apply", "-u", missing_database, "-d", dir()}));
    EXPECT_EQ(results.back().exit_code, 1) << show(results.back());
    std::string wrong_password = "wrong" + password;
    results.push_back(testing::run_migrate({"apply", "-u", url_with_password(wrong_password), "-d", dir()}));
    EXPECT_EQ(results.back().exit_code, 1) << show(results.back());
    EXPECT_TRUE(contains(results.back().err, "password authentication failed")) << show(results.back());

    for (const ProcessResult& result : results) {
        EXPECT_FALSE(contains(result.out, password)) << show(result);
        EXPECT_FALSE(contains(result.err, password)) << show(result);
    }
    EXPECT_FALSE(contains(results.back().err, wrong_password)) << show(results.back());
    std::string log = testing::joined(
        db().rows("SELECT command || ' ' || coalesce(detail, '') FROM " + state("events") + " ORDER BY seq"), "\n");
    EXPECT_TRUE(contains(log, "no_such_table")) << log;
    EXPECT_FALSE(contains(log, password)) << log;
}

TEST_P(PostgresConnection, PostgresqlSchemeWorksLikePostgres) {
    add_migration("0001_notes.toml", notes_migration);
    std::string url = db().url();
    ASSERT_TRUE(url.starts_with("postgres://"));
    url.replace(0, std::string("postgres://").size(), "postgresql://");
    auto applied = testing::run_migrate({"apply", "-u", url, "-d", dir()});
    ASSERT_EQ(applied.exit_code, 0) << show(applied);
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "contracted");
}

TEST_P(PostgresConnection, LibpqEnvironmentVariablesFillInWhatTheUrlLeavesOut) {
    add_migration("0001_notes.toml", notes_migration);
    auto applied =
        testing::run_migrate({"apply", "-u", url_without_user(), "-d", dir()}, {},
                             {{"PGUSER", "migrate_test"}, {"PGPASSWORD", testing::postgres_test_password()}});
    ASSERT_EQ(applied.exit_code, 0) << show(applied);
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "contracted");
}

TEST_P(PostgresConnection, StateSchemaOptionPutsTheStateWhereItIsTold) {
    add_migration("0001_notes.toml", notes_migration);
    auto applied = migrate({"apply", "--state-schema", "deploy_state"});
    ASSERT_EQ(applied.exit_code, 0) << show(applied);
    EXPECT_EQ(db().value("SELECT phase FROM deploy_state.migrations"), "contracted");
    EXPECT_EQ(db().value("SELECT count(*) FROM pg_namespace WHERE nspname = 'migrate'"), "0");
    // Another schema is another set of migrations: here nothing has been applied yet.
    auto other = migrate({"status", "--format", "json"});
    ASSERT_EQ(other.exit_code, 0) << show(other);
    EXPECT_TRUE(contains(other.out, "pending")) << show(other);
}

TEST_P(PostgresConnection, StatusOfADatabaseThatDoesNotExistShowsEverythingPendingAndCreatesNothing) {
    add_migration("0001_notes.toml", notes_migration);
    std::string missing = db().url();
    missing.replace(missing.rfind('/'), std::string::npos, "/migrate_test_never_created");
    auto status = testing::run_migrate({"status", "-u", missing, "-d", dir()});
    EXPECT_EQ(status.exit_code, 0) << show(status);
    EXPECT_TRUE(contains(status.out, "pending")) << show(status);
    auto plan = testing::run_migrate({"plan", "-u", missing, "-d", dir()});
    EXPECT_EQ(plan.exit_code, 0) << show(plan);
    EXPECT_TRUE(contains(plan.out, "CREATE TABLE notes")) << show(plan);
    EXPECT_EQ(db().value("SELECT count(*) FROM pg_database WHERE datname = 'migrate_test_never_created'"), "0");
}

TEST_P(PostgresConnection, RunnerLockHeldElsewhereMakesApplyExit5NamingTheHolder) {
    add_migration("0001_notes.toml", notes_migration);
    // A migrate on another database of the server holds the same advisory key: it is not the
    // holder to name, and it does not block this database.
    pqxx::connection elsewhere(std::getenv("MIGRATE_TEST_POSTGRES_URL"));
    pqxx::nontransaction other(elsewhere);
    other.exec("SELECT pg_advisory_lock(" + std::to_string(PostgresDialect::runner_lock_key("migrate")) + ")");
    // Another runner's session, holding the advisory lock every migrate of this state schema takes.
    pqxx::connection holder(db().url());
    pqxx::nontransaction session(holder);
    std::string holder_pid = session.exec("SELECT pg_backend_pid()")[0][0].c_str();
    session.exec("SELECT pg_advisory_lock(" + std::to_string(PostgresDialect::runner_lock_key("migrate")) + ")");

    auto started = std::chrono::steady_clock::now();
    auto refused = migrate({"apply", "--lock-wait", "500ms"});
    auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(refused.exit_code, 5) << show(refused);
    EXPECT_TRUE(contains(refused.err, "another migrate is running")) << show(refused);
    EXPECT_TRUE(contains(refused.err, "server process " + holder_pid)) << show(refused);
    EXPECT_FALSE(contains(refused.err, testing::postgres_test_password())) << show(refused);
    EXPECT_GE(waited, std::chrono::milliseconds(500));
    EXPECT_EQ(db().user_tables(), "") << "nothing may run without the runner lock";

    session.exec("SELECT pg_advisory_unlock_all()");
    auto applied = migrate({"apply", "--lock-wait", "500ms"});
    EXPECT_EQ(applied.exit_code, 0) << show(applied);
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresConnection, ::testing::Values("postgres"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

// Connecting to MariaDB as a user does, through the migrate binary: both URL schemes and the unix
// socket form, the password in the URL never showing in any output or in the event log, a
// database that does not exist, the GET_LOCK runner lock held by another session or another
// migrate, and --statement-timeout (MariaDB's max_statement_time).
#include <gtest/gtest.h>
#include <signal.h>

#include "mysql_fixture.hpp"

namespace migrate {
namespace {

using testing::contains;
using testing::ProcessResult;

constexpr const char* notes_migration = R"toml(
[[expand]]
up = "CREATE TABLE notes (id BIGINT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(200) NOT NULL)"
down = "DROP TABLE notes"

[[backfill]]
table = "notes"
set = "body = upper(body)"
where = "body <> upper(body) COLLATE utf8mb4_bin"
)toml";

// 20,000 rows backfilled in batches of 20: a runner busy for seconds, mostly between statements.
constexpr const char* items_migration = R"toml(
[[expand]]
up = """
CREATE TABLE items (id BIGINT PRIMARY KEY, src VARCHAR(40) NOT NULL, dst VARCHAR(40));
INSERT INTO items (id, src)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
SELECT (a.i - 1) * 200 + b.i, CONCAT('item-', (a.i - 1) * 200 + b.i) FROM n AS a CROSS JOIN n AS b WHERE a.i <= 100;
"""
down = "DROP TABLE items"

[[backfill]]
table = "items"
set = "dst = upper(src)"
where = "dst IS NULL"
)toml";

class MysqlConnection : public testing::MysqlTest {
  protected:
    // The URL with its scheme replaced.
    std::string with_scheme(const std::string& scheme) {
        std::string url = db().url();
        return scheme + url.substr(url.find("://"));
    }
    std::string url_with_password(const std::string& password) {
        std::string url = db().url();
        std::size_t authority = url.find("://") + 3;
        std::size_t at = url.find('@', authority);
        return url.substr(0, authority) + "migrate_test:" + password + url.substr(at);
    }
    // The URL with another database in its path.
    std::string url_of_database(const std::string& database) {
        std::string url = db().url();
        return url.substr(0, url.rfind('/') + 1) + database;
    }
};

TEST_P(MysqlConnection, PasswordNeverAppearsInAnyOutputOrTheEventLog) {
    std::string password = testing::mysql_test_password();
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
    results.push_back(testing::run_migrate({"apply", "-u", url_of_database("no_such_database"), "-d", dir()}));
    EXPECT_EQ(results.back().exit_code, 1) << show(results.back());
    EXPECT_TRUE(contains(results.back().err, "no_such_database")) << show(results.back());
    std::string wrong_password = "wrong" + password;
    results.push_back(testing::run_migrate({"apply", "-u", url_with_password(wrong_password), "-d", dir()}));
    EXPECT_EQ(results.back().exit_code, 1) << show(results.back());
    EXPECT_TRUE(contains(results.back().err, "Access denied")) << show(results.back());

    for (const ProcessResult& result : results) {
        EXPECT_FALSE(contains(result.out, password)) << show(result);
        EXPECT_FALSE(contains(result.err, password)) << show(result);
    }
    EXPECT_FALSE(contains(results.back().err, wrong_password)) << show(results.back());
    std::string log = testing::joined(
        db().rows("SELECT command || ' ' || COALESCE(detail, '') FROM " + state("events") + " ORDER BY seq"), "\n");
    EXPECT_TRUE(contains(log, "no_such_table")) << log;
    EXPECT_FALSE(contains(log, password)) << log;
}

TEST_P(MysqlConnection, MariadbSchemeWorksLikeMysql) {
    add_migration("0001_notes.toml", notes_migration);
    auto applied = testing::run_migrate({"apply", "-u", with_scheme("mariadb"), "-d", dir()});
    ASSERT_EQ(applied.exit_code, 0) << show(applied);
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "contracted");
}

TEST_P(MysqlConnection, UnixSocketUrlReachesTheSameServer) {
    add_migration("0001_notes.toml", notes_migration);
    std::string socket = db().value("SELECT @@socket");
    std::string database = db().value("SELECT DATABASE()");
    std::string url =
        "mysql://migrate_test:" + testing::mysql_test_password() + "@localhost/" + database + "?socket=" + socket;
    auto applied = testing::run_migrate({"apply", "-u", url, "-d", dir()});
    ASSERT_EQ(applied.exit_code, 0) << show(applied);
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "contracted");
    auto status = testing::run_migrate({"status", "-u", url, "-d", dir()});
    EXPECT_EQ(status.exit_code, 0) << show(status);
    EXPECT_FALSE(contains(status.out + status.err, testing::mysql_test_password())) << show(status);
}

TEST_P(MysqlConnection, StatusOfADatabaseThatDoesNotExistShowsEverythingPendingAndCreatesNothing) {
    add_migration("0001_notes.toml", notes_migration);
    std::string missing = url_of_database("migrate_test_never_created");
    auto status = testing::run_migrate({"status", "-u", missing, "-d", dir()});
    EXPECT_EQ(status.exit_code, 0) << show(status);
    EXPECT_TRUE(contains(status.out, "pending")) << show(status);
    auto plan = testing::run_migrate({"plan", "-u", missing, "-d", dir()});
    EXPECT_EQ(plan.exit_code, 0) << show(plan);
    EXPECT_TRUE(contains(plan.out, "CREATE TABLE notes")) << show(plan);
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = "
                         "'migrate_test_never_created'"),
              "0");
}

TEST_P(MysqlConnection, RunnerLockHeldElsewhereMakesApplyExit5NamingTheHolder) {
    add_migration("0001_notes.toml", notes_migration);
    // Another runner's session, holding the lock every migrate of this database takes.
    testing::MysqlSession holder(db().url());
    ASSERT_EQ(holder.value("SELECT GET_LOCK(CONCAT('migrate:', DATABASE()), 0)"), "1");

    auto started = std::chrono::steady_clock::now();
    auto refused = migrate({"apply", "--lock-wait", "500ms"});
    auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(refused.exit_code, 5) << show(refused);
    EXPECT_TRUE(contains(refused.err, "another migrate is running")) << show(refused);
    // Named by its connection id, user and host.
    EXPECT_TRUE(contains(refused.err, "connection " + std::to_string(holder.id()))) << show(refused);
    EXPECT_TRUE(contains(refused.err, "migrate_test")) << show(refused);
    EXPECT_TRUE(contains(refused.err, "127.0.0.1")) << show(refused);
    EXPECT_FALSE(contains(refused.err, testing::mysql_test_password())) << show(refused);
    EXPECT_GE(waited, std::chrono::milliseconds(500));
    EXPECT_EQ(db().user_tables(), "") << "nothing may run without the runner lock";

    holder.exec("DO RELEASE_LOCK(CONCAT('migrate:', DATABASE()))");
    auto applied = migrate({"apply", "--lock-wait", "500ms"});
    EXPECT_EQ(applied.exit_code, 0) << show(applied);
}

// The server frees a GET_LOCK with the session that held it: a runner killed while it holds the
// lock does not keep the next one out, nor make it wait.
TEST_P(MysqlConnection, RunnerKilledWhileHoldingTheLockDoesNotBlockTheNextRun) {
    add_migration("0001_items.toml", items_migration);
    pid_t child = testing::spawn_migrate(with_target({"apply", "--batch-size", "20"}), m_dir.path(), "killed");
    ASSERT_TRUE(eventually([&] {
        auto rows = db().try_value("SELECT rows_updated FROM " + state("backfills"));
        return rows && std::stoll(*rows) >= 200;
    })) << testing::read_file(m_dir / "killed.err");
    kill(child, SIGKILL);
    testing::wait_for(child);

    auto started = std::chrono::steady_clock::now();
    auto applied = migrate({"apply", "--lock-wait", "5s"});
    EXPECT_EQ(applied.exit_code, 0) << show(applied);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM items WHERE dst IS NULL"), "0");
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "contracted");
}

TEST_P(MysqlConnection, StatementTimeoutEndsALongStatementAndLeavesNothingApplied) {
    add_migration("0001_notes.toml", notes_migration);
    ASSERT_EQ(migrate({"apply"}).exit_code, 0);
    add_migration("0002_slow.toml", R"toml(
[[expand]]
up = """
INSERT INTO notes (body) VALUES ('before the sleep');
SELECT SLEEP(5);
"""
down = "DELETE FROM notes"
)toml");
    std::string before = db().dump({state("events")});
    auto started = std::chrono::steady_clock::now();
    auto result = migrate({"apply", "--statement-timeout", "500ms"});
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(result.exit_code, 5) << show(result);
    EXPECT_TRUE(contains(result.err, "1969")) << show(result);  // ER_STATEMENT_TIMEOUT
    EXPECT_LT(took, std::chrono::seconds(4)) << "the statement was not cut short";
    // A phase without DDL runs in one transaction on MySQL too: the INSERT is rolled back.
    EXPECT_EQ(db().dump({state("events")}), before);
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM notes"), "0");
}

INSTANTIATE_TEST_SUITE_P(Mysql, MysqlConnection, ::testing::Values("mysql"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

// Backfills on MariaDB meeting the application's locks: a batch that needs a row an application
// transaction holds waits at most --lock-timeout (innodb_lock_wait_timeout, whose server default
// is 50 seconds), is rolled back with its cursor and tried again, and updates every row exactly
// once; a table another session has locked (LOCK TABLES ... WRITE) makes the backfill's reads
// wait and retry the same way.
#include <thread>

#include <gtest/gtest.h>

#include "engine/project.hpp"
#include "mysql_fixture.hpp"
#include "recording_observer.hpp"
#include "support/error.hpp"

namespace migrate {
namespace {

constexpr const char* orders_migration = R"toml(
[[expand]]
up = """
CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, total_cents INTEGER NOT NULL,
                     total_eur DECIMAL(12, 2), touches INTEGER NOT NULL DEFAULT 0);
INSERT INTO orders (total_cents)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
SELECT ((a.i - 1) * 100 + b.i) * 7 FROM n AS a CROSS JOIN n AS b WHERE a.i <= 20 ORDER BY a.i, b.i;
"""
down = "DROP TABLE orders"
)toml";

constexpr const char* eur_migration = R"toml(
[[backfill]]
table = "orders"
set = "total_eur = total_cents / 100.0, touches = touches + 1"
where = "total_eur IS NULL"
)toml";

class MysqlBackfill : public testing::MysqlTest {
  protected:
    void SetUp() override {
        MysqlTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        add_migration("0001_orders.toml", orders_migration);
        add_migration("0002_eur.toml", eur_migration);
        project().apply({Phase::expand, std::nullopt}, m_quiet);
    }

    Project project(Duration lock_timeout = Duration(2000), int batch_size = 1000) {
        ProjectSettings settings;
        settings.url = parse_database_url(db().url());
        settings.dir = m_dir / "migrations";
        settings.lock_timeout = lock_timeout;
        settings.run.command = "test";
        settings.run.backfill.batch.fixed = batch_size;
        return Project(settings);
    }

    // Runs the backfill in batches of 100 with a lock timeout of a second, while `application`
    // holds what it took until it runs `release`, 2.5 seconds later.
    std::optional<std::string> backfill_while_held(testing::MysqlSession& application, const std::string& release) {
        std::thread release_later([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(2500));
            application.exec(release);
        });
        std::optional<std::string> failure;
        try {
            project(Duration(1000), 100).apply({Phase::backfill, std::nullopt}, m_quiet);
        } catch (const Error& e) {
            failure = e.what();
        }
        release_later.join();
        return failure;
    }

    testing::RecordingObserver m_quiet;
};

TEST_P(MysqlBackfill, BatchMeetingARowLockWaitsAtMostTheLockTimeoutAndIsRetried) {
    // The application updates order 500 in a transaction that lasts 2.5s.
    testing::MysqlSession application(db().url());
    application.exec("START TRANSACTION");
    application.exec("UPDATE orders SET total_cents = total_cents + 1 WHERE id = 500");

    auto failure = backfill_while_held(application, "COMMIT");
    ASSERT_FALSE(failure) << *failure;

    ASSERT_FALSE(m_quiet.retries.empty()) << "the batch holding order 500 should have run into the lock timeout";
    for (const std::string& code : m_quiet.retries) {
        EXPECT_EQ(code, "1205");
    }
    // The application's write is kept, and every row was updated exactly once.
    EXPECT_EQ(db().value("SELECT total_eur FROM orders WHERE id = 500"), "35.01");
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM orders WHERE touches = 1 AND total_eur = total_cents / 100.0"), "2000");
    EXPECT_EQ(db().value("SELECT rows_updated FROM " + state("backfills")), "2000");
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations") + " WHERE id = '0002'"), "backfilled");
}

// The same for a lock on the whole table, such as LOCK TABLES ... WRITE or DDL holds:
// the backfill's reads (where the next batch ends) wait for it too, and must be retried like its
// writes.
TEST_P(MysqlBackfill, BackfillMeetingATableLockWaitsAtMostTheLockTimeoutAndIsRetried) {
    testing::MysqlSession application(db().url());
    application.exec("LOCK TABLES orders WRITE");

    auto failure = backfill_while_held(application, "UNLOCK TABLES");
    ASSERT_FALSE(failure) << *failure;
    EXPECT_FALSE(m_quiet.retries.empty());
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM orders WHERE touches = 1"), "2000");
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations") + " WHERE id = '0002'"), "backfilled");
}

INSTANTIATE_TEST_SUITE_P(Mysql, MysqlBackfill, ::testing::Values("mysql"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

// Transactions and timeouts on PostgreSQL: a phase of mixed DDL commits whole or not at all;
// ALTER TYPE ... ADD VALUE commits on its own so that later steps can use the value; a backfill
// batch that meets a row lock of the application waits at most --lock-timeout and is retried;
// --statement-timeout ends a statement that runs too long.
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "engine/project.hpp"
#include "postgres_fixture.hpp"
#include "recording_observer.hpp"
#include "support/error.hpp"

namespace migrate {
namespace {

using testing::contains;

constexpr const char* orders_migration = R"toml(
[[expand]]
up = """
CREATE TABLE orders (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total_cents INTEGER NOT NULL,
                     total_eur NUMERIC(12, 2), touches INTEGER NOT NULL DEFAULT 0);
INSERT INTO orders (total_cents) SELECT i * 7 FROM generate_series(1, 2000) AS i;
"""
down = "DROP TABLE orders"
)toml";

class PostgresTransactions : public testing::PostgresTest {
  protected:
    Project project(Duration lock_timeout = Duration(2000), int batch_size = 1000) {
        ProjectSettings settings;
        settings.url = parse_database_url(db().url());
        settings.dir = m_dir / "migrations";
        settings.lock_timeout = lock_timeout;
        settings.run.command = "test";
        settings.run.backfill.batch.fixed = batch_size;
        return Project(settings);
    }

    testing::RecordingObserver m_quiet;
};

TEST_P(PostgresTransactions, FailingStatementAfterTablesIndexesAndConstraintsLeavesNoTraceOfThePhase) {
    add_migration("0001_orders.toml", orders_migration);
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    add_migration("0002_customers.toml", R"toml(
[[expand]]
up = """
CREATE TABLE customers (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email TEXT NOT NULL UNIQUE);
CREATE INDEX customers_email_lower_idx ON customers (lower(email));
INSERT INTO customers (email) VALUES ('a@example.com'), ('b@example.com');
ALTER TABLE orders ADD COLUMN customer_id BIGINT REFERENCES customers (id);
CREATE FUNCTION order_total(bigint) RETURNS integer LANGUAGE sql AS $$ SELECT total_cents FROM orders WHERE id = $1 $$;
"""
down = """
DROP FUNCTION order_total(bigint);
ALTER TABLE orders DROP COLUMN customer_id;
DROP TABLE customers;
"""

[[expand]]
up = "UPDATE orders SET customer_id = 3 WHERE id = 1"
down = "UPDATE orders SET customer_id = NULL"
)toml");
    std::string before = db().dump({state("events")});
    try {
        project().apply({Phase::expand, std::nullopt}, m_quiet);
        FAIL() << "the foreign key should have refused customer 3";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), "23503") << e.what();  // foreign_key_violation
        EXPECT_TRUE(contains(e.what(), "0002_customers expand step 2")) << e.what();
    }
    // Table, index, function, column and rows: all rolled back with the state rows.
    EXPECT_EQ(db().dump({state("events")}), before);
    EXPECT_EQ(db().user_tables(), "orders");
    EXPECT_EQ(db().value("SELECT count(*) FROM " + state("migrations") + " WHERE id = '0002'"), "0");
}

TEST_P(PostgresTransactions, EnumValueAddedInOneStepIsUsableByTheNextSteps) {
    add_migration("0001_orders.toml", orders_migration);
    add_migration("0002_status.toml", R"toml(
[[expand]]
up = "CREATE TYPE order_status AS ENUM ('open', 'paid')"
down = "DROP TYPE order_status"

[[expand]]
up = "ALTER TYPE order_status ADD VALUE 'refunded'"
irreversible = true

[[expand]]
up = "ALTER TABLE orders ADD COLUMN status order_status NOT NULL DEFAULT 'refunded'"
down = "ALTER TABLE orders DROP COLUMN status"
)toml");
    // In one transaction PostgreSQL refuses to use 'refunded' before ADD VALUE commits (55P04).
    project().apply({Phase::expand, std::nullopt}, m_quiet);
    EXPECT_EQ(db().value("SELECT count(*) FROM orders WHERE status = 'refunded'"), "2000");
    EXPECT_EQ(db().value("SELECT phase || '/' || status FROM " + state("migrations") + " WHERE id = '0002'"),
              "expanded/ok");
}

TEST_P(PostgresTransactions, BackfillBatchMeetingARowLockWaitsAtMostTheLockTimeoutAndIsRetried) {
    add_migration("0001_orders.toml", orders_migration);
    add_migration("0002_eur.toml", R"toml(
[[backfill]]
table = "orders"
set = "total_eur = total_cents / 100.0, touches = touches + 1"
where = "total_eur IS NULL"
)toml");
    project().apply({Phase::expand, std::nullopt}, m_quiet);

    // The application updates order 500 in a transaction that lasts 1.5s.
    pqxx::connection app(db().url());
    auto transaction = std::make_unique<pqxx::work>(app);
    transaction->exec("UPDATE orders SET total_cents = total_cents + 1 WHERE id = 500");
    std::thread commit_later([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        transaction->commit();
    });
    std::optional<std::string> failure;
    try {
        project(Duration(300), 100).apply({Phase::backfill, std::nullopt}, m_quiet);
    } catch (const Error& e) {
        failure = e.what();
    }
    commit_later.join();
    ASSERT_FALSE(failure) << *failure;

    ASSERT_FALSE(m_quiet.retries.empty()) << "the batch holding order 500 should have run into the lock timeout";
    for (const std::string& code : m_quiet.retries) {
        EXPECT_EQ(code, "55P03");
    }
    // The application's write is kept, and every row was updated exactly once.
    EXPECT_EQ(db().value("SELECT total_eur FROM orders WHERE id = 500"), "35.01");
    EXPECT_EQ(db().value("SELECT count(*) FROM orders WHERE touches = 1 AND total_eur = total_cents / 100.0"), "2000");
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations") + " WHERE id = '0002'"), "backfilled");
}

// The same for a lock on the whole table, such as another deployment's DDL holds: the backfill's
// reads (where the next batch ends) wait for it too, and must be retried like its writes.
TEST_P(PostgresTransactions, BackfillMeetingATableLockWaitsAtMostTheLockTimeoutAndIsRetried) {
    add_migration("0001_orders.toml", orders_migration);
    add_migration("0002_eur.toml", R"toml(
[[backfill]]
table = "orders"
set = "total_eur = total_cents / 100.0, touches = touches + 1"
where = "total_eur IS NULL"
)toml");
    project().apply({Phase::expand, std::nullopt}, m_quiet);

    pqxx::connection app(db().url());
    auto transaction = std::make_unique<pqxx::work>(app);
    transaction->exec("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE");
    std::thread commit_later([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        transaction->commit();
    });
    std::optional<std::string> failure;
    try {
        project(Duration(300), 100).apply({Phase::backfill, std::nullopt}, m_quiet);
    } catch (const Error& e) {
        failure = e.what();
    }
    commit_later.join();
    ASSERT_FALSE(failure) << *failure;
    EXPECT_FALSE(m_quiet.retries.empty());
    EXPECT_EQ(db().value("SELECT count(*) FROM orders WHERE touches = 1"), "2000");
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations") + " WHERE id = '0002'"), "backfilled");
}

TEST_P(PostgresTransactions, StatementTimeoutEndsALongStatementAndLeavesNothingApplied) {
    add_migration("0001_orders.toml", orders_migration);
    ASSERT_EQ(migrate({"apply"}).exit_code, 0);
    add_migration("0002_slow.toml", R"toml(
[[expand]]
up = """
ALTER TABLE orders ADD COLUMN note TEXT;
SELECT pg_sleep(5);
"""
down = "ALTER TABLE orders DROP COLUMN note"
)toml");
    std::string before = db().dump({state("events")});
    auto started = std::chrono::steady_clock::now();
    auto result = migrate({"apply", "--statement-timeout", "500ms"});
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(result.exit_code, 5) << show(result);
    EXPECT_TRUE(contains(result.err, "57014")) << show(result);  // query_canceled
    EXPECT_LT(took, std::chrono::seconds(4)) << "the statement was not cut short";
    EXPECT_EQ(db().dump({state("events")}), before);
    EXPECT_FALSE(db().has_column("orders", "note"));
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresTransactions, ::testing::Values("postgres"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

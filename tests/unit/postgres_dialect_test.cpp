// The PostgreSQL dialect's reading of SQL, which needs no server: which statements must run
// outside a transaction, placeholders, quoting, and the runner lock key.
#include "dialects/postgres/postgres_dialect.hpp"

#include <gtest/gtest.h>

namespace migrate {
namespace {

class PostgresDialectTest : public ::testing::Test {
  protected:
    PostgresDialect dialect{DialectOptions{}};
};

TEST_F(PostgresDialectTest, StatementsThatRefuseATransactionBlockAreRunOnTheirOwn) {
    for (const char* sql : {
             "CREATE INDEX CONCURRENTLY users_email_idx ON users (email)",
             "create unique index concurrently if not exists k ON t (a)",
             "DROP INDEX CONCURRENTLY IF EXISTS users_email_idx",
             "REINDEX INDEX CONCURRENTLY users_email_idx",
             "VACUUM (ANALYZE) users",
             "ALTER TYPE mood ADD VALUE 'meh'",
             "ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY",
             "SELECT 1; CREATE INDEX CONCURRENTLY i ON t (a);",
             "BEGIN; UPDATE t SET a = 1; COMMIT;",
         }) {
        SqlTraits traits = dialect.classify(sql);
        EXPECT_FALSE(traits.transactional) << sql;
        EXPECT_FALSE(traits.reason.empty()) << sql;
    }
}

TEST_F(PostgresDialectTest, OrdinaryDdlAndDmlShareThePhaseTransaction) {
    for (const char* sql : {
             "ALTER TABLE users ADD COLUMN display_name TEXT",
             "CREATE INDEX users_email_idx ON users (email)",
             "CREATE TABLE concurrently (id INT)",
             "UPDATE t SET note = 'CREATE INDEX CONCURRENTLY' WHERE id = 1",
             "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN VACUUM; END $$",
             "REFRESH MATERIALIZED VIEW CONCURRENTLY totals",
         }) {
        EXPECT_TRUE(dialect.classify(sql).transactional) << sql;
    }
}

TEST_F(PostgresDialectTest, PlaceholdersAreNumbered) {
    EXPECT_EQ(dialect.placeholder(1), "$1");
    EXPECT_EQ(placeholders(dialect, 3, 2), "$2, $3, $4");
}

TEST_F(PostgresDialectTest, StateTablesLiveInTheConfiguredSchema) {
    EXPECT_EQ(dialect.state_table("events"), "\"migrate\".\"events\"");
    PostgresDialect other{DialectOptions{"billing_migrate"}};
    EXPECT_EQ(other.state_table("events"), "\"billing_migrate\".\"events\"");
    EXPECT_EQ(dialect.quote_identifier("we\"ird"), "\"we\"\"ird\"");
}

TEST_F(PostgresDialectTest, RunnerLockKeyIsStablePerSchemaAndDiffersBetweenSchemas) {
    // Every runner of a database must compute the same key, on any machine and build.
    EXPECT_EQ(PostgresDialect::runner_lock_key("migrate"), PostgresDialect::runner_lock_key("migrate"));
    EXPECT_NE(PostgresDialect::runner_lock_key("migrate"), PostgresDialect::runner_lock_key("billing_migrate"));
}

}  // namespace
}  // namespace migrate

// Online DDL on MariaDB. Under --online-ddl require (the default) migrate runs each ALTER TABLE,
// CREATE INDEX and DROP INDEX with ALGORITHM=INSTANT, else INPLACE with LOCK=NONE, so the server
// refuses a table copy that would block writes for the whole rebuild instead of silently doing
// it; migrate then names the statement and the safe alternative and changes nothing. With
// --online-ddl off, or an ALGORITHM clause of the user's own, the statement runs as written.
// Whether the server rebuilt a table shows in InnoDB's table id, which a copy changes.
#include <gtest/gtest.h>

#include "mysql_fixture.hpp"

namespace migrate {
namespace {

using testing::contains;

constexpr const char* table_migration = R"toml(
[[expand]]
up = """
CREATE TABLE t (id BIGINT AUTO_INCREMENT PRIMARY KEY, c INT NOT NULL, note VARCHAR(50) NOT NULL);
INSERT INTO t (c, note) VALUES (1, 'one'), (2, 'two'), (3, 'three');
"""
down = "DROP TABLE t"
)toml";

constexpr const char* widen_migration = R"toml(
[[expand]]
up = "ALTER TABLE t MODIFY c BIGINT NOT NULL"
down = "ALTER TABLE t MODIFY c INT NOT NULL"
)toml";

class MysqlOnlineDdl : public testing::MysqlTest {
  protected:
    void SetUp() override {
        MysqlTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        add_migration("0001_t.toml", table_migration);
        auto applied = migrate({"apply"});
        ASSERT_EQ(applied.exit_code, 0) << show(applied);
    }

    // InnoDB's id of table t: a rebuild (a table copy, or an INPLACE rebuild) gives it a new one.
    std::string table_id() {
        return db().value("SELECT TABLE_ID FROM information_schema.INNODB_SYS_TABLES WHERE NAME = DATABASE() || '/t'");
    }

    std::string column_type(const std::string& column) {
        return db().value(
            "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' "
            "AND COLUMN_NAME = '" +
            column + "'");
    }
};

TEST_P(MysqlOnlineDdl, AlterThatNeedsATableCopyIsRefusedNamingTheStatementAndTheSafeWay) {
    add_migration("0002_widen.toml", widen_migration);
    std::string before = db().dump({state("events")});
    std::string id = table_id();

    // The linter stops it first; the server's refusal is the guard for what linting let through.
    auto linted = migrate({"apply"});
    EXPECT_EQ(linted.exit_code, 3) << show(linted);
    EXPECT_TRUE(contains(linted.err, "[mysql-table-copy]")) << show(linted);
    EXPECT_EQ(db().dump({state("events")}), before);

    auto refused = migrate({"apply", "--no-lint"});
    EXPECT_EQ(refused.exit_code, 1) << show(refused);
    EXPECT_TRUE(contains(refused.err, "ALTER TABLE t MODIFY c BIGINT NOT NULL")) << show(refused);
    EXPECT_TRUE(contains(refused.err, "table copy")) << show(refused);
    // The way without a copy: a new column, backfilled, switched to.
    EXPECT_TRUE(contains(refused.err, "add a new column")) << show(refused);
    EXPECT_TRUE(contains(refused.err, "--online-ddl off")) << show(refused);

    // Nothing changed: not the table (not even rebuilt), not its rows, not the state.
    EXPECT_EQ(column_type("c"), "int(11)");
    EXPECT_EQ(table_id(), id);
    EXPECT_EQ(db().dump({state("events")}), before);
    EXPECT_EQ(db().value("SELECT outcome FROM " + state("events") + " WHERE migration_id = '0002'"), "failed");
}

// What the refusal tells the user to do must be possible: nothing ran, so the migration has not
// been applied and its file may still be changed to the safe form.
TEST_P(MysqlOnlineDdl, RefusedMigrationCanBeRewrittenTheSafeWayAndApplied) {
    add_migration("0002_widen.toml", widen_migration);
    auto refused = migrate({"apply", "--no-lint"});
    ASSERT_EQ(refused.exit_code, 1) << show(refused);

    add_migration("0002_widen.toml", R"toml(
[[expand]]
up = "ALTER TABLE t ADD COLUMN c_wide BIGINT"
down = "ALTER TABLE t DROP COLUMN c_wide"

[[backfill]]
table = "t"
set = "c_wide = c"
where = "c_wide IS NULL"
)toml");
    auto applied = migrate({"apply"});
    EXPECT_EQ(applied.exit_code, 0) << show(applied);
    EXPECT_FALSE(contains(applied.err, "edited after it was applied")) << show(applied);
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM t WHERE c_wide = c"), "3");
}

TEST_P(MysqlOnlineDdl, CharsetConversionIsRefusedToo) {
    add_migration("0002_latin1.toml", R"toml(
[[expand]]
up = "ALTER TABLE t CONVERT TO CHARACTER SET latin1"
down = "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
)toml");
    std::string id = table_id();
    auto refused = migrate({"apply", "--no-lint"});
    EXPECT_EQ(refused.exit_code, 1) << show(refused);
    EXPECT_TRUE(contains(refused.err, "ALTER TABLE t CONVERT TO CHARACTER SET latin1")) << show(refused);
    EXPECT_TRUE(contains(refused.err, "table copy")) << show(refused);
    EXPECT_EQ(table_id(), id);
    EXPECT_EQ(db().value("SELECT CHARACTER_SET_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                         "AND TABLE_NAME = 't' AND COLUMN_NAME = 'note'"),
              "utf8mb4");
}

TEST_P(MysqlOnlineDdl, OnlineDdlOffRunsTheCopyAsWritten) {
    add_migration("0002_widen.toml", widen_migration);
    std::string id = table_id();
    auto applied = migrate({"apply", "--online-ddl", "off", "--no-lint"});
    ASSERT_EQ(applied.exit_code, 0) << show(applied);
    EXPECT_EQ(column_type("c"), "bigint(20)");
    EXPECT_NE(table_id(), id) << "a column type change copies the table";
    EXPECT_EQ(testing::joined(db().rows("SELECT c || ':' || note FROM t ORDER BY id")), "1:one,2:two,3:three");
    EXPECT_EQ(phase_and_status("0002"), "contracted/ok");

    // Its down is a copy too: rolled back with the option again.
    auto rolled_back = migrate({"rollback", "--to", "1", "--online-ddl", "off"});
    ASSERT_EQ(rolled_back.exit_code, 0) << show(rolled_back);
    EXPECT_EQ(column_type("c"), "int(11)");
}

TEST_P(MysqlOnlineDdl, StatementWithItsOwnAlgorithmClauseRunsAsWritten) {
    add_migration("0002_widen.toml", R"toml(
[[expand]]
up = """
-- migrate:ignore mysql-table-copy: three rows; the copy is the point of this test
ALTER TABLE t MODIFY c BIGINT NOT NULL, ALGORITHM=COPY
"""
down = "ALTER TABLE t MODIFY c INT NOT NULL, ALGORITHM=COPY"
)toml");
    auto applied = migrate({"apply"});
    ASSERT_EQ(applied.exit_code, 0) << show(applied);
    EXPECT_EQ(column_type("c"), "bigint(20)");
}

TEST_P(MysqlOnlineDdl, AddColumnAndIndexesRunOnlineWithoutRebuildingTheTable) {
    add_migration("0002_online.toml", R"toml(
[[expand]]
up = "ALTER TABLE t ADD COLUMN extra VARCHAR(20)"
down = "ALTER TABLE t DROP COLUMN extra"

[[expand]]
up = "CREATE INDEX t_note_idx ON t (note)"
down = "DROP INDEX t_note_idx ON t"

[[expand]]
up = "CREATE UNIQUE INDEX t_c_key ON t (c)"
down = "DROP INDEX t_c_key ON t"
)toml");
    std::string id = table_id();

    // plan tells which algorithm each statement is expected to get.
    auto plan = migrate({"plan"});
    ASSERT_EQ(plan.exit_code, 0) << show(plan);
    EXPECT_TRUE(contains(plan.out, "INSTANT")) << show(plan);
    EXPECT_TRUE(contains(plan.out, "INPLACE")) << show(plan);
    EXPECT_FALSE(contains(plan.out, "table copy")) << show(plan);

    auto applied = migrate({"apply"});
    ASSERT_EQ(applied.exit_code, 0) << show(applied);
    EXPECT_TRUE(db().has_column("t", "extra"));
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
                         "AND TABLE_NAME = 't' AND INDEX_NAME IN ('t_note_idx', 't_c_key')"),
              "2");
    EXPECT_EQ(table_id(), id) << "ADD COLUMN (INSTANT) and CREATE INDEX (INPLACE) do not copy the table";

    auto rolled_back = migrate({"rollback"});
    ASSERT_EQ(rolled_back.exit_code, 0) << show(rolled_back);
    EXPECT_FALSE(db().has_column("t", "extra"));
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
                         "AND TABLE_NAME = 't' AND INDEX_NAME <> 'PRIMARY'"),
              "0");
}

TEST_P(MysqlOnlineDdl, PlanShowsWhichAlterNeedsATableCopy) {
    add_migration("0002_widen.toml", widen_migration);
    auto plan = migrate({"plan"});
    ASSERT_EQ(plan.exit_code, 0) << show(plan);
    EXPECT_TRUE(contains(plan.out, "ALTER TABLE t MODIFY c BIGINT NOT NULL")) << show(plan);
    EXPECT_TRUE(contains(plan.out, "table copy")) << show(plan);
}

// MySQL's own quoting: a backslash-escaped quote does not end the string, so the ';' after it
// does not split the statement.
TEST_P(MysqlOnlineDdl, BackslashEscapedQuotesStayInsideTheirString) {
    add_migration("0002_note.toml", R"toml(
[[expand]]
up = '''
UPDATE t SET note = 'it\'s; one statement' WHERE id = 1;
UPDATE t SET note = "say \"hi\"; still one" WHERE id = 2;
'''
down = "UPDATE t SET note = 'one' WHERE id = 1"
)toml");
    auto applied = migrate({"apply"});
    ASSERT_EQ(applied.exit_code, 0) << show(applied);
    EXPECT_EQ(db().value("SELECT note FROM t WHERE id = 1"), "it's; one statement");
    EXPECT_EQ(db().value("SELECT note FROM t WHERE id = 2"), "say \"hi\"; still one");
}

INSTANTIATE_TEST_SUITE_P(Mysql, MysqlOnlineDdl, ::testing::Values("mysql"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

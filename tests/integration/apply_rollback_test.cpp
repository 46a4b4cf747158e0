// The example project on a real SQLite file: apply everything, roll back one phase at a time,
// and apply again, checking the schema and the data a user would look at after each step.
#include <gtest/gtest.h>

#include "engine/project.hpp"
#include "support/error.hpp"
#include "recording_observer.hpp"
#include "test_support.hpp"

namespace migrate {
namespace {

using testing::TempDir;

class SqliteExample : public ::testing::Test {
  protected:
    void SetUp() override {
        testing::copy_example_migrations(m_dir / "migrations");
        m_db = m_dir / "app.db";
    }

    Project project() {
        ProjectSettings settings;
        settings.url = parse_database_url("sqlite:" + m_db.string());
        settings.dir = m_dir / "migrations";
        settings.run.command = "test";
        settings.run.run_by = "tester";
        settings.run.run_on = "testhost";
        return Project(settings);
    }

    std::map<std::string, std::string> phases() {
        std::map<std::string, std::string> out;
        for (const auto& row : testing::sqlite_rows(m_db, "SELECT id, phase FROM _migrate_migrations")) {
            out[row[0]] = row[1];
        }
        return out;
    }

    std::vector<std::string> columns(const std::string& table) {
        std::vector<std::string> out;
        for (const auto& row : testing::sqlite_rows(m_db, "SELECT name FROM pragma_table_info('" + table + "')")) {
            out.push_back(row[0]);
        }
        return out;
    }

    std::string user_tables() {
        std::string out;
        for (const auto& row : testing::sqlite_rows(
                 m_db,
                 "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_migrate\\_%' "
                 "ESCAPE '\\' ORDER BY name")) {
            out += row[0] + " ";
        }
        return out;
    }

    TempDir m_dir;
    std::filesystem::path m_db;
    testing::RecordingObserver m_quiet;
};

TEST_F(SqliteExample, ExpandThenAllLeavesTheRenamedColumnFilledForEveryRow) {
    Project first = project();
    first.apply({Phase::expand, std::nullopt}, m_quiet);
    for (const auto& [id, phase] : phases()) {
        EXPECT_EQ(phase, "expanded") << id;
    }
    // Expanded: both columns exist, old app versions keep working.
    auto expanded = columns("users");
    EXPECT_NE(std::find(expanded.begin(), expanded.end(), "username"), expanded.end());
    EXPECT_NE(std::find(expanded.begin(), expanded.end(), "display_name"), expanded.end());
    // The sync trigger fills display_name for rows the old app inserts after expand.
    testing::sqlite_exec(m_db, "INSERT INTO users (username, email) VALUES ('late', 'late@example.com')");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT display_name FROM users WHERE username = 'late'"), "late");

    Project second = project();
    second.apply({Phase::contract, std::nullopt}, m_quiet);
    for (const auto& [id, phase] : phases()) {
        EXPECT_EQ(phase, "contracted") << id;
    }
    auto contracted = columns("users");
    EXPECT_EQ(std::find(contracted.begin(), contracted.end(), "username"), contracted.end());
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM users"), "12001");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM users WHERE display_name IS NULL"), "0");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT display_name FROM users WHERE id = 777"), "user777");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM pragma_table_info('orders') WHERE name = 'status'"),
              "1");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT rows_updated FROM _migrate_backfills WHERE migration_id = '0004'"),
              "12000");
}

TEST_F(SqliteExample, RollingBackOnePhaseAtATimeUndoesEverythingAndReapplyRestoresIt) {
    Project forward = project();
    forward.apply({Phase::contract, std::nullopt}, m_quiet);
    std::string applied = testing::sqlite_dump(
        m_db, {"_migrate_events", "_migrate_phases", "_migrate_migrations", "_migrate_backfills", "users", "orders"});
    std::string applied_users =
        testing::sqlite_value(m_db, "SELECT group_concat(id || ':' || display_name || ':' || email, ',') FROM users");

    // Rollback of 0004's contract brings username back with its values.
    Project back = project();
    Plan undone = back.rollback({}, m_quiet);
    ASSERT_FALSE(undone.runs.empty());
    EXPECT_EQ(undone.runs.back().migration->id, "0004");
    EXPECT_EQ(undone.runs.back().phase, Phase::contract);
    EXPECT_EQ(phases()["0004"], "backfilled");
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT username FROM users WHERE id = 42"), "user42");

    int rollbacks = 1;
    while (!project().rollback({}, m_quiet).runs.empty()) {
        ASSERT_LT(++rollbacks, 30) << "rollback never reached the start";
    }
    EXPECT_TRUE(phases().empty());
    EXPECT_EQ(user_tables(), "");

    project().apply({Phase::contract, std::nullopt}, m_quiet);
    EXPECT_EQ(testing::sqlite_dump(m_db, {"_migrate_events", "_migrate_phases", "_migrate_migrations",
                                          "_migrate_backfills", "users", "orders"}),
              applied);
    EXPECT_EQ(
        testing::sqlite_value(m_db, "SELECT group_concat(id || ':' || display_name || ':' || email, ',') FROM users"),
        applied_users);
}

TEST_F(SqliteExample, RollbackOfEachPhaseKindLeavesTheExpectedSchema) {
    project().apply({Phase::contract, std::nullopt}, m_quiet);

    project().rollback({Phase::contract, std::nullopt}, m_quiet);
    for (const auto& [id, phase] : phases()) {
        EXPECT_EQ(phase, "backfilled") << id;
    }
    auto columns_after_contract = columns("users");
    EXPECT_NE(std::find(columns_after_contract.begin(), columns_after_contract.end(), "username"),
              columns_after_contract.end());

    project().rollback({Phase::backfill, std::nullopt}, m_quiet);
    for (const auto& [id, phase] : phases()) {
        EXPECT_EQ(phase, "expanded") << id;
    }
    EXPECT_EQ(testing::sqlite_value(m_db, "SELECT COUNT(*) FROM _migrate_backfills"), "0");

    project().rollback({std::nullopt, 3}, m_quiet);
    auto remaining = phases();
    EXPECT_EQ(remaining.size(), 3u);
    EXPECT_EQ(remaining.count("0004"), 0u);
    auto columns_after_expand = columns("users");
    EXPECT_EQ(std::find(columns_after_expand.begin(), columns_after_expand.end(), "display_name"),
              columns_after_expand.end());

    project().rollback({Phase::expand, std::nullopt}, m_quiet);
    EXPECT_TRUE(phases().empty());
    EXPECT_EQ(user_tables(), "");
}

TEST_F(SqliteExample, ContractWaitsForTheBackfillOfItsOwnMigration) {
    Project p = project();
    Plan plan = p.plan_apply({Phase::contract, std::nullopt});
    // Phase-major: every expand, then every backfill, then every contract.
    std::vector<Phase> order;
    for (const PhaseRun& run : plan.runs) {
        order.push_back(run.phase);
    }
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
    EXPECT_EQ(plan.runs.size(), 18u);
    EXPECT_FALSE(std::filesystem::exists(m_db)) << "planning must not create the database";
}

TEST_F(SqliteExample, EventLogRecordsWhoRanWhatAndWhere) {
    project().apply({Phase::expand, std::nullopt}, m_quiet);
    auto rows = testing::sqlite_rows(
        m_db,
        "SELECT run_by, run_on, command, migration_id, phase, direction, outcome FROM _migrate_events "
        "ORDER BY seq");
    ASSERT_EQ(rows.size(), 6u);
    EXPECT_EQ(rows[0], (std::vector<std::string>{"tester", "testhost", "test", "0001", "expand", "up", "applied"}));
    EXPECT_EQ(rows[5][3], "0006");
}

}  // namespace
}  // namespace migrate

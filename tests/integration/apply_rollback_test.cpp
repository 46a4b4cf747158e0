// The example project on every dialect: apply everything, roll back one phase at a time, and
// apply again, checking the schema and the data a user would look at after each step.
#include <gtest/gtest.h>

#include "engine/project.hpp"
#include "recording_observer.hpp"
#include "support/error.hpp"
#include "test_database.hpp"
#include "test_support.hpp"

namespace migrate {
namespace {

using testing::TempDir;

class ExampleProject : public testing::DialectTest {
  protected:
    void SetUp() override {
        DialectTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        testing::copy_example_migrations(m_dir / "migrations");
    }

    Project project() {
        ProjectSettings settings;
        settings.url = parse_database_url(db().url());
        settings.dir = m_dir / "migrations";
        settings.run.command = "test";
        settings.run.run_by = "tester";
        settings.run.run_on = "testhost";
        return Project(settings);
    }

    // An instance of the app the example's 0004 contract waits for, at the version it needs.
    void open_example_gate() { project().register_instance({"web", "web-1", "2.0.0", 3600}); }

    // Whether migrate has created its state store: planning must not.
    bool state_store_exists() {
        if (is_postgres()) {
            return db().value("SELECT count(*) FROM pg_namespace WHERE nspname = 'migrate'") != "0";
        }
        if (is_mysql()) {
            std::string query =
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
                "TABLE_NAME = '" +
                db().state_table("migrations") + "'";
            return db().value(query) != "0";
        }
        return std::filesystem::exists(db().url().substr(std::string("sqlite:").size()));
    }

    std::map<std::string, std::string> phases() {
        std::map<std::string, std::string> out;
        if (!state_store_exists()) {
            return out;
        }
        for (const auto& row : db().rows("SELECT id, phase FROM " + db().state_table("migrations"))) {
            out[row[0]] = row[1];
        }
        return out;
    }

    // Every column of users that the application reads, row by row in key order.
    std::string users() {
        return testing::joined(db().rows("SELECT id || ':' || display_name || ':' || email FROM users ORDER BY id"));
    }

    // State and schema, without what differs between two runs of the same migrations: times
    // (events, phases, migrations' updated_at, heartbeats, the rows' created_at).
    std::string schema_and_stable_state() {
        return db().dump({db().state_table("events"), db().state_table("phases"), db().state_table("migrations"),
                          db().state_table("backfills"), db().state_table("fleet"), "users", "orders"});
    }

    TempDir m_dir;
    testing::RecordingObserver m_quiet;
};

TEST_P(ExampleProject, ExpandThenAllLeavesTheRenamedColumnFilledForEveryRow) {
    Project first = project();
    first.apply({Phase::expand, std::nullopt}, m_quiet);
    for (const auto& [id, phase] : phases()) {
        EXPECT_EQ(phase, "expanded") << id;
    }
    // Expanded: both columns exist, old app versions keep working.
    EXPECT_TRUE(db().has_column("users", "username"));
    EXPECT_TRUE(db().has_column("users", "display_name"));
    // The sync trigger fills display_name for rows the old app inserts after expand.
    db().exec("INSERT INTO users (username, email) VALUES ('late', 'late@example.com')");
    EXPECT_EQ(db().value("SELECT display_name FROM users WHERE username = 'late'"), "late");

    open_example_gate();
    Project second = project();
    second.apply({Phase::contract, std::nullopt}, m_quiet);
    for (const auto& [id, phase] : phases()) {
        EXPECT_EQ(phase, "contracted") << id;
    }
    EXPECT_FALSE(db().has_column("users", "username"));
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM users"), "12001");
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM users WHERE display_name IS NULL"), "0");
    EXPECT_EQ(db().value("SELECT display_name FROM users WHERE id = 777"), "user777");
    EXPECT_TRUE(db().has_column("orders", "status"));
    EXPECT_EQ(db().value("SELECT rows_updated FROM " + db().state_table("backfills") + " WHERE migration_id = '0004'"),
              "12000");
}

TEST_P(ExampleProject, RollingBackOnePhaseAtATimeUndoesEverythingAndReapplyRestoresIt) {
    open_example_gate();
    Project forward = project();
    forward.apply({Phase::contract, std::nullopt}, m_quiet);
    std::string applied = schema_and_stable_state();
    std::string applied_users = users();

    // Rollback of 0004's contract brings username back with its values.
    Project back = project();
    Plan undone = back.rollback({}, m_quiet);
    ASSERT_FALSE(undone.runs.empty());
    EXPECT_EQ(undone.runs.back().migration->id, "0004");
    EXPECT_EQ(undone.runs.back().phase, Phase::contract);
    EXPECT_EQ(phases()["0004"], "backfilled");
    EXPECT_EQ(db().value("SELECT username FROM users WHERE id = 42"), "user42");

    int rollbacks = 1;
    while (!project().rollback({}, m_quiet).runs.empty()) {
        ASSERT_LT(++rollbacks, 30) << "rollback never reached the start";
    }
    EXPECT_TRUE(phases().empty());
    EXPECT_EQ(db().user_tables(), "");

    project().apply({Phase::contract, std::nullopt}, m_quiet);
    EXPECT_EQ(schema_and_stable_state(), applied);
    EXPECT_EQ(users(), applied_users);
}

TEST_P(ExampleProject, RollbackOfEachPhaseKindLeavesTheExpectedSchema) {
    open_example_gate();
    project().apply({Phase::contract, std::nullopt}, m_quiet);

    project().rollback({Phase::contract, std::nullopt}, m_quiet);
    for (const auto& [id, phase] : phases()) {
        EXPECT_EQ(phase, "backfilled") << id;
    }
    EXPECT_TRUE(db().has_column("users", "username"));

    project().rollback({Phase::backfill, std::nullopt}, m_quiet);
    for (const auto& [id, phase] : phases()) {
        EXPECT_EQ(phase, "expanded") << id;
    }
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM " + db().state_table("backfills")), "0");

    project().rollback({std::nullopt, 3}, m_quiet);
    auto remaining = phases();
    EXPECT_EQ(remaining.size(), 3u);
    EXPECT_EQ(remaining.count("0004"), 0u);
    EXPECT_FALSE(db().has_column("users", "display_name"));

    project().rollback({Phase::expand, std::nullopt}, m_quiet);
    EXPECT_TRUE(phases().empty());
    EXPECT_EQ(db().user_tables(), "");
}

TEST_P(ExampleProject, ContractWaitsForTheBackfillOfItsOwnMigration) {
    Project p = project();
    Plan plan = p.plan_apply({Phase::contract, std::nullopt});
    // Phase-major: every expand, then every backfill, then every contract.
    std::vector<Phase> order;
    for (const PhaseRun& run : plan.runs) {
        order.push_back(run.phase);
    }
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
    EXPECT_EQ(plan.runs.size(), 18u);
    // Planning writes nothing: no SQLite file, no state schema, no state tables.
    EXPECT_FALSE(state_store_exists());
}

TEST_P(ExampleProject, EventLogRecordsWhoRanWhatAndWhere) {
    project().apply({Phase::expand, std::nullopt}, m_quiet);
    auto rows = db().rows("SELECT run_by, run_on, command, migration_id, phase, direction, outcome FROM " +
                          db().state_table("events") + " ORDER BY seq");
    ASSERT_EQ(rows.size(), 6u);
    EXPECT_EQ(rows[0], (std::vector<std::string>{"tester", "testhost", "test", "0001", "expand", "up", "applied"}));
    EXPECT_EQ(rows[5][3], "0006");
}

INSTANTIATE_TEST_SUITE_P(Dialects, ExampleProject, ::testing::ValuesIn(testing::example_dialects()),
                         testing::dialect_param_name);

}  // namespace
}  // namespace migrate

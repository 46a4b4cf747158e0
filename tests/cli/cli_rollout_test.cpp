// plan, apply, status and rollback through a rollout of the example project, as text and JSON.
#include "cli_fixture.hpp"

namespace migrate::cli_test {
namespace {

// ---------------------------------------------------------------------------------------------
// plan

TEST(CliPlan, JsonListsEveryPhaseInPhaseMajorOrderWithItsSql) {
    Project project;
    project.use_example_migrations();
    json plan = project.migrate_json({"plan"});
    ASSERT_TRUE(plan.is_object());
    EXPECT_EQ(plan.at("version"), 1);
    EXPECT_EQ(plan.at("operation"), "apply");
    EXPECT_EQ(plan.at("database"), "sqlite:app.db");

    // Every expand first, then every backfill, then every contract: the rollout order.
    std::vector<std::pair<std::string, std::string>> expected;
    for (const char* phase : {"expand", "backfill", "contract"}) {
        for (const std::string& id : example_ids) {
            expected.emplace_back(id, phase);
        }
    }
    std::vector<std::pair<std::string, std::string>> actual;
    std::map<std::pair<std::string, std::string>, json> by_key;
    for (const json& phase : plan.at("phases")) {
        std::pair<std::string, std::string> key = {phase.at("migration"), phase.at("phase")};
        actual.push_back(key);
        by_key[key] = phase;
        EXPECT_EQ(phase.at("direction"), "up");
        EXPECT_TRUE(contains(phase.at("file").get<std::string>(), phase.at("migration").get<std::string>() + "_"))
            << phase.dump();
    }
    EXPECT_EQ(actual, expected);

    // Keys in braces hold commas, which the assertion macros would split: name them first.
    const json& create_users = by_key[{"0001", "expand"}].at("actions");
    ASSERT_EQ(create_users.size(), 1u);
    EXPECT_EQ(create_users[0].at("kind"), "sql");
    EXPECT_EQ(create_users[0].at("line"), 3);
    EXPECT_TRUE(contains(create_users[0].at("sql"), "CREATE TABLE users")) << create_users.dump();

    const json& seed = by_key[{"0002", "expand"}].at("actions");
    ASSERT_EQ(seed.size(), 1u);
    EXPECT_TRUE(contains(seed[0].at("sql"), "INSERT INTO users")) << seed.dump();

    const json& backfill = by_key[{"0004", "backfill"}].at("actions");
    ASSERT_EQ(backfill.size(), 1u);
    EXPECT_EQ(backfill[0].at("kind"), "backfill");
    EXPECT_EQ(backfill[0].at("sql"), "UPDATE users SET display_name = username WHERE display_name IS NULL");

    const json& contract = by_key[{"0004", "contract"}].at("actions");
    ASSERT_EQ(contract.size(), 3u);
    EXPECT_TRUE(contains(contract[0].at("sql"), "DROP TRIGGER users_sync_display_name_update")) << contract.dump();
    EXPECT_TRUE(contains(contract[1].at("sql"), "CREATE UNIQUE INDEX users_display_name_key")) << contract.dump();
    EXPECT_TRUE(contains(contract[2].at("sql"), "ALTER TABLE users DROP COLUMN username")) << contract.dump();

    const json& no_contract = by_key[{"0001", "contract"}].at("actions");
    EXPECT_TRUE(no_contract.empty()) << no_contract.dump();
}

TEST(CliPlan, TextShowsEachStepWithFileLineAndSql) {
    Project project;
    project.use_example_migrations();
    ProcessResult result = project.migrate({"plan"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    std::string users = (fs::path("migrations") / "0001_create_users.toml").string() + ":3";
    std::string rename = (fs::path("migrations") / "0004_rename_username.toml").string() + ":";
    EXPECT_TRUE(contains(result.out, users)) << result.out;
    EXPECT_TRUE(contains(result.out, rename)) << result.out;
    EXPECT_TRUE(contains(result.out, "CREATE TABLE users")) << result.out;
    EXPECT_TRUE(contains(result.out, "UPDATE users SET display_name = username WHERE display_name IS NULL"))
        << result.out;
    EXPECT_TRUE(contains(result.out, "18 phases.")) << result.out;
    // A heading per migration and phase (the separator between them is not ASCII).
    EXPECT_TRUE(has_line_matching(result.out, "^0004_rename_username .+ contract")) << result.out;
}

TEST(CliPlan, ReadOnlyCommandsCreateNothing) {
    Project project;
    project.use_example_migrations();
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"plan"},
                                               {"plan", "--format", "json"},
                                               {"plan", "--phase", "expand", "--to", "0003"},
                                               {"status"},
                                               {"status", "--format", "json"},
                                               {"apply", "--dry-run"},
                                               {"rollback", "--dry-run"}}) {
        ProcessResult result = project.migrate(args);
        EXPECT_EQ(result.exit_code, exit_ok) << show(result);
    }
    // Not even an empty database file or a lock file.
    EXPECT_FALSE(fs::exists(project.db()));
    EXPECT_FALSE(fs::exists(project.lock_file()));
}

TEST(CliPlan, AfterExpandListsOnlyWhatIsLeftAndWritesNothing) {
    Project project;
    project.use_example_migrations();
    ASSERT_EQ(project.migrate({"apply", "--phase", "expand"}).exit_code, exit_ok);
    std::string before = project.dump();
    json plan = project.migrate_json({"plan"});
    ASSERT_TRUE(plan.is_object());
    ASSERT_EQ(plan.at("phases").size(), 12u);
    EXPECT_EQ(plan.at("phases")[0].at("phase"), "backfill");
    EXPECT_EQ(plan.at("phases")[11].at("phase"), "contract");
    EXPECT_EQ(project.dump(), before);
}

// ---------------------------------------------------------------------------------------------
// apply, status and rollback through a rollout

TEST(CliApply, ExpandThenStatusThenTheRest) {
    Project project;
    project.use_example_migrations();
    project.open_example_gate();
    ProcessResult expand = project.migrate({"apply", "--phase", "expand"});
    ASSERT_EQ(expand.exit_code, exit_ok) << show(expand);
    EXPECT_TRUE(contains(expand.out, "Applied 6 phases.")) << expand.out;
    EXPECT_EQ(project.phases(), all("expanded"));
    // The old and the new column both exist while both app versions run.
    EXPECT_TRUE(project.has_column("users", "username"));
    EXPECT_TRUE(project.has_column("users", "display_name"));
    EXPECT_EQ(sqlite_value(project.db(), "SELECT count(*) FROM users"), "12000");

    ProcessResult text = project.migrate({"status"});
    ASSERT_EQ(text.exit_code, exit_ok) << show(text);
    EXPECT_TRUE(has_line_matching(text.out, R"(^0004\s+rename_username\s+expanded\s+ok)")) << text.out;

    ProcessResult rest = project.migrate({"apply"});
    ASSERT_EQ(rest.exit_code, exit_ok) << show(rest);
    EXPECT_TRUE(contains(rest.out, "Applied 12 phases.")) << rest.out;
    EXPECT_EQ(project.phases(), all("contracted"));
    EXPECT_FALSE(project.has_column("users", "username"));
    EXPECT_EQ(sqlite_value(project.db(), "SELECT count(*) FROM users WHERE display_name IS NULL"), "0");
    EXPECT_TRUE(project.has_column("orders", "status"));
}

TEST(CliApply, SecondApplySaysThereIsNothingToDo) {
    Project project;
    project.use_example_migrations();
    project.open_example_gate();
    ASSERT_EQ(project.migrate({"apply"}).exit_code, exit_ok);
    std::string before = sqlite_dump(project.db(), {"_migrate_events"});
    ProcessResult again = project.migrate({"apply"});
    ASSERT_EQ(again.exit_code, exit_ok) << show(again);
    EXPECT_TRUE(contains(again.out, "Nothing to apply")) << again.out;
    EXPECT_EQ(sqlite_dump(project.db(), {"_migrate_events"}), before);
}

TEST(CliApply, JsonIsOneDocumentListingThePhasesRun) {
    Project project;
    project.use_example_migrations();
    project.open_example_gate();
    ProcessResult result = project.migrate({"apply", "--format", "json"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    // The whole of stdout is one document: no progress lines mixed in.
    json document = parse_json(result.out);
    ASSERT_FALSE(document.is_discarded()) << show(result);
    EXPECT_EQ(document.at("version"), 1);
    EXPECT_EQ(document.at("operation"), "apply");
    const json& phases = document.at("phases");
    ASSERT_EQ(phases.size(), 18u);
    EXPECT_EQ(phases[0].at("migration"), "0001");
    EXPECT_EQ(phases[0].at("phase"), "expand");
    EXPECT_EQ(phases[17].at("migration"), "0006");
    EXPECT_EQ(phases[17].at("phase"), "contract");
    bool saw_backfill = false;
    for (const json& phase : phases) {
        EXPECT_EQ(phase.at("direction"), "up");
        if (phase.at("migration") == "0004" && phase.at("phase") == "backfill") {
            saw_backfill = true;
            EXPECT_EQ(phase.at("backfill").at(0).at("rows_updated"), 12000) << phase.dump();
        }
    }
    EXPECT_TRUE(saw_backfill) << result.out;
    EXPECT_EQ(project.phases(), all("contracted"));
}

TEST(CliApply, ToStopsAtTheGivenMigration) {
    Project project;
    project.use_example_migrations();
    project.open_example_gate();
    ProcessResult result = project.migrate({"apply", "--to", "0003"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    EXPECT_EQ(project.phases(),
              (std::vector<std::string>{"contracted", "contracted", "contracted", "pending", "pending", "pending"}));
    EXPECT_TRUE(project.has_table("orders"));
    EXPECT_FALSE(project.has_column("users", "display_name"));

    ASSERT_EQ(project.migrate({"apply"}).exit_code, exit_ok);
    EXPECT_EQ(project.phases(), all("contracted"));
}

TEST(CliApply, BatchSizeOptionSetsTheBackfillBatches) {
    Project project;
    project.use_example_migrations();
    ProcessResult result = project.migrate({"apply", "--phase", "backfill", "--batch-size", "5000"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    EXPECT_EQ(project.phases(), all("backfilled"));
    json status = project.migrate_json({"status"});
    const json& backfill = status.at("migrations").at(3).at("backfill").at(0);
    EXPECT_EQ(backfill.at("rows_updated"), 12000) << backfill.dump();
    EXPECT_EQ(backfill.at("batches"), 3) << backfill.dump();
    EXPECT_EQ(backfill.at("completed"), true) << backfill.dump();
}

TEST(CliRollback, UndoesTheLatestPhaseThatChangedSomething) {
    Project project;
    project.use_example_migrations();
    project.open_example_gate();
    ASSERT_EQ(project.migrate({"apply"}).exit_code, exit_ok);
    ProcessResult result = project.migrate({"rollback"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    // 0004's contract, with the empty contracts of 0005 and 0006 applied after it.
    EXPECT_TRUE(contains(result.out, "Rolled back 3 phases.")) << result.out;
    EXPECT_EQ(project.phases(), (std::vector<std::string>{"contracted", "contracted", "contracted", "backfilled",
                                                          "backfilled", "backfilled"}));
    EXPECT_TRUE(project.has_column("users", "username"));
    EXPECT_EQ(sqlite_value(project.db(), "SELECT count(*) FROM users WHERE username = display_name"), "12000");
}

TEST(CliRollback, DryRunShowsTheDownsAndChangesNothing) {
    Project project;
    project.use_example_migrations();
    project.open_example_gate();
    ASSERT_EQ(project.migrate({"apply"}).exit_code, exit_ok);
    std::string before = project.dump();

    ProcessResult text = project.migrate({"rollback", "--dry-run"});
    ASSERT_EQ(text.exit_code, exit_ok) << show(text);
    EXPECT_TRUE(contains(text.out, "dry run")) << text.out;
    EXPECT_TRUE(contains(text.out, "ALTER TABLE users ADD COLUMN username TEXT")) << text.out;
    EXPECT_EQ(project.dump(), before);

    json plan = project.migrate_json({"rollback", "--dry-run"});
    ASSERT_TRUE(plan.is_object());
    EXPECT_EQ(plan.at("operation"), "rollback");
    EXPECT_EQ(plan.at("dry_run"), true);
    ASSERT_EQ(plan.at("phases").size(), 3u);
    for (const json& phase : plan.at("phases")) {
        EXPECT_EQ(phase.at("direction"), "down");
        EXPECT_EQ(phase.at("phase"), "contract");
    }
    EXPECT_EQ(project.dump(), before);
    EXPECT_EQ(project.phases(), all("contracted"));
}

TEST(CliRollback, ToZeroUndoesEverythingAndApplyRedoesIt) {
    Project project;
    project.use_example_migrations();
    project.open_example_gate();
    ASSERT_EQ(project.migrate({"apply"}).exit_code, exit_ok);
    ProcessResult result = project.migrate({"rollback", "--to", "0"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    EXPECT_EQ(project.phases(), all("pending"));
    // Only the state store is left.
    EXPECT_EQ(project.user_table_count(), "0");

    ProcessResult again = project.migrate({"apply"});
    ASSERT_EQ(again.exit_code, exit_ok) << show(again);
    EXPECT_EQ(project.phases(), all("contracted"));
    EXPECT_EQ(sqlite_value(project.db(), "SELECT count(*) FROM users"), "12000");
}

TEST(CliRollback, NothingAppliedIsNotAnError) {
    Project project;
    project.use_example_migrations();
    ASSERT_EQ(project.migrate({"init"}).exit_code, exit_ok);
    ProcessResult result = project.migrate({"rollback"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    EXPECT_TRUE(contains(result.out, "Nothing to roll back")) << result.out;
}

TEST(CliRollback, OnAMissingDatabaseCreatesNothing) {
    Project project;
    project.use_example_migrations();
    // A typo in the URL must not leave a new, empty database with a state store behind: there
    // is nothing to undo, so nothing needs writing.
    ProcessResult result = project.migrate({"rollback"});
    EXPECT_EQ(result.exit_code, exit_ok) << show(result);
    EXPECT_FALSE(fs::exists(project.db())) << "rollback created " << project.db();
}

}  // namespace
}  // namespace migrate::cli_test

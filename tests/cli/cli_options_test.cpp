// Where the common options come from: command line, environment, migrate.toml, and in which order.
#include "cli_fixture.hpp"

namespace migrate::cli_test {
namespace {

// ---------------------------------------------------------------------------------------------
// Where the common options come from: command line, environment, migrate.toml

TEST(CliOptions, CommonOptionsWorkBeforeAndAfterTheCommandName) {
    Project project;
    project.use_example_migrations();
    std::vector<std::vector<std::string>> spellings = {
        {"-u", "sqlite:app.db", "-d", "migrations", "-f", "json", "status"},
        {"status", "-u", "sqlite:app.db", "-d", "migrations", "-f", "json"},
        {"--database-url", "sqlite:app.db", "status", "--format", "json", "--dir", "migrations"},
    };
    std::vector<json> documents;
    for (const auto& args : spellings) {
        ProcessResult result = project.migrate_bare(args);
        ASSERT_EQ(result.exit_code, exit_ok) << show(result);
        documents.push_back(parse_json(result.out));
        ASSERT_FALSE(documents.back().is_discarded()) << show(result);
        EXPECT_EQ(documents.back().at("database"), "sqlite:app.db");
        EXPECT_EQ(documents.back().at("dir"), "migrations");
        EXPECT_EQ(documents.back().at("migrations").size(), example_ids.size());
    }
    EXPECT_EQ(documents[0], documents[1]);
    EXPECT_EQ(documents[0], documents[2]);

    // And they take effect, not just parse: apply with every option after the name.
    ProcessResult applied =
        project.migrate_bare({"apply", "-u", "sqlite:app.db", "-d", "migrations", "--phase", "expand"});
    ASSERT_EQ(applied.exit_code, exit_ok) << show(applied);
    EXPECT_EQ(project.phases(), all("expanded"));
}

TEST(CliOptions, EnvironmentSuppliesDatabaseAndDirectory) {
    Project project;
    copy_example_migrations(project.path() / "from-env");
    Env env = {{"MIGRATE_DATABASE_URL", "sqlite:env.db"}, {"MIGRATE_DIR", "from-env"}};
    ProcessResult result = project.migrate_bare({"status", "--format", "json"}, env);
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    json status = parse_json(result.out);
    ASSERT_FALSE(status.is_discarded()) << show(result);
    EXPECT_EQ(status.at("database"), "sqlite:env.db");
    EXPECT_EQ(status.at("dir"), "from-env");

    ProcessResult applied = project.migrate_bare({"apply", "--phase", "expand"}, env);
    ASSERT_EQ(applied.exit_code, exit_ok) << show(applied);
    EXPECT_TRUE(fs::exists(project.path() / "env.db"));
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(CliOptions, ConfigFileSuppliesDatabaseDirLockWaitAndBatchSize) {
    Project project;
    project.use_example_migrations();
    project.open_example_gate();
    project.write("migrate.toml", R"toml(database_url = "sqlite:app.db"
dir = "migrations"
lock_wait = "250ms"

[backfill]
batch_size = 4000
)toml");

    {
        // lock_wait shows in the message of a run that gave up waiting.
        HeldRunnerLock lock(project.lock_file(), "pid 1 on config-test");
        ProcessResult waited = project.migrate_bare({"apply"});
        EXPECT_EQ(waited.exit_code, exit_lock) << show(waited);
        EXPECT_TRUE(contains(waited.err, "250ms")) << show(waited);
    }

    ProcessResult applied = project.migrate_bare({"apply"});
    ASSERT_EQ(applied.exit_code, exit_ok) << show(applied);
    ProcessResult result = project.migrate_bare({"status", "--format", "json"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    json status = parse_json(result.out);
    ASSERT_FALSE(status.is_discarded()) << show(result);
    EXPECT_EQ(status.at("database"), "sqlite:app.db");
    for (const json& entry : status.at("migrations")) {
        EXPECT_EQ(entry.at("phase"), "contracted") << entry.dump();
    }
    // 12,000 seeded users in batches of 4,000.
    const json& backfill = status.at("migrations").at(3).at("backfill").at(0);
    EXPECT_EQ(backfill.at("rows_updated"), 12000) << backfill.dump();
    EXPECT_EQ(backfill.at("batches"), 3) << backfill.dump();
}

TEST(CliOptions, CommandLineBeatsEnvironmentBeatsConfigFile) {
    Project project;
    for (const char* source : {"config", "env", "cli"}) {
        write_file(project.path() / (std::string(source) + "-dir") / (std::string("0001_from_") + source + ".toml"),
                   notes_migration);
    }
    project.write("migrate.toml", R"toml(database_url = "sqlite:config.db"
dir = "config-dir"

[backfill]
batch_size = 4000
)toml");
    Env env = {{"MIGRATE_DATABASE_URL", "sqlite:env.db"}, {"MIGRATE_DIR", "env-dir"}};

    auto status_of = [&](const std::vector<std::string>& args, const Env& with) {
        std::vector<std::string> full = {"status", "--format", "json"};
        full.insert(full.end(), args.begin(), args.end());
        ProcessResult result = project.migrate_bare(full, with);
        EXPECT_EQ(result.exit_code, exit_ok) << show(result);
        json document = parse_json(result.out);
        EXPECT_FALSE(document.is_discarded()) << show(result);
        return document.is_discarded() ? json::object() : document;
    };
    auto summary = [](const json& status) {
        return status.value("database", std::string()) + " " +
               (status.contains("migrations") && !status["migrations"].empty()
                    ? status["migrations"][0].value("name", std::string())
                    : std::string("?"));
    };

    EXPECT_EQ(summary(status_of({}, {})), "sqlite:config.db from_config");
    EXPECT_EQ(summary(status_of({}, env)), "sqlite:env.db from_env");
    EXPECT_EQ(summary(status_of({"-u", "sqlite:cli.db", "-d", "cli-dir"}, env)), "sqlite:cli.db from_cli");

    // batch_size has no environment variable: the command line beats the config file.
    auto batch_size_of = [&](const std::vector<std::string>& args) {
        std::vector<std::string> full = {"apply", "--dry-run", "--format", "json", "-d", "migrations"};
        full.insert(full.end(), args.begin(), args.end());
        ProcessResult result = project.migrate_bare(full);
        EXPECT_EQ(result.exit_code, exit_ok) << show(result);
        json plan = parse_json(result.out);
        for (const json& phase : plan.value("phases", json::array())) {
            for (const json& action : phase.at("actions")) {
                if (action.at("kind") == "backfill") {
                    return action.at("batch_size").get<int>();
                }
            }
        }
        ADD_FAILURE() << "no backfill in the plan\n" << show(result);
        return 0;
    };
    project.use_example_migrations();
    EXPECT_EQ(batch_size_of({}), 4000);
    EXPECT_EQ(batch_size_of({"--batch-size", "6000"}), 6000);
}

TEST(CliOptions, LockWaitComesFromCommandLineThenEnvironmentThenConfigFile) {
    Project project;
    project.add_migration("0001_notes.toml", notes_migration);
    project.write("migrate.toml", "lock_wait = \"100ms\"\n");
    HeldRunnerLock lock(project.lock_file(), "pid 1 on precedence-test");
    Env env = {{"MIGRATE_LOCK_WAIT", "200ms"}};

    ProcessResult from_config = project.migrate({"apply"});
    EXPECT_EQ(from_config.exit_code, exit_lock) << show(from_config);
    EXPECT_TRUE(contains(from_config.err, "waiting 100ms")) << show(from_config);

    ProcessResult from_env = project.migrate({"apply"}, env);
    EXPECT_EQ(from_env.exit_code, exit_lock) << show(from_env);
    EXPECT_TRUE(contains(from_env.err, "waiting 200ms")) << show(from_env);

    ProcessResult from_cli = project.migrate({"apply", "--lock-wait", "300ms"}, env);
    EXPECT_EQ(from_cli.exit_code, exit_lock) << show(from_cli);
    EXPECT_TRUE(contains(from_cli.err, "waiting 300ms")) << show(from_cli);
}

TEST(CliOptions, ConfigDirIsRelativeToTheConfigFile) {
    Project project;
    copy_example_migrations(project.path() / "deploy" / "migs");
    project.write("deploy/migrate.toml", "database_url = \"sqlite:app.db\"\ndir = \"migs\"\n");
    std::vector<std::pair<std::vector<std::string>, Env>> ways = {
        {{"--config", "deploy/migrate.toml", "status", "--format", "json"}, {}},
        {{"status", "--format", "json"}, {{"MIGRATE_CONFIG", "deploy/migrate.toml"}}},
    };
    for (const auto& [args, env] : ways) {
        ProcessResult result = project.migrate_bare(args, env);
        ASSERT_EQ(result.exit_code, exit_ok) << show(result);
        json status = parse_json(result.out);
        ASSERT_FALSE(status.is_discarded()) << show(result);
        EXPECT_EQ(fs::path(status.at("dir").get<std::string>()), fs::path("deploy") / "migs");
        EXPECT_EQ(status.at("migrations").size(), example_ids.size());
    }
}

TEST(CliOptions, ConfigFileWithUnknownKeyNamesFileAndLine) {
    Project project;
    project.use_example_migrations();
    project.write("migrate.toml", "database_url = \"sqlite:app.db\"\ncolour = \"red\"\n");
    EXPECT_TRUE(failed_with(project.migrate_bare({"status"}), {"migrate.toml:2", "colour"}));
    // Also when the command line gives everything the file would: a broken file is never ignored.
    EXPECT_TRUE(failed_with(project.migrate({"plan"}), {"migrate.toml:2", "colour"}));
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(CliOptions, ConfigFileWithWrongTypeNamesFileAndLine) {
    Project project;
    project.use_example_migrations();
    project.write("migrate.toml", "database_url = \"sqlite:app.db\"\n[backfill]\nbatch_size = \"big\"\n");
    EXPECT_TRUE(failed_with(project.migrate_bare({"status"}), {"migrate.toml:3", "backfill.batch_size"}));
    project.write("conf/custom.toml", "dir = 5\n");
    EXPECT_TRUE(failed_with(project.migrate({"--config", "conf/custom.toml", "status"}),
                            {(fs::path("conf") / "custom.toml").string() + ":1", "dir"}));
}

TEST(CliOptions, ConfigFileThatIsNotTomlNamesFileAndLine) {
    Project project;
    project.use_example_migrations();
    project.write("migrate.toml", "database_url = \"sqlite:app.db\"\ndir = \"migrations\n");
    ProcessResult result = project.migrate_bare({"status"});
    EXPECT_EQ(result.exit_code, exit_error) << show(result);
    EXPECT_TRUE(std::regex_search(result.err, std::regex(R"(migrate\.toml:2:\d+)"))) << show(result);
}

TEST(CliOptions, ConfigFileWithBadDurationIsAConfigErrorNamingTheLine) {
    Project project;
    project.use_example_migrations();
    project.write("migrate.toml", "database_url = \"sqlite:app.db\"\nlock_wait = \"10\"\n");
    // A bad value in the file is a file error like an unknown key: exit 1 and file:line, so the
    // user can find it. It is not a usage error: the command line was fine.
    EXPECT_TRUE(failed_with(project.migrate_bare({"status"}), {"migrate.toml:2", "lock_wait"}));
}

TEST(CliOptions, ConfigFileWithBatchSizeZeroIsRefused) {
    Project project;
    project.use_example_migrations();
    project.write("migrate.toml", "database_url = \"sqlite:app.db\"\n[backfill]\nbatch_size = 0\n");
    // The command line refuses --batch-size 0; the same value in the file must not silently
    // become the default.
    EXPECT_TRUE(failed_with(project.migrate_bare({"plan"}), {"migrate.toml:3", "backfill.batch_size"}));
    // Where it used to be, the key is named with where it belongs now.
    project.write("migrate.toml", "database_url = \"sqlite:app.db\"\nbatch_size = 500\n");
    EXPECT_TRUE(failed_with(project.migrate_bare({"plan"}), {"migrate.toml:2", "batch_size belongs in [backfill]"}));
}

TEST(CliOptions, MissingConfigFileGivenExplicitlyIsNamed) {
    Project project;
    project.use_example_migrations();
    EXPECT_TRUE(refused_as_usage(project.migrate({"--config", "nope.toml", "status"}), {"nope.toml"}));
}

TEST(CliOptions, BackfillOptionsThatDoNotFitAreRefusedBeforeAnythingRuns) {
    Project project;
    project.use_example_migrations();
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--min-batch", "500", "--max-batch", "100"}),
                                 {"--min-batch (500) is larger than --max-batch (100)"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--sleep-ratio", "lots"}), {"--sleep-ratio", "lots"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--batch-time", "5"}), {"--batch-time"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--progress", "fancy"}), {"--progress", "fancy"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--max-load", "50", "--critical-load", "20"}),
                                 {"--critical-load (20) must be above --max-load (50)"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--replica", "no-scheme"}), {"no-scheme"}));
    EXPECT_FALSE(std::filesystem::exists(project.db()));
}

TEST(CliOptions, BackfillOptionsSqliteCannotHonourAreRefusedAtTheBackfill) {
    Project project;
    project.use_example_migrations();
    ASSERT_EQ(project.migrate({"apply", "--phase", "expand"}).exit_code, exit_ok);
    std::string before = sqlite_dump(project.db());
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--vacuum-every", "10"}), {"--vacuum-every", "sqlite"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--replica", "sqlite:other.db"}), {"--replica"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--max-load", "10"}), {"--max-load", "sqlite"}));
    EXPECT_EQ(sqlite_dump(project.db()), before);
}

TEST(CliOptions, BackfillTableInConfigFileIsCheckedKeyByKey) {
    Project project;
    project.use_example_migrations();
    project.write("migrate.toml", "database_url = \"sqlite:app.db\"\n[backfill]\nsleep_ratio = \"half\"\n");
    EXPECT_TRUE(failed_with(project.migrate_bare({"plan"}), {"migrate.toml:3", "backfill.sleep_ratio"}));
    project.write("migrate.toml", "database_url = \"sqlite:app.db\"\n[backfill]\n\nbatch_tme = \"1s\"\n");
    EXPECT_TRUE(failed_with(project.migrate_bare({"plan"}), {"migrate.toml:4", "unknown key 'backfill.batch_tme'"}));
    project.write("migrate.toml",
                  "database_url = \"sqlite:app.db\"\n[backfill]\nbatch_time = \"250ms\"\nmax_batch = 700\n");
    ProcessResult plan = project.migrate_bare({"apply", "--dry-run", "--format", "json"});
    ASSERT_EQ(plan.exit_code, exit_ok) << show(plan);
    int backfills = 0;
    json document = parse_json(plan.out);
    for (const json& phase : document["phases"]) {
        for (const json& action : phase["actions"]) {
            if (action["kind"] == "backfill") {
                ++backfills;
                EXPECT_EQ(action["batch_time_ms"], 250);
                EXPECT_EQ(action["max_batch"], 700);
                EXPECT_TRUE(action["batch_size"].is_null()) << "adaptive: no fixed size";
            }
        }
    }
    EXPECT_GT(backfills, 0) << plan.out;
}

}  // namespace
}  // namespace migrate::cli_test

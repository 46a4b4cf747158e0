// The CLI's help, version and usage errors: exit code 2 with the offending option named.
#include "cli_fixture.hpp"

namespace migrate::cli_test {
namespace {

// ---------------------------------------------------------------------------------------------
// Help and version

TEST(CliHelp, TopLevelHelpListsEveryCommandTheCommonOptionsAndTheExitCodes) {
    Project project;
    ProcessResult result = project.migrate_bare({"--help"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    for (const char* command : {"init", "new", "plan", "apply", "rollback", "status"}) {
        EXPECT_TRUE(has_line_matching(result.out, std::string("^\\s+") + command + "\\s")) << command << "\n"
                                                                                           << result.out;
    }
    for (const char* option : {"--database-url", "--dir", "--config", "--format", "--lock-wait", "--lock-timeout",
                               "MIGRATE_DATABASE_URL", "MIGRATE_DIR"}) {
        EXPECT_TRUE(contains(result.out, option)) << option << "\n" << result.out;
    }
    EXPECT_TRUE(contains(result.out, "Exit codes")) << result.out;
    EXPECT_EQ(result.err, "");
}

TEST(CliHelp, EveryCommandHelpNamesItsOwnOptions) {
    Project project;
    // Help must work where the config file is broken: it is how the user finds out how to fix it.
    project.write("migrate.toml", "this is = = not toml\n");
    const std::vector<std::pair<std::string, std::vector<std::string>>> commands = {
        {"init", {}},
        {"new", {"name", "--sql"}},
        {"plan", {"--phase", "--to"}},
        {"apply", {"--phase", "--to", "--dry-run", "--batch-size"}},
        {"rollback", {"--phase", "--to", "--dry-run"}},
        {"status", {}},
    };
    for (const auto& [command, options] : commands) {
        for (const char* flag : {"--help", "-h"}) {
            SCOPED_TRACE(command + " " + flag);
            ProcessResult result = project.migrate_bare({command, flag});
            ASSERT_EQ(result.exit_code, exit_ok) << show(result);
            EXPECT_TRUE(contains(result.out, "Usage: migrate " + command)) << result.out;
            for (const std::string& option : options) {
                EXPECT_TRUE(contains(result.out, option)) << option << "\n" << result.out;
            }
            // The common options are listed with every command, since they work after its name.
            EXPECT_TRUE(contains(result.out, "--database-url")) << result.out;
            EXPECT_EQ(result.err, "");
        }
    }
}

TEST(CliHelp, VersionPrintsAVersionNumber) {
    Project project;
    ProcessResult result = project.migrate_bare({"--version"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    EXPECT_TRUE(std::regex_search(result.out, std::regex(R"(^\d+\.\d+\.\d+)"))) << result.out;
}

// ---------------------------------------------------------------------------------------------
// Usage errors: exit 2, the option named on stderr

TEST(CliUsage, UnknownOptionIsNamed) {
    Project project;
    project.use_example_migrations();
    EXPECT_TRUE(refused_as_usage(project.migrate({"status", "--bogus"}), {"--bogus"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"--bogus", "status"}), {"--bogus"}));
    // An option of another command is unknown here too.
    EXPECT_TRUE(refused_as_usage(project.migrate({"status", "--dry-run"}), {"--dry-run"}));
}

TEST(CliUsage, MissingCommandPointsAtHelp) {
    Project project;
    EXPECT_TRUE(refused_as_usage(project.migrate_bare({}), {"--help"}));
}

TEST(CliUsage, UnknownCommandIsNamed) {
    Project project;
    // A typo in the command must be named, not reported as if no command had been given.
    EXPECT_TRUE(refused_as_usage(project.migrate_bare({"aply"}), {"aply"}));
}

TEST(CliUsage, PhaseMustBeAKnownPhase) {
    Project project;
    project.use_example_migrations();
    for (const char* command : {"plan", "apply", "rollback"}) {
        SCOPED_TRACE(command);
        EXPECT_TRUE(refused_as_usage(project.migrate({command, "--phase", "sideways"}), {"--phase", "sideways"}));
    }
    // "all" means "through contract" when applying; undoing "all" is spelled --phase expand.
    EXPECT_TRUE(refused_as_usage(project.migrate({"rollback", "--phase", "all"}), {"--phase", "all"}));
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(CliUsage, DurationsNeedAUnit) {
    Project project;
    project.use_example_migrations();
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--lock-wait", "10"}), {"--lock-wait", "10"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"--lock-wait", "10", "apply"}), {"--lock-wait", "10"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--lock-timeout", "5"}), {"--lock-timeout", "5"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply"}, {{"MIGRATE_LOCK_WAIT", "10"}}), {"--lock-wait"}));
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(CliUsage, ToMustBeAMigrationId) {
    Project project;
    project.use_example_migrations();
    for (const char* command : {"plan", "apply", "rollback"}) {
        SCOPED_TRACE(command);
        EXPECT_TRUE(refused_as_usage(project.migrate({command, "--to", "abc"}), {"--to", "abc"}));
    }
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(CliUsage, UnknownToIdIsRefusedBeforeTheDatabaseIsTouched) {
    Project project;
    project.use_example_migrations();
    ProcessResult result = project.migrate({"apply", "--to", "0099"});
    EXPECT_EQ(result.exit_code, exit_usage) << show(result);
    EXPECT_TRUE(contains(result.err, "--to")) << show(result);
    // Bad input changes nothing: no database file, no state store, no lock file.
    EXPECT_FALSE(fs::exists(project.db())) << "apply --to 0099 created the database";
    EXPECT_FALSE(fs::exists(project.lock_file()));
}

TEST(CliUsage, UnknownToIdOnRollbackChangesNothing) {
    Project project;
    project.use_example_migrations();
    project.open_example_gate();
    ASSERT_EQ(project.migrate({"apply"}).exit_code, exit_ok);
    std::string before = project.dump();
    ProcessResult result = project.migrate({"rollback", "--to", "0099"});
    EXPECT_EQ(result.exit_code, exit_usage) << show(result);
    EXPECT_TRUE(contains(result.err, "--to")) << show(result);
    EXPECT_EQ(project.dump(), before);
}

TEST(CliUsage, NoDatabaseGivenAnywhereSaysHowToGiveOne) {
    Project project;
    project.use_example_migrations();
    for (const char* command : {"status", "plan", "apply", "init"}) {
        SCOPED_TRACE(command);
        EXPECT_TRUE(refused_as_usage(project.migrate_bare({command, "--dir", "migrations"}),
                                     {"--database-url", "MIGRATE_DATABASE_URL", "migrate.toml"}));
    }
}

TEST(CliUsage, UnsupportedSchemeIsRefusedWithoutShowingThePassword) {
    Project project;
    project.use_example_migrations();
    const std::string url = "mysqlx://u:pw@h/db";
    std::vector<ProcessResult> results = {
        project.migrate_bare({"status", "--database-url", url, "-d", "migrations"}),
        project.migrate_bare({"apply", "-d", "migrations"}, {{"MIGRATE_DATABASE_URL", url}}),
        project.migrate_bare({"--database-url", url, "plan", "-d", "migrations", "--format", "json"}),
    };
    for (const ProcessResult& result : results) {
        EXPECT_TRUE(refused_as_usage(result, {"mysqlx", "database URL"}));
        EXPECT_FALSE(contains(result.out, "pw")) << show(result);
        EXPECT_FALSE(contains(result.err, "pw")) << show(result);
    }
    // CLI11's own parse errors echo arguments; they must be redacted too.
    ProcessResult stray = project.migrate_bare({"status", url});
    EXPECT_EQ(stray.exit_code, exit_usage) << show(stray);
    EXPECT_FALSE(contains(stray.err + stray.out, "pw")) << show(stray);
}

TEST(CliUsage, PasswordContainingAnAtSignIsNotShownEither) {
    Project project;
    project.use_example_migrations();
    // Users type unencoded '@' in passwords; none of "se@cret" may reach the terminal or a CI log.
    ProcessResult result = project.migrate_bare({"status", "--database-url", "mysqlx://u:se@cret@h/db"});
    EXPECT_EQ(result.exit_code, exit_usage) << show(result);
    EXPECT_FALSE(contains(result.err + result.out, "cret")) << show(result);
}

TEST(CliUsage, FormatMustBeTextOrJson) {
    Project project;
    project.use_example_migrations();
    EXPECT_TRUE(refused_as_usage(project.migrate({"status", "--format", "yaml"}), {"--format", "yaml"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"-f", "yaml", "plan"}), {"--format", "yaml"}));
}

TEST(CliUsage, BatchSizeMustBePositiveAndBounded) {
    Project project;
    project.use_example_migrations();
    for (const char* size : {"0", "-1", "1000001", "lots"}) {
        SCOPED_TRACE(size);
        EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--batch-size", size}), {"--batch-size"}));
    }
    EXPECT_FALSE(fs::exists(project.db()));
}

}  // namespace
}  // namespace migrate::cli_test

// migrate lint, migrate rules and the linter in apply and plan, run as a user would: the exit
// codes pipelines branch on, the example project linting clean, and the known-bad files under
// tests/lint/bad raising exactly the findings their "expect:" comments announce.
#include <fstream>
#include <set>
#include <tuple>

#include "cli_fixture.hpp"

namespace migrate::cli_test {
namespace {

constexpr int exit_lint = 3;

const fs::path bad_root = fs::path(MIGRATE_SOURCE_DIR) / "tests" / "lint" / "bad";

// (file relative to the dialect's folder, line, rule)
using Expected = std::set<std::tuple<std::string, int, std::string>>;

// "-- expect: rule" or "# expect: rule" announces a finding on the next line; "expect-file: rule"
// one about the file as a whole, reported at its line 1.
Expected expectations(const fs::path& dir) {
    Expected out;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (!entry.is_regular_file()) {
            continue;
        }
        std::ifstream in(entry.path());
        int number = 0;
        for (std::string line; std::getline(in, line);) {
            ++number;
            static const std::regex marker(R"((--|#)\s*expect(-file)?:\s*([a-z0-9-]+))");
            std::smatch match;
            if (std::regex_search(line, match, marker)) {
                out.emplace(fs::relative(entry.path(), dir).string(), match[2].matched ? 1 : number + 1,
                            match[3].str());
            }
        }
    }
    return out;
}

Expected findings_of(const json& report, const fs::path& dir) {
    Expected out;
    for (const json& finding : report.at("findings")) {
        out.emplace(fs::relative(fs::path(finding.at("file").get<std::string>()), dir).string(),
                    finding.at("line").get<int>(), finding.at("rule").get<std::string>());
    }
    return out;
}

std::string describe(const Expected& set) {
    std::string out;
    for (const auto& [file, line, rule] : set) {
        out += "\n  " + file + ":" + std::to_string(line) + " " + rule;
    }
    return out.empty() ? " (none)" : out;
}

class KnownBadFiles : public ::testing::TestWithParam<std::string> {};

TEST_P(KnownBadFiles, FindExactlyTheExpectedRulesAtTheExpectedLines) {
    fs::path dir = bad_root / GetParam();
    Expected expected = expectations(dir);
    ASSERT_FALSE(expected.empty()) << "no expect: comments under " << dir;
    ProcessResult result = run_migrate({"lint", "--dialect", GetParam(), "--format", "json", dir.string()});
    ASSERT_EQ(result.exit_code, exit_lint) << show(result);
    Expected found = findings_of(json::parse(result.out), dir);
    EXPECT_EQ(found, expected) << "expected:" << describe(expected) << "\nfound:" << describe(found);
}

INSTANTIATE_TEST_SUITE_P(Dialects, KnownBadFiles, ::testing::Values("postgres", "mysql", "sqlite"));

TEST(Lint, ExampleMigrationsAreCleanOnEveryDialect) {
    for (const char* dialect : {"postgres", "mysql", "sqlite"}) {
        ProcessResult result = run_migrate({"lint", "--dialect", dialect, MIGRATE_EXAMPLE_DIR});
        EXPECT_EQ(result.exit_code, exit_ok) << dialect << "\n" << show(result);
        EXPECT_TRUE(contains(result.out, "no findings in 6 files")) << show(result);
    }
}

TEST(Lint, TextOutputIsCompilerStyleWithCaretAndHelp) {
    TempDir dir;
    write_file(dir / "V1__rename.sql", "SELECT 1;\n  ALTER TABLE users RENAME COLUMN a TO b;\n");
    ProcessResult result = run_migrate({"lint", "--dialect", "postgres", (dir / "V1__rename.sql").string()});
    EXPECT_EQ(result.exit_code, exit_lint) << show(result);
    std::string location = (dir / "V1__rename.sql").string() + ":2:3: error: ";
    EXPECT_TRUE(contains(result.out, location)) << show(result);
    EXPECT_TRUE(contains(result.out, "[renaming-column]")) << show(result);
    EXPECT_TRUE(contains(result.out, "      ALTER TABLE users RENAME COLUMN a TO b;\n      ^\n")) << show(result);
    EXPECT_TRUE(contains(result.out, "help: ")) << show(result);
}

TEST(Lint, FailOnDecidesTheExitCode) {
    TempDir dir;
    write_file(dir / "migrate.toml", "[lint]\ndialect = \"postgres\"\nseverity = { renaming-column = \"warning\" }\n");
    write_file(dir / "migrations" / "V1__rename.sql", "ALTER TABLE users RENAME COLUMN a TO b;\n");
    ProcessResult warning_only = run_migrate({"lint"}, dir.path());
    EXPECT_EQ(warning_only.exit_code, exit_ok) << show(warning_only);
    EXPECT_TRUE(contains(warning_only.out, "warning: ")) << show(warning_only);
    ProcessResult strict = run_migrate({"lint", "--fail-on", "warning"}, dir.path());
    EXPECT_EQ(strict.exit_code, exit_lint) << show(strict);
    ProcessResult disabled = run_migrate({"lint", "--fail-on", "warning", "--disable", "renaming-column"}, dir.path());
    EXPECT_EQ(disabled.exit_code, exit_ok) << show(disabled);
}

TEST(Lint, DialectComesFromTheDatabaseUrlOrMustBeGiven) {
    TempDir dir;
    write_file(dir / "migrations" / "V1__x.sql", "ALTER TABLE users CHANGE COLUMN a b INT;\n");
    ProcessResult none = run_migrate({"lint"}, dir.path());
    EXPECT_EQ(none.exit_code, exit_usage) << show(none);
    EXPECT_TRUE(contains(none.err, "--dialect")) << show(none);
    ProcessResult from_url = run_migrate({"lint", "-u", "mysql://app:secret@db/app"}, dir.path());
    EXPECT_EQ(from_url.exit_code, exit_lint) << show(from_url);
    EXPECT_TRUE(contains(from_url.out, "[renaming-column]")) << show(from_url);
    EXPECT_FALSE(contains(from_url.out + from_url.err, "secret"));
}

TEST(Lint, BadOptionsAndConfigAreNamed) {
    TempDir dir;
    ProcessResult format = run_migrate({"lint", "--dialect", "postgres", "--format", "xml", dir.path().string()});
    EXPECT_EQ(format.exit_code, exit_usage) << show(format);
    EXPECT_TRUE(contains(format.err, "--format")) << show(format);
    ProcessResult rule =
        run_migrate({"lint", "--dialect", "postgres", "--disable", "no-such-rule", dir.path().string()});
    EXPECT_EQ(rule.exit_code, exit_usage) << show(rule);
    EXPECT_TRUE(contains(rule.err, "--disable: unknown rule 'no-such-rule'")) << show(rule);
    write_file(dir / "migrate.toml", "[lint]\ndialect = \"postgres\"\ndisable = [\"renaming-colum\"]\n");
    ProcessResult config = run_migrate({"lint"}, dir.path());
    EXPECT_EQ(config.exit_code, exit_error) << show(config);
    EXPECT_TRUE(contains(config.err, "migrate.toml:3:12")) << show(config);
}

TEST(Lint, BaselineAcceptsExistingFindingsOnly) {
    TempDir dir;
    fs::path migrations = dir / "migrations";
    write_file(migrations / "V1__old.sql", "ALTER TABLE users RENAME COLUMN a TO b;\n");
    ProcessResult write = run_migrate(
        {"lint", "--dialect", "postgres", "--write-baseline", (dir / "baseline.json").string(), migrations.string()});
    EXPECT_EQ(write.exit_code, exit_ok) << show(write);
    ProcessResult accepted = run_migrate(
        {"lint", "--dialect", "postgres", "--baseline", (dir / "baseline.json").string(), migrations.string()});
    EXPECT_EQ(accepted.exit_code, exit_ok) << show(accepted);
    EXPECT_TRUE(contains(accepted.out, "1 accepted by the baseline")) << show(accepted);
    // Moving the old finding down a line keeps it accepted; a new one fails.
    write_file(migrations / "V1__old.sql", "\nALTER TABLE users RENAME COLUMN a TO b;\n");
    write_file(migrations / "V2__new.sql", "ALTER TABLE orders RENAME COLUMN c TO d;\n");
    ProcessResult fresh = run_migrate(
        {"lint", "--dialect", "postgres", "--baseline", (dir / "baseline.json").string(), migrations.string()});
    EXPECT_EQ(fresh.exit_code, exit_lint) << show(fresh);
    EXPECT_TRUE(contains(fresh.out, "V2__new.sql:1:1")) << show(fresh);
    EXPECT_FALSE(contains(fresh.out, "V1__old.sql:2")) << show(fresh);
}

TEST(Lint, SarifAndGithubFormats) {
    TempDir dir;
    write_file(dir / "V1__rename.sql", "ALTER TABLE users RENAME COLUMN a TO b;\n");
    ProcessResult sarif = run_migrate({"lint", "--dialect", "postgres", "--format", "sarif", dir.path().string()});
    EXPECT_EQ(sarif.exit_code, exit_lint) << show(sarif);
    json document = json::parse(sarif.out);
    EXPECT_EQ(document.at("version"), "2.1.0");
    EXPECT_EQ(document.at("runs").at(0).at("results").at(0).at("ruleId"), "renaming-column");
    ProcessResult github = run_migrate({"lint", "--dialect", "postgres", "--format", "github", dir.path().string()});
    EXPECT_EQ(github.exit_code, exit_lint) << show(github);
    EXPECT_TRUE(contains(github.out, "::error file=")) << show(github);
}

TEST(Lint, ExplainAndRulesWorkFromTheBinaryAlone) {
    TempDir empty;
    ProcessResult explain = run_migrate({"lint", "--explain", "renaming-column"}, empty.path());
    EXPECT_EQ(explain.exit_code, exit_ok) << show(explain);
    EXPECT_TRUE(contains(explain.out, "Why:")) << show(explain);
    EXPECT_TRUE(contains(explain.out, "RENAME COLUMN username TO display_name")) << show(explain);
    ProcessResult unknown = run_migrate({"lint", "--explain", "nope"}, empty.path());
    EXPECT_EQ(unknown.exit_code, exit_usage) << show(unknown);
    ProcessResult rules = run_migrate({"rules", "--format", "json"}, empty.path());
    EXPECT_EQ(rules.exit_code, exit_ok) << show(rules);
    json list = json::parse(rules.out).at("rules");
    EXPECT_GE(list.size(), 15u);
}

TEST(Lint, ApplyRefusesErrorsUnlessNoLintAndPlanShowsThem) {
    TempDir dir;
    write_file(dir / "migrations" / "0001_users.toml",
               "[[expand]]\nup = \"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)\"\n"
               "down = \"DROP TABLE users\"\n");
    write_file(dir / "migrations" / "0002_rename.toml",
               "[[expand]]\nup = \"ALTER TABLE users RENAME COLUMN name TO full_name\"\n"
               "down = \"ALTER TABLE users RENAME COLUMN full_name TO name\"\n");
    std::string url = "sqlite:" + (dir / "app.db").string();
    ProcessResult plan = run_migrate({"plan", "-u", url}, dir.path());
    EXPECT_EQ(plan.exit_code, exit_ok) << show(plan);
    EXPECT_TRUE(contains(plan.out, "[renaming-column]")) << show(plan);
    // A dry run shows what apply would refuse, beside the step, and says so by its exit code.
    ProcessResult dry_run = run_migrate({"apply", "-u", url, "--dry-run"}, dir.path());
    EXPECT_EQ(dry_run.exit_code, exit_lint) << show(dry_run);
    EXPECT_TRUE(contains(dry_run.out, "ALTER TABLE users RENAME COLUMN name TO full_name\n    ^ ")) << show(dry_run);
    EXPECT_TRUE(contains(dry_run.err, "apply would refuse")) << show(dry_run);
    ProcessResult refused = run_migrate({"apply", "-u", url}, dir.path());
    EXPECT_EQ(refused.exit_code, exit_lint) << show(refused);
    EXPECT_TRUE(contains(refused.err, "0002_rename.toml:2:7: error:")) << show(refused);
    EXPECT_FALSE(fs::exists(dir / "app.db") &&
                 sqlite_value(dir / "app.db", "SELECT count(*) FROM sqlite_master WHERE name = 'users'") == "1");
    ProcessResult forced = run_migrate({"apply", "-u", url, "--no-lint"}, dir.path());
    EXPECT_EQ(forced.exit_code, exit_ok) << show(forced);
    EXPECT_TRUE(contains(forced.err, "--no-lint")) << show(forced);
}

}  // namespace
}  // namespace migrate::cli_test

// The lint engine between parsers and rules: where findings point in TOML and marked SQL files,
// suppression comments, phases, the contract gate, loader errors, and which files count as which
// tool's migrations.
#include "lint/linter.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "lint/lint_inputs.hpp"
#include "support/error.hpp"
#include "support/process.hpp"
#include "test_support.hpp"

namespace migrate::lint {
namespace {

using testing::TempDir;
using testing::write_file;

Linter linter_for(const std::string& dialect) {
    LintConfig config;
    config.settings.dialect = dialect;
    return Linter(config);
}

std::vector<Finding> lint_dir(const std::filesystem::path& dir, const std::string& dialect = "postgres") {
    return lint_targets(find_lint_targets({dir}), linter_for(dialect)).findings;
}

std::vector<std::string> rules_of(const std::vector<Finding>& findings) {
    std::vector<std::string> out;
    for (const Finding& finding : findings) {
        out.push_back(finding.rule);
    }
    return out;
}

TEST(LintPositions, FindingsInTomlStringsPointAtTheStatement) {
    TempDir dir;
    write_file(dir / "0001_rename.toml",
               "description = \"x\"\n"
               "\n"
               "[[expand]]\n"
               "up = \"\"\"\n"
               "ALTER TABLE users ADD COLUMN nickname TEXT;\n"
               "  ALTER TABLE users RENAME COLUMN name TO full_name;\n"
               "\"\"\"\n"
               "down = \"ALTER TABLE users DROP COLUMN nickname\"\n"
               "[[expand]]\n"
               "up = \"ALTER TABLE orders RENAME COLUMN total TO amount\"\n"
               "down = \"SELECT 1\"\n");
    std::vector<Finding> findings = lint_dir(dir.path());
    ASSERT_EQ(findings.size(), 2u) << ::testing::PrintToString(rules_of(findings));
    EXPECT_EQ(findings[0].rule, "renaming-column");
    EXPECT_EQ(findings[0].line, 6);
    EXPECT_EQ(findings[0].column, 3);
    EXPECT_EQ(findings[0].source_line, "  ALTER TABLE users RENAME COLUMN name TO full_name;");
    EXPECT_EQ(findings[0].phase, Phase::expand);
    EXPECT_EQ(findings[0].migration, "0001_rename");
    EXPECT_EQ(findings[0].step, 0);
    // A one-line string: the column counts from the opening quote.
    EXPECT_EQ(findings[1].line, 10);
    EXPECT_EQ(findings[1].column, 7);
    EXPECT_EQ(findings[1].step, 1);
}

TEST(LintPositions, FindingsInMarkedSqlPointAtTheStatement) {
    TempDir dir;
    write_file(dir / "0002_rename.sql",
               "-- migrate:expand\n"
               "\n"
               "ALTER TABLE users RENAME COLUMN name TO full_name;\n"
               "-- migrate:expand:down\n"
               "ALTER TABLE users RENAME COLUMN full_name TO name;\n"
               "-- migrate:contract\n"
               "  SELECT 1; ALTER TABLE t RENAME COLUMN a TO b;\n"
               "-- migrate:contract:down\n"
               "SELECT 1;\n"
               "-- migrate:requires app=web min_version=2.0.0\n");
    std::vector<Finding> findings = lint_dir(dir.path(), "sqlite");
    ASSERT_EQ(findings.size(), 2u) << ::testing::PrintToString(rules_of(findings));
    EXPECT_EQ(findings[0].line, 3);
    EXPECT_EQ(findings[0].column, 1);
    EXPECT_EQ(findings[1].line, 7);
    EXPECT_EQ(findings[1].column, 13);
    EXPECT_EQ(findings[1].phase, Phase::contract);
}

TEST(LintPositions, PerDialectTextIsLintedForItsDialectOnly) {
    TempDir dir;
    write_file(dir / "0001_x.toml",
               "[[expand]]\n"
               "up.mysql = \"ALTER TABLE users CHANGE COLUMN name full_name TEXT\"\n"
               "up.default = \"ALTER TABLE users ADD COLUMN full_name TEXT\"\n"
               "down = \"ALTER TABLE users DROP COLUMN full_name\"\n");
    std::vector<Finding> postgres = lint_dir(dir.path(), "postgres");
    EXPECT_TRUE(postgres.empty()) << ::testing::PrintToString(rules_of(postgres));
    std::vector<Finding> mysql = lint_dir(dir.path(), "mysql");
    ASSERT_FALSE(mysql.empty());
    EXPECT_EQ(mysql[0].rule, "renaming-column");
    EXPECT_EQ(mysql[0].line, 2);
    EXPECT_EQ(mysql[0].column, 13);
}

TEST(LintSuppression, IgnoreCommentCoversTheNextStatementOnly) {
    Linter linter = linter_for("postgres");
    std::vector<Finding> findings = linter
                                        .lint_sql(
                                            "-- migrate:ignore renaming-column: the app never reads it\n"
                                            "ALTER TABLE a RENAME COLUMN x TO y;\n"
                                            "ALTER TABLE b RENAME COLUMN x TO y;\n",
                                            Phase::expand, "m.sql")
                                        .findings;
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].line, 3);
}

TEST(LintSuppression, IgnoreCommentNamesSeveralRules) {
    Linter linter = linter_for("postgres");
    EXPECT_TRUE(linter
                    .lint_sql("-- migrate:ignore syntax-error, renaming-column\n"
                              "ALTER TABLE a RENAME COLUMN x TO y;",
                              Phase::expand, "m.sql")
                    .findings.empty());
    // Another rule's name does not hide this one.
    EXPECT_EQ(
        linter.lint_sql("-- migrate:ignore renaming-table\nALTER TABLE a RENAME COLUMN x TO y;", Phase::expand, "m.sql")
            .findings.size(),
        1u);
}

TEST(LintSuppression, IgnoreFileCoversTheWholeFile) {
    TempDir dir;
    write_file(dir / "0001_x.toml",
               "# migrate:ignore-file renaming-column\n"
               "[[expand]]\n"
               "up = \"ALTER TABLE a RENAME COLUMN x TO y\"\n"
               "down = \"ALTER TABLE a RENAME COLUMN y TO x\"\n");
    EXPECT_TRUE(lint_dir(dir.path()).empty());
}

TEST(LintSyntax, SyntaxErrorIsAFindingAndLintingGoesOn) {
    Linter linter = linter_for("postgres");
    std::vector<Finding> findings =
        linter.lint_sql("ALTER TABLE a ADD COLUMN;\nALTER TABLE b RENAME COLUMN x TO y;\n", Phase::expand, "m.sql")
            .findings;
    ASSERT_EQ(findings.size(), 2u) << ::testing::PrintToString(rules_of(findings));
    EXPECT_EQ(findings[0].rule, "syntax-error");
    EXPECT_EQ(findings[0].line, 1);
    EXPECT_EQ(findings[1].rule, "renaming-column");
    EXPECT_EQ(findings[1].line, 2);
}

TEST(LintInputs, BrokenMigrationIsAnInvalidMigrationFindingAtTheLoadersPosition) {
    TempDir dir;
    write_file(dir / "0001_x.toml", "[[expand]]\nup = \"SELECT 1\"\nbogus = 1\n");
    std::vector<Finding> findings = lint_dir(dir.path());
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].rule, "invalid-migration");
    EXPECT_EQ(findings[0].line, 3);
    EXPECT_EQ(findings[0].column, 1);
    EXPECT_NE(findings[0].message.find("unknown key 'bogus'"), std::string::npos) << findings[0].message;
}

TEST(LintInputs, RecognisesOtherToolsLayouts) {
    TempDir dir;
    write_file(dir / "flyway" / "V1__init.sql", "CREATE TABLE a (id bigint PRIMARY KEY);");
    write_file(dir / "flyway" / "V2__rename.sql", "ALTER TABLE a RENAME COLUMN x TO y;");
    write_file(dir / "golang" / "0001_init.up.sql", "CREATE TABLE b (id bigint PRIMARY KEY);");
    write_file(dir / "golang" / "0001_init.down.sql", "DROP TABLE b;");
    write_file(dir / "golang" / "0002_more.up.sql", "SELECT 1;");
    write_file(dir / "diesel" / "2024-01-01-000000_init" / "up.sql", "SELECT 1;");
    write_file(dir / "diesel" / "2024-01-01-000000_init" / "down.sql", "SELECT 1;");
    write_file(dir / ".hidden" / "V9__x.sql", "ALTER TABLE a RENAME COLUMN x TO y;");
    write_file(dir / "migrate.toml", "dir = \"x\"\n");
    std::vector<LintTarget> targets = find_lint_targets({dir.path()});
    std::vector<std::string> names;
    for (const LintTarget& target : targets) {
        names.push_back(target.name + (target.down_file ? "+down" : "") +
                        (target.expected_down_file.empty() ? "" : "!" + target.expected_down_file));
    }
    EXPECT_EQ(names, (std::vector<std::string>{"2024-01-01-000000_init+down", "V1__init", "V2__rename",
                                               "0001_init+down", "0002_more!0002_more.down.sql"}));
    std::vector<Finding> findings = lint_dir(dir.path());
    std::vector<std::string> rules = rules_of(findings);
    EXPECT_EQ(std::count(rules.begin(), rules.end(), "renaming-column"), 1);
    EXPECT_EQ(std::count(rules.begin(), rules.end(), "missing-down"), 1);
    for (const Finding& finding : findings) {
        EXPECT_FALSE(finding.phase.has_value());
    }
}

TEST(LintInputs, NamedPathsThatAreNotMigrationsAreUsageErrors) {
    TempDir dir;
    write_file(dir / "notes.txt", "x");
    try {
        find_lint_targets({dir / "notes.txt"});
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::usage);
        EXPECT_NE(std::string(e.what()).find("notes.txt"), std::string::npos);
    }
    try {
        find_lint_targets({dir / "missing"});
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos);
    }
}

TEST(LintInputs, ChangedSinceKeepsOnlyChangedAndUntrackedMigrations) {
    TempDir dir;
    auto git = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"git", "-c", "user.name=t", "-c", "user.email=t@example.com"});
        ProgramResult result = run_program(args, dir.path().string());
        ASSERT_EQ(result.exit_code, 0) << result.errors;
    };
    git({"init", "-q"});
    write_file(dir / "m" / "V1__a.sql", "SELECT 1;");
    write_file(dir / "m" / "V2__b.sql", "SELECT 1;");
    git({"add", "."});
    git({"commit", "-q", "-m", "base"});
    write_file(dir / "m" / "V2__b.sql", "SELECT 2;");
    write_file(dir / "m" / "V3__c.sql", "SELECT 3;");
    std::filesystem::path cwd = std::filesystem::current_path();
    std::filesystem::current_path(dir.path());
    std::set<std::filesystem::path> changed;
    EXPECT_NO_THROW(changed = files_changed_since("HEAD"));
    EXPECT_THROW(files_changed_since("no-such-ref"), Error);
    std::filesystem::current_path(cwd);
    std::vector<LintTarget> targets = find_lint_targets({dir / "m"});
    keep_changed(targets, changed);
    ASSERT_EQ(targets.size(), 2u);
    EXPECT_EQ(targets[0].name, "V2__b");
    EXPECT_EQ(targets[1].name, "V3__c");
}

TEST(LintPhases, PhaseAwareContextFollowsTheMigration) {
    TempDir dir;
    write_file(dir / "0001_t.toml",
               "[[expand]]\n"
               "up = \"\"\"\n"
               "CREATE TABLE drafts (id bigint PRIMARY KEY, title text);\n"
               "ALTER TABLE drafts RENAME COLUMN title TO headline;\n"
               "\"\"\"\n"
               "down = \"DROP TABLE drafts\"\n");
    std::vector<Finding> findings = lint_dir(dir.path());
    EXPECT_TRUE(findings.empty()) << ::testing::PrintToString(rules_of(findings));
}

// A contract that names no app version: one warning, at the first contract step, saying what to
// add in the file's own format and that --no-gate is the deliberate way around it.
const std::string ungated_toml =
    "[[expand]]\n"
    "up = \"ALTER TABLE users ADD COLUMN email TEXT\"\n"
    "down = \"ALTER TABLE users DROP COLUMN email\"\n"
    "\n"
    "[[contract]]\n"
    "up = \"DROP TABLE legacy_sessions\"\n"
    "irreversible = true\n"
    "[[contract]]\n"
    "up = \"DROP TABLE legacy_tokens\"\n"
    "irreversible = true\n";

TEST(LintGate, TomlContractWithoutRequiresIsAWarningAtTheFirstContractStep) {
    for (const char* dialect : {"postgres", "mysql", "sqlite"}) {
        TempDir dir;
        write_file(dir / "0001_drop.toml", ungated_toml);
        std::vector<Finding> findings = lint_dir(dir.path(), dialect);
        ASSERT_EQ(findings.size(), 1u) << dialect << ::testing::PrintToString(rules_of(findings));
        EXPECT_EQ(findings[0].rule, "contract-without-gate");
        EXPECT_EQ(findings[0].severity, Severity::warning);
        EXPECT_EQ(findings[0].line, 5);
        EXPECT_EQ(findings[0].source_line, "[[contract]]");
        EXPECT_EQ(findings[0].phase, Phase::contract);
        EXPECT_EQ(findings[0].step, 0);
        EXPECT_NE(findings[0].message.find("add [contract.requires] app = \"...\" min_version = \"...\""),
                  std::string::npos)
            << findings[0].message;
        EXPECT_NE(findings[0].message.find("--no-gate"), std::string::npos) << findings[0].message;
    }
}

TEST(LintGate, TomlContractWithRequiresIsClean) {
    TempDir dir;
    write_file(dir / "0001_drop.toml", ungated_toml + "[contract.requires]\napp = \"web\"\nmin_version = \"2.0.0\"\n");
    std::vector<Finding> findings = lint_dir(dir.path());
    EXPECT_TRUE(findings.empty()) << ::testing::PrintToString(rules_of(findings));
}

TEST(LintGate, MarkedSqlContractWithoutRequiresShowsTheMarkerForm) {
    const std::string ungated =
        "-- migrate:expand\n"
        "ALTER TABLE users ADD COLUMN email TEXT;\n"
        "-- migrate:expand:down\n"
        "ALTER TABLE users DROP COLUMN email;\n"
        "-- migrate:contract irreversible\n"
        "DROP TABLE legacy_sessions;\n";
    TempDir dir;
    write_file(dir / "0002_drop.sql", ungated);
    std::vector<Finding> findings = lint_dir(dir.path(), "sqlite");
    ASSERT_EQ(findings.size(), 1u) << ::testing::PrintToString(rules_of(findings));
    EXPECT_EQ(findings[0].rule, "contract-without-gate");
    EXPECT_EQ(findings[0].line, 5);
    EXPECT_NE(findings[0].message.find("add '-- migrate:requires app=... min_version=...'"), std::string::npos)
        << findings[0].message;
    EXPECT_NE(findings[0].message.find("--no-gate"), std::string::npos) << findings[0].message;

    write_file(dir / "0002_drop.sql", "-- migrate:requires app=web min_version=2.0.0\n" + ungated);
    findings = lint_dir(dir.path(), "sqlite");
    EXPECT_TRUE(findings.empty()) << ::testing::PrintToString(rules_of(findings));
}

TEST(LintGate, NoContractStepsPlainSqlAndSnippetsAreNotChecked) {
    TempDir dir;
    write_file(dir / "0001_email.toml",
               "[[expand]]\n"
               "up = \"ALTER TABLE users ADD COLUMN email TEXT\"\n"
               "down = \"ALTER TABLE users DROP COLUMN email\"\n");
    write_file(dir / "V2__email_index.sql", "CREATE INDEX CONCURRENTLY users_email ON users (email);\n");
    write_file(dir / "0003_name" / "up.sql", "ALTER TABLE users ADD COLUMN name TEXT;\n");
    write_file(dir / "0003_name" / "down.sql", "ALTER TABLE users DROP COLUMN name;\n");
    std::vector<Finding> findings = lint_dir(dir.path());
    EXPECT_TRUE(findings.empty()) << ::testing::PrintToString(rules_of(findings));
    // A snippet stands for SQL of a gated migration: the rule examples of other rules are judged
    // on their SQL alone.
    EXPECT_TRUE(
        linter_for("postgres").lint_sql("DROP TABLE legacy_sessions;", Phase::contract, "m.sql").findings.empty());
}

TEST(LintGate, IgnoreFileWithItsReasonAcceptsADeliberateUngatedContract) {
    TempDir dir;
    write_file(
        dir / "0001_drop.toml",
        "# migrate:ignore-file contract-without-gate: nothing has read the legacy tables since 2019\n" + ungated_toml);
    std::vector<Finding> findings = lint_dir(dir.path());
    EXPECT_TRUE(findings.empty()) << ::testing::PrintToString(rules_of(findings));
}

TEST(LintGate, ConfigCanRaiseTheSeverity) {
    TempDir dir;
    write_file(dir / "0001_drop.toml", ungated_toml);
    LintConfig config;
    config.settings.dialect = "postgres";
    config.severities.emplace("contract-without-gate", Severity::error);
    std::vector<Finding> findings = lint_targets(find_lint_targets({dir.path()}), Linter(config)).findings;
    ASSERT_EQ(findings.size(), 1u) << ::testing::PrintToString(rules_of(findings));
    EXPECT_EQ(findings[0].severity, Severity::error);
}

TEST(LintOutput, ControlCharactersFromTheFileNeverReachTheTerminal) {
    Linter linter = linter_for("postgres");
    std::vector<Finding> findings = linter
                                        .lint_sql(
                                            "\xEF\xBB\xBF"
                                            "ALTER TABLE a RENAME COLUMN b TO c; -- \x1b"
                                            "[2J\n",
                                            std::nullopt, "m.sql")
                                        .findings;
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].source_line, "ALTER TABLE a RENAME COLUMN b TO c; -- ?[2J");
    EXPECT_EQ(findings[0].column, 1);
}

}  // namespace
}  // namespace migrate::lint

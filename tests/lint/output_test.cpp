// Tests of the linter's output formats and baseline files. Every format is compared byte for byte
// with its golden file in tests/lint/golden; after a deliberate change to a format, regenerate them
// with `MIGRATE_UPDATE_GOLDEN=1 build/tests/lint/lint_tests` and review the diff. SARIF output is
// also validated against the official SARIF 2.1.0 schema by tests/support/validate_json.py.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "lint/baseline.hpp"
#include "lint/reporters.hpp"
#include "support/error.hpp"
#include "test_support.hpp"

namespace migrate::lint {
namespace {

namespace fs = std::filesystem;
using migrate::testing::read_file;
using migrate::testing::TempDir;
using migrate::testing::write_file;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

Finding make_finding(std::string rule, Severity severity, std::string file, int line, int column) {
    Finding finding;
    finding.rule = std::move(rule);
    finding.severity = severity;
    finding.file = std::move(file);
    finding.line = line;
    finding.column = column;
    finding.fingerprint = finding.rule + ":" + finding.file;
    return finding;
}

// Every severity, a finding with a phase and ones without, a tab and a non-ASCII letter before a
// caret, a finding about a whole file, a path with a space and a non-ASCII letter, and a message
// with a newline, a comma, a colon and a percent sign.
LintReport golden_report() {
    LintReport report;
    report.files = 12;
    report.statements = 140;
    report.suppressed_by_baseline = 2;

    Finding rename = make_finding("rename-column", Severity::error, "migrations/0004_rename_username.toml", 7, 20);
    rename.message = "renaming column \"username\" breaks the application version that is still running";
    rename.help = "add the new column in expand, copy it in backfill and drop the old one in contract";
    rename.source_line = "\tALTER TABLE users RENAME COLUMN username TO login;";
    rename.phase = Phase::expand;
    rename.migration = "0004_rename_username";
    rename.fingerprint = "9b2d6c1e0f4a7d35";

    Finding index = make_finding("create-index-blocking", Severity::warning, "legacy sql/V2__índice.sql", 1, 1);
    index.message = "CREATE INDEX blocks writes to \"orders\", for 100% of the build:\nevery insert waits";
    index.help = "use CREATE INDEX CONCURRENTLY, in a step of its own";
    index.source_line = "CREATE INDEX orders_created ON orders (created_at);";
    index.migration = "V2__índice.sql";
    index.fingerprint = "41c7aa0b93e8f2d6";

    Finding varchar = make_finding("prefer-text", Severity::info, "migrations/0005_notes.sql", 2, 35);
    varchar.message = "varchar(20) is no faster than text, and widening it later is another migration";
    varchar.source_line = "ALTER TABLE café ADD COLUMN note varchar(20);";
    varchar.phase = Phase::contract;
    varchar.migration = "0005_notes";
    varchar.fingerprint = "c0ffee00d15ea5e5";

    Finding syntax = make_finding("syntax-error", Severity::error, "migrations/0006_fill.toml", 12, 5);
    syntax.message = "syntax error at or near \"UPDAT\"";
    syntax.source_line = "    UPDAT users SET login = username;";
    syntax.phase = Phase::backfill;
    syntax.migration = "0006_fill";
    syntax.fingerprint = "0d1e2f3a4b5c6d7e";

    Finding drop = make_finding("drop-table", Severity::warning, "migrations/0007_drop_audit.sql", 1, 1);
    drop.message = "the migration drops table \"audit_log\"";
    drop.help = "drop it a release later, once no running version reads it";
    drop.migration = "0007_drop_audit";
    drop.fingerprint = "77aa88bb99cc00dd";

    report.findings = {rename, index, varchar, syntax, drop};
    sort_findings(report.findings);
    return report;
}

RuleInfo make_rule(std::string id, Severity severity, std::vector<std::string> dialects) {
    RuleInfo rule;
    rule.id = std::move(id);
    rule.severity = severity;
    rule.dialects = std::move(dialects);
    rule.file = "lint-rules/" + rule.id + ".toml";
    return rule;
}

// The rules the golden SARIF describes; "syntax-error" is left out on purpose.
std::vector<RuleInfo> golden_rules() {
    RuleInfo rename = make_rule("rename-column", Severity::error, {"postgres", "mysql", "sqlite"});
    rename.summary = "Renaming a column breaks the running application.";
    rename.why = "The version of the application still running reads the old name until it is replaced.";
    rename.safe = "Add the new column, backfill it, switch the application, then drop the old column.";
    rename.bad.push_back({{}, Phase::expand, "ALTER TABLE users RENAME COLUMN username TO login;", {}, 10});
    rename.good.push_back({{}, Phase::expand, "ALTER TABLE users ADD COLUMN login text;\n", {}, 20});

    RuleInfo index = make_rule("create-index-blocking", Severity::warning, {"postgres"});
    index.summary = "CREATE INDEX without CONCURRENTLY blocks writes.";
    index.why = "A plain CREATE INDEX holds a lock that blocks every write to the table while it builds.";
    index.safe = "Use CREATE INDEX CONCURRENTLY in a step of its own.";

    RuleInfo varchar = make_rule("prefer-text", Severity::info, {"postgres"});
    varchar.opt_in = true;
    varchar.summary = "Prefer text to varchar(n).";
    varchar.why = "varchar(n) is no faster than text, and raising its limit later takes another migration.";
    varchar.safe = "Use text, with a CHECK constraint if the length matters.";

    RuleInfo drop = make_rule("drop-table", Severity::warning, {"postgres", "mysql", "sqlite"});
    drop.summary = "Dropping a table the running application may still read.";
    drop.why = "The previous version of the application may still query the table.";
    drop.safe = "Drop it in the contract phase of a later release.";

    return {rename, index, varchar, drop};
}

void expect_matches_golden(const std::string& name, const std::string& actual) {
    const fs::path golden = fs::path(MIGRATE_LINT_GOLDEN_DIR) / name;
    const char* update = std::getenv("MIGRATE_UPDATE_GOLDEN");
    if (update != nullptr && std::string_view(update) == "1") {
        write_file(golden, actual);
        return;
    }
    ASSERT_TRUE(fs::exists(golden)) << golden << " is missing; MIGRATE_UPDATE_GOLDEN=1 writes it";
    EXPECT_EQ(actual, read_file(golden)) << "output differs from " << golden
                                         << "; if the change is deliberate, MIGRATE_UPDATE_GOLDEN=1 rewrites it";
}

struct ValidatorResult {
    int exit_code = -1;
    std::string output;
};

ValidatorResult validate_sarif(const fs::path& document) {
    const std::string command = std::string("'") + MIGRATE_TEST_PYTHON + "' '" + MIGRATE_SARIF_VALIDATOR + "' '" +
                                MIGRATE_SARIF_SCHEMA + "' '" + document.string() + "' 2>&1";
    ValidatorResult result;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return result;
    }
    char buffer[4096];
    while (const std::size_t read = std::fread(buffer, 1, sizeof buffer, pipe)) {
        result.output.append(buffer, read);
    }
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

const nlohmann::json& only_run(const nlohmann::json& sarif) {
    EXPECT_EQ(sarif["runs"].size(), 1u);
    return sarif["runs"][0];
}

// ---------------------------------------------------------------------------------------------
// Golden files

TEST(LintOutputGolden, Text) {
    expect_matches_golden("report.txt", format_text(golden_report()));
}

TEST(LintOutputGolden, Json) {
    expect_matches_golden("report.json", format_json(golden_report()));
}

TEST(LintOutputGolden, Sarif) {
    expect_matches_golden("report.sarif", format_sarif(golden_report(), golden_rules(), "0.1.0"));
}

TEST(LintOutputGolden, Github) {
    expect_matches_golden("report.github", format_github(golden_report()));
}

// ---------------------------------------------------------------------------------------------
// Text

TEST(LintOutputText, CaretKeepsTabsAndCountsCharactersNotBytes) {
    const std::string text = format_text(golden_report());
    EXPECT_TRUE(contains(text,
                         "    \tALTER TABLE users RENAME COLUMN username TO login;\n"
                         "    \t                  ^\n"))
        << text;
    // "café" is five bytes but four characters: the caret goes under the "v" of varchar.
    EXPECT_TRUE(contains(text,
                         "    ALTER TABLE café ADD COLUMN note varchar(20);\n"
                         "                                     ^\n"))
        << text;
}

TEST(LintOutputText, FindingLineHelpAndNoSourceForWholeFileFindings) {
    const std::string text = format_text(golden_report());
    EXPECT_TRUE(contains(text,
                         "migrations/0007_drop_audit.sql:1:1: warning: the migration drops table \"audit_log\" "
                         "[drop-table]\n    help: drop it a release later, once no running version reads it\n"))
        << text;
    EXPECT_TRUE(contains(text, "migrations/0005_notes.sql:2:35: info: "));
    EXPECT_TRUE(contains(text, "for 100% of the build:\n    every insert waits [create-index-blocking]\n")) << text;
    EXPECT_FALSE(contains(text, "\x1b[")) << "no colours";
}

TEST(LintOutputText, Summary) {
    EXPECT_TRUE(format_text(golden_report())
                    .ends_with("\n5 findings (2 errors, 2 warnings, 1 info) in 12 files, 140 statements, "
                               "2 accepted by the baseline\n"));

    LintReport clean;
    clean.files = 1;
    clean.statements = 1;
    EXPECT_EQ(format_text(clean), "no findings in 1 file, 1 statement\n");

    LintReport one;
    one.files = 2;
    one.statements = 3;
    one.suppressed_by_baseline = 1;
    one.findings.push_back(make_finding("drop-table", Severity::warning, "a.sql", 1, 1));
    EXPECT_TRUE(
        format_text(one).ends_with("\n1 finding (1 warning) in 2 files, 3 statements, "
                                   "1 accepted by the baseline\n"))
        << format_text(one);
}

// ---------------------------------------------------------------------------------------------
// JSON

TEST(LintOutputJson, ParsesBackFieldByField) {
    const LintReport report = golden_report();
    const nlohmann::json json = nlohmann::json::parse(format_json(report));
    EXPECT_EQ(json["version"], 1);
    EXPECT_EQ(json["files"], 12);
    EXPECT_EQ(json["statements"], 140);
    EXPECT_EQ(json["suppressed_by_baseline"], 2);
    EXPECT_EQ(json["summary"], nlohmann::json({{"error", 2}, {"warning", 2}, {"info", 1}}));
    ASSERT_EQ(json["findings"].size(), report.findings.size());
    for (std::size_t i = 0; i < report.findings.size(); ++i) {
        const Finding& expected = report.findings[i];
        const nlohmann::json& actual = json["findings"][i];
        SCOPED_TRACE(expected.rule);
        EXPECT_EQ(actual.size(), 10u);
        EXPECT_EQ(actual["rule"], expected.rule);
        EXPECT_EQ(actual["severity"], std::string(to_string(expected.severity)));
        EXPECT_EQ(actual["message"], expected.message);
        EXPECT_EQ(actual["help"], expected.help);
        EXPECT_EQ(actual["file"], expected.file);
        EXPECT_EQ(actual["line"], expected.line);
        EXPECT_EQ(actual["column"], expected.column);
        if (expected.phase) {
            EXPECT_EQ(actual["phase"], std::string(to_string(*expected.phase)));
        } else {
            EXPECT_TRUE(actual["phase"].is_null());
        }
        EXPECT_EQ(actual["migration"], expected.migration);
        EXPECT_EQ(actual["fingerprint"], expected.fingerprint);
    }
}

TEST(LintOutputJson, InvalidUtf8InAMessageDoesNotThrow) {
    LintReport report;
    report.findings.push_back(make_finding("drop-table", Severity::warning, "latin1.sql", 1, 1));
    report.findings[0].message = "drops table \"caf\xe9\"";
    const nlohmann::json json = nlohmann::json::parse(format_json(report));
    EXPECT_EQ(json["findings"][0]["message"], "drops table \"caf\xef\xbf\xbd\"");
}

// ---------------------------------------------------------------------------------------------
// SARIF

TEST(LintOutputSarif, GoldenReportIsValidAgainstTheSchema) {
    TempDir dir;
    const fs::path document = dir / "report.sarif";
    write_file(document, format_sarif(golden_report(), golden_rules(), "0.1.0"));
    const ValidatorResult result = validate_sarif(document);
    EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST(LintOutputSarif, EmptyReportIsValidAgainstTheSchema) {
    TempDir dir;
    const fs::path document = dir / "empty.sarif";
    write_file(document, format_sarif(LintReport{}, {}, "0.1.0"));
    const ValidatorResult result = validate_sarif(document);
    EXPECT_EQ(result.exit_code, 0) << result.output;
}

// Without these the validation tests above could pass by never failing.
TEST(LintOutputSarif, ValidatorRejectsInvalidDocuments) {
    TempDir dir;
    nlohmann::json sarif = nlohmann::json::parse(format_sarif(golden_report(), golden_rules(), "0.1.0"));

    nlohmann::json without_version = sarif;
    without_version.erase("version");
    write_file(dir / "no-version.sarif", without_version.dump());
    ValidatorResult result = validate_sarif(dir / "no-version.sarif");
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_TRUE(contains(result.output, "version")) << result.output;

    nlohmann::json unencoded = sarif;
    unencoded["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "legacy sql/V2.sql";
    write_file(dir / "space.sarif", unencoded.dump());
    result = validate_sarif(dir / "space.sarif");
    EXPECT_EQ(result.exit_code, 1) << result.output;
}

TEST(LintOutputSarif, RulesAndTheirDescriptors) {
    const nlohmann::json run = only_run(nlohmann::json::parse(format_sarif(golden_report(), golden_rules(), "1.2.3")));
    const nlohmann::json& driver = run["tool"]["driver"];
    EXPECT_EQ(driver["name"], "migrate");
    EXPECT_EQ(driver["version"], "1.2.3");
    EXPECT_FALSE(driver.contains("informationUri"));
    const nlohmann::json& rules = driver["rules"];
    ASSERT_EQ(rules.size(), 5u);

    const nlohmann::json& rename = rules[0];
    EXPECT_EQ(rename["id"], "rename-column");
    EXPECT_EQ(rename["name"], "RenameColumn");
    EXPECT_EQ(rename["shortDescription"]["text"], "Renaming a column breaks the running application.");
    EXPECT_EQ(rename["fullDescription"]["text"],
              "The version of the application still running reads the old name until it is replaced.");
    EXPECT_EQ(rename["help"]["text"],
              "Add the new column, backfill it, switch the application, then drop the old column.");
    EXPECT_TRUE(
        contains(rename["help"]["markdown"], "```sql\nALTER TABLE users RENAME COLUMN username TO login;\n```"));
    EXPECT_EQ(rename["defaultConfiguration"]["level"], "error");
    EXPECT_EQ(rename["properties"]["tags"], nlohmann::json({"migration", "postgres", "mysql", "sqlite"}));

    EXPECT_EQ(rules[1]["name"], "CreateIndexBlocking");
    EXPECT_EQ(rules[1]["defaultConfiguration"]["level"], "warning");
    EXPECT_EQ(rules[2]["defaultConfiguration"]["level"], "note");

    EXPECT_EQ(rules[4]["id"], "syntax-error");
    EXPECT_EQ(rules[4]["name"], "SyntaxError");
    EXPECT_EQ(rules[4]["defaultConfiguration"]["level"], "error");
}

TEST(LintOutputSarif, ResultsPointAtTheirRulesAndLocations) {
    const LintReport report = golden_report();
    const nlohmann::json run = only_run(nlohmann::json::parse(format_sarif(report, golden_rules(), "0.1.0")));
    const nlohmann::json& rules = run["tool"]["driver"]["rules"];
    const nlohmann::json& results = run["results"];
    ASSERT_EQ(results.size(), report.findings.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
        SCOPED_TRACE(report.findings[i].rule);
        EXPECT_EQ(results[i]["ruleId"], report.findings[i].rule);
        EXPECT_EQ(rules[results[i]["ruleIndex"].get<std::size_t>()]["id"], report.findings[i].rule);
        EXPECT_EQ(results[i]["message"]["text"], report.findings[i].message);
        EXPECT_EQ(results[i]["partialFingerprints"]["migrateFingerprint/v1"], report.findings[i].fingerprint);
    }

    const nlohmann::json& index = results[0];
    EXPECT_EQ(index["level"], "warning");
    const nlohmann::json& index_location = index["locations"][0]["physicalLocation"];
    EXPECT_EQ(index_location["artifactLocation"]["uri"], "legacy%20sql/V2__%C3%ADndice.sql");
    EXPECT_EQ(index_location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    EXPECT_EQ(index_location["region"], nlohmann::json({{"startLine", 1}, {"startColumn", 1}}));

    const nlohmann::json& varchar = results[2];
    EXPECT_EQ(varchar["level"], "note");
    EXPECT_EQ(run["columnKind"], "unicodeCodePoints");
    EXPECT_EQ(varchar["locations"][0]["physicalLocation"]["region"]["startColumn"], 34) << "35th byte, 34th character";
}

TEST(LintOutputSarif, ArtifactUris) {
    const auto uri_of = [](const std::string& file) {
        LintReport report;
        report.findings.push_back(make_finding("drop-table", Severity::warning, file, 1, 1));
        const nlohmann::json run = only_run(nlohmann::json::parse(format_sarif(report, {}, "0.1.0")));
        return run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    };
    EXPECT_EQ(uri_of("db/0001_init.sql"), nlohmann::json({{"uri", "db/0001_init.sql"}, {"uriBaseId", "%SRCROOT%"}}));
    EXPECT_EQ(uri_of("./db/a.sql")["uri"], "db/a.sql");
    EXPECT_EQ(uri_of("db\\windows\\a.sql")["uri"], "db/windows/a.sql");
    EXPECT_EQ(uri_of("db/100%:a,b#c?.sql")["uri"], "db/100%25%3Aa%2Cb%23c%3F.sql");
    EXPECT_EQ(uri_of("/srv/app/db/a b.sql"), nlohmann::json({{"uri", "file:///srv/app/db/a%20b.sql"}}));
    EXPECT_EQ(uri_of("C:\\app\\a.sql"), nlohmann::json({{"uri", "file:///C:/app/a.sql"}}));
}

// ---------------------------------------------------------------------------------------------
// GitHub workflow commands

TEST(LintOutputGithub, EscapesDataAndProperties) {
    LintReport report;
    Finding finding = make_finding("drop-table", Severity::info, "db/a,b:c%.sql", 3, 7);
    finding.message = "100% of rows: one, two\r\nthree";
    finding.help = "do: this, then that";
    report.findings.push_back(finding);
    EXPECT_EQ(format_github(report),
              "::notice file=db/a%2Cb%3Ac%25.sql,line=3,col=7,title=migrate drop-table::"
              "100%25 of rows: one, two%0D%0Athree%0Ado: this, then that\n");
}

TEST(LintOutputGithub, OneCommandPerFindingBySeverity) {
    const std::string output = format_github(golden_report());
    EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 5);
    EXPECT_TRUE(
        output.starts_with("::warning file=legacy sql/V2__índice.sql,line=1,col=1,"
                           "title=migrate create-index-blocking::CREATE INDEX blocks writes to \"orders\", "
                           "for 100%25 of the build:%0Aevery insert waits%0Ause CREATE INDEX CONCURRENTLY, "
                           "in a step of its own\n"))
        << output;
    EXPECT_TRUE(contains(output, "\n::error file=migrations/0004_rename_username.toml,line=7,col=20,"));
    EXPECT_TRUE(contains(output, "\n::notice file=migrations/0005_notes.sql,line=2,col=35,"));
    EXPECT_EQ(format_github(LintReport{}), "");
}

// ---------------------------------------------------------------------------------------------
// Baselines

TEST(LintBaseline, RoundTripAcceptsTheFindingsItWasWrittenFrom) {
    TempDir dir;
    const LintReport report = golden_report();
    write_baseline(dir / "baseline.json", report.findings);
    const Baseline baseline = read_baseline(dir / "baseline.json");
    EXPECT_EQ(baseline.entries.size(), report.findings.size());

    std::vector<Finding> findings = report.findings;
    // A statement moved down the file is still the same finding.
    for (Finding& finding : findings) {
        finding.line += 10;
    }
    Finding added = make_finding("drop-table", Severity::warning, "migrations/0008_drop.sql", 1, 1);
    findings.push_back(added);
    EXPECT_EQ(apply_baseline(baseline, findings), static_cast<int>(report.findings.size()));
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].file, "migrations/0008_drop.sql");
}

TEST(LintBaseline, FileFormatIsSortedAndStable) {
    TempDir dir;
    std::vector<Finding> findings = golden_report().findings;
    write_baseline(dir / "first.json", findings);
    std::reverse(findings.begin(), findings.end());
    write_baseline(dir / "second.json", findings);
    const std::string first = read_file(dir / "first.json");
    EXPECT_EQ(first, read_file(dir / "second.json"));
    EXPECT_FALSE(fs::exists(dir / "first.json.tmp"));

    const nlohmann::json json = nlohmann::json::parse(first);
    EXPECT_EQ(json["version"], 1);
    ASSERT_EQ(json["findings"].size(), 5u);
    EXPECT_EQ(json["findings"][0], nlohmann::json({{"rule", "create-index-blocking"},
                                                   {"file", "legacy sql/V2__índice.sql"},
                                                   {"fingerprint", "41c7aa0b93e8f2d6"},
                                                   {"message", findings[4].message}}));
    EXPECT_TRUE(first.starts_with("{\n  \"version\": 1,\n  \"findings\": [\n    {\n      \"rule\": ")) << first;
}

TEST(LintBaseline, EachEntryAcceptsOneFinding) {
    TempDir dir;
    const Finding finding = make_finding("drop-table", Severity::warning, "a.sql", 1, 1);
    write_baseline(dir / "baseline.json", {finding});

    Finding twin = finding;
    twin.line = 9;
    std::vector<Finding> findings = {finding, twin};
    EXPECT_EQ(apply_baseline(read_baseline(dir / "baseline.json"), findings), 1);
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].line, 9) << "the first of the two is the accepted one";

    write_baseline(dir / "both.json", {finding, twin});
    findings = {finding, twin};
    EXPECT_EQ(apply_baseline(read_baseline(dir / "both.json"), findings), 2);
    EXPECT_TRUE(findings.empty());
}

TEST(LintBaseline, MatchesOnRuleFileAndFingerprint) {
    const Finding finding = make_finding("drop-table", Severity::warning, "a.sql", 1, 1);
    Baseline baseline;
    baseline.entries.insert({finding.rule, finding.file, finding.fingerprint});

    Finding other_rule = finding;
    other_rule.rule = "rename-column";
    Finding other_file = finding;
    other_file.file = "b.sql";
    Finding other_statement = finding;
    other_statement.fingerprint = "changed";
    std::vector<Finding> findings = {other_rule, other_file, other_statement};
    EXPECT_EQ(apply_baseline(baseline, findings), 0);
    EXPECT_EQ(findings.size(), 3u);
}

void expect_input_error(const fs::path& path, const std::string& expected_start) {
    try {
        read_baseline(path);
        ADD_FAILURE() << "read_baseline accepted " << path;
    } catch (const Error& error) {
        EXPECT_EQ(error.kind(), ErrorKind::input);
        EXPECT_TRUE(std::string(error.what()).starts_with(expected_start)) << error.what();
    }
}

TEST(LintBaseline, MalformedFilesNameTheFileAndPosition) {
    TempDir dir;
    const fs::path path = dir / "baseline.json";
    write_file(path, "{\n  \"version\": 1,\n  \"findings\": [\n    {\"rule\": \"a\",}\n  ]\n}\n");
    expect_input_error(path, path.string() + ":4:18: not valid JSON: ");

    write_file(path, "");
    expect_input_error(path, path.string() + ":1:1: not valid JSON: ");

    write_file(path, "[]");
    expect_input_error(path, path.string() + ": not a baseline file");

    write_file(path, "{\"version\": 2, \"findings\": []}");
    expect_input_error(path, path.string() + ": unsupported baseline version 2");

    write_file(path, "{\"version\": \"1\", \"findings\": []}");
    expect_input_error(path, path.string() + ": not a baseline file: \"version\"");

    write_file(path, "{\"version\": 1}");
    expect_input_error(path, path.string() + ": not a baseline file: \"findings\"");

    write_file(path, "{\"version\": 1, \"findings\": [{\"rule\": \"a\", \"file\": \"b\"}]}");
    expect_input_error(path, path.string() + ": findings[0]: \"fingerprint\" must be a string");
}

TEST(LintBaseline, MissingOrUnreadableFiles) {
    TempDir dir;
    expect_input_error(dir / "missing.json", (dir / "missing.json").string() + ": cannot read the baseline: ");
    expect_input_error(dir.path(), dir.path().string() + ": is a folder");
}

TEST(LintBaseline, UnwritablePathIsAnInputError) {
    TempDir dir;
    write_file(dir / "file", "");
    try {
        write_baseline(dir / "file" / "baseline.json", {});
        ADD_FAILURE() << "write_baseline wrote below a file";
    } catch (const Error& error) {
        EXPECT_EQ(error.kind(), ErrorKind::input);
        EXPECT_TRUE(contains(error.what(), "baseline.json: cannot write the baseline: ")) << error.what();
    }
}

}  // namespace
}  // namespace migrate::lint

// Every rule's documented examples, run through the real parsers and linter: each bad example
// raises its rule and nothing else, each good one raises nothing. The rule files are the docs
// users read (`migrate lint --explain`), so this keeps docs and code from drifting apart.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "lint/lint_inputs.hpp"
#include "lint/linter.hpp"
#include "lint/rule_info.hpp"
#include "support/error.hpp"
#include "test_support.hpp"

namespace migrate::lint {
namespace {

// Findings of the built-in checks that are not rule classes.
const std::set<std::string> built_in = {"syntax-error", "invalid-migration"};

std::vector<Finding> lint_example(const RuleInfo& info, const RuleExample& example, const std::string& dialect) {
    LintConfig config;
    config.settings.dialect = dialect;
    config.enabled.insert(info.id);
    Linter linter(config);
    if (example.files.empty()) {
        return linter.lint_sql(example.sql, example.phase, "example.sql").findings;
    }
    testing::TempDir dir;
    for (const auto& [name, content] : example.files) {
        std::filesystem::create_directories((dir.path() / name).parent_path());
        testing::write_file(dir.path() / name, content);
    }
    return lint_targets(find_lint_targets({dir.path()}), linter).findings;
}

std::string describe(const std::vector<Finding>& findings) {
    std::string out;
    for (const Finding& finding : findings) {
        out += "\n  " + finding.file + ":" + std::to_string(finding.line) + ":" + std::to_string(finding.column) +
               ": " + finding.message + " [" + finding.rule + "]";
    }
    return out.empty() ? " (none)" : out;
}

std::vector<std::string> example_dialects(const RuleInfo& info, const RuleExample& example) {
    return example.dialects.empty() ? info.dialects : example.dialects;
}

class RuleExamples : public ::testing::TestWithParam<std::string> {};

TEST_P(RuleExamples, BadExamplesRaiseExactlyTheRule) {
    const RuleInfo& info = *find_rule_info(GetParam());
    for (const RuleExample& example : info.bad) {
        for (const std::string& dialect : example_dialects(info, example)) {
            SCOPED_TRACE(info.file + ":" + std::to_string(example.line) + " on " + dialect);
            std::vector<Finding> findings = lint_example(info, example, dialect);
            bool only_this_rule = std::all_of(findings.begin(), findings.end(),
                                              [&](const Finding& finding) { return finding.rule == info.id; });
            EXPECT_TRUE(!findings.empty() && only_this_rule) << "findings:" << describe(findings);
        }
    }
}

TEST_P(RuleExamples, GoodExamplesRaiseNothing) {
    const RuleInfo& info = *find_rule_info(GetParam());
    for (const RuleExample& example : info.good) {
        for (const std::string& dialect : example_dialects(info, example)) {
            SCOPED_TRACE(info.file + ":" + std::to_string(example.line) + " on " + dialect);
            std::vector<Finding> findings = lint_example(info, example, dialect);
            EXPECT_TRUE(findings.empty()) << "findings:" << describe(findings);
        }
    }
}

std::vector<std::string> all_rule_ids() {
    std::vector<std::string> ids;
    for (const RuleInfo& info : rule_infos()) {
        ids.push_back(info.id);
    }
    return ids;
}

INSTANTIATE_TEST_SUITE_P(AllRules, RuleExamples, ::testing::ValuesIn(all_rule_ids()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             std::string name = param.param;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

TEST(RuleRegistry, EveryRuleHasItsFileAndEveryFileItsRule) {
    std::set<std::string> classes;
    for (const auto& rule : all_rules()) {
        classes.insert(std::string(rule->id()));
        EXPECT_NE(find_rule_info(rule->id()), nullptr) << "no lint-rules/" << rule->id() << ".toml";
    }
    for (const RuleInfo& info : rule_infos()) {
        EXPECT_TRUE(classes.count(info.id) != 0 || built_in.count(info.id) != 0)
            << info.file << " documents a rule no class implements";
    }
}

TEST(RuleRegistry, EveryDialectHasRules) {
    for (const char* dialect : {"postgres", "mysql", "sqlite"}) {
        int count = 0;
        for (const RuleInfo& info : rule_infos()) {
            count += info.supports(dialect) ? 1 : 0;
        }
        EXPECT_GE(count, 8) << dialect;
    }
}

TEST(RuleFiles, ReadingRejectsMistakesWithTheirPlace) {
    try {
        parse_rule_info("lint-rules/x.toml", "id = \"x\"\nseverity = \"fatal\"\n");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("lint-rules/x.toml:2:12"), std::string::npos) << e.what();
    }
    try {
        parse_rule_info("lint-rules/x.toml", "id = \"x\"\nsevrity = \"error\"\n");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("unknown key 'sevrity'"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace migrate::lint

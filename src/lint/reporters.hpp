// The linter's output formats: compiler-style text for people, JSON for scripts, SARIF for code
// scanning dashboards and GitHub workflow commands for pull request annotations.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lint/finding.hpp"
#include "lint/rule_info.hpp"

namespace migrate::lint {

struct LintReport {
    std::vector<Finding> findings;  // in sort_findings order
    int files = 0;
    int statements = 0;
    int suppressed_by_baseline = 0;
};

// `file:line:col: severity: message [rule]`, the source line with a caret, the help, and a
// summary line.
std::string format_text(const LintReport& report);

// {"version": 1, "files", "statements", "suppressed_by_baseline", "summary", "findings"}.
std::string format_json(const LintReport& report);

// A SARIF 2.1.0 log with one run. `rules` become the driver's rule descriptors; a rule a finding
// names that is not among them (such as "syntax-error") gets a descriptor of its own.
std::string format_sarif(const LintReport& report, const std::vector<RuleInfo>& rules, std::string_view tool_version);

// One `::error`/`::warning`/`::notice` workflow command a line.
std::string format_github(const LintReport& report);

}  // namespace migrate::lint

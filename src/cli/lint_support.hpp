// Setting the linter up from the command line and migrate.toml: shared by `lint`, and by `apply`
// and `plan`, which lint the migrations they are about to run.
#pragma once

#include <string_view>

#include "cli/commands.hpp"
#include "cli/settings.hpp"
#include "engine/plan.hpp"
#include "lint/linter.hpp"

namespace migrate {

struct LintRun {
    lint::Linter linter;
    lint::Severity fail_on = lint::Severity::error;
};

// For `migrate lint`: the dialect from --dialect, [lint] dialect or the database URL; rules and
// severities from the options over [lint]. Throws Error(usage) naming the option at fault.
LintRun prepare_lint(const Settings& settings, const LintOptions& options);

// For apply and plan: the database's own dialect, [lint] for the rest.
LintRun prepare_lint_for(const Settings& settings, std::string_view dialect);

// The findings in the SQL `plan` runs: each planned migration linted, keeping the findings in
// the phases and directions the plan runs.
std::vector<lint::Finding> lint_plan(const Plan& plan, const lint::Linter& linter);

}  // namespace migrate

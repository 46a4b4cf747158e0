// What apply and rollback share: print the plan for --dry-run, or run it with progress on the
// terminal (text) or one JSON document at the end (json), which also reports a failure.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cli/settings.hpp"
#include "engine/project.hpp"
#include "lint/finding.hpp"

namespace migrate {

struct PhaseCommand {
    std::string operation;  // "apply" or "rollback"
    std::string nothing_to_do;
    std::string done_verb;  // "Applied", "Rolled back"
    std::function<Plan()> plan;
    std::function<Plan(RunObserver&)> run;
    // apply's linter: the findings in `plan` that refuse it. A dry run shows them beside the
    // steps and exits 3 when there are any.
    std::function<std::vector<lint::Finding>(const Plan&)> refusals;
};

int run_phase_command(const Settings& settings, bool dry_run, const PhaseCommand& command);

}  // namespace migrate

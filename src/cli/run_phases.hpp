// What apply and rollback share: print the plan for --dry-run, or run it with progress on the
// terminal (text) or one JSON document at the end (json), which also reports a failure.
#pragma once

#include <functional>
#include <string>

#include "cli/settings.hpp"
#include "engine/project.hpp"

namespace migrate {

struct PhaseCommand {
    std::string operation;  // "apply" or "rollback"
    std::string nothing_to_do;
    std::string done_verb;  // "Applied", "Rolled back"
    std::function<Plan()> plan;
    std::function<Plan(RunObserver&)> run;
};

int run_phase_command(const Settings& settings, bool dry_run, const PhaseCommand& command);

}  // namespace migrate

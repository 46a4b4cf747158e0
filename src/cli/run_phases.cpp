#include "cli/run_phases.hpp"

#include <iostream>

#include <fmt/format.h>
#include <unistd.h>

#include "cli/cli_support.hpp"
#include "cli/output.hpp"

namespace migrate {

int run_phase_command(const Settings& settings, bool dry_run, const PhaseCommand& command) {
    bool json = settings.format == OutputFormat::json;
    if (dry_run) {
        Plan plan = command.plan();
        std::vector<lint::Finding> refusals = command.refusals ? command.refusals(plan) : std::vector<lint::Finding>{};
        if (json) {
            nlohmann::json document = plan_to_json(plan, settings, command.operation, refusals);
            document["dry_run"] = true;
            print_json(document);
        } else {
            print_plan_text(std::cout, plan, settings, command.operation + " (dry run: nothing is changed)", refusals);
        }
        if (!refusals.empty()) {
            std::cerr << fmt::format(
                "migrate: {} would refuse: the linter found {} problem{} in the phases to {} "
                "(shown beside their steps)\n",
                command.operation, refusals.size(), refusals.size() == 1 ? "" : "s", command.operation);
            return 3;
        }
        return 0;
    }
    BackfillProgressReporter progress(
        std::cerr, resolve_progress_style(settings.backfill.progress, json, isatty(STDERR_FILENO) == 1));
    if (json) {
        JsonRunObserver observer(progress);
        try {
            command.run(observer);
        } catch (const std::exception& e) {
            nlohmann::json document = observer.document(settings, command.operation);
            document["error"] = error_to_json(e);
            print_json(document);
            throw;
        }
        print_json(observer.document(settings, command.operation));
        return 0;
    }
    TextRunObserver observer(
        std::cout,
        fmt::format("{}: {} on {}", command.operation, settings.dir.string(), require_url(settings).redacted()),
        progress);
    try {
        Plan plan = command.run(observer);
        observer.print_header();
        if (plan.runs.empty()) {
            std::cout << command.nothing_to_do << "\n";
        } else {
            std::cout << fmt::format("{} {} phase{}.\n", command.done_verb, plan.runs.size(),
                                     plan.runs.size() == 1 ? "" : "s");
        }
    } catch (...) {
        observer.phase_failed();
        throw;
    }
    return 0;
}

}  // namespace migrate

#include <iostream>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/lint_support.hpp"
#include "cli/output.hpp"

namespace migrate {

CLI::App* setup_plan(CLI::App& app, PlanOptions& options) {
    CLI::App* command =
        app.add_subcommand("plan",
                           "Show, per migration and phase, the SQL that 'apply' would run now, with the lint findings "
                           "beside the steps they concern; writes nothing");
    command
        ->add_option("--phase,-p", options.phase,
                     "Plan every pending phase up to and including this one: expand, backfill, contract or all "
                     "(default: all)")
        ->type_name("PHASE");
    command->add_option("--to", options.to, "Only migrations up to and including this id")->type_name("ID");
    return command;
}

int run_plan(const PlanOptions& options, const CommonOptions& common) {
    Settings settings = resolve_settings(common);
    ApplyRequest request{parse_phase_option(options.phase, "--phase", true), parse_migration_id(options.to, "--to")};
    Project project(project_settings(settings));
    Plan plan = project.plan_apply(request);
    LintRun linting = prepare_lint_for(settings, project.dialect().name());
    std::vector<lint::Finding> findings = lint_plan(plan, linting.linter);
    if (settings.format == OutputFormat::json) {
        print_json(plan_to_json(plan, settings, "apply", findings));
    } else {
        print_plan_text(std::cout, plan, settings, "apply", findings);
    }
    return 0;
}

}  // namespace migrate

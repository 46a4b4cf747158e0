#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/run_phases.hpp"

namespace migrate {

CLI::App* setup_rollback(CLI::App& app, RollbackOptions& options) {
    CLI::App* command = app.add_subcommand(
        "rollback",
        "Undo the latest applied phase that has steps (and any empty phases applied after it) by running "
        "its downs in reverse order; --to and --phase undo more");
    command
        ->add_option("--phase,-p", options.phase,
                     "Undo every applied phase of this kind and the later kinds: contract, backfill or expand "
                     "('expand' undoes everything)")
        ->type_name("PHASE");
    command->add_option("--to", options.to, "Undo every phase of the migrations numbered above this id (0 undoes all)")
        ->type_name("ID");
    command->add_flag("--dry-run", options.dry_run, "Print the plan instead of running it");
    return command;
}

int run_rollback(const RollbackOptions& options, const CommonOptions& common) {
    Settings settings = resolve_settings(common);
    RollbackRequest request;
    if (!options.phase.empty()) {
        request.phase = parse_phase_option(options.phase, "--phase", false);
    }
    request.to = parse_migration_id(options.to, "--to");
    Project project(project_settings(settings));
    return run_phase_command(settings, options.dry_run,
                             {"rollback",
                              "Nothing to roll back.",
                              "Rolled back",
                              [&] { return project.plan_rollback(request); },
                              [&](RunObserver& observer) { return project.rollback(request, observer); },
                              // Rollback runs downs the linter does not gate.
                              {}});
}

}  // namespace migrate

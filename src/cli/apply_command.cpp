// migrate apply: runs the pending phases in order, linted first, with each contract behind its gate.
#include <functional>
#include <iostream>
#include <optional>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/lint_support.hpp"
#include "cli/run_phases.hpp"
#include "lint/reporters.hpp"
#include "support/error.hpp"

namespace migrate {

CLI::App* setup_apply(CLI::App& app, ApplyOptions& options) {
    CLI::App* command = app.add_subcommand(
        "apply", "Apply pending phases in order: every expand, then every backfill, then every contract");
    command
        ->add_option("--phase,-p", options.phase,
                     "Apply every pending phase up to and including this one: expand, backfill, contract or all "
                     "(default: all). Run '--phase expand' before an app rollout and plain 'apply' after it.")
        ->type_name("PHASE");
    command->add_option("--to", options.to, "Only migrations up to and including this id")->type_name("ID");
    command->add_flag("--dry-run", options.dry_run, "Print the plan instead of running it");
    command->add_flag("--no-lint", options.no_lint,
                      "Run even if the linter finds errors in the phases to apply (by default apply lints them "
                      "first and refuses with exit 3)");
    command->add_flag("--no-gate", options.no_gate,
                      "Let contracts that name no [contract.requires] run (by default apply refuses them with exit "
                      "2); it never opens a gate that a requirement closes");
    command->add_flag("--force", options.force,
                      "Run contracts even though their gate is closed; needs --reason, which the event log keeps "
                      "with user and host");
    command->add_option("--reason", options.reason, "Why --force is needed")->type_name("TEXT");
    add_backfill_options(*command, options.backfill);
    command->footer(
        "A contract runs only once every live instance of the app its migration names ([contract.requires]) "
        "reports at least the version it needs: otherwise apply changes nothing and exits 4, listing them. "
        "'migrate gate contract --wait' waits for that; 'migrate fleet' records the instances.\n"
        "A backfill stops cleanly on SIGINT or SIGTERM after the batch in flight (exit 130 or 143); the next apply "
        "resumes from the saved cursor. 'migrate backfill pause|resume|status' control it from any host.");
    return command;
}

int run_apply(const ApplyOptions& options, const CommonOptions& common) {
    Settings settings = resolve_settings(common, &options.backfill);
    ApplyRequest request{parse_phase_option(options.phase, "--phase", true), parse_migration_id(options.to, "--to")};
    if (options.force && options.reason.find_first_not_of(" \t\n") == std::string::npos) {
        throw Error(ErrorKind::usage,
                    "--force needs --reason \"...\": the event log keeps why the gate was overridden");
    }
    if (!options.force && !options.reason.empty()) {
        throw Error(ErrorKind::usage, "--reason goes with --force; without it there is nothing to give a reason for");
    }
    ProjectSettings project_options = project_settings(settings);
    project_options.run.gate = {options.no_gate, options.force, options.reason};
    Project project(std::move(project_options));
    if (options.force) {
        std::cerr << "migrate: warning: --force: contracts run even if live app instances still need the old schema\n";
    }
    check_backfill_options(settings.backfill.options, project.dialect());
    std::optional<LintRun> linting;
    std::function<std::vector<lint::Finding>(const Plan&)> refusals;
    std::function<void(const Plan&)> lint_check;
    if (options.no_lint) {
        std::cerr << "migrate: warning: --no-lint: the migrations to apply were not checked by the linter\n";
    } else {
        linting.emplace(prepare_lint_for(settings, project.dialect().name()));
        refusals = [&](const Plan& plan) {
            std::vector<lint::Finding> findings = lint_plan(plan, linting->linter);
            std::erase_if(findings, [&](const lint::Finding& finding) { return finding.severity < linting->fail_on; });
            return findings;
        };
        // Under the runner lock, on the plan about to run: the findings go to stderr, the refusal
        // to main, which exits 3.
        lint_check = [&](const Plan& plan) {
            lint::LintReport report;
            report.findings = refusals(plan);
            if (!report.findings.empty()) {
                std::cerr << lint::format_text(report);
                throw Error(ErrorKind::lint, "apply refused: the linter found problems in the phases to apply", {},
                            "fix them, accept one with '-- migrate:ignore RULE: reason' before its statement, or "
                            "pass --no-lint");
            }
        };
    }
    return run_phase_command(
        settings, options.dry_run,
        {"apply", "Nothing to apply: the database is up to date.", "Applied",
         [&] { return project.plan_apply(request); },
         [&](RunObserver& observer) { return project.apply(request, observer, lint_check); }, refusals});
}

}  // namespace migrate

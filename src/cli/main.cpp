// The migrate binary: parses the command line, runs one subcommand, and maps errors to the exit
// codes pipelines script against (the only place that does).
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "support/error.hpp"
#include "support/redact.hpp"

namespace {

constexpr const char* version = MIGRATE_VERSION;

int exit_code_for(const migrate::Error& error) {
    switch (error.kind()) {
        case migrate::ErrorKind::usage:
            return 2;
        case migrate::ErrorKind::lint:
            return 3;
        case migrate::ErrorKind::gate_closed:
            return 4;
        case migrate::ErrorKind::lock_timeout:
            return 5;
        case migrate::ErrorKind::interrupted:
            // The shell's convention for "ended by this signal", which supervisors understand.
            return error.code() == "SIGINT" ? 130 : 143;
        case migrate::ErrorKind::input:
        case migrate::ErrorKind::database:
        case migrate::ErrorKind::state:
        case migrate::ErrorKind::internal:
            return 1;
    }
    return 1;
}

std::string command_line(int argc, char** argv) {
    std::string line = "migrate";
    for (int i = 1; i < argc; ++i) {
        line += ' ';
        line += argv[i];
    }
    return migrate::redact_secrets(line);
}

int report(const migrate::Error& error) {
    std::string code =
        error.code().empty() ? "" : fmt::format(" [{} error {}]", migrate::to_string(error.kind()), error.code());
    std::cerr << fmt::format("migrate: error: {}{}\n", migrate::redact_secrets(error.what()), code);
    if (!error.hint().empty()) {
        std::cerr << fmt::format("hint: {}\n", error.hint());
    }
    return exit_code_for(error);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("Zero-downtime schema migrations in three phases: expand, backfill, contract.", "migrate");
    app.set_version_flag("--version", version);
    // At most one; "none" is reported below, so that an unknown word is named as such.
    app.require_subcommand(0, 1);
    // Common options are accepted before or after the subcommand's name.
    app.fallthrough();
    app.footer(
        "Exit codes: 0 ok, 1 error, 2 usage, 3 lint findings at or above the fail level, 4 contract gate closed "
        "(live app instances still run an older version), 5 lock wait or lock timeout exhausted, 130/143 a "
        "backfill stopped by SIGINT/SIGTERM at a checkpoint.\n"
        "Run 'migrate COMMAND --help' for a command's options; the common options work with every command.");

    migrate::CommonOptions common;
    common.command_line = command_line(argc, argv);
    migrate::add_common_options(app, common);

    migrate::InitOptions init_options;
    migrate::NewOptions new_options;
    migrate::PlanOptions plan_options;
    migrate::ApplyOptions apply_options;
    migrate::RollbackOptions rollback_options;
    migrate::StatusOptions status_options;
    migrate::LintOptions lint_options;
    migrate::RulesOptions rules_options;
    migrate::BackfillControlOptions backfill_options;
    migrate::FleetOptions fleet_options;
    migrate::GateOptions gate_options;
    CLI::App* init = migrate::setup_init(app, init_options);
    CLI::App* create = migrate::setup_new(app, new_options);
    CLI::App* plan = migrate::setup_plan(app, plan_options);
    CLI::App* apply = migrate::setup_apply(app, apply_options);
    CLI::App* rollback = migrate::setup_rollback(app, rollback_options);
    CLI::App* status = migrate::setup_status(app, status_options);
    CLI::App* lint = migrate::setup_lint(app, lint_options);
    CLI::App* rules = migrate::setup_rules(app, rules_options);
    CLI::App* backfill = migrate::setup_backfill(app, backfill_options);
    CLI::App* fleet = migrate::setup_fleet(app, fleet_options);
    CLI::App* gate = migrate::setup_gate(app, gate_options);
    for (CLI::App* command : {init, create, plan, apply, rollback, status, lint, rules, backfill, fleet, gate}) {
        // After the command's own footer, if it has one.
        std::string own = command->get_footer();
        command->footer((own.empty() ? "" : own + "\n\n") +
                        "Common options (before or after the command name): --database-url/-u URL, --dir/-d DIR, "
                        "--config/-c FILE, --format/-f text|json, --lock-wait DURATION, --lock-timeout DURATION, "
                        "--lock-retries N, --statement-timeout DURATION, --state-schema NAME, --online-ddl "
                        "require|off. See 'migrate --help'.");
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << fmt::format("migrate: error: {}\nRun 'migrate --help' for usage.\n",
                                 migrate::redact_secrets(e.what()));
        return 2;
    }

    try {
        if (*init) {
            return migrate::run_init(init_options, common);
        }
        if (*create) {
            return migrate::run_new(new_options, common);
        }
        if (*plan) {
            return migrate::run_plan(plan_options, common);
        }
        if (*apply) {
            return migrate::run_apply(apply_options, common);
        }
        if (*rollback) {
            return migrate::run_rollback(rollback_options, common);
        }
        if (*status) {
            return migrate::run_status(status_options, common);
        }
        if (*lint) {
            return migrate::run_lint(lint_options, common);
        }
        if (*rules) {
            return migrate::run_rules(rules_options, common);
        }
        if (*backfill) {
            return migrate::run_backfill_control(backfill_options, common);
        }
        if (*fleet) {
            return migrate::run_fleet(fleet_options, common);
        }
        if (*gate) {
            return migrate::run_gate(gate_options, common);
        }
        std::cerr << "migrate: error: a command is required (init, new, plan, apply, rollback, status, backfill, "
                     "fleet, gate, lint or rules)\n"
                     "Run 'migrate --help' for usage.\n";
        return 2;
    } catch (const migrate::Error& e) {
        return report(e);
    } catch (const std::exception& e) {
        return report(migrate::Error(migrate::ErrorKind::internal, fmt::format("unexpected error: {}", e.what())));
    }
}

// `migrate gate contract [ID] [--wait]`: whether `apply --phase contract` may run now, for a
// rollout pipeline to ask before it starts the contract job. Exit 0 when every pending contract
// up to ID may run, 4 when one may not (saying why); with --wait it asks again until it may or
// the timeout passes.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "engine/gate.hpp"
#include "support/duration.hpp"
#include "support/error.hpp"

namespace migrate {

namespace {

struct GateReport {
    std::vector<std::pair<const Migration*, ContractReadiness>> contracts;  // not yet contracted, in order
    bool open() const {
        return std::all_of(contracts.begin(), contracts.end(), [](const auto& c) { return c.second.may_run(); });
    }
};

GateReport check_gates(Project& project, std::optional<std::uint64_t> to) {
    const std::vector<Migration>& migrations = project.migrations();
    StateSnapshot state = project.read_state();
    require_consistent(migrations, state);
    GateReport report;
    for (const Migration& migration : migrations) {
        if ((to && migration.number > *to) || migration.contract.empty()) {
            continue;
        }
        ContractReadiness readiness = contract_readiness(migration, state);
        if (readiness.state != "done") {
            report.contracts.emplace_back(&migration, std::move(readiness));
        }
    }
    return report;
}

nlohmann::json report_json(const GateReport& report, const Settings& settings, Duration waited) {
    nlohmann::json contracts = nlohmann::json::array();
    for (const auto& [migration, readiness] : report.contracts) {
        nlohmann::json item = contract_gate_json(readiness);
        item["id"] = migration->id;
        item["name"] = migration->name;
        contracts.push_back(std::move(item));
    }
    return {{"version", json_format_version},
            {"database", require_url(settings).redacted()},
            {"gate", "contract"},
            {"open", report.open()},
            {"waited_seconds", std::chrono::duration_cast<std::chrono::seconds>(waited).count()},
            {"contracts", std::move(contracts)}};
}

void print_report_text(const GateReport& report) {
    if (report.contracts.empty()) {
        std::cout << "Contract gate open: no contract is pending.\n";
        return;
    }
    std::cout << fmt::format("Contract gate {}:\n", report.open() ? "open" : "closed");
    for (const auto& [migration, readiness] : report.contracts) {
        std::cout << fmt::format("  {}  {}: {}\n", migration->label(), readiness.state, readiness.summary);
        if (readiness.state == "closed" || readiness.state == "open") {
            // The lines after the first list the instances.
            std::istringstream lines(explain_gate(readiness.decision));
            std::string line;
            std::getline(lines, line);
            while (std::getline(lines, line)) {
                std::cout << "  " << line << "\n";
            }
        }
    }
}

// The first contract that may not run, for the one-line refusal.
std::string first_refusal(const GateReport& report) {
    for (const auto& [migration, readiness] : report.contracts) {
        if (!readiness.may_run()) {
            std::string refusal = fmt::format("{}: {}", migration->label(), readiness.summary);
            const std::vector<FleetInstanceView>& blocking = readiness.decision.blocking;
            for (std::size_t i = 0; i < blocking.size() && i < 5; ++i) {
                refusal += fmt::format("{}{} {}", i == 0 ? " (" : ", ", blocking[i].member.instance,
                                       blocking[i].member.version);
            }
            return refusal + (blocking.empty() ? "" : blocking.size() > 5 ? ", ...)" : ")");
        }
    }
    return {};
}

}  // namespace

CLI::App* setup_gate(CLI::App& app, GateOptions& options) {
    CLI::App* command = app.add_subcommand("gate", "Ask whether a phase may run now (exit 0 yes, 4 not yet)");
    // Not require_subcommand: a word that is not a gate ("gate expand") is then named as such.
    command->require_subcommand(0, 1);
    CLI::App* contract = command->add_subcommand(
        "contract",
        "Whether 'apply --phase contract' may run: every pending contract's backfill done and every "
        "live instance of the app it names at or above its min_version");
    contract->add_option("migration", options.migration, "Only contracts up to and including this migration")
        ->type_name("ID");
    contract->add_flag("--wait", options.wait, "Ask again every --interval until the gate opens or --timeout passes");
    contract->add_option("--timeout", options.timeout, "How long --wait waits before exit 4 (default: 10m)")
        ->type_name("DURATION");
    contract->add_option("--interval", options.interval, "How often --wait asks (default: 5s)")->type_name("DURATION");
    contract->callback([&options] { options.gate = "contract"; });
    contract->footer(
        "Exit codes: 0 the contracts may run, 4 not yet (each reason printed), 1 an error (bad migration files, "
        "database unreachable), 2 a bad option. Stale instances (no heartbeat within their TTL) do not block; an "
        "app with no live instance at all does.");
    return command;
}

int run_gate(const GateOptions& options, const CommonOptions& common) {
    if (options.gate.empty()) {
        throw Error(ErrorKind::usage, "gate: name the gate to ask about; 'migrate gate contract' is the one there is");
    }
    Settings settings = resolve_settings(common);
    Duration timeout = parse_duration(options.timeout, "--timeout");
    Duration interval = parse_duration(options.interval, "--interval");
    if (interval <= Duration::zero()) {
        throw Error(ErrorKind::usage, "--interval must be longer than zero");
    }
    std::optional<std::uint64_t> to = parse_migration_id(options.migration, "MIGRATION");
    Project project(project_settings(settings));
    check_request(project.migrations(), ApplyRequest{Phase::contract, to});
    require_url(settings);

    auto started = std::chrono::steady_clock::now();
    auto waited = [&] { return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - started); };
    std::string last_refusal;
    GateReport report = check_gates(project, to);
    while (options.wait && !report.open() && waited() < timeout) {
        if (std::string refusal = first_refusal(report); refusal != last_refusal) {
            // Once per change of reason, so that a long wait leaves a short log.
            std::cerr << fmt::format("migrate: gate closed: {}; asking every {} for up to {}\n", refusal,
                                     format_duration(interval), format_duration(timeout));
            last_refusal = refusal;
        }
        std::this_thread::sleep_for(std::min(interval, timeout - waited()));
        report = check_gates(project, to);
    }
    if (settings.format == OutputFormat::json) {
        print_json(report_json(report, settings, waited()));
    } else {
        print_report_text(report);
    }
    if (!report.open()) {
        throw Error(ErrorKind::gate_closed, options.wait
                                                ? fmt::format("contract gate still closed after {}: {}",
                                                              format_duration(waited()), first_refusal(report))
                                                : fmt::format("contract gate closed: {}", first_refusal(report)));
    }
    return 0;
}

}  // namespace migrate

// The subcommands: each has its options struct, a setup_x that registers it with CLI11, and a
// run_x that does the work and returns the exit code for success (errors are thrown to main).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/backfill_settings.hpp"
#include "cli/settings.hpp"

namespace migrate {

struct InitOptions {};
CLI::App* setup_init(CLI::App& app, InitOptions& options);
int run_init(const InitOptions& options, const CommonOptions& common);

struct NewOptions {
    std::string name;
    bool sql = false;
};
CLI::App* setup_new(CLI::App& app, NewOptions& options);
int run_new(const NewOptions& options, const CommonOptions& common);

struct PlanOptions {
    std::string phase = "all";
    std::string to;
};
CLI::App* setup_plan(CLI::App& app, PlanOptions& options);
int run_plan(const PlanOptions& options, const CommonOptions& common);

struct ApplyOptions {
    std::string phase = "all";
    std::string to;
    bool dry_run = false;
    bool no_lint = false;
    bool no_gate = false;
    bool force = false;
    std::string reason;
    BackfillCliOptions backfill;
};
CLI::App* setup_apply(CLI::App& app, ApplyOptions& options);
int run_apply(const ApplyOptions& options, const CommonOptions& common);

struct RollbackOptions {
    std::string phase;
    std::string to;
    bool dry_run = false;
};
CLI::App* setup_rollback(CLI::App& app, RollbackOptions& options);
int run_rollback(const RollbackOptions& options, const CommonOptions& common);

struct LintOptions {
    std::vector<std::string> paths;
    std::string dialect;
    std::string fail_on;
    std::string changed_since;
    std::string baseline;
    std::string write_baseline;
    std::vector<std::string> enable;
    std::vector<std::string> disable;
    int pg_version = 0;  // 0: not given
    std::string explain;
};
CLI::App* setup_lint(CLI::App& app, LintOptions& options);
int run_lint(const LintOptions& options, const CommonOptions& common);

struct RulesOptions {};
CLI::App* setup_rules(CLI::App& app, RulesOptions& options);
int run_rules(const RulesOptions& options, const CommonOptions& common);

struct BackfillControlOptions {
    std::string action;  // pause, resume or status: which subcommand ran
    std::string migration;
    std::string reason;
};
CLI::App* setup_backfill(CLI::App& app, BackfillControlOptions& options);
int run_backfill_control(const BackfillControlOptions& options, const CommonOptions& common);

struct FleetOptions {
    std::string action;  // register, deregister, list, prune or sql: which subcommand ran
    std::string app;
    std::string instance;
    std::string version;
    std::string ttl = "60s";
    std::string stale_for = "1h";
};
CLI::App* setup_fleet(CLI::App& app, FleetOptions& options);
int run_fleet(const FleetOptions& options, const CommonOptions& common);

struct GateOptions {
    std::string gate;  // which subcommand ran: contract
    std::string migration;
    bool wait = false;
    std::string timeout = "10m";
    std::string interval = "5s";
};
CLI::App* setup_gate(CLI::App& app, GateOptions& options);
int run_gate(const GateOptions& options, const CommonOptions& common);

struct StatusOptions {};
CLI::App* setup_status(CLI::App& app, StatusOptions& options);
int run_status(const StatusOptions& options, const CommonOptions& common);

}  // namespace migrate

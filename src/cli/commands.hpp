// The subcommands: each has its options struct, a setup_x that registers it with CLI11, and a
// run_x that does the work and returns the exit code for success (errors are thrown to main).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

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
    int batch_size = 0;
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

struct StatusOptions {};
CLI::App* setup_status(CLI::App& app, StatusOptions& options);
int run_status(const StatusOptions& options, const CommonOptions& common);

}  // namespace migrate

// `migrate backfill pause | resume | status`: controlling and watching a running backfill from
// another shell or host. They talk to the target database only (through the state store), so
// they work wherever the database is reachable, without the migrations folder.
#include <chrono>
#include <iostream>

#include <fmt/format.h>

#include "cli/backfill_progress.hpp"
#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "support/clock.hpp"
#include "support/error.hpp"

namespace migrate {

namespace {

// A run that has not written its row for this long is not running any more: it waits for a
// throttle or counts the rows left with a heartbeat every 2 seconds, and batches take a fraction
// of a second.
constexpr auto stale_after = std::chrono::seconds(30);

// The id as the state store spells it ("0004") for what the user typed ("4", "0004"), or "*".
std::string resolve_scope(const std::string& given, const StateSnapshot& state) {
    if (given.empty() || given == "*" || given == "all") {
        return "*";
    }
    std::uint64_t wanted = *parse_migration_id(given, "MIGRATION");
    for (const auto& [id, record] : state.migrations) {
        if (parse_migration_id(id, "state") == wanted) {
            return id;
        }
    }
    throw Error(ErrorKind::usage,
                fmt::format("migration {} has not been applied on this database; there is no backfill of it to "
                            "control",
                            given),
                {}, "see 'migrate status' for the migrations the database knows");
}

// "running", "waiting", ... or "gone" for a run that stopped writing without saying so (killed).
std::string run_state_now(const BackfillProgress& progress) {
    if (progress.completed) {
        return "done";
    }
    if (progress.run_state == "running" || progress.run_state == "waiting" || progress.run_state == "counting") {
        std::optional<std::chrono::system_clock::time_point> seen = parse_utc_timestamp(progress.updated_at);
        if (seen && std::chrono::system_clock::now() - *seen > stale_after) {
            return "gone";
        }
    }
    return progress.run_state.empty() ? "stopped" : progress.run_state;
}

std::string paused_scope(const StateSnapshot& state, const std::string& migration_id) {
    for (const BackfillPause& pause : state.pauses) {
        if (pause.scope == "*" || pause.scope == migration_id) {
            return fmt::format("paused by {} at {}{}{}", pause.paused_by, pause.paused_at,
                               pause.reason.empty() ? "" : ": ", pause.reason);
        }
    }
    return {};
}

nlohmann::json status_json(const StateSnapshot& state, const Settings& settings) {
    nlohmann::json backfills = nlohmann::json::array();
    for (const auto& [key, progress] : state.backfills) {
        nlohmann::json item = {{"migration", progress.migration_id},
                               {"step", progress.step + 1},
                               {"table", progress.table},
                               {"state", run_state_now(progress)},
                               {"rows_updated", progress.rows_updated},
                               {"rows_scanned", progress.rows_scanned},
                               {"batches", progress.batches},
                               {"passes", progress.passes},
                               {"batch_size", progress.batch_size},
                               {"rows_per_second", progress.rows_per_second},
                               {"started_at", progress.started_at},
                               {"updated_at", progress.updated_at},
                               {"runner", progress.runner}};
        item["estimated_rows"] =
            progress.estimated_rows > 0 ? nlohmann::json(progress.estimated_rows) : nlohmann::json(nullptr);
        item["throttle"] = progress.throttle.empty() ? nlohmann::json(nullptr) : nlohmann::json(progress.throttle);
        std::string paused = paused_scope(state, progress.migration_id);
        item["paused"] = paused.empty() ? nlohmann::json(nullptr) : nlohmann::json(paused);
        backfills.push_back(std::move(item));
    }
    nlohmann::json pauses = nlohmann::json::array();
    for (const BackfillPause& pause : state.pauses) {
        pauses.push_back({{"scope", pause.scope == "*" ? "all" : pause.scope},
                          {"paused_by", pause.paused_by},
                          {"paused_at", pause.paused_at},
                          {"reason", pause.reason}});
    }
    return {{"version", json_format_version},
            {"database", require_url(settings).redacted()},
            {"backfills", backfills},
            {"pauses", pauses}};
}

void print_status(const StateSnapshot& state) {
    for (const BackfillPause& pause : state.pauses) {
        std::cout << fmt::format("Paused: {} by {} at {}{}{}\n",
                                 pause.scope == "*" ? "all backfills" : "migration " + pause.scope, pause.paused_by,
                                 pause.paused_at, pause.reason.empty() ? "" : ": ", pause.reason);
    }
    if (state.backfills.empty()) {
        std::cout << "No backfill has run on this database.\n";
        return;
    }
    for (const auto& [key, progress] : state.backfills) {
        std::string line = fmt::format("{} step {} {}: {}, {} rows updated in {} batches", progress.migration_id,
                                       progress.step + 1, progress.table, run_state_now(progress),
                                       grouped(progress.rows_updated), grouped(progress.batches));
        if (progress.passes > 1) {
            line += fmt::format(" ({} passes)", progress.passes);
        }
        if (!progress.completed && progress.estimated_rows > 0) {
            double done = std::min(1.0, static_cast<double>(progress.rows_scanned) / progress.estimated_rows);
            line += fmt::format(", {:.0f}% of ~{} rows walked", done * 100, grouped(progress.estimated_rows));
        }
        if (!progress.completed && progress.rows_per_second > 0) {
            line +=
                fmt::format(", {} rows/s, batch {}", grouped(progress.rows_per_second), grouped(progress.batch_size));
        }
        std::cout << line << "\n";
        if (!progress.throttle.empty() && !progress.completed) {
            std::cout << "    " << progress.throttle << "\n";
        }
        if (!progress.runner.empty()) {
            std::cout << fmt::format("    {} by {}, last update {}\n", progress.completed ? "ran" : "run",
                                     progress.runner, progress.updated_at);
        }
    }
}

}  // namespace

CLI::App* setup_backfill(CLI::App& app, BackfillControlOptions& options) {
    CLI::App* command = app.add_subcommand("backfill", "Pause, resume or watch a backfill, from any host");
    command->require_subcommand(1);
    CLI::App* pause = command->add_subcommand(
        "pause", "Make running and future backfills wait before their next batch, until 'backfill resume'");
    pause->add_option("migration", options.migration, "Only this migration's backfill (default: all)")->type_name("ID");
    pause->add_option("--reason", options.reason, "Why, for the event log and 'backfill status'");
    pause->callback([&options] { options.action = "pause"; });
    CLI::App* resume = command->add_subcommand("resume", "Lift a pause");
    resume->add_option("migration", options.migration, "Only this migration's pause (default: every pause)")
        ->type_name("ID");
    resume->callback([&options] { options.action = "resume"; });
    CLI::App* status = command->add_subcommand(
        "status", "Each backfill's state, rows, rate, throttle and runner, as the database has them");
    status->callback([&options] { options.action = "status"; });
    return command;
}

int run_backfill_control(const BackfillControlOptions& options, const CommonOptions& common) {
    Settings settings = resolve_settings(common);
    Project project(project_settings(settings));
    const DatabaseUrl& url = require_url(settings);
    if (options.action == "status") {
        StateSnapshot state = project.read_state();
        if (settings.format == OutputFormat::json) {
            print_json(status_json(state, settings));
        } else {
            print_status(state);
        }
        return 0;
    }
    if (!project.dialect().database_exists(url)) {
        throw Error(ErrorKind::state,
                    fmt::format("{} does not exist: there is no backfill to {}", url.redacted(), options.action));
    }
    std::string scope = resolve_scope(options.migration, project.read_state());
    std::string what = scope == "*" ? "all backfills" : "the backfill of migration " + scope;
    if (options.action == "pause") {
        project.pause_backfills(scope, options.reason);
        std::string message =
            fmt::format("Paused {} on {}: a running backfill waits before its next batch.", what, url.redacted());
        if (settings.format == OutputFormat::json) {
            print_json({{"version", json_format_version}, {"paused", scope == "*" ? "all" : scope}});
        } else {
            std::cout << message << "\n";
        }
        return 0;
    }
    std::int64_t lifted = project.resume_backfills(options.migration.empty() ? std::string() : scope);
    if (settings.format == OutputFormat::json) {
        print_json({{"version", json_format_version}, {"pauses_lifted", lifted}});
    } else if (lifted == 0) {
        std::cout << fmt::format("Nothing to resume: {} was not paused.\n",
                                 options.migration.empty() ? "no backfill" : what);
    } else {
        std::cout << fmt::format("Resumed {}.\n", options.migration.empty() ? "every paused backfill" : what);
    }
    return 0;
}

}  // namespace migrate

// `migrate fleet register | deregister | list | prune | sql`: the app instances the contract gate waits
// for. Each instance reports its version through the state store in the target database, by this
// command (a sidecar's heartbeat loop) or by running `fleet sql`'s statement itself; none of them
// needs the migrations folder.
#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "engine/gate.hpp"
#include "support/clock.hpp"
#include "support/duration.hpp"
#include "support/error.hpp"

namespace migrate {

namespace {

// The state store keys app and instance as VARCHAR(191) on MySQL.
constexpr std::size_t max_name_length = 191;

void check_name(const std::string& value, const char* option) {
    if (value.empty()) {
        throw Error(ErrorKind::usage, fmt::format("{} must not be empty", option));
    }
    if (value.size() > max_name_length) {
        throw Error(ErrorKind::usage,
                    fmt::format("{}: '{}...' is longer than {} bytes", option, value.substr(0, 20), max_name_length));
    }
}

std::int64_t ttl_seconds(const std::string& text) {
    Duration ttl = parse_duration(text, "--ttl");
    if (ttl < std::chrono::seconds(1)) {
        throw Error(ErrorKind::usage,
                    fmt::format("--ttl: '{}' is shorter than the 1s the heartbeats are kept in", text));
    }
    // Whole seconds, rounded up: a TTL never comes out shorter than asked.
    return (ttl.count() + 999) / 1000;
}

void print_fleet_text(const std::vector<FleetInstanceView>& views, const std::string& app) {
    if (views.empty()) {
        std::cout << (app.empty() ? "No app instance has registered.\n"
                                  : fmt::format("No instance of {} has registered.\n", app));
        return;
    }
    std::size_t app_width = 3;
    std::size_t instance_width = 8;
    std::size_t version_width = 7;
    for (const FleetInstanceView& view : views) {
        app_width = std::max(app_width, view.member.app.size());
        instance_width = std::max(instance_width, view.member.instance.size());
        version_width = std::max(version_width, view.member.version.size());
    }
    std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<5}  {}\n", "APP", app_width, "INSTANCE", instance_width,
                             "VERSION", version_width, "STATE", "LAST SEEN");
    for (const FleetInstanceView& view : views) {
        std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<5}  {} ({}s ago, ttl {}s)\n", view.member.app, app_width,
                                 view.member.instance, instance_width, view.member.version, version_width,
                                 view.live ? "live" : "stale", utc_timestamp_of_epoch(view.member.last_seen),
                                 view.seen_seconds_ago, view.member.ttl_seconds);
    }
}

}  // namespace

CLI::App* setup_fleet(CLI::App& app, FleetOptions& options) {
    CLI::App* command = app.add_subcommand(
        "fleet", "The app instances the contract gate waits for: register their versions, list them");
    command->require_subcommand(1);

    CLI::App* registration = command->add_subcommand(
        "register", "Record that an app instance runs a version, or refresh its heartbeat (idempotent)");
    registration->add_option("--app", options.app, "The app, as contracts name it in [contract.requires]")->required();
    registration->add_option("--instance", options.instance, "This instance's unique name (e.g. the pod name)")
        ->required();
    registration->add_option("--version", options.version, "The version it runs, a semantic version (2.3.1)")
        ->required();
    registration
        ->add_option("--ttl", options.ttl,
                     "How long the instance counts as live without another heartbeat (default: 60s)")
        ->type_name("DURATION");
    registration->footer(
        "Run it at start-up and then well within the TTL (e.g. every 20s for 60s) from a sidecar or the app; "
        "docker/heartbeat.sh is such a loop. 'migrate fleet sql' prints the one statement an app can run instead.");
    registration->callback([&options] { options.action = "register"; });

    CLI::App* deregistration = command->add_subcommand("deregister", "Remove an app instance (on shutdown)");
    deregistration->add_option("--app", options.app, "The app")->required();
    deregistration->add_option("--instance", options.instance, "The instance's name")->required();
    deregistration->callback([&options] { options.action = "deregister"; });

    CLI::App* list =
        command->add_subcommand("list", "Every registered instance: version, last heartbeat, live or stale");
    list->add_option("--app", options.app, "Only this app's instances");
    list->callback([&options] { options.action = "list"; });

    CLI::App* prune = command->add_subcommand(
        "prune", "Remove instances that stopped heartbeating without deregistering (crashed or evicted pods)");
    prune->add_option("--app", options.app, "Only this app's instances");
    prune
        ->add_option("--stale-for", options.stale_for,
                     "Remove instances stale for longer than this past their TTL (default: 1h)")
        ->type_name("DURATION");
    prune->footer("Stale instances never block the gate; pruning only keeps 'fleet list' and 'status' short.");
    prune->callback([&options] { options.action = "prune"; });

    CLI::App* sql = command->add_subcommand(
        "sql", "Print the statement that registers an instance or refreshes its heartbeat on the target database");
    sql->footer(
        "Its parameters, in order: app, instance, version, TTL in seconds. It keeps time by the database's "
        "clock, so instances whose clocks are wrong still count right.");
    sql->callback([&options] { options.action = "sql"; });
    return command;
}

int run_fleet(const FleetOptions& options, const CommonOptions& common) {
    Settings settings = resolve_settings(common);
    Project project(project_settings(settings));
    const DatabaseUrl& url = require_url(settings);
    bool json = settings.format == OutputFormat::json;
    if (options.action == "sql") {
        std::string sql = project.heartbeat_sql();
        if (json) {
            print_json({{"version", json_format_version},
                        {"dialect", project.dialect().name()},
                        {"sql", sql},
                        {"parameters", {"app", "instance", "version", "ttl_seconds"}}});
        } else {
            std::cout << sql << ";\n";
        }
        return 0;
    }
    if (options.action == "list") {
        std::vector<FleetInstanceView> views = view_fleet(project.read_fleet(options.app));
        if (json) {
            nlohmann::json instances = nlohmann::json::array();
            for (const FleetInstanceView& view : views) {
                instances.push_back(fleet_instance_json(view));
            }
            print_json({{"version", json_format_version}, {"database", url.redacted()}, {"instances", instances}});
        } else {
            print_fleet_text(views, options.app);
        }
        return 0;
    }
    // deregister and prune, after their options are checked: nothing to change without a database.
    auto require_database = [&] {
        if (!project.dialect().database_exists(url)) {
            throw Error(ErrorKind::state,
                        fmt::format("{} does not exist: no instance is registered there", url.redacted()));
        }
    };
    if (options.action == "prune") {
        Duration stale_for = parse_duration(options.stale_for, "--stale-for");
        require_database();
        std::int64_t removed =
            project.prune_fleet(options.app, std::chrono::duration_cast<std::chrono::seconds>(stale_for).count());
        if (json) {
            print_json({{"version", json_format_version}, {"pruned", removed}});
        } else {
            std::cout << fmt::format("Removed {} instance{} stale for over {}.\n", removed, removed == 1 ? "" : "s",
                                     format_duration(stale_for));
        }
        return 0;
    }
    check_name(options.app, "--app");
    check_name(options.instance, "--instance");
    if (options.action == "deregister") {
        require_database();
        bool removed = project.deregister_instance(options.app, options.instance);
        if (json) {
            print_json({{"version", json_format_version}, {"deregistered", removed}});
        } else {
            std::cout << (removed ? fmt::format("Deregistered {}/{}.\n", options.app, options.instance)
                                  : fmt::format("{}/{} was not registered.\n", options.app, options.instance));
        }
        return 0;
    }
    if (!parse_semver(options.version)) {
        throw Error(
            ErrorKind::usage,
            fmt::format("--version: '{}' is not a semantic version (e.g. 2.3.1 or 2.0.0-rc.1)", options.version));
    }
    FleetMember member{options.app, options.instance, options.version, ttl_seconds(options.ttl), 0, 0};
    std::optional<std::string> before = project.register_instance(member);
    if (json) {
        print_json({{"version", json_format_version},
                    {"app", member.app},
                    {"instance", member.instance},
                    {"app_version", member.version},
                    {"ttl_seconds", member.ttl_seconds},
                    {"previous_version", before ? nlohmann::json(*before) : nlohmann::json(nullptr)}});
    } else if (!before) {
        std::cout << fmt::format("Registered {}/{} at {} (live for {}s without a heartbeat).\n", member.app,
                                 member.instance, member.version, member.ttl_seconds);
    } else if (*before != member.version) {
        std::cout << fmt::format("{}/{} now runs {} (was {}).\n", member.app, member.instance, member.version, *before);
    } else {
        std::cout << fmt::format("Heartbeat: {}/{} at {}.\n", member.app, member.instance, member.version);
    }
    return 0;
}

}  // namespace migrate

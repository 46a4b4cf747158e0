#include "engine/gate.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "support/error.hpp"

namespace migrate {

namespace {

std::string describe(const FleetInstanceView& view) {
    return fmt::format("{} {} (seen {}s ago)", view.member.instance,
                       view.member.version.empty() ? "(no version)" : view.member.version, view.seen_seconds_ago);
}

std::string list(const std::vector<FleetInstanceView>& views, std::size_t at_most) {
    std::string out;
    for (std::size_t i = 0; i < views.size() && i < at_most; ++i) {
        out += (i == 0 ? "" : ", ") + describe(views[i]);
    }
    if (views.size() > at_most) {
        out += fmt::format(" and {} more", views.size() - at_most);
    }
    return out;
}

}  // namespace

std::vector<FleetInstanceView> view_fleet(const Fleet& fleet, const std::string& app) {
    std::vector<FleetInstanceView> views;
    for (const FleetMember& member : fleet.members) {
        if (!app.empty() && member.app != app) {
            continue;
        }
        FleetInstanceView view;
        view.member = member;
        view.seen_seconds_ago = std::max<std::int64_t>(0, fleet.now - member.last_seen);
        view.live = fleet.now - member.last_seen <= member.ttl_seconds;
        view.version = parse_semver(member.version);
        views.push_back(std::move(view));
    }
    // Oldest version first, unreadable ones before all: the first lines are what blocks.
    std::stable_sort(views.begin(), views.end(), [](const FleetInstanceView& a, const FleetInstanceView& b) {
        if (a.member.app != b.member.app) {
            return a.member.app < b.member.app;
        }
        if (!a.version || !b.version) {
            return !a.version && b.version;
        }
        return compare(*a.version, *b.version) < 0;
    });
    return views;
}

GateDecision decide_gate(const Migration& migration, const Fleet& fleet) {
    GateDecision decision;
    decision.migration = &migration;
    decision.requirement = migration.requirement;
    if (!migration.requirement) {
        decision.open = true;
        decision.summary = "names no [contract.requires]: no app version to wait for";
        return decision;
    }
    const ContractRequirement& requirement = *migration.requirement;
    for (FleetInstanceView& view : view_fleet(fleet, requirement.app)) {
        if (!view.live) {
            decision.stale.push_back(std::move(view));
        } else if (view.version && compare(*view.version, requirement.min_version) >= 0) {
            decision.ready.push_back(std::move(view));
        } else {
            decision.blocking.push_back(std::move(view));
        }
    }
    std::string needed = fmt::format("{} >= {}", requirement.app, requirement.min_version.to_string());
    if (!decision.blocking.empty()) {
        decision.summary =
            fmt::format("{} live instance{} of {} below {}", decision.blocking.size(),
                        decision.blocking.size() == 1 ? "" : "s", requirement.app, requirement.min_version.to_string());
    } else if (decision.ready.empty()) {
        // An empty fleet more likely means the heartbeat is not running (or names another app)
        // than that no instance needs the old schema: fail closed.
        decision.summary = fmt::format("no live instance of {} has registered; {} needs one", requirement.app, needed);
    } else {
        decision.open = true;
        decision.summary = fmt::format("all {} live instance{} run {}", decision.ready.size(),
                                       decision.ready.size() == 1 ? "" : "s", needed);
    }
    return decision;
}

ContractReadiness contract_readiness(const Migration& migration, const StateSnapshot& state) {
    ContractReadiness readiness;
    readiness.decision = decide_gate(migration, state.fleet);
    auto record = state.migrations.find(migration.id);
    PhaseState phase = record == state.migrations.end() ? PhaseState::pending : record->second.phase;
    bool in_progress = record != state.migrations.end() && record->second.status == "in_progress";
    if (phase == PhaseState::contracted && !in_progress) {
        readiness.state = "done";
        readiness.summary = "contracted";
    } else if (phase != PhaseState::backfilled && phase != PhaseState::contracted) {
        // Contract follows a finished backfill; `apply --phase contract` would run what is
        // missing first, but a pipeline waiting on the gate waits for its backfill job too.
        readiness.state = "waiting";
        readiness.summary = fmt::format("its {} {}", phase == PhaseState::pending ? "expand" : "backfill",
                                        in_progress ? "is still running" : "has not run yet");
    } else if (!migration.requirement) {
        readiness.state = "ungated";
        readiness.summary = readiness.decision.summary + " ('apply' needs --no-gate)";
    } else {
        readiness.state = readiness.decision.open ? "open" : "closed";
        readiness.summary = readiness.decision.summary;
    }
    return readiness;
}

std::string explain_gate(const GateDecision& decision) {
    std::string out = fmt::format("{} contract gate {}: {}", decision.migration->label(),
                                  decision.open ? "open" : "closed", decision.summary);
    if (!decision.blocking.empty()) {
        // Every one of them: each is an instance someone has to upgrade or drain.
        out += "\n  blocking (live, below the version): " + list(decision.blocking, decision.blocking.size());
    }
    if (!decision.stale.empty()) {
        out += "\n  stale (not counted): " + list(decision.stale, 5);
    }
    return out;
}

std::optional<std::string> pass_gate(const Migration& migration, const Fleet& fleet, const GatePolicy& policy) {
    if (!migration.requirement) {
        if (policy.no_gate || policy.force) {
            return std::nullopt;
        }
        const SourceLocation& at = migration.contract.front().location;
        throw Error(ErrorKind::usage,
                    fmt::format("{}:{}: the contract of {} names no app version it needs, so migrate cannot tell "
                                "when it is safe to run",
                                migration.path.string(), at.line, migration.label()),
                    {},
                    "add [contract.requires] app = \"...\" min_version = \"...\" (in a .sql file: -- migrate:requires "
                    "app=NAME min_version=X.Y.Z), or pass --no-gate to run it ungated");
    }
    GateDecision decision = decide_gate(migration, fleet);
    if (decision.open) {
        return std::nullopt;
    }
    if (policy.force) {
        return fmt::format("forced past a closed gate: {}; {}", policy.reason, explain_gate(decision));
    }
    throw Error(ErrorKind::gate_closed, explain_gate(decision), {},
                fmt::format("'migrate gate contract {} --wait' waits until it opens; 'migrate fleet list --app {}' "
                            "shows the fleet; --force --reason \"...\" overrides it",
                            migration.id, migration.requirement->app));
}

}  // namespace migrate

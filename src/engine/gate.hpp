// The contract gate: whether a migration's contract may run while the app fleet is what the
// state store says it is. A contract that names `[contract.requires] app, min_version` may run
// only once every live instance of that app (heartbeat within its TTL) reports at least that
// version, and at least one does; stale instances are listed but do not block.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/migration.hpp"
#include "state/state_store.hpp"

namespace migrate {

// What apply was told about the gate on its command line.
struct GatePolicy {
    bool no_gate = false;  // --no-gate: contracts that name no requirement may run
    bool force = false;    // --force: run even though the gate is closed, logging `reason`
    std::string reason;
};

struct FleetInstanceView {
    FleetMember member;
    bool live = false;
    std::int64_t seen_seconds_ago = 0;
    std::optional<SemVer> version;  // nullopt when the reported version is not a semantic version
};

struct GateDecision {
    const Migration* migration = nullptr;
    std::optional<ContractRequirement> requirement;  // nullopt: the migration names none
    bool open = false;
    std::vector<FleetInstanceView> blocking;  // live, below the version (or unreadable)
    std::vector<FleetInstanceView> ready;     // live, at or above it
    std::vector<FleetInstanceView> stale;     // not heard from within their TTL
    std::string summary;                      // one line: why open or closed
};

// Where one migration's contract stands, as `migrate gate contract` and `status` report it.
struct ContractReadiness {
    // done: contracted already; waiting: its expand or backfill has not finished; ungated: it
    // names no requirement (apply needs --no-gate); open or closed: what the fleet says.
    std::string state;
    std::string summary;  // one line saying why
    GateDecision decision;
    bool may_run() const { return state == "open" || state == "ungated" || state == "done"; }
};

// Each instance of `app` in `fleet`, with its liveness, oldest version first.
std::vector<FleetInstanceView> view_fleet(const Fleet& fleet, const std::string& app = {});

// The gate of `migration`'s contract. A migration that names no requirement is open (apply asks
// for --no-gate separately: that is a decision, not a state of the fleet).
GateDecision decide_gate(const Migration& migration, const Fleet& fleet);

// `migration`'s contract given the state store's view of it and of the fleet. Only for a
// migration that has contract steps.
ContractReadiness contract_readiness(const Migration& migration, const StateSnapshot& state);

// The decision as the lines a user reads when the gate refuses: which instances block, and
// which are stale.
std::string explain_gate(const GateDecision& decision);

// Throws when `policy` does not let `migration`'s contract run with this fleet: Error(usage)
// for a contract that names no requirement without --no-gate, Error(gate_closed) listing every
// instance that blocks. Returns the event detail to log when --force overrides a closed gate.
std::optional<std::string> pass_gate(const Migration& migration, const Fleet& fleet, const GatePolicy& policy);

}  // namespace migrate

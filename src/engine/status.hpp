// The status report: every migration on disk or in the state store, where it stands, what is
// wrong with it, how far its backfill has come, whether its contract may run, and the app fleet. Built from data only;
// the CLI renders it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/gate.hpp"
#include "engine/plan.hpp"

namespace migrate {

// A phase (or its rollback) that stopped part-way: the steps it completed so far.
struct PartDone {
    Phase phase = Phase::expand;
    Direction direction = Direction::up;
    std::vector<int> steps;  // 0-based indices of the completed steps
    std::size_t total = 0;   // steps in the phase, as the file has it (0 when the file is missing)
};

struct StatusEntry {
    std::string id;
    std::string name;
    std::string file;  // empty when the file is missing
    PhaseState phase = PhaseState::pending;
    std::string status;  // ok, in_progress, pending
    std::map<Phase, PhaseRecord> applied;
    std::vector<BackfillProgress> backfills;
    std::optional<Event> last_failure;  // the latest event, when it is a failure
    std::vector<PartDone> part_done;
    std::vector<Problem> problems;
    std::optional<ContractReadiness> contract;  // for a migration with contract steps
};

struct StatusReport {
    bool database_exists = false;
    bool initialized = false;
    std::vector<StatusEntry> entries;      // in migration order
    std::vector<Problem> problems;         // all of them, also found in the entries
    std::vector<std::string> file_errors;  // migration files that could not be loaded
    std::vector<FleetInstanceView> fleet;  // every registered app instance
};

StatusReport build_status(const std::vector<Migration>& migrations, const StateSnapshot& state);

}  // namespace migrate

#include "engine/status.hpp"

#include <algorithm>

namespace migrate {

StatusReport build_status(const std::vector<Migration>& migrations, const StateSnapshot& state) {
    StatusReport report;
    report.initialized = state.initialized;
    report.problems = check_consistency(migrations, state);

    std::map<std::string, StatusEntry> entries;
    for (const Migration& migration : migrations) {
        StatusEntry& entry = entries[migration.id];
        entry.id = migration.id;
        entry.name = migration.name;
        entry.file = migration.path.string();
        entry.status = "pending";
        if (!migration.contract.empty()) {
            entry.contract = contract_readiness(migration, state);
        }
    }
    report.fleet = view_fleet(state.fleet);
    for (const auto& [id, record] : state.migrations) {
        StatusEntry& entry = entries[id];
        entry.id = id;
        if (entry.name.empty()) {
            entry.name = record.name;
        }
        entry.phase = record.phase;
        entry.status = record.status;
        entry.applied = record.phases;
    }
    for (const auto& [key, progress] : state.backfills) {
        if (auto it = entries.find(key.first); it != entries.end()) {
            it->second.backfills.push_back(progress);
        }
    }
    for (const auto& [key, steps] : state.completed_steps) {
        const auto& [id, phase, direction] = key;
        auto it = entries.find(id);
        if (it == entries.end()) {
            continue;
        }
        std::size_t total = 0;
        for (const Migration& migration : migrations) {
            if (migration.id == id) {
                total = migration.step_count(phase);
            }
        }
        it->second.part_done.push_back(PartDone{phase, direction, steps, total});
    }
    for (const auto& [id, event] : state.last_event) {
        if (auto it = entries.find(id); it != entries.end() && event.outcome == "failed") {
            it->second.last_failure = event;
        }
    }
    for (const Problem& problem : report.problems) {
        entries[problem.migration_id].problems.push_back(problem);
    }
    for (auto& [id, entry] : entries) {
        report.entries.push_back(std::move(entry));
    }
    std::stable_sort(report.entries.begin(), report.entries.end(), [](const StatusEntry& a, const StatusEntry& b) {
        // Numeric order, whatever the zero padding.
        auto number = [](const std::string& id) { return std::stoull(id); };
        return number(a.id) < number(b.id);
    });
    return report;
}

}  // namespace migrate

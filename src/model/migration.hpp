// A migration as loaded from its file: ordered steps for each phase, each with its SQL and where
// it was written, plus the file's checksum. Loaders build it; the engine only reads it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/phase.hpp"
#include "model/sql_text.hpp"
#include "support/semver.hpp"

namespace migrate {

// An expand or contract step: DDL (or small DML) with its inverse.
struct SqlStep {
    SqlText up;
    SqlText down;                    // empty exactly when irreversible
    bool irreversible = false;       // there is no down; rollback refuses this step
    bool irreversible_data = false;  // the down restores the structure but not the data
    SourceLocation location;         // where the step starts in its file
};

// A batched data copy: UPDATE table SET `set` WHERE `where`, run in keyset batches.
struct BackfillStep {
    std::string table;
    SqlText set;
    SqlText where;  // the rows still to do; zero matches means done
    SqlText down;   // optional; run when the backfill phase is rolled back
    SourceLocation location;
};

// The contract gate: which app must run at least which version before contract may run.
struct ContractRequirement {
    std::string app;
    SemVer min_version;
    SourceLocation location;
};

// Whether a step that is not marked irreversible must have a down. The engine requires one; the
// linter loads such a step without it and reports it as a finding (rule missing-down).
enum class DownPolicy { required, optional };

struct Migration {
    std::string id;            // the numeric prefix as written: "0003"
    std::uint64_t number = 0;  // the prefix's value; migrations are ordered by it
    std::string name;          // "rename_username"
    std::filesystem::path path;
    std::string source;    // the file's bytes
    std::string checksum;  // SHA-256 of source, hex
    std::string description;
    std::vector<SqlStep> expand;
    std::vector<BackfillStep> backfill;
    std::vector<SqlStep> contract;
    std::optional<ContractRequirement> requirement;

    // The SQL steps of expand or contract; backfill has BackfillSteps instead.
    const std::vector<SqlStep>& sql_steps(Phase phase) const {
        if (phase == Phase::backfill) {
            throw std::logic_error("backfill has no SQL steps");
        }
        return phase == Phase::contract ? contract : expand;
    }
    std::size_t step_count(Phase phase) const {
        return phase == Phase::backfill ? backfill.size() : sql_steps(phase).size();
    }
    // "0003_rename_username"
    std::string label() const { return id + "_" + name; }
};

}  // namespace migrate

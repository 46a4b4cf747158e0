// Plans: what apply or rollback would do, as data. Planning reads the migrations and the state
// and never touches the database, so `migrate plan` and `--dry-run` print exactly what a real
// run would execute.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backfill/keyset_backfill.hpp"
#include "dialects/dialect.hpp"
#include "engine/gate.hpp"
#include "model/migration.hpp"
#include "state/state_store.hpp"

namespace migrate {

enum class ActionKind {
    sql,       // run `sql`
    backfill,  // run `backfill` in keyset batches
};

struct Action {
    ActionKind kind = ActionKind::sql;
    int step = 0;           // 0-based index of the step within its phase
    std::string sql;        // for ActionKind::sql, in the dialect at hand
    BackfillSpec backfill;  // for ActionKind::backfill
    SqlTraits traits;
    SourceLocation location;
    bool loses_data = false;    // a down marked irreversible_data: structure back, data not
    bool done = false;          // already completed by an earlier, interrupted run
    bool may_have_run = false;  // the first step after those: the interrupted run may have done it
};

struct PhaseRun {
    const Migration* migration = nullptr;
    Phase phase = Phase::expand;
    Direction direction = Direction::up;
    // A rollback of a phase that stopped part-way: only the steps that ran are undone.
    bool part_done = false;
    std::vector<Action> actions;
    // A contract with steps: its gate as the fleet stood when the plan was made (apply asks again
    // before it runs). Shown by plan and --dry-run.
    std::optional<GateDecision> gate;

    // Whether the whole phase can commit in one transaction with its state rows.
    bool transactional() const;
};

struct Plan {
    std::vector<PhaseRun> runs;
};

struct ApplyRequest {
    Phase through = Phase::contract;  // apply every pending phase up to and including this one
    std::optional<std::uint64_t> to;  // only migrations numbered at most this
};

struct RollbackRequest {
    std::optional<Phase> phase;       // undo every applied phase from this one on (contract > backfill > expand)
    std::optional<std::uint64_t> to;  // undo migrations numbered above this
};

// Things that make the migrations on disk disagree with the state store.
struct Problem {
    enum class Kind { modified, missing_file, out_of_order };
    Kind kind;
    std::string migration_id;
    std::string message;
    std::string detail;  // a diff for `modified`
};

std::vector<Problem> check_consistency(const std::vector<Migration>& migrations, const StateSnapshot& state);

// Throws Error(state) listing every problem when there are any.
void require_consistent(const std::vector<Migration>& migrations, const StateSnapshot& state);

// Refuse requests that name no migration, before anything is opened. Throw Error(usage).
void check_request(const std::vector<Migration>& migrations, const ApplyRequest& request);
void check_request(const std::vector<Migration>& migrations, const RollbackRequest& request);

Plan plan_apply(const std::vector<Migration>& migrations, const StateSnapshot& state, const ApplyRequest& request,
                const Dialect& dialect);
Plan plan_rollback(const std::vector<Migration>& migrations, const StateSnapshot& state, const RollbackRequest& request,
                   const Dialect& dialect);

}  // namespace migrate

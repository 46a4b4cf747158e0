#include "engine/plan.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "engine/state_machine.hpp"
#include "support/error.hpp"
#include "support/line_diff.hpp"

namespace migrate {

namespace {

Ledger make_ledger(const std::vector<Migration>& migrations, const StateSnapshot& state) {
    Ledger ledger;
    for (const Migration& migration : migrations) {
        ledger.labels.push_back(migration.label());
        auto it = state.migrations.find(migration.id);
        ledger.states.push_back(it == state.migrations.end() ? PhaseState::pending : it->second.phase);
    }
    return ledger;
}

std::string where(const Migration& migration, const SourceLocation& location) {
    return fmt::format("{}:{}", migration.path.string(), location.line);
}

void require_known_id(const std::vector<Migration>& migrations, std::uint64_t number, bool zero_allowed) {
    if (zero_allowed && number == 0) {
        return;
    }
    for (const Migration& migration : migrations) {
        if (migration.number == number) {
            return;
        }
    }
    throw Error(ErrorKind::usage, fmt::format("--to {}: no migration is numbered {}", number, number), {},
                "run 'migrate status' to list the ids");
}

std::vector<int> completed(const StateSnapshot& state, const Migration& migration, Phase phase, Direction direction) {
    auto it = state.completed_steps.find({migration.id, phase, direction});
    return it == state.completed_steps.end() ? std::vector<int>{} : it->second;
}

// The text of `sql` for `dialect`, or an input error naming the step and how to add the text.
std::string resolve(const Migration& migration, const SqlText& sql, const Dialect& dialect, const std::string& what,
                    const std::string& field, const SourceLocation& at) {
    if (const std::string* text = sql.for_dialect(dialect.name())) {
        return *text;
    }
    std::string variants;
    for (const std::string& name : sql.variants()) {
        variants += (variants.empty() ? "" : ", ") + name;
    }
    throw input_error(migration.path.string(), at.line, at.column,
                      fmt::format("{}: no {} for {} (there is one for {}); add {}.{} or {}.default", what, field,
                                  dialect.name(), variants, field, dialect.name(), field));
}

std::string step_label(Phase phase, std::size_t index) {
    return fmt::format("{} step {}", to_string(phase), index + 1);
}

PhaseRun up_run(const Migration& migration, Phase phase, const StateSnapshot& state, const Dialect& dialect) {
    PhaseRun run{&migration, phase, Direction::up, false, {}, std::nullopt};
    std::vector<int> done = completed(state, migration, phase, Direction::up);
    if (phase == Phase::backfill) {
        for (std::size_t k = 0; k < migration.backfill.size(); ++k) {
            Action action;
            const BackfillStep& step = migration.backfill[k];
            std::string what = step_label(phase, k);
            action.kind = ActionKind::backfill;
            action.step = static_cast<int>(k);
            action.backfill = {step.table, resolve(migration, step.set, dialect, what, "set", step.location),
                               resolve(migration, step.where, dialect, what, "where", step.location)};
            action.traits = {false, "runs in batches of their own transactions", {}};
            action.location = step.location;
            run.actions.push_back(std::move(action));
        }
        return run;
    }
    const std::vector<SqlStep>& steps = migration.sql_steps(phase);
    for (std::size_t k = 0; k < steps.size(); ++k) {
        Action action;
        action.step = static_cast<int>(k);
        action.sql = resolve(migration, steps[k].up, dialect, step_label(phase, k), "up", steps[k].location);
        action.traits = dialect.classify(action.sql);
        action.location = steps[k].location;
        action.done = std::find(done.begin(), done.end(), static_cast<int>(k)) != done.end();
        run.actions.push_back(std::move(action));
    }
    if (phase == Phase::contract && !run.actions.empty()) {
        run.gate = decide_gate(migration, state.fleet);
    }
    return run;
}

// The rollback of `phase`; with `ran`, only of those steps (of a phase that stopped part-way).
PhaseRun down_run(const Migration& migration, Phase phase, const StateSnapshot& state, const Dialect& dialect,
                  std::vector<std::string>& refusals, const std::vector<int>* ran = nullptr) {
    PhaseRun run{&migration, phase, Direction::down, ran != nullptr, {}, std::nullopt};
    std::vector<int> done = completed(state, migration, phase, Direction::down);
    if (phase == Phase::backfill) {
        for (std::size_t k = migration.backfill.size(); k-- > 0;) {
            // A backfill's down is optional, also per dialect.
            const std::string* down = migration.backfill[k].down.for_dialect(dialect.name());
            if (down == nullptr) {
                continue;
            }
            Action action;
            action.step = static_cast<int>(k);
            action.sql = *down;
            action.traits = dialect.classify(action.sql);
            const BackfillStep& step = migration.backfill[k];
            action.location = step.location;
            run.actions.push_back(std::move(action));
        }
        return run;
    }
    const std::vector<SqlStep>& steps = migration.sql_steps(phase);
    for (std::size_t k = steps.size(); k-- > 0;) {
        const SqlStep& step = steps[k];
        if (ran != nullptr && std::find(ran->begin(), ran->end(), static_cast<int>(k)) == ran->end()) {
            continue;
        }
        if (step.irreversible) {
            refusals.push_back(fmt::format("{} {} step {} ({}) is marked irreversible", migration.label(),
                                           to_string(phase), k + 1, where(migration, step.location)));
            continue;
        }
        Action action;
        action.step = static_cast<int>(k);
        action.sql = resolve(migration, step.down, dialect, step_label(phase, k), "down", step.location);
        action.traits = dialect.classify(action.sql);
        action.location = step.location;
        action.loses_data = step.irreversible_data;
        action.done = std::find(done.begin(), done.end(), static_cast<int>(k)) != done.end();
        run.actions.push_back(std::move(action));
    }
    return run;
}

// An interrupted run of this phase left the migration in progress: the first step it did not
// record may have run all the same.
void mark_resumed(PhaseRun& run, const StateSnapshot& state) {
    auto it = state.migrations.find(run.migration->id);
    if (it == state.migrations.end() || it->second.status != "in_progress") {
        return;
    }
    PhaseState expected =
        run.direction == Direction::down && !run.part_done ? state_after(run.phase) : state_before(run.phase);
    if (it->second.phase != expected) {
        return;
    }
    for (Action& action : run.actions) {
        if (!action.done) {
            action.may_have_run = true;
            return;
        }
    }
}

}  // namespace

bool PhaseRun::transactional() const {
    return std::all_of(actions.begin(), actions.end(), [](const Action& a) { return a.traits.transactional; });
}

std::vector<Problem> check_consistency(const std::vector<Migration>& migrations, const StateSnapshot& state) {
    std::vector<Problem> problems;
    std::map<std::string, const Migration*> by_id;
    for (const Migration& migration : migrations) {
        by_id[migration.id] = &migration;
    }
    std::uint64_t highest_applied = 0;
    std::string highest_label;
    for (const auto& [id, record] : state.migrations) {
        auto it = by_id.find(id);
        if (it == by_id.end()) {
            problems.push_back({Problem::Kind::missing_file,
                                id,
                                fmt::format("{}_{} is {} in the database but its file is missing", id, record.name,
                                            to_string(record.phase)),
                                {}});
            continue;
        }
        const Migration& migration = *it->second;
        if (migration.number > highest_applied) {
            highest_applied = migration.number;
            highest_label = migration.label();
        }
        if (record.checksum != migration.checksum) {
            problems.push_back(
                {Problem::Kind::modified, id,
                 fmt::format("{} was edited after it was applied ({}); an applied migration must not change: "
                             "undo the edit, or roll it back first and then edit it",
                             migration.path.string(), to_string(record.phase)),
                 unified_diff(record.source, migration.source, "as applied", migration.path.string())});
        }
    }
    for (const Migration& migration : migrations) {
        if (state.migrations.count(migration.id) == 0 && migration.number < highest_applied) {
            problems.push_back({Problem::Kind::out_of_order,
                                migration.id,
                                fmt::format("{} is new but numbered below {}, which is already applied; renumber it "
                                            "above {}",
                                            migration.path.string(), highest_label, highest_label),
                                {}});
        }
    }
    return problems;
}

void require_consistent(const std::vector<Migration>& migrations, const StateSnapshot& state) {
    std::vector<Problem> problems = check_consistency(migrations, state);
    if (problems.empty()) {
        return;
    }
    std::string message;
    for (const Problem& problem : problems) {
        message += (message.empty() ? "" : "\n") + problem.message;
        if (!problem.detail.empty()) {
            message += "\n" + problem.detail;
        }
    }
    while (!message.empty() && message.back() == '\n') {
        message.pop_back();
    }
    throw Error(ErrorKind::state, message);
}

void check_request(const std::vector<Migration>& migrations, const ApplyRequest& request) {
    if (request.to) {
        require_known_id(migrations, *request.to, false);
    }
}

void check_request(const std::vector<Migration>& migrations, const RollbackRequest& request) {
    if (request.to) {
        require_known_id(migrations, *request.to, true);
    }
}

Plan plan_apply(const std::vector<Migration>& migrations, const StateSnapshot& state, const ApplyRequest& request,
                const Dialect& dialect) {
    check_request(migrations, request);
    // A rollback that stopped part-way left some downs run under a phase still marked applied:
    // applying on top of that would build on a schema the state does not describe.
    for (const auto& [key, steps] : state.completed_steps) {
        const auto& [id, phase, direction] = key;
        auto record = state.migrations.find(id);
        if (direction == Direction::down && record != state.migrations.end() && record->second.phases.count(phase)) {
            throw Error(ErrorKind::state,
                        fmt::format("the rollback of the {} of {}_{} stopped part-way ({} of its steps undone); run "
                                    "'migrate rollback' to finish it before applying",
                                    to_string(phase), id, record->second.name, steps.size()));
        }
    }
    Ledger ledger = make_ledger(migrations, state);
    Plan plan;
    for (Phase phase : all_phases) {
        for (std::size_t i = 0; i < migrations.size(); ++i) {
            if (request.to && migrations[i].number > *request.to) {
                break;
            }
            if (ledger.states[i] != state_before(phase)) {
                continue;
            }
            if (why_not_apply(ledger, i, phase)) {
                // Later migrations wait for this one, as the rules chain them in order.
                break;
            }
            plan.runs.push_back(up_run(migrations[i], phase, state, dialect));
            mark_resumed(plan.runs.back(), state);
            ledger.states[i] = state_after(phase);
        }
        if (phase == request.through) {
            break;
        }
    }
    return plan;
}

Plan plan_rollback(const std::vector<Migration>& migrations, const StateSnapshot& state, const RollbackRequest& request,
                   const Dialect& dialect) {
    check_request(migrations, request);
    std::map<std::string, std::size_t> index_of;
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        index_of[migrations[i].id] = i;
    }
    struct Candidate {
        std::int64_t seq;
        std::size_t index;
        Phase phase;
        const std::vector<int>* ran = nullptr;  // set for a phase that stopped part-way
    };
    std::vector<Candidate> candidates;
    for (const auto& [id, record] : state.migrations) {
        auto it = index_of.find(id);
        if (it == index_of.end()) {
            continue;  // require_consistent has refused this already
        }
        bool wanted_migration = !request.to || migrations[it->second].number > *request.to;
        for (const auto& [phase, applied] : record.phases) {
            if (wanted_migration && (!request.phase || phase >= *request.phase)) {
                candidates.push_back({applied.seq, it->second, phase});
            }
        }
        // A phase that stopped part-way (steps that cannot share a transaction) is the latest
        // thing that happened: the run that started it stopped there.
        for (Phase phase : {Phase::expand, Phase::contract}) {
            auto ran = state.completed_steps.find({id, phase, Direction::up});
            if (record.phases.count(phase) == 0 && ran != state.completed_steps.end() && wanted_migration &&
                (!request.phase || phase >= *request.phase)) {
                candidates.push_back({std::numeric_limits<std::int64_t>::max(), it->second, phase, &ran->second});
            }
        }
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& a, const Candidate& b) { return a.seq > b.seq; });
    if (!request.to && !request.phase) {
        // The latest phase that changed something, with the empty phases applied after it (they
        // are in the way, and undoing only them would do nothing the user could see).
        auto changed = std::find_if(candidates.begin(), candidates.end(),
                                    [&](const Candidate& c) { return migrations[c.index].step_count(c.phase) > 0; });
        // When no applied phase has steps, the latest one alone.
        std::size_t keep = changed == candidates.end() ? 1 : static_cast<std::size_t>(changed - candidates.begin()) + 1;
        candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(std::min(keep, candidates.size())),
                         candidates.end());
    }
    Ledger ledger = make_ledger(migrations, state);
    Plan plan;
    std::vector<std::string> refusals;
    for (const Candidate& candidate : candidates) {
        if (candidate.ran != nullptr) {
            // Undoing the steps that ran leaves the migration where it was before the phase.
            plan.runs.push_back(
                down_run(migrations[candidate.index], candidate.phase, state, dialect, refusals, candidate.ran));
            mark_resumed(plan.runs.back(), state);
            continue;
        }
        if (auto reason = why_not_rollback(ledger, candidate.index, candidate.phase)) {
            throw Error(ErrorKind::state, *reason);
        }
        plan.runs.push_back(down_run(migrations[candidate.index], candidate.phase, state, dialect, refusals));
        mark_resumed(plan.runs.back(), state);
        ledger.states[candidate.index] = state_before(candidate.phase);
    }
    if (!refusals.empty()) {
        std::string message = "cannot roll back:";
        for (const std::string& refusal : refusals) {
            message += "\n  " + refusal;
        }
        throw Error(ErrorKind::state, message, {},
                    "an irreversible step has no down; restore from a backup, or write a new migration that "
                    "moves forward");
    }
    return plan;
}

}  // namespace migrate

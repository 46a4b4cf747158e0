// Unit tests of planning: apply and rollback plans and consistency checks, without a database.
#include "engine/plan.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "dialects/sqlite/sqlite_dialect.hpp"
#include "support/error.hpp"
#include "support/sha256.hpp"

namespace migrate {
namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A migration with `expand`, `backfill` and `contract` steps. Step k of phase X of migration N
// creates table xN_k and drops it on the way down, so actions name where they came from.
Migration make_migration(std::uint64_t number, int expand, int backfill, int contract) {
    Migration m;
    m.id = fmt::format("{:04}", number);
    m.number = number;
    m.name = fmt::format("m{}", number);
    m.path = fmt::format("db/{}.toml", m.label());
    auto sql_step = [&](char phase, int k) {
        SqlStep step;
        step.up = fmt::format("CREATE TABLE {}{}_{} (id INTEGER)", phase, number, k);
        step.down = fmt::format("DROP TABLE {}{}_{}", phase, number, k);
        step.location = {10 * (phase == 'e' ? 1 : 3) + k, 1};
        return step;
    };
    for (int k = 0; k < expand; ++k) {
        m.expand.push_back(sql_step('e', k));
    }
    for (int k = 0; k < backfill; ++k) {
        BackfillStep step;
        step.table = fmt::format("t{}", number);
        step.set = fmt::format("b{} = {}", k, k);
        step.where = fmt::format("b{} IS NULL", k);
        step.down = fmt::format("UPDATE t{} SET b{} = NULL", number, k);
        step.location = {20 + k, 1};
        m.backfill.push_back(step);
    }
    for (int k = 0; k < contract; ++k) {
        m.contract.push_back(sql_step('c', k));
    }
    m.source = fmt::format("# migration {}\n{} {} {}\n", number, expand, backfill, contract);
    m.checksum = sha256_hex(m.source);
    return m;
}

// Records that `phase` of `m` was applied with application order `seq`.
void record(StateSnapshot& state, const Migration& m, Phase phase, std::int64_t seq) {
    MigrationRecord& r = state.migrations[m.id];
    r.id = m.id;
    r.name = m.name;
    r.checksum = m.checksum;
    r.source = m.source;
    r.status = "ok";
    r.phase = state_after(phase);
    r.phases[phase].seq = seq;
}

// "0002 backfill up": one plan run per entry.
std::vector<std::string> summary(const Plan& plan) {
    std::vector<std::string> out;
    for (const PhaseRun& run : plan.runs) {
        out.push_back(fmt::format("{} {} {}", run.migration->id, to_string(run.phase), to_string(run.direction)));
    }
    return out;
}

using Lines = std::vector<std::string>;

class PlanTest : public ::testing::Test {
  protected:
    SqliteDialect dialect;
};

// ---------------------------------------------------------------------------------------------
// plan_apply

using PlanApply = PlanTest;

TEST_F(PlanApply, AllPendingIsPhaseMajor) {
    std::vector<Migration> ms = {make_migration(1, 1, 1, 1), make_migration(2, 1, 1, 1), make_migration(3, 1, 1, 1)};
    Plan plan = plan_apply(ms, {}, {}, dialect);
    EXPECT_EQ(summary(plan),
              (Lines{"0001 expand up", "0002 expand up", "0003 expand up", "0001 backfill up", "0002 backfill up",
                     "0003 backfill up", "0001 contract up", "0002 contract up", "0003 contract up"}));
}

TEST_F(PlanApply, ThroughStopsAfterThatPhase) {
    std::vector<Migration> ms = {make_migration(1, 1, 1, 1), make_migration(2, 1, 1, 1)};
    EXPECT_EQ(summary(plan_apply(ms, {}, {Phase::expand, {}}, dialect)), (Lines{"0001 expand up", "0002 expand up"}));
    EXPECT_EQ(summary(plan_apply(ms, {}, {Phase::backfill, {}}, dialect)),
              (Lines{"0001 expand up", "0002 expand up", "0001 backfill up", "0002 backfill up"}));
}

TEST_F(PlanApply, ToLimitsTheMigrations) {
    std::vector<Migration> ms = {make_migration(1, 1, 1, 1), make_migration(2, 1, 1, 1), make_migration(10, 1, 1, 1)};
    EXPECT_EQ(summary(plan_apply(ms, {}, {Phase::contract, 2}, dialect)),
              (Lines{"0001 expand up", "0002 expand up", "0001 backfill up", "0002 backfill up", "0001 contract up",
                     "0002 contract up"}));
    EXPECT_EQ(summary(plan_apply(ms, {}, {Phase::expand, 1}, dialect)), (Lines{"0001 expand up"}));
}

TEST_F(PlanApply, PicksEachStepsSqlForTheDialect) {
    std::vector<Migration> ms = {make_migration(1, 1, 1, 0)};
    SqlText up;
    up.set("sqlite", "CREATE TABLE t1 (id INTEGER PRIMARY KEY)");
    up.set("postgres", "CREATE TABLE t1 (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY)");
    ms[0].expand[0].up = up;
    SqlText set;
    set.set("default", "b0 = a || b");
    set.set("mysql", "b0 = CONCAT(a, b)");
    ms[0].backfill[0].set = set;
    Plan plan = plan_apply(ms, {}, {}, dialect);
    ASSERT_EQ(plan.runs.size(), 3u);
    EXPECT_EQ(plan.runs[0].actions[0].sql, "CREATE TABLE t1 (id INTEGER PRIMARY KEY)");
    EXPECT_EQ(plan.runs[1].actions[0].backfill.set, "b0 = a || b");
}

TEST_F(PlanApply, StepWithoutSqlForTheDialectIsAnInputErrorSayingWhatToAdd) {
    std::vector<Migration> ms = {make_migration(1, 2, 0, 0)};
    SqlText up;
    up.set("postgres", "CREATE INDEX CONCURRENTLY i ON t (a)");
    ms[0].expand[1].up = up;
    try {
        plan_apply(ms, {}, {}, dialect);
        ADD_FAILURE() << "planned a step that has no SQL for sqlite";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::input);
        EXPECT_TRUE(contains(e.what(), "db/0001_m1.toml:11:1: expand step 2: no up for sqlite")) << e.what();
        EXPECT_TRUE(contains(e.what(), "up.sqlite or up.default")) << e.what();
    }
}

TEST_F(PlanApply, FirstStepAfterThoseAnInterruptedRunRecordedMayHaveRun) {
    std::vector<Migration> ms = {make_migration(1, 3, 0, 0)};
    StateSnapshot state;
    state.migrations["0001"] =
        MigrationRecord{"0001", "m1", ms[0].checksum, ms[0].source, PhaseState::pending, "in_progress", "", {}};
    state.completed_steps[{"0001", Phase::expand, Direction::up}] = {0};
    Plan plan = plan_apply(ms, state, {Phase::expand, {}}, dialect);
    ASSERT_EQ(plan.runs.size(), 1u);
    const std::vector<Action>& actions = plan.runs[0].actions;
    EXPECT_TRUE(actions[0].done);
    EXPECT_TRUE(actions[1].may_have_run);
    EXPECT_FALSE(actions[2].may_have_run);

    // A phase nobody started before has no such step.
    Plan fresh = plan_apply(ms, {}, {Phase::expand, {}}, dialect);
    EXPECT_FALSE(fresh.runs[0].actions[0].may_have_run);
}

TEST_F(PlanApply, UnknownToIsAUsageError) {
    std::vector<Migration> ms = {make_migration(1, 1, 1, 1), make_migration(3, 1, 1, 1)};
    try {
        plan_apply(ms, {}, {Phase::contract, 2}, dialect);
        ADD_FAILURE() << "planned up to a migration that does not exist";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::usage);
        EXPECT_TRUE(contains(e.what(), "--to 2")) << e.what();
    }
}

TEST_F(PlanApply, ContinuesFromWhereEachMigrationStands) {
    std::vector<Migration> ms = {make_migration(1, 1, 1, 1), make_migration(2, 1, 1, 1), make_migration(3, 1, 1, 1)};
    StateSnapshot state;
    record(state, ms[0], Phase::expand, 1);
    record(state, ms[1], Phase::expand, 2);
    record(state, ms[0], Phase::backfill, 3);
    record(state, ms[0], Phase::contract, 4);
    EXPECT_EQ(
        summary(plan_apply(ms, state, {}, dialect)),
        (Lines{"0003 expand up", "0002 backfill up", "0003 backfill up", "0002 contract up", "0003 contract up"}));
}

TEST_F(PlanApply, NothingPendingGivesAnEmptyPlan) {
    std::vector<Migration> ms = {make_migration(1, 1, 1, 1)};
    StateSnapshot state;
    record(state, ms[0], Phase::expand, 1);
    record(state, ms[0], Phase::backfill, 2);
    record(state, ms[0], Phase::contract, 3);
    EXPECT_TRUE(plan_apply(ms, state, {}, dialect).runs.empty());
}

TEST_F(PlanApply, ActionsCarryStepSqlInOrderWithTheirLocation) {
    std::vector<Migration> ms = {make_migration(1, 3, 2, 0)};
    Plan plan = plan_apply(ms, {}, {Phase::backfill, {}}, dialect);
    ASSERT_EQ(plan.runs.size(), 2u);
    const PhaseRun& expand = plan.runs[0];
    ASSERT_EQ(expand.actions.size(), 3u);
    for (int k = 0; k < 3; ++k) {
        EXPECT_EQ(expand.actions[k].kind, ActionKind::sql);
        EXPECT_EQ(expand.actions[k].step, k);
        EXPECT_EQ(expand.actions[k].sql, fmt::format("CREATE TABLE e1_{} (id INTEGER)", k));
        EXPECT_EQ(expand.actions[k].location.line, 10 + k);
        EXPECT_FALSE(expand.actions[k].done);
    }
    EXPECT_TRUE(expand.transactional());

    const PhaseRun& backfill = plan.runs[1];
    ASSERT_EQ(backfill.actions.size(), 2u);
    EXPECT_EQ(backfill.actions[1].kind, ActionKind::backfill);
    EXPECT_EQ(backfill.actions[1].backfill.table, "t1");
    EXPECT_EQ(backfill.actions[1].backfill.set, "b1 = 1");
    EXPECT_EQ(backfill.actions[1].backfill.where, "b1 IS NULL");
    // Batches commit one by one, so a backfill phase never shares a single transaction.
    EXPECT_FALSE(backfill.transactional());
}

TEST_F(PlanApply, EmptyPhasesStillAdvanceTheMigration) {
    std::vector<Migration> ms = {make_migration(1, 1, 0, 0)};
    Plan plan = plan_apply(ms, {}, {}, dialect);
    EXPECT_EQ(summary(plan), (Lines{"0001 expand up", "0001 backfill up", "0001 contract up"}));
    EXPECT_TRUE(plan.runs[1].actions.empty());
    EXPECT_TRUE(plan.runs[2].actions.empty());
}

TEST_F(PlanApply, NonTransactionalStepMakesThePhaseNonTransactional) {
    std::vector<Migration> ms = {make_migration(1, 2, 0, 1)};
    ms[0].contract[0].up = SqlText("VACUUM");
    Plan plan = plan_apply(ms, {}, {}, dialect);
    ASSERT_EQ(plan.runs.size(), 3u);
    EXPECT_TRUE(plan.runs[0].transactional());
    const PhaseRun& contract = plan.runs[2];
    ASSERT_EQ(contract.actions.size(), 1u);
    EXPECT_FALSE(contract.actions[0].traits.transactional);
    EXPECT_FALSE(contract.actions[0].traits.reason.empty());
    EXPECT_FALSE(contract.transactional());

    ms[0].expand[1].up = SqlText("CREATE TABLE x (id INT);\nPRAGMA foreign_keys = OFF");
    EXPECT_FALSE(plan_apply(ms, {}, {Phase::expand, {}}, dialect).runs[0].transactional());
}

TEST_F(PlanApply, MarksStepsAnInterruptedRunCompleted) {
    std::vector<Migration> ms = {make_migration(1, 3, 0, 0)};
    StateSnapshot state;
    state.completed_steps[{"0001", Phase::expand, Direction::up}] = {0, 1};
    Plan plan = plan_apply(ms, state, {Phase::expand, {}}, dialect);
    ASSERT_EQ(plan.runs.size(), 1u);
    ASSERT_EQ(plan.runs[0].actions.size(), 3u);
    EXPECT_TRUE(plan.runs[0].actions[0].done);
    EXPECT_TRUE(plan.runs[0].actions[1].done);
    EXPECT_FALSE(plan.runs[0].actions[2].done);
}

// ---------------------------------------------------------------------------------------------
// plan_rollback

using PlanRollback = PlanTest;

// Three migrations applied phase-major, as `migrate apply` does: E1 E2 E3 B1 B2 B3 C1 C2 C3.
struct Applied {
    std::vector<Migration> ms = {make_migration(1, 1, 1, 1), make_migration(2, 1, 1, 1), make_migration(3, 1, 1, 1)};
    StateSnapshot state;

    Applied() {
        std::int64_t seq = 0;
        for (Phase phase : all_phases) {
            for (const Migration& m : ms) {
                record(state, m, phase, ++seq);
            }
        }
    }
};

TEST_F(PlanRollback, NoOptionsUndoesTheLatestPhase) {
    Applied a;
    EXPECT_EQ(summary(plan_rollback(a.ms, a.state, {}, dialect)), (Lines{"0003 contract down"}));
}

TEST_F(PlanRollback, NoOptionsAlsoUndoesEmptyPhasesAppliedAfterTheLatestChange) {
    std::vector<Migration> ms = {make_migration(1, 1, 0, 0)};
    StateSnapshot state;
    record(state, ms[0], Phase::expand, 1);
    record(state, ms[0], Phase::backfill, 2);
    record(state, ms[0], Phase::contract, 3);
    Plan plan = plan_rollback(ms, state, {}, dialect);
    EXPECT_EQ(summary(plan), (Lines{"0001 contract down", "0001 backfill down", "0001 expand down"}));
    ASSERT_EQ(plan.runs[2].actions.size(), 1u);
    EXPECT_EQ(plan.runs[2].actions[0].sql, "DROP TABLE e1_0");
}

TEST_F(PlanRollback, NoOptionsPicksTheHighestSeqNotTheHighestMigration) {
    // 0002 was expanded before 0001 was backfilled: the backfill is the latest change.
    std::vector<Migration> ms = {make_migration(1, 1, 1, 1), make_migration(2, 1, 1, 1)};
    StateSnapshot state;
    record(state, ms[0], Phase::expand, 1);
    record(state, ms[1], Phase::expand, 2);
    record(state, ms[0], Phase::backfill, 3);
    EXPECT_EQ(summary(plan_rollback(ms, state, {}, dialect)), (Lines{"0001 backfill down"}));
}

TEST_F(PlanRollback, NothingAppliedGivesAnEmptyPlan) {
    std::vector<Migration> ms = {make_migration(1, 1, 1, 1)};
    EXPECT_TRUE(plan_rollback(ms, {}, {}, dialect).runs.empty());
}

TEST_F(PlanRollback, ToUndoesEveryPhaseOfLaterMigrationsInReverseOrder) {
    Applied a;
    EXPECT_EQ(summary(plan_rollback(a.ms, a.state, {{}, 1}, dialect)),
              (Lines{"0003 contract down", "0002 contract down", "0003 backfill down", "0002 backfill down",
                     "0003 expand down", "0002 expand down"}));
}

TEST_F(PlanRollback, ToZeroUndoesEverything) {
    Applied a;
    Plan plan = plan_rollback(a.ms, a.state, {{}, 0}, dialect);
    ASSERT_EQ(plan.runs.size(), 9u);
    EXPECT_EQ(summary(plan).front(), "0003 contract down");
    EXPECT_EQ(summary(plan).back(), "0001 expand down");
}

TEST_F(PlanRollback, UnknownToIsAUsageError) {
    Applied a;
    try {
        plan_rollback(a.ms, a.state, {{}, 7}, dialect);
        ADD_FAILURE() << "planned a rollback to a migration that does not exist";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::usage);
        EXPECT_TRUE(contains(e.what(), "7")) << e.what();
    }
}

TEST_F(PlanRollback, PhaseContractUndoesOnlyContracts) {
    Applied a;
    EXPECT_EQ(summary(plan_rollback(a.ms, a.state, {Phase::contract, {}}, dialect)),
              (Lines{"0003 contract down", "0002 contract down", "0001 contract down"}));
}

TEST_F(PlanRollback, PhaseBackfillUndoesBackfillsAndContracts) {
    Applied a;
    EXPECT_EQ(summary(plan_rollback(a.ms, a.state, {Phase::backfill, {}}, dialect)),
              (Lines{"0003 contract down", "0002 contract down", "0001 contract down", "0003 backfill down",
                     "0002 backfill down", "0001 backfill down"}));
}

TEST_F(PlanRollback, PhaseAndToCombine) {
    Applied a;
    EXPECT_EQ(summary(plan_rollback(a.ms, a.state, {Phase::contract, 1}, dialect)),
              (Lines{"0003 contract down", "0002 contract down"}));
}

TEST_F(PlanRollback, DownsRunInReverseStepOrder) {
    std::vector<Migration> ms = {make_migration(1, 3, 2, 0)};
    ms[0].expand[1].irreversible_data = true;
    StateSnapshot state;
    record(state, ms[0], Phase::expand, 1);
    record(state, ms[0], Phase::backfill, 2);
    Plan plan = plan_rollback(ms, state, {{}, 0}, dialect);
    ASSERT_EQ(summary(plan), (Lines{"0001 backfill down", "0001 expand down"}));

    const PhaseRun& backfill = plan.runs[0];
    ASSERT_EQ(backfill.actions.size(), 2u);
    EXPECT_EQ(backfill.actions[0].sql, "UPDATE t1 SET b1 = NULL");
    EXPECT_EQ(backfill.actions[1].sql, "UPDATE t1 SET b0 = NULL");

    const PhaseRun& expand = plan.runs[1];
    ASSERT_EQ(expand.actions.size(), 3u);
    EXPECT_EQ(expand.actions[0].sql, "DROP TABLE e1_2");
    EXPECT_EQ(expand.actions[0].step, 2);
    EXPECT_EQ(expand.actions[1].sql, "DROP TABLE e1_1");
    EXPECT_TRUE(expand.actions[1].loses_data);
    EXPECT_EQ(expand.actions[2].sql, "DROP TABLE e1_0");
    EXPECT_EQ(expand.actions[2].step, 0);
    EXPECT_FALSE(expand.actions[2].loses_data);
}

TEST_F(PlanRollback, BackfillStepsWithoutDownAreSkipped) {
    std::vector<Migration> ms = {make_migration(1, 1, 2, 0)};
    ms[0].backfill[0].down = SqlText();
    StateSnapshot state;
    record(state, ms[0], Phase::expand, 1);
    record(state, ms[0], Phase::backfill, 2);
    Plan plan = plan_rollback(ms, state, {}, dialect);
    ASSERT_EQ(summary(plan), (Lines{"0001 backfill down"}));
    ASSERT_EQ(plan.runs[0].actions.size(), 1u);
    EXPECT_EQ(plan.runs[0].actions[0].step, 1);
}

TEST_F(PlanRollback, MarksStepsAnInterruptedRollbackAlreadyUndid) {
    std::vector<Migration> ms = {make_migration(1, 1, 0, 3)};
    StateSnapshot state;
    record(state, ms[0], Phase::expand, 1);
    record(state, ms[0], Phase::backfill, 2);
    record(state, ms[0], Phase::contract, 3);
    state.completed_steps[{"0001", Phase::contract, Direction::down}] = {2};
    Plan plan = plan_rollback(ms, state, {}, dialect);
    ASSERT_EQ(summary(plan), (Lines{"0001 contract down"}));
    ASSERT_EQ(plan.runs[0].actions.size(), 3u);
    EXPECT_EQ(plan.runs[0].actions[0].step, 2);
    EXPECT_TRUE(plan.runs[0].actions[0].done);
    EXPECT_FALSE(plan.runs[0].actions[1].done);
    EXPECT_FALSE(plan.runs[0].actions[2].done);
}

TEST_F(PlanRollback, IrreversibleStepRefusesNamingMigrationPhaseStepAndPlace) {
    std::vector<Migration> ms = {make_migration(1, 1, 1, 2)};
    ms[0].contract[1].irreversible = true;
    ms[0].contract[1].down = SqlText();
    ms[0].contract[1].location = {42, 1};
    StateSnapshot state;
    record(state, ms[0], Phase::expand, 1);
    record(state, ms[0], Phase::backfill, 2);
    record(state, ms[0], Phase::contract, 3);
    try {
        plan_rollback(ms, state, {}, dialect);
        ADD_FAILURE() << "planned to undo an irreversible step";
    } catch (const Error& e) {
        std::string message = e.what();
        EXPECT_EQ(e.kind(), ErrorKind::state);
        EXPECT_TRUE(contains(message, "0001_m1 contract step 2")) << message;
        EXPECT_TRUE(contains(message, "db/0001_m1.toml:42")) << message;
        EXPECT_TRUE(contains(message, "irreversible")) << message;
        EXPECT_FALSE(e.hint().empty());
    }
    // Rolling back only the phases before it is still possible.
    state.migrations["0001"].phases.erase(Phase::contract);
    state.migrations["0001"].phase = PhaseState::backfilled;
    EXPECT_EQ(summary(plan_rollback(ms, state, {}, dialect)), (Lines{"0001 backfill down"}));
}

TEST_F(PlanRollback, IrreversibleStepOfAnUntouchedPhaseDoesNotMatter) {
    std::vector<Migration> ms = {make_migration(1, 1, 0, 1)};
    ms[0].contract[0].irreversible = true;
    ms[0].contract[0].down = SqlText();
    StateSnapshot state;
    record(state, ms[0], Phase::expand, 1);
    EXPECT_EQ(summary(plan_rollback(ms, state, {}, dialect)), (Lines{"0001 expand down"}));
}

TEST_F(PlanRollback, PhaseThatStoppedPartWayIsUndoneFirstAndOnlyForTheStepsThatRan) {
    std::vector<Migration> ms = {make_migration(1, 1, 1, 3)};
    StateSnapshot state;
    record(state, ms[0], Phase::expand, 1);
    record(state, ms[0], Phase::backfill, 2);
    state.migrations["0001"].status = "in_progress";
    // Contract steps 1 and 2 ran; the run stopped before step 3.
    state.completed_steps[{"0001", Phase::contract, Direction::up}] = {0, 1};
    Plan plan = plan_rollback(ms, state, {}, dialect);
    ASSERT_EQ(summary(plan), (Lines{"0001 contract down"}));
    const PhaseRun& run = plan.runs[0];
    EXPECT_TRUE(run.part_done);
    ASSERT_EQ(run.actions.size(), 2u);
    EXPECT_EQ(run.actions[0].sql, "DROP TABLE c1_1");
    EXPECT_EQ(run.actions[1].sql, "DROP TABLE c1_0");

    // --to undoes the part-done phase first, then what was applied before it.
    EXPECT_EQ(summary(plan_rollback(ms, state, {std::nullopt, 0}, dialect)),
              (Lines{"0001 contract down", "0001 backfill down", "0001 expand down"}));
}

TEST_F(PlanRollback, IrreversibleStepAmongThoseThatRanIsRefused) {
    std::vector<Migration> ms = {make_migration(1, 2, 0, 0)};
    ms[0].expand[0].irreversible = true;
    ms[0].expand[0].down = SqlText();
    StateSnapshot state;
    state.migrations["0001"] =
        MigrationRecord{"0001", "m1", ms[0].checksum, ms[0].source, PhaseState::pending, "in_progress", "", {}};
    state.completed_steps[{"0001", Phase::expand, Direction::up}] = {0};
    try {
        plan_rollback(ms, state, {}, dialect);
        ADD_FAILURE() << "planned to undo an irreversible step";
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "0001_m1 expand step 1")) << e.what();
    }
}

// ---------------------------------------------------------------------------------------------
// check_consistency

using PlanConsistency = PlanTest;

TEST_F(PlanConsistency, MatchingFilesAndStateHaveNoProblems) {
    Applied a;
    a.ms.push_back(make_migration(4, 1, 0, 0));
    EXPECT_TRUE(check_consistency(a.ms, a.state).empty());
    EXPECT_NO_THROW(require_consistent(a.ms, a.state));
}

TEST_F(PlanConsistency, EditedAppliedMigrationIsReportedWithADiff) {
    std::vector<Migration> ms = {make_migration(1, 1, 0, 0), make_migration(2, 1, 0, 0)};
    StateSnapshot state;
    record(state, ms[0], Phase::expand, 1);
    record(state, ms[1], Phase::expand, 2);
    ms[1].source = "# migration 2\nedited line\n";
    ms[1].checksum = sha256_hex(ms[1].source);

    std::vector<Problem> problems = check_consistency(ms, state);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].kind, Problem::Kind::modified);
    EXPECT_EQ(problems[0].migration_id, "0002");
    EXPECT_TRUE(contains(problems[0].message, "db/0002_m2.toml")) << problems[0].message;
    EXPECT_TRUE(contains(problems[0].detail, "\n-1 0 0\n")) << problems[0].detail;
    EXPECT_TRUE(contains(problems[0].detail, "\n+edited line\n")) << problems[0].detail;
    EXPECT_TRUE(contains(problems[0].detail, "@@ ")) << problems[0].detail;

    try {
        require_consistent(ms, state);
        ADD_FAILURE() << "accepted an edited applied migration";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::state);
        EXPECT_TRUE(contains(e.what(), "+edited line")) << e.what();
    }
}

TEST_F(PlanConsistency, AppliedMigrationWithoutItsFileIsReported) {
    std::vector<Migration> ms = {make_migration(1, 1, 0, 0), make_migration(2, 1, 0, 0)};
    StateSnapshot state;
    record(state, ms[0], Phase::expand, 1);
    record(state, ms[1], Phase::expand, 2);
    ms.pop_back();
    std::vector<Problem> problems = check_consistency(ms, state);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].kind, Problem::Kind::missing_file);
    EXPECT_EQ(problems[0].migration_id, "0002");
    EXPECT_TRUE(contains(problems[0].message, "0002_m2")) << problems[0].message;
    EXPECT_TRUE(contains(problems[0].message, "expanded")) << problems[0].message;
}

TEST_F(PlanConsistency, NewFileNumberedBelowAnAppliedOneIsOutOfOrder) {
    std::vector<Migration> ms = {make_migration(1, 1, 0, 0), make_migration(2, 1, 0, 0), make_migration(3, 1, 0, 0),
                                 make_migration(4, 1, 0, 0)};
    StateSnapshot state;
    record(state, ms[0], Phase::expand, 1);
    record(state, ms[2], Phase::expand, 2);
    std::vector<Problem> problems = check_consistency(ms, state);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].kind, Problem::Kind::out_of_order);
    EXPECT_EQ(problems[0].migration_id, "0002");
    EXPECT_TRUE(contains(problems[0].message, "db/0002_m2.toml")) << problems[0].message;
    EXPECT_TRUE(contains(problems[0].message, "0003_m3")) << problems[0].message;
}

TEST_F(PlanConsistency, ReportsEveryProblemTogether) {
    std::vector<Migration> ms = {make_migration(1, 1, 0, 0), make_migration(2, 1, 0, 0), make_migration(3, 1, 0, 0)};
    StateSnapshot state;
    record(state, ms[0], Phase::expand, 1);
    record(state, ms[2], Phase::expand, 2);
    state.migrations["0009"] = state.migrations["0003"];
    state.migrations["0009"].id = "0009";
    state.migrations["0009"].name = "gone";
    ms[0].source += "-- edit\n";
    ms[0].checksum = sha256_hex(ms[0].source);
    std::vector<Problem::Kind> kinds;
    for (const Problem& p : check_consistency(ms, state)) {
        kinds.push_back(p.kind);
    }
    std::sort(kinds.begin(), kinds.end());
    EXPECT_EQ(kinds, (std::vector<Problem::Kind>{Problem::Kind::modified, Problem::Kind::missing_file,
                                                 Problem::Kind::out_of_order}));
}

}  // namespace
}  // namespace migrate

// Unit tests of the phase state machine: which apply and rollback transitions the rules allow.
#include "engine/state_machine.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace migrate {
namespace {

using S = PhaseState;

constexpr S P = S::pending;
constexpr S E = S::expanded;
constexpr S B = S::backfilled;
constexpr S C = S::contracted;

Ledger ledger_of(const std::vector<S>& states) {
    Ledger ledger;
    const char* names[] = {"0001_users", "0002_orders", "0003_index", "0004_drop"};
    for (std::size_t i = 0; i < states.size(); ++i) {
        ledger.labels.emplace_back(names[i]);
        ledger.states.push_back(states[i]);
    }
    return ledger;
}

std::string describe(const std::vector<S>& states, std::size_t index, Phase phase) {
    std::string out = std::string(to_string(phase)) + " of #" + std::to_string(index) + " in [";
    for (S state : states) {
        out += std::string(to_string(state)) + " ";
    }
    return out + "]";
}

struct Case {
    std::vector<S> states;
    std::size_t index;
    Phase phase;
    const char* refusal;  // nullptr when allowed; else a part of the reason
};

TEST(StateMachine, ApplyRules) {
    const std::vector<Case> cases = {
        // expand N needs N pending and N-1 at least expanded.
        {{P}, 0, Phase::expand, nullptr},
        {{E, P}, 1, Phase::expand, nullptr},
        {{B, P}, 1, Phase::expand, nullptr},
        {{C, P}, 1, Phase::expand, nullptr},
        {{P, P}, 1, Phase::expand, "expand of 0002_orders needs 0001_users expanded first"},
        {{E}, 0, Phase::expand, "0001_users is already expanded"},
        {{C, C}, 1, Phase::expand, "0002_orders is already contracted"},
        // Several migrations may be expanded at once, ahead of their backfills and contracts.
        {{E, E, P}, 2, Phase::expand, nullptr},
        {{C, B, E, P}, 3, Phase::expand, nullptr},
        // backfill N needs N expanded, whatever its neighbours do.
        {{E}, 0, Phase::backfill, nullptr},
        {{E, E}, 1, Phase::backfill, nullptr},
        {{E, E}, 0, Phase::backfill, nullptr},
        {{P}, 0, Phase::backfill, "backfill of 0001_users needs its expand first"},
        {{B}, 0, Phase::backfill, "0001_users is already backfilled"},
        {{C, C}, 1, Phase::backfill, "0002_orders is already contracted"},
        // contract N needs N backfilled and N-1 contracted.
        {{B}, 0, Phase::contract, nullptr},
        {{C, B}, 1, Phase::contract, nullptr},
        {{C, C, B}, 2, Phase::contract, nullptr},
        {{B, B}, 0, Phase::contract, nullptr},
        {{B, B}, 1, Phase::contract, "contract of 0002_orders needs the contract of 0001_users first"},
        {{E, B}, 1, Phase::contract, "needs the contract of 0001_users first (0001_users is expanded)"},
        {{C, E}, 1, Phase::contract, "contract of 0002_orders needs its backfill complete first"},
        {{P}, 0, Phase::contract, "needs its backfill complete first (0001_users is pending)"},
        {{C}, 0, Phase::contract, "0001_users is already contracted"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(describe(c.states, c.index, c.phase));
        std::optional<std::string> why = why_not_apply(ledger_of(c.states), c.index, c.phase);
        if (c.refusal == nullptr) {
            EXPECT_FALSE(why.has_value()) << *why;
        } else {
            ASSERT_TRUE(why.has_value()) << "allowed";
            EXPECT_NE(why->find(c.refusal), std::string::npos) << *why;
        }
    }
}

TEST(StateMachine, RollbackRules) {
    const std::vector<Case> cases = {
        // Only the phase a migration last applied can be undone.
        {{E}, 0, Phase::expand, nullptr},
        {{B}, 0, Phase::backfill, nullptr},
        {{C}, 0, Phase::contract, nullptr},
        {{P}, 0, Phase::expand, "expand of 0001_users is not the phase it last applied (0001_users is pending)"},
        {{B}, 0, Phase::expand, "not the phase it last applied (0001_users is backfilled)"},
        {{C}, 0, Phase::backfill, "not the phase it last applied (0001_users is contracted)"},
        {{E}, 0, Phase::backfill, "not the phase it last applied"},
        {{B}, 0, Phase::contract, "not the phase it last applied"},
        {{E}, 0, Phase::contract, "not the phase it last applied"},
        // Mirror of expand: undoing expand N needs N+1 pending.
        {{E, P}, 0, Phase::expand, nullptr},
        {{E, E}, 1, Phase::expand, nullptr},
        {{E, E}, 0, Phase::expand, "rolling back the expand of 0001_users needs 0002_orders rolled back first"},
        {{E, B}, 0, Phase::expand, "needs 0002_orders rolled back first (0002_orders is backfilled)"},
        // Mirror of backfill: only its own state matters.
        {{B, B}, 0, Phase::backfill, nullptr},
        {{B, C}, 0, Phase::backfill, nullptr},
        {{B, E}, 0, Phase::backfill, nullptr},
        // Mirror of contract: undoing contract N needs N+1 not contracted.
        {{C, B}, 0, Phase::contract, nullptr},
        {{C, C}, 1, Phase::contract, nullptr},
        {{C, E}, 0, Phase::contract, nullptr},
        {{C, C}, 0, Phase::contract, "rolling back the contract of 0001_users needs the contract of 0002_orders"},
        {{C, C, C}, 1, Phase::contract, "needs the contract of 0003_index rolled back first"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(describe(c.states, c.index, c.phase));
        std::optional<std::string> why = why_not_rollback(ledger_of(c.states), c.index, c.phase);
        if (c.refusal == nullptr) {
            EXPECT_FALSE(why.has_value()) << *why;
        } else {
            ASSERT_TRUE(why.has_value()) << "allowed";
            EXPECT_NE(why->find(c.refusal), std::string::npos) << *why;
        }
    }
}

// Walks every migration of a ledger through all its phases the way apply does, phase-major, and
// back again the way rollback does; every step must be allowed and the walk must end where it
// began.
TEST(StateMachine, FullApplyAndRollbackWalkIsAllowedStepByStep) {
    Ledger ledger = ledger_of({P, P, P});
    std::vector<std::pair<std::size_t, Phase>> applied;
    for (Phase phase : all_phases) {
        for (std::size_t i = 0; i < ledger.states.size(); ++i) {
            auto why = why_not_apply(ledger, i, phase);
            ASSERT_FALSE(why.has_value()) << *why;
            ledger.states[i] = state_after(phase);
            applied.emplace_back(i, phase);
        }
    }
    EXPECT_EQ(ledger.states, (std::vector<S>{C, C, C}));
    for (auto it = applied.rbegin(); it != applied.rend(); ++it) {
        auto why = why_not_rollback(ledger, it->first, it->second);
        ASSERT_FALSE(why.has_value()) << *why;
        ledger.states[it->first] = state_before(it->second);
    }
    EXPECT_EQ(ledger.states, (std::vector<S>{P, P, P}));
}

TEST(StateMachine, StateBeforeAndAfterEachPhase) {
    EXPECT_EQ(state_before(Phase::expand), P);
    EXPECT_EQ(state_after(Phase::expand), E);
    EXPECT_EQ(state_before(Phase::backfill), E);
    EXPECT_EQ(state_after(Phase::backfill), B);
    EXPECT_EQ(state_before(Phase::contract), B);
    EXPECT_EQ(state_after(Phase::contract), C);
    for (Phase phase : all_phases) {
        EXPECT_EQ(parse_phase(to_string(phase)), phase);
    }
    EXPECT_FALSE(parse_phase("all").has_value());
    for (S state : {P, E, B, C}) {
        EXPECT_EQ(parse_phase_state(to_string(state)), state);
    }
}

}  // namespace
}  // namespace migrate

#include "model/phase.hpp"

namespace migrate {

std::string_view to_string(Phase phase) {
    switch (phase) {
        case Phase::expand:
            return "expand";
        case Phase::backfill:
            return "backfill";
        case Phase::contract:
            return "contract";
    }
    return "?";
}

std::string_view to_string(PhaseState state) {
    switch (state) {
        case PhaseState::pending:
            return "pending";
        case PhaseState::expanded:
            return "expanded";
        case PhaseState::backfilled:
            return "backfilled";
        case PhaseState::contracted:
            return "contracted";
    }
    return "?";
}

std::string_view to_string(Direction direction) {
    return direction == Direction::up ? "up" : "down";
}

std::optional<Phase> parse_phase(std::string_view text) {
    for (Phase phase : all_phases) {
        if (to_string(phase) == text) {
            return phase;
        }
    }
    return std::nullopt;
}

std::optional<PhaseState> parse_phase_state(std::string_view text) {
    for (PhaseState state :
         {PhaseState::pending, PhaseState::expanded, PhaseState::backfilled, PhaseState::contracted}) {
        if (to_string(state) == text) {
            return state;
        }
    }
    return std::nullopt;
}

PhaseState state_after(Phase phase) {
    switch (phase) {
        case Phase::expand:
            return PhaseState::expanded;
        case Phase::backfill:
            return PhaseState::backfilled;
        case Phase::contract:
            return PhaseState::contracted;
    }
    return PhaseState::pending;
}

PhaseState state_before(Phase phase) {
    switch (phase) {
        case Phase::expand:
            return PhaseState::pending;
        case Phase::backfill:
            return PhaseState::expanded;
        case Phase::contract:
            return PhaseState::backfilled;
    }
    return PhaseState::pending;
}

}  // namespace migrate

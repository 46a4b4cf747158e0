#include "engine/state_machine.hpp"

#include <fmt/format.h>

namespace migrate {

namespace {

std::string describe(const Ledger& ledger, std::size_t index) {
    return fmt::format("{} is {}", ledger.labels[index], to_string(ledger.states[index]));
}

}  // namespace

std::optional<std::string> why_not_apply(const Ledger& ledger, std::size_t index, Phase phase) {
    PhaseState state = ledger.states.at(index);
    const std::string& label = ledger.labels[index];
    switch (phase) {
        case Phase::expand:
            if (state != PhaseState::pending) {
                return fmt::format("{} is already {}", label, to_string(state));
            }
            if (index > 0 && ledger.states[index - 1] == PhaseState::pending) {
                return fmt::format("expand of {} needs {} expanded first", label, ledger.labels[index - 1]);
            }
            return std::nullopt;
        case Phase::backfill:
            if (state != PhaseState::expanded) {
                return state == PhaseState::pending ? fmt::format("backfill of {} needs its expand first", label)
                                                    : fmt::format("{} is already {}", label, to_string(state));
            }
            return std::nullopt;
        case Phase::contract:
            if (state != PhaseState::backfilled) {
                return state == PhaseState::contracted
                           ? fmt::format("{} is already contracted", label)
                           : fmt::format("contract of {} needs its backfill complete first ({})", label,
                                         describe(ledger, index));
            }
            if (index > 0 && ledger.states[index - 1] != PhaseState::contracted) {
                return fmt::format("contract of {} needs the contract of {} first ({})", label,
                                   ledger.labels[index - 1], describe(ledger, index - 1));
            }
            return std::nullopt;
    }
    return "unknown phase";
}

std::optional<std::string> why_not_rollback(const Ledger& ledger, std::size_t index, Phase phase) {
    PhaseState state = ledger.states.at(index);
    const std::string& label = ledger.labels[index];
    if (state != state_after(phase)) {
        return fmt::format("{} of {} is not the phase it last applied ({})", to_string(phase), label,
                           describe(ledger, index));
    }
    bool has_next = index + 1 < ledger.states.size();
    switch (phase) {
        case Phase::expand:
            if (has_next && ledger.states[index + 1] != PhaseState::pending) {
                return fmt::format("rolling back the expand of {} needs {} rolled back first ({})", label,
                                   ledger.labels[index + 1], describe(ledger, index + 1));
            }
            return std::nullopt;
        case Phase::backfill:
            return std::nullopt;
        case Phase::contract:
            if (has_next && ledger.states[index + 1] == PhaseState::contracted) {
                return fmt::format("rolling back the contract of {} needs the contract of {} rolled back first", label,
                                   ledger.labels[index + 1]);
            }
            return std::nullopt;
    }
    return "unknown phase";
}

}  // namespace migrate

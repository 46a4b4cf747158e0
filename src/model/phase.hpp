// The three phases of a migration and the states a migration moves through as they are applied.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace migrate {

enum class Phase { expand, backfill, contract };

inline constexpr std::array<Phase, 3> all_phases = {Phase::expand, Phase::backfill, Phase::contract};

// pending -> expanded -> backfilled -> contracted, and back one step per rollback.
enum class PhaseState { pending, expanded, backfilled, contracted };

enum class Direction { up, down };

std::string_view to_string(Phase phase);
std::string_view to_string(PhaseState state);
std::string_view to_string(Direction direction);

std::optional<Phase> parse_phase(std::string_view text);
std::optional<PhaseState> parse_phase_state(std::string_view text);

// The state a migration is in once `phase` has been applied.
PhaseState state_after(Phase phase);
// The state a migration must be in for `phase` to be applied.
PhaseState state_before(Phase phase);

}  // namespace migrate

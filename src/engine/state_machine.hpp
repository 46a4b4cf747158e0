// The rules for moving one migration between phases, given where every migration stands:
//   expand N    needs N pending and N-1 at least expanded;
//   backfill N  needs N expanded;
//   contract N  needs N backfilled and N-1 contracted;
// and the mirror images for rollback. Planning simulates these rules step by step, so a plan
// that the rules refuse is never produced.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/phase.hpp"

namespace migrate {

// Where each migration stands, in migration order.
struct Ledger {
    std::vector<std::string> labels;  // "0003_rename_username"
    std::vector<PhaseState> states;
};

// nullopt when `phase` of migration `index` may be applied now; otherwise why not.
std::optional<std::string> why_not_apply(const Ledger& ledger, std::size_t index, Phase phase);
// nullopt when `phase` of migration `index` may be rolled back now; otherwise why not.
std::optional<std::string> why_not_rollback(const Ledger& ledger, std::size_t index, Phase phase);

}  // namespace migrate

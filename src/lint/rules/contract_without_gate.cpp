// contract-without-gate: a contract must name the app version it waits for, so it cannot run
// while older instances still use what it removes (see lint-rules/contract-without-gate.toml).
#include <algorithm>

#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class ContractWithoutGate : public Rule {
  public:
    std::string_view id() const override { return "contract-without-gate"; }

    void check_unit(const LintUnit& unit, const LintSettings& /*settings*/, FindingSink& sink) const override {
        // Plain SQL from other tools has no phases, so it has no contract to gate.
        if (unit.kind == LintUnit::Kind::plain || unit.contract_gated) {
            return;
        }
        auto first_contract = std::find_if(unit.steps.begin(), unit.steps.end(),
                                           [](const StepInfo& step) { return step.phase == Phase::contract; });
        if (first_contract == unit.steps.end()) {
            return;
        }
        // The fix is written differently in the two migration formats; show the one this file uses.
        std::string_view gate = std::string_view(unit.file).ends_with(".sql")
                                    ? "add '-- migrate:requires app=... min_version=...'"
                                    : "add [contract.requires] app = \"...\" min_version = \"...\"";
        sink.report_step(unit, *first_contract,
                         fmt::format("contract has no gate, so nothing holds it back while older app instances still "
                                     "use what it removes; {}, or apply it with --no-gate to run it ungated on purpose",
                                     gate));
    }
};

}  // namespace

std::unique_ptr<Rule> make_contract_without_gate_rule() {
    return std::make_unique<ContractWithoutGate>();
}

}  // namespace migrate::lint

// missing-down: every step needs its inverse so rollback can undo the phase (see
// lint-rules/missing-down.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class MissingDown : public Rule {
  public:
    std::string_view id() const override { return "missing-down"; }

    void check_unit(const LintUnit& unit, const LintSettings& /*settings*/, FindingSink& sink) const override {
        if (unit.kind == LintUnit::Kind::plain) {
            if (unit.missing_down_file) {
                sink.report_file(unit, fmt::format("no {} beside it: this migration cannot be rolled back",
                                                   unit.expected_down_file));
            }
            return;
        }
        for (const StepInfo& step : unit.steps) {
            // A backfill without a down is fine: rolling it back leaves the copied data in place.
            if (step.phase == Phase::backfill || step.has_down || step.irreversible) {
                continue;
            }
            sink.report_step(unit, step,
                             fmt::format("{} step {} has no down and is not marked irreversible: rollback cannot "
                                         "undo it",
                                         to_string(*step.phase), step.index + 1));
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_missing_down_rule() {
    return std::make_unique<MissingDown>();
}

}  // namespace migrate::lint

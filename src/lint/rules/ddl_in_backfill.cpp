// ddl-in-backfill: a backfill step is for batched data changes only (see
// lint-rules/ddl-in-backfill.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class DdlInBackfill : public Rule {
  public:
    std::string_view id() const override { return "ddl-in-backfill"; }

    // Downs too: the backfill's down runs on rollback, beside live traffic like the batches.
    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.phase != Phase::backfill) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if (!is_ddl(change.kind)) {
                continue;
            }
            std::string target = !change.table.empty() ? change.table : change.name;
            sink.report(context, fmt::format("schema change ({}{}) in a backfill {}: backfill is for batched data "
                                             "changes beside live traffic; change the schema in expand or contract, "
                                             "where a down undoes it on rollback",
                                             to_string(change.kind), target.empty() ? "" : " of '" + target + "'",
                                             context.piece.direction == Direction::up ? "step" : "step's down"));
            return;
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_ddl_in_backfill_rule() {
    return std::make_unique<DdlInBackfill>();
}

}  // namespace migrate::lint

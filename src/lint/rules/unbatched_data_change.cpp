// unbatched-data-change: an UPDATE or DELETE of every row, in one statement, outside a backfill
// (see lint-rules/unbatched-data-change.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class UnbatchedDataChange : public Rule {
  public:
    std::string_view id() const override { return "unbatched-data-change"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        // Backfill pieces are the batched UPDATE the engine runs, restricted per batch.
        if (context.piece.direction != Direction::up || context.piece.phase == Phase::backfill) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if ((change.kind != ChangeKind::update && change.kind != ChangeKind::delete_rows) || change.has_where ||
                context.created_here(change.table)) {
                continue;
            }
            sink.report(context, fmt::format("{} every row of '{}' in one statement locks all of them until it "
                                             "commits, so the app's writes to '{}' wait; do it as a [[backfill]] "
                                             "step, which works in small batches",
                                             change.kind == ChangeKind::update ? "updating" : "deleting", change.table,
                                             change.table));
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_unbatched_data_change_rule() {
    return std::make_unique<UnbatchedDataChange>();
}

}  // namespace migrate::lint

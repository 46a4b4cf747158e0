// destructive-outside-contract: dropping or emptying what the running app versions still use
// belongs in contract (see lint-rules/destructive-outside-contract.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class DestructiveOutsideContract : public Rule {
  public:
    std::string_view id() const override { return "destructive-outside-contract"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        // Downs undo their own step's additions; contract runs once no app version needs the old schema.
        if (context.piece.direction != Direction::up || context.piece.phase == Phase::contract) {
            return;
        }
        std::string where = context.piece.phase ? fmt::format("in {}", to_string(*context.piece.phase))
                                                : std::string("in a plain SQL migration");
        for (const Change& change : context.statement.changes) {
            if (!change.table.empty() && context.created_here(change.table)) {
                continue;
            }
            std::string what;
            std::string_view harm;
            switch (change.kind) {
                case ChangeKind::drop_column:
                    what = fmt::format("dropping column '{}.{}'", change.table, change.name);
                    harm = "queries of the app versions still running that name it fail";
                    break;
                case ChangeKind::drop_table:
                    what = fmt::format("dropping table '{}'", change.table);
                    harm = "queries of the app versions still running that use it fail";
                    break;
                case ChangeKind::drop_index:
                    what = fmt::format("dropping index '{}'", change.name);
                    harm = "queries of the app versions still running that rely on it turn into full scans";
                    break;
                case ChangeKind::truncate:
                    what = fmt::format("truncating '{}'", change.table);
                    harm = "the app versions still running lose the rows they read and write";
                    break;
                default:
                    continue;
            }
            sink.report(context, fmt::format("{} {}: {}; do it in contract, once no running app version uses it", what,
                                             where, harm));
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_destructive_outside_contract_rule() {
    return std::make_unique<DestructiveOutsideContract>();
}

}  // namespace migrate::lint

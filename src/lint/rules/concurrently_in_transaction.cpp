// concurrently-in-transaction: CONCURRENTLY cannot run inside a transaction block, and a step of
// several statements is one (see lint-rules/concurrently-in-transaction.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class ConcurrentlyInTransaction : public Rule {
  public:
    std::string_view id() const override { return "concurrently-in-transaction"; }

    // Downs too: a rollback that fails half-way is worse than a failed apply.
    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        bool shared = context.piece.statements.size() > 1;
        if (!context.in_transaction_block && !shared) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            std::string what;
            if (change.kind == ChangeKind::create_index && change.index && change.index->concurrently) {
                what = change.index->name.empty() ? fmt::format("CREATE INDEX CONCURRENTLY on '{}'", change.table)
                                                  : fmt::format("CREATE INDEX CONCURRENTLY '{}'", change.index->name);
            } else if (change.kind == ChangeKind::drop_index && change.concurrently) {
                what = fmt::format("DROP INDEX CONCURRENTLY '{}'", change.name);
            } else if (change.kind == ChangeKind::reindex && change.concurrently) {
                what = fmt::format("REINDEX CONCURRENTLY '{}'", change.name);
            } else {
                continue;
            }
            if (context.in_transaction_block) {
                sink.report(context, fmt::format("{} cannot run inside BEGIN ... COMMIT: PostgreSQL refuses it and "
                                                 "the step fails",
                                                 what));
            } else {
                sink.report(context, fmt::format("{} shares its step with {} other statement(s): PostgreSQL runs "
                                                 "the step as one transaction, where CONCURRENTLY fails",
                                                 what, context.piece.statements.size() - 1));
            }
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_concurrently_in_transaction_rule() {
    return std::make_unique<ConcurrentlyInTransaction>();
}

}  // namespace migrate::lint

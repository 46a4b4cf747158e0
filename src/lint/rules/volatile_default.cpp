// volatile-default: a column added with a default PostgreSQL must compute per row rewrites the
// whole table (see lint-rules/volatile-default.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

// PostgreSQL 11 stores a constant default once in the catalog instead of writing it to every row.
constexpr int first_version_storing_defaults = 11;

class VolatileDefault : public Rule {
  public:
    std::string_view id() const override { return "volatile-default"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            // A new key column's rewrite is serial-primary-key-column's, so it gets one finding.
            if (change.kind != ChangeKind::add_column || !change.column || !change.column->default_value ||
                is_new_key_column(*change.column) || context.created_here(change.table)) {
                continue;
            }
            const ColumnDef& column = *change.column;
            if (column.default_value->volatility == Volatility::volatile_) {
                sink.report(context, fmt::format("adding column '{}' to '{}' with the volatile default {} rewrites "
                                                 "every row of '{}' under an ACCESS EXCLUSIVE lock: reads and writes "
                                                 "wait for the whole rewrite",
                                                 column.name, change.table, column.default_value->text, change.table));
            } else if (context.settings.pg_version < first_version_storing_defaults) {
                sink.report(context, fmt::format("adding column '{}' to '{}' with a default ({}) rewrites every row "
                                                 "of '{}' under an ACCESS EXCLUSIVE lock on PostgreSQL {}: before "
                                                 "PostgreSQL 11 any default does",
                                                 column.name, change.table, column.default_value->text, change.table,
                                                 context.settings.pg_version));
            }
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_volatile_default_rule() {
    return std::make_unique<VolatileDefault>();
}

}  // namespace migrate::lint

// changing-column-type: on PostgreSQL a type change rewrites the table and its indexes under
// ACCESS EXCLUSIVE (see lint-rules/changing-column-type.toml). MySQL's MODIFY/CHANGE are
// mysql-table-copy's, so one statement gets one finding.
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

// Only the new type is known. Changing varchar(n) to text or to an unbounded varchar is
// binary-coercible and does not rewrite; as these are also the usual targets of a safe widening,
// they are let through whatever the old type was.
bool usually_binary_coercible(const TypeName& type) {
    return !type.array && (type.name == "text" || (type.name == "varchar" && type.modifiers.empty()));
}

class ChangingColumnType : public Rule {
  public:
    std::string_view id() const override { return "changing-column-type"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if (change.kind != ChangeKind::alter_column_type || !change.column || context.created_here(change.table) ||
                usually_binary_coercible(change.column->type)) {
                continue;
            }
            sink.report(context, fmt::format("changing the type of '{}.{}' to {} rewrites '{}' and rebuilds its "
                                             "indexes under an ACCESS EXCLUSIVE lock: reads and writes wait for the "
                                             "whole rewrite",
                                             change.table, change.name, change.column->type.text, change.table));
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_changing_column_type_rule() {
    return std::make_unique<ChangingColumnType>();
}

}  // namespace migrate::lint

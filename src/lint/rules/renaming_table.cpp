// renaming-table: a rename breaks every app instance still querying the old name (see
// lint-rules/renaming-table.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class RenamingTable : public Rule {
  public:
    std::string_view id() const override { return "renaming-table"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if (change.kind == ChangeKind::rename_table && !context.created_here(change.table)) {
                sink.report(context, fmt::format("renaming table '{}' to '{}' breaks the app instances that still "
                                                 "query '{}'",
                                                 change.table, change.new_name, change.table));
            }
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_renaming_table_rule() {
    return std::make_unique<RenamingTable>();
}

}  // namespace migrate::lint

// renaming-column: a rename breaks every app instance still reading the old name (see
// lint-rules/renaming-column.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class RenamingColumn : public Rule {
  public:
    std::string_view id() const override { return "renaming-column"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        // A down that renames back undoes the up's rename; the up carries the finding.
        if (context.piece.direction == Direction::down) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if (change.kind == ChangeKind::rename_column && !context.created_here(change.table)) {
                sink.report(context, fmt::format("renaming column '{}' of '{}' to '{}' breaks the app instances "
                                                 "that still use the old name",
                                                 change.name, change.table, change.new_name));
            }
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_renaming_column_rule() {
    return std::make_unique<RenamingColumn>();
}

}  // namespace migrate::lint

// adding-stored-generated-column: a STORED generated column is computed and written for every
// existing row when it is added (see lint-rules/adding-stored-generated-column.toml). SQLite
// refuses it outright; sqlite-add-column-needs-rebuild reports that.
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class AddingStoredGeneratedColumn : public Rule {
  public:
    std::string_view id() const override { return "adding-stored-generated-column"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if (change.kind != ChangeKind::add_column || !change.column || !change.column->generated_stored ||
                context.created_here(change.table)) {
                continue;
            }
            if (context.settings.dialect == "mysql") {
                sink.report(context, fmt::format("adding STORED generated column '{}' to '{}' copies the whole table "
                                                 "to compute it, blocking writes until the copy ends; migrate apply "
                                                 "refuses that under --online-ddl require (the default)",
                                                 change.column->name, change.table));
            } else {
                sink.report(context, fmt::format("adding STORED generated column '{}' to '{}' rewrites every row to "
                                                 "compute it under an ACCESS EXCLUSIVE lock: reads and writes of '{}' "
                                                 "wait for the whole rewrite",
                                                 change.column->name, change.table, change.table));
            }
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_adding_stored_generated_column_rule() {
    return std::make_unique<AddingStoredGeneratedColumn>();
}

}  // namespace migrate::lint

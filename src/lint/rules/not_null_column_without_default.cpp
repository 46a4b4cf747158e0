// not-null-column-without-default: adding a NOT NULL column that existing rows and old inserts
// cannot fill (see lint-rules/not-null-column-without-default.toml).
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

// DEFAULT NULL fills nothing: every database treats it like no default at all.
bool fills_rows(const std::optional<DefaultValue>& value) {
    if (!value) {
        return false;
    }
    std::string text;
    for (char c : value->text) {
        if (!std::isspace(static_cast<unsigned char>(c)) && c != '(' && c != ')') {
            text += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
    }
    return text != "NULL";
}

class NotNullColumnWithoutDefault : public Rule {
  public:
    std::string_view id() const override { return "not-null-column-without-default"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if (change.kind != ChangeKind::add_column || !change.column || context.created_here(change.table)) {
                continue;
            }
            const ColumnDef& column = *change.column;
            // Key columns are reported by serial-primary-key-column and sqlite-add-column-needs-rebuild.
            if (!column.not_null || fills_rows(column.default_value) || is_new_key_column(column) ||
                column.generated_stored) {
                continue;
            }
            if (context.settings.dialect == "mysql") {
                sink.report(context, fmt::format("adding NOT NULL column '{}' to '{}' without a default: MySQL fills "
                                                 "the existing rows with 0 or '', and in strict mode every insert "
                                                 "from an app version that does not set '{}' fails",
                                                 column.name, change.table, column.name));
            } else {
                sink.report(context, fmt::format("adding NOT NULL column '{}' to '{}' without a default fails as "
                                                 "soon as the table has rows, and every insert from an app version "
                                                 "that does not set '{}' would fail",
                                                 column.name, change.table, column.name));
            }
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_not_null_column_without_default_rule() {
    return std::make_unique<NotNullColumnWithoutDefault>();
}

}  // namespace migrate::lint

// serial-primary-key-column: adding a serial, identity, AUTO_INCREMENT or PRIMARY KEY column to
// an existing table (see lint-rules/serial-primary-key-column.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class SerialPrimaryKeyColumn : public Rule {
  public:
    std::string_view id() const override { return "serial-primary-key-column"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        bool mysql = context.settings.dialect == "mysql";
        for (const Change& change : context.statement.changes) {
            if (change.kind != ChangeKind::add_column || !change.column || !is_new_key_column(*change.column) ||
                context.created_here(change.table)) {
                continue;
            }
            const ColumnDef& column = *change.column;
            const std::string& table = change.table;
            if (mysql && is_generated_id(column)) {
                sink.report(context, fmt::format("adding AUTO_INCREMENT column '{}' to '{}' rebuilds '{}' to number "
                                                 "every row and builds its index, blocking writes until it ends",
                                                 column.name, table, table));
            } else if (is_generated_id(column)) {
                std::string kind = is_serial(column.type) ? column.type.text : std::string("identity");
                sink.report(context,
                            fmt::format("adding {} column '{}' to '{}' rewrites every row to number it{} "
                                        "under an ACCESS EXCLUSIVE lock: reads and writes of '{}' wait for "
                                        "the whole rewrite",
                                        kind, column.name, table,
                                        column.primary_key || column.unique ? " and builds its index" : "", table));
            } else if (column.default_value && column.default_value->volatility == Volatility::volatile_) {
                sink.report(context, fmt::format("adding PRIMARY KEY column '{}' to '{}' fills every row with {} and "
                                                 "builds the index while reads and writes of '{}' wait for both",
                                                 column.name, table, column.default_value->text, table));
            } else {
                sink.report(context, fmt::format("adding PRIMARY KEY column '{}' to '{}' fails once '{}' has rows: "
                                                 "they would all get the same key",
                                                 column.name, table, table));
            }
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_serial_primary_key_column_rule() {
    return std::make_unique<SerialPrimaryKeyColumn>();
}

}  // namespace migrate::lint

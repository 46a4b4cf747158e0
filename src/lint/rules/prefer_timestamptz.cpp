// prefer-timestamptz: timestamp without time zone stores wall-clock readings whose zone is lost
// (see lint-rules/prefer-timestamptz.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class PreferTimestamptz : public Rule {
  public:
    std::string_view id() const override { return "prefer-timestamptz"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if (change.kind == ChangeKind::create_table) {
                for (const ColumnDef& column : change.columns) {
                    check(context, sink, change.table, column.name, column.type);
                }
            } else if ((change.kind == ChangeKind::add_column || change.kind == ChangeKind::alter_column_type) &&
                       change.column) {
                check(context, sink, change.table, change.column->name.empty() ? change.name : change.column->name,
                      change.column->type);
            }
        }
    }

  private:
    static void check(const StatementContext& context, FindingSink& sink, const std::string& table,
                      const std::string& column, const TypeName& type) {
        if (type.name != "timestamp") {
            return;
        }
        // "TIMESTAMP WITHOUT TIME ZONE" says it already; a bare "TIMESTAMP" does not.
        bool says_zone = type.text.find("ZONE") != std::string::npos || type.text.find("zone") != std::string::npos;
        sink.report(context, fmt::format("column '{}.{}' is {}{}: it stores the writer's local clock reading, and "
                                         "readers in another time zone or across a DST change see the wrong instant; "
                                         "use timestamptz",
                                         table, column, type.text, says_zone ? "" : " (without time zone)"));
    }
};

}  // namespace

std::unique_ptr<Rule> make_prefer_timestamptz_rule() {
    return std::make_unique<PreferTimestamptz>();
}

}  // namespace migrate::lint

// dropping-database: DROP DATABASE / DROP SCHEMA delete every table in it at once (see
// lint-rules/dropping-database.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class DroppingDatabase : public Rule {
  public:
    std::string_view id() const override { return "dropping-database"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if (change.kind == ChangeKind::drop_database || change.kind == ChangeKind::drop_schema) {
                sink.report(context,
                            fmt::format("dropping {} '{}' deletes every table in it, with its data, for "
                                        "every app version at once; no rollback brings the data back",
                                        change.kind == ChangeKind::drop_database ? "database" : "schema", change.name));
            }
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_dropping_database_rule() {
    return std::make_unique<DroppingDatabase>();
}

}  // namespace migrate::lint

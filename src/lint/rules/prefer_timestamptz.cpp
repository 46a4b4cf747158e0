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
            for_each_typed_column(change, [&](const std::string& column, const TypeName& type) {
                check(context, sink, change.table, column, type);
            });
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

// prefer-text-over-varchar: a varchar(n) limit is expensive to change later (see
// lint-rules/prefer-text-over-varchar.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class PreferTextOverVarchar : public Rule {
  public:
    std::string_view id() const override { return "prefer-text-over-varchar"; }

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
        if (type.name != "varchar" || type.modifiers.empty()) {
            return;
        }
        sink.report(context, fmt::format("column '{}.{}' is {}: changing that limit later is an ALTER COLUMN TYPE "
                                         "under an ACCESS EXCLUSIVE lock, which rewrites '{}' when the limit "
                                         "shrinks; text with a CHECK on char_length({}) can be changed NOT VALID",
                                         table, column, type.text, table, column));
    }
};

}  // namespace

std::unique_ptr<Rule> make_prefer_text_over_varchar_rule() {
    return std::make_unique<PreferTextOverVarchar>();
}

}  // namespace migrate::lint

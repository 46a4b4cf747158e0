// prefer-bigint-ids: 32-bit (or smaller) id columns run out (see lint-rules/prefer-bigint-ids.toml).
#include <algorithm>
#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

bool contains_word(std::string_view text, std::string_view word) {
    auto it = std::search(text.begin(), text.end(), word.begin(), word.end(),
                          [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
    return it != text.end();
}

// The largest id a type can hold, for the types too small to hold ids for long. The canonical
// name folds MySQL's TINYINT, MEDIUMINT and UNSIGNED into wider types, so the type as written tells those.
std::optional<std::string_view> largest_value(const TypeName& type) {
    if (type.array) {
        return std::nullopt;
    }
    bool is_unsigned = contains_word(type.text, "unsigned");
    if (contains_word(type.text, "tinyint")) {
        return is_unsigned ? "255" : "127";
    }
    if (contains_word(type.text, "mediumint")) {
        return is_unsigned ? "16,777,215" : "8,388,607";
    }
    if (type.name == "integer" || type.name == "serial") {
        return is_unsigned ? "4,294,967,295" : "2,147,483,647";
    }
    if (type.name == "smallint" || type.name == "smallserial") {
        return is_unsigned ? "65,535" : "32,767";
    }
    return std::nullopt;
}

bool looks_like_id(const ColumnDef& column, const std::vector<ConstraintDef>& constraints) {
    if (column.primary_key || column.identity || column.name == "id" || column.name.ends_with("_id")) {
        return true;
    }
    return std::any_of(constraints.begin(), constraints.end(), [&](const ConstraintDef& constraint) {
        return constraint.kind == ConstraintKind::primary_key &&
               std::find(constraint.columns.begin(), constraint.columns.end(), column.name) != constraint.columns.end();
    });
}

class PreferBigintIds : public Rule {
  public:
    std::string_view id() const override { return "prefer-bigint-ids"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if (change.kind == ChangeKind::create_table) {
                for (const ColumnDef& column : change.columns) {
                    check(context, sink, change.table, column, change.constraints);
                }
            } else if (change.kind == ChangeKind::add_column && change.column) {
                check(context, sink, change.table, *change.column, {});
            }
        }
    }

  private:
    static void check(const StatementContext& context, FindingSink& sink, const std::string& table,
                      const ColumnDef& column, const std::vector<ConstraintDef>& constraints) {
        auto largest = largest_value(column.type);
        if (!largest || !looks_like_id(column, constraints)) {
            return;
        }
        sink.report(context, fmt::format("id column '{}.{}' is {}: its values run out at {}, and widening it later "
                                         "rewrites '{}' and every table that references it; use a 64-bit type",
                                         table, column.name, column.type.text, *largest, table));
    }
};

}  // namespace

std::unique_ptr<Rule> make_prefer_bigint_ids_rule() {
    return std::make_unique<PreferBigintIds>();
}

}  // namespace migrate::lint

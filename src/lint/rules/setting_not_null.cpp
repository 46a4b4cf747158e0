// setting-not-null: SET NOT NULL scans the whole table under ACCESS EXCLUSIVE unless a validated
// CHECK (col IS NOT NULL) proves it first (see lint-rules/setting-not-null.toml).
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

// PostgreSQL 12 is the first to skip the scan when a valid CHECK constraint proves the column
// has no NULLs.
constexpr int first_version_using_check = 12;

// The linter records validated tables lower-cased, with and without their schema.
bool validated_here(const StatementContext& context, std::string_view table) {
    std::string name(table);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (context.tables_validated.count(name) != 0) {
        return true;
    }
    std::size_t dot = name.rfind('.');
    return dot != std::string::npos && context.tables_validated.count(name.substr(dot + 1)) != 0;
}

class SettingNotNull : public Rule {
  public:
    std::string_view id() const override { return "setting-not-null"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if (change.kind != ChangeKind::set_not_null || context.created_here(change.table)) {
                continue;
            }
            if (!validated_here(context, change.table)) {
                sink.report(context, fmt::format("SET NOT NULL on '{}.{}' scans every row of '{}' under an ACCESS "
                                                 "EXCLUSIVE lock: reads and writes wait until it finishes",
                                                 change.table, change.name, change.table));
            } else if (context.settings.pg_version < first_version_using_check) {
                sink.report(context, fmt::format("SET NOT NULL on '{}.{}' scans every row of '{}' under an ACCESS "
                                                 "EXCLUSIVE lock on PostgreSQL {}, validated CHECK or not: only "
                                                 "PostgreSQL 12 and later skip the scan",
                                                 change.table, change.name, change.table, context.settings.pg_version));
            }
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_setting_not_null_rule() {
    return std::make_unique<SettingNotNull>();
}

}  // namespace migrate::lint

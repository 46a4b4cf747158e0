// mysql-table-copy: ALTERs that MySQL can only do by copying the table, blocking writes for the
// whole copy (see lint-rules/mysql-table-copy.toml).
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

bool is_primary(std::string_view name) {
    return std::equal(name.begin(), name.end(), std::string_view("primary").begin(), std::string_view("primary").end(),
                      [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

class MysqlTableCopy : public Rule {
  public:
    std::string_view id() const override { return "mysql-table-copy"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        constexpr std::string_view refused = "; migrate apply refuses that under --online-ddl require (the default)";
        const auto& changes = context.statement.changes;
        // DROP PRIMARY KEY, ADD PRIMARY KEY in one ALTER is an in-place rebuild; alone, the drop copies.
        bool adds_primary_key = std::any_of(changes.begin(), changes.end(), [](const Change& change) {
            return change.kind == ChangeKind::add_constraint && change.constraint &&
                   change.constraint->kind == ConstraintKind::primary_key;
        });
        // CHANGE a b renames as well: renaming-column reports that statement, and its remedy (a new
        // column, backfilled) avoids the copy too.
        auto renamed = [&](const std::string& column) {
            return std::any_of(changes.begin(), changes.end(), [&](const Change& other) {
                return other.kind == ChangeKind::rename_column && other.new_name == column;
            });
        };
        for (const Change& change : changes) {
            if (context.created_here(change.table)) {
                continue;
            }
            if (change.kind == ChangeKind::alter_column_type && change.restated && !renamed(change.name)) {
                std::string type = change.column ? change.column->type.text : std::string();
                sink.report(context, fmt::format("MODIFY/CHANGE redefines column '{}.{}'{}: if that changes its type, "
                                                 "MySQL copies all of '{}' and blocks writes until the copy ends{}",
                                                 change.table, change.name, type.empty() ? "" : " as " + type,
                                                 change.table, refused));
            } else if (change.kind == ChangeKind::add_constraint && change.constraint &&
                       change.constraint->kind == ConstraintKind::primary_key) {
                sink.report(context, fmt::format("setting the PRIMARY KEY of '{}' rebuilds the whole table (InnoDB "
                                                 "stores rows in primary key order), as slow as a copy; if a key "
                                                 "column must become NOT NULL it is a copy that blocks writes{}",
                                                 change.table, refused));
            } else if (change.kind == ChangeKind::add_constraint && change.constraint &&
                       change.constraint->kind == ConstraintKind::foreign_key) {
                sink.report(context,
                            fmt::format("adding FOREIGN KEY {}to '{}' copies the whole table while "
                                        "foreign_key_checks is on (MySQL builds it in place only with the "
                                        "checks off), blocking writes until the copy ends{}",
                                        change.constraint->name.empty() ? std::string()
                                                                        : fmt::format("'{}' ", change.constraint->name),
                                        change.table, refused));
            } else if (change.kind == ChangeKind::drop_constraint && is_primary(change.name) && !adds_primary_key) {
                sink.report(context, fmt::format("dropping the PRIMARY KEY of '{}' copies the whole table (InnoDB "
                                                 "stores rows in primary key order) and blocks writes until the copy "
                                                 "ends{}",
                                                 change.table, refused));
            } else if (change.kind == ChangeKind::convert_charset) {
                sink.report(context, fmt::format("converting '{}' to character set {} rewrites every row in a table "
                                                 "copy that blocks writes until it ends{}",
                                                 change.table, change.detail, refused));
            }
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_mysql_table_copy_rule() {
    return std::make_unique<MysqlTableCopy>();
}

}  // namespace migrate::lint

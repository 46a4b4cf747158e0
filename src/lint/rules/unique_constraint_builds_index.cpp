// unique-constraint-builds-index: ADD UNIQUE / PRIMARY KEY builds the index while the table is
// locked against everything (see lint-rules/unique-constraint-builds-index.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class UniqueConstraintBuildsIndex : public Rule {
  public:
    std::string_view id() const override { return "unique-constraint-builds-index"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if (context.created_here(change.table)) {
                continue;
            }
            if (change.kind == ChangeKind::add_constraint && change.constraint &&
                change.constraint->using_index.empty() &&
                (change.constraint->kind == ConstraintKind::unique ||
                 change.constraint->kind == ConstraintKind::primary_key)) {
                const ConstraintDef& constraint = *change.constraint;
                std::string what = constraint.name.empty()
                                       ? fmt::format("a {} constraint", to_string(constraint.kind))
                                       : fmt::format("{} constraint '{}'", to_string(constraint.kind), constraint.name);
                sink.report(context, fmt::format("adding {} to '{}' builds its index under an ACCESS EXCLUSIVE lock: "
                                                 "reads and writes of '{}' wait for the whole build",
                                                 what, change.table, change.table));
            } else if (change.kind == ChangeKind::add_constraint && change.constraint &&
                       change.constraint->kind == ConstraintKind::exclusion) {
                sink.report(context,
                            fmt::format("adding EXCLUDE constraint{} to '{}' builds its index under an ACCESS "
                                        "EXCLUSIVE lock, and unlike UNIQUE it cannot adopt an index built "
                                        "concurrently: reads and writes of '{}' wait for the whole build",
                                        change.constraint->name.empty() ? std::string()
                                                                        : fmt::format(" '{}'", change.constraint->name),
                                        change.table, change.table));
            } else if (change.kind == ChangeKind::add_column && change.column && change.column->unique &&
                       !is_new_key_column(*change.column)) {
                sink.report(context, fmt::format("adding UNIQUE column '{}' to '{}' builds its index under an ACCESS "
                                                 "EXCLUSIVE lock: reads and writes of '{}' wait for the whole build",
                                                 change.column->name, change.table, change.table));
            }
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_unique_constraint_builds_index_rule() {
    return std::make_unique<UniqueConstraintBuildsIndex>();
}

}  // namespace migrate::lint

// constraint-without-not-valid: a FOREIGN KEY or CHECK added in one go is checked against every
// row under a lock that blocks writes (see lint-rules/constraint-without-not-valid.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

// PostgreSQL runs a step's statements as one transaction, so an earlier ADD CONSTRAINT ... NOT
// VALID of the same step still holds its lock when VALIDATE scans.
bool added_not_valid_before(const StatementContext& context, const Change& validate) {
    for (const ParsedStatement& statement : context.piece.statements) {
        if (&statement == &context.statement) {
            return false;
        }
        for (const Change& change : statement.changes) {
            if (change.kind == ChangeKind::add_constraint && change.constraint && change.constraint->not_valid &&
                change.constraint->name == validate.name && change.table == validate.table) {
                return true;
            }
        }
    }
    return false;
}

class ConstraintWithoutNotValid : public Rule {
  public:
    std::string_view id() const override { return "constraint-without-not-valid"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if (context.created_here(change.table)) {
                continue;
            }
            if (change.kind == ChangeKind::add_constraint && change.constraint && !change.constraint->not_valid) {
                const ConstraintDef& constraint = *change.constraint;
                std::string what = constraint.name.empty()
                                       ? fmt::format("a {} constraint", to_string(constraint.kind))
                                       : fmt::format("{} constraint '{}'", to_string(constraint.kind), constraint.name);
                if (constraint.kind == ConstraintKind::foreign_key) {
                    sink.report(context, fmt::format("adding {} to '{}' without NOT VALID checks every row while "
                                                     "writes to '{}' and to the referenced table wait",
                                                     what, change.table, change.table));
                } else if (constraint.kind == ConstraintKind::check) {
                    sink.report(context, fmt::format("adding {} to '{}' without NOT VALID checks every row under an "
                                                     "ACCESS EXCLUSIVE lock: reads and writes of '{}' wait",
                                                     what, change.table, change.table));
                }
            } else if (change.kind == ChangeKind::validate_constraint && added_not_valid_before(context, change)) {
                sink.report(context, fmt::format("validating '{}' in the step that added it NOT VALID: the step is one "
                                                 "transaction, so ADD CONSTRAINT's lock on '{}' is still held while "
                                                 "VALIDATE checks every row, and writes wait for the whole scan",
                                                 change.name, change.table));
            } else if (change.kind == ChangeKind::add_column && change.column &&
                       (change.column->references || change.column->check)) {
                // NOT VALID cannot be written inline, so the column has to come first.
                sink.report(
                    context,
                    fmt::format("column '{}' added to '{}' with an inline {}: every row is checked "
                                "under ADD COLUMN's ACCESS EXCLUSIVE lock{}, and an inline "
                                "constraint cannot be NOT VALID",
                                change.column->name, change.table, change.column->references ? "REFERENCES" : "CHECK",
                                change.column->references ? " (writes to the referenced table wait too)" : ""));
            }
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_constraint_without_not_valid_rule() {
    return std::make_unique<ConstraintWithoutNotValid>();
}

}  // namespace migrate::lint

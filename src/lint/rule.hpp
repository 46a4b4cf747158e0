// The rule interface. A rule is one class in one file under src/lint/rules/, registered by id in
// rule_registry.cpp and documented by lint-rules/<id>.toml. The linter walks every statement of
// a migration in file order and hands each rule one StatementContext at a time, then the unit as
// a whole; a rule reports through the FindingSink and never sees severities or suppressions.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lint/change.hpp"
#include "model/phase.hpp"

namespace migrate::lint {

// One piece of SQL of a unit: a step's up or down (or a plain file), already parsed.
struct SqlPiece {
    std::optional<Phase> phase;  // nullopt: plain SQL from another tool
    Direction direction = Direction::up;
    int step = 0;  // 0-based, within its phase
    std::string file;
    std::vector<ParsedStatement> statements;  // positions already mapped to `file`
};

// A step of a migration, for rules about steps rather than statements.
struct StepInfo {
    std::optional<Phase> phase;
    int index = 0;
    bool has_down = false;
    bool irreversible = false;
    std::string file;  // where the step (or its up SQL) is written
    int line = 1;
    int column = 1;
};

// What the linter lints as one: one of our migrations, or one plain SQL migration (a Flyway
// file, an up.sql/down.sql pair, ...).
struct LintUnit {
    enum class Kind {
        migration,  // our .toml or marked .sql: phases known
        plain,      // plain SQL: one up (and maybe a down), phase unknown
    };
    Kind kind = Kind::migration;
    std::string name;  // "0004_rename_username", "V2__add_users", "20240101_x"
    std::string file;  // the main file
    std::vector<StepInfo> steps;
    std::vector<SqlPiece> pieces;  // in file order: expand ups and downs, backfill, contract
    // Our migration names the app version its contract waits for ([contract.requires], or
    // '-- migrate:requires' in .sql), so apply holds the contract back until the fleet runs it.
    bool contract_gated = false;
    // Set for plain SQL: whether the other half of the pair was looked for and not found.
    bool missing_down_file = false;
    std::string expected_down_file;
};

struct LintSettings {
    std::string dialect;  // "postgres", "mysql", "sqlite"
    int pg_version = 15;  // the oldest PostgreSQL major version the migrations must be safe on
};

struct StatementContext {
    const LintUnit& unit;
    const SqlPiece& piece;
    const ParsedStatement& statement;
    const LintSettings& settings;
    // Inside an explicit BEGIN ... COMMIT of this piece.
    bool in_transaction_block = false;
    // Tables created by earlier statements of this unit's up SQL: lower-cased names. Changes
    // to a table created in the same migration cannot hurt live traffic.
    const std::set<std::string>& tables_created;
    // Tables (lower-cased) on which an earlier up statement of this unit validated a constraint,
    // for the CHECK ... NOT VALID, VALIDATE, SET NOT NULL sequence.
    const std::set<std::string>& tables_validated;

    bool created_here(std::string_view table) const;
};

class FindingSink {
  public:
    virtual ~FindingSink() = default;
    // A finding at `statement` (at its start).
    virtual void report(const StatementContext& at, std::string message) = 0;
    // A finding about a step or a file: at the step's position.
    virtual void report_step(const LintUnit& unit, const StepInfo& step, std::string message) = 0;
    virtual void report_file(const LintUnit& unit, std::string message) = 0;
};

class Rule {
  public:
    virtual ~Rule() = default;
    virtual std::string_view id() const = 0;
    // Once per statement, in file order, for every piece of the unit (downs included; the
    // context says which).
    virtual void check_statement(const StatementContext& /*context*/, FindingSink& /*sink*/) const {}
    // Once per unit after its statements.
    virtual void check_unit(const LintUnit& /*unit*/, const LintSettings& /*settings*/, FindingSink& /*sink*/) const {}
};

// Every rule, in id order.
const std::vector<std::unique_ptr<Rule>>& all_rules();

}  // namespace migrate::lint

// The lint engine: turns a migration (or plain SQL from another tool) into a LintUnit by parsing
// each step's SQL for the target dialect, walks it statement by statement through every enabled
// rule, and returns findings located in the files, with suppression comments applied.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lint/finding.hpp"
#include "lint/rule.hpp"
#include "lint/sql_parser.hpp"
#include "model/migration.hpp"

namespace migrate::lint {

struct LintConfig {
    LintSettings settings;
    std::set<std::string, std::less<>> disabled;  // rule ids not to run
    std::set<std::string, std::less<>> enabled;   // opt-in rules to run
    std::map<std::string, Severity, std::less<>> severities;
    bool every_rule = false;  // run every rule, opt-in ones included
};

// Throws Error(usage) naming `origin` ("--disable", "migrate.toml:12") for an id that is no rule.
void check_rule_id(std::string_view id, std::string_view origin);

// Plain SQL from another tool: an up file, and its down where the tool has one.
struct PlainSql {
    std::string name;
    std::string up_file;
    std::string up_sql;
    std::optional<std::string> down_file;
    std::string down_sql;
    // The tool pairs ups with downs (up.sql/down.sql, NNN_x.up.sql/.down.sql) and the down is
    // missing: `expected_down_file` names it.
    std::string expected_down_file;
};

struct UnitResult {
    std::vector<Finding> findings;
    int statements = 0;
};

class Linter {
  public:
    explicit Linter(LintConfig config);

    // One of our migrations, loaded with DownPolicy::optional; `file` is the path to show.
    UnitResult lint_migration(const Migration& migration, const std::string& file) const;
    UnitResult lint_plain(const PlainSql& plain) const;
    // `sql` as the up of one step of `phase` (nullopt: a plain SQL file) written in `file`.
    UnitResult lint_sql(std::string_view sql, std::optional<Phase> phase, const std::string& file) const;
    // A migration file that failed to load: the loader's error as an invalid-migration finding
    // (nullopt when the file ignores that rule).
    std::optional<Finding> invalid_migration(const std::string& file, const std::string& message) const;

    const LintConfig& config() const { return m_config; }

    // One unit on its way through the linter (linter.cpp).
    struct Prepared;

  private:
    UnitResult run(Prepared& prepared) const;
    void add_piece(Prepared& prepared, std::optional<Phase> phase, Direction direction, int step,
                   const std::string& file, std::string_view sql, SourceLocation origin) const;

    LintConfig m_config;
    std::unique_ptr<SqlParser> m_parser;
    std::vector<const Rule*> m_rules;  // enabled for this dialect and config
};

}  // namespace migrate::lint

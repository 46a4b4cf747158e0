// What the linter reports: one Finding per rule violation (or syntax error), located at the
// statement in its file, and the severities they carry.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/phase.hpp"

namespace migrate::lint {

enum class Severity { info, warning, error };

std::string_view to_string(Severity severity);
std::optional<Severity> parse_severity(std::string_view text);

struct Finding {
    std::string rule;  // rule id, or "syntax-error"
    Severity severity = Severity::error;
    std::string message;  // what is wrong with this statement
    std::string help;     // the safe way, one line
    std::string file;     // as the user named it (relative paths stay relative)
    int line = 1;         // 1-based, in the file
    int column = 1;       // 1-based, in bytes
    // The statement's first line as written, and the column in it the caret points at, for
    // compiler-style text output. Empty for findings about a file as a whole.
    std::string source_line;
    std::optional<Phase> phase;  // nullopt for plain SQL files from other tools
    int step = -1;               // 0-based step within the phase; -1 for the file as a whole
    Direction direction = Direction::up;
    std::string migration;  // "0004_rename_username", or the file name for plain SQL
    // Identifies the finding across edits that move it: rule, file and the statement's text with
    // whitespace collapsed. Baselines match on it.
    std::string fingerprint;
};

// Sorted by file, line, column, rule: the order every output uses.
void sort_findings(std::vector<Finding>& findings);

}  // namespace migrate::lint

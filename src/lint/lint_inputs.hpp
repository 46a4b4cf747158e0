// What `migrate lint` reads: our migrations and plain SQL from other tools (Flyway V1__x.sql,
// up.sql/down.sql folders, NNN_name.up.sql/.down.sql pairs, any other .sql), found in the files
// and directories named (recursively), optionally only those changed since a git ref.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lint/linter.hpp"
#include "lint/reporters.hpp"

namespace migrate::lint {

struct LintTarget {
    enum class Kind {
        migration,  // NNNN_name.toml, or NNNN_name.sql with "-- migrate:" phase markers
        plain,      // SQL from another tool: one unknown phase
    };
    Kind kind = Kind::plain;
    std::string name;
    std::filesystem::path file;  // the migration, or the up file
    std::optional<std::filesystem::path> down_file;
    // For a pairing tool whose down file is missing: its expected name.
    std::string expected_down_file;

    std::vector<std::filesystem::path> files() const;
};

// Every target under `paths`, ordered by path. Hidden files and folders are skipped inside
// directories. Throws Error(usage) for a path that does not exist or a named file that is
// neither .sql nor .toml.
std::vector<LintTarget> find_lint_targets(const std::vector<std::filesystem::path>& paths);

// The files (absolute, normalised) that differ from `git_ref` in the work tree, untracked files
// included. Throws Error(usage) with git's message when git fails (not a repository, bad ref).
std::set<std::filesystem::path> files_changed_since(const std::string& git_ref);

// Keeps the targets one of whose files is in `changed`.
void keep_changed(std::vector<LintTarget>& targets, const std::set<std::filesystem::path>& changed);

// Lints every target; a migration that does not load is an invalid-migration finding, a file
// that cannot be read an Error(input).
LintReport lint_targets(const std::vector<LintTarget>& targets, const Linter& linter);

}  // namespace migrate::lint

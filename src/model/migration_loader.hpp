// Loading migrations from disk: file names to ids, TOML and marked-up SQL files to Migrations,
// and a whole directory to an ordered list with duplicates and bad files reported together.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/migration.hpp"

namespace migrate {

struct MigrationFileName {
    std::string id;
    std::uint64_t number = 0;
    std::string name;
    std::string extension;  // "toml" or "sql"
};

// "0003_rename_username.toml" -> {"0003", 3, "rename_username", "toml"}; nullopt otherwise.
std::optional<MigrationFileName> parse_migration_file_name(std::string_view file_name);

// Loads one file; throws Error(input) naming file, line and column.
Migration load_migration_file(const std::filesystem::path& path, DownPolicy downs = DownPolicy::required);

// Parses file content as if read from `path` (whose name gives id and format).
Migration parse_migration(const std::filesystem::path& path, std::string content,
                          DownPolicy downs = DownPolicy::required);

struct DirectoryLoad {
    std::vector<Migration> migrations;  // the files that loaded, ordered by number
    std::vector<std::string> problems;  // one message per bad file or duplicate id
};

// Every migration file in `dir`. Files that are neither .toml nor .sql, and hidden files, are
// ignored. Throws Error(input) only when `dir` is not a directory.
DirectoryLoad scan_migration_directory(const std::filesystem::path& dir);

// As scan_migration_directory, but all problems across all files are one Error(input).
std::vector<Migration> load_migration_directory(const std::filesystem::path& dir);

// Next free id for `migrate new`: one above the highest, zero-padded to the widest id seen
// (at least four digits).
std::string next_migration_id(const std::vector<Migration>& migrations);

}  // namespace migrate

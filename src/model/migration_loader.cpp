#include "model/migration_loader.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "model/sql_migration.hpp"
#include "model/toml_migration.hpp"
#include "support/error.hpp"
#include "support/sha256.hpp"

namespace migrate {

namespace fs = std::filesystem;

std::optional<MigrationFileName> parse_migration_file_name(std::string_view file_name) {
    static const std::regex pattern(R"(^([0-9]+)_([A-Za-z0-9][A-Za-z0-9_\-]*)\.(toml|sql)$)");
    std::string name(file_name);
    std::smatch match;
    if (!std::regex_match(name, match, pattern)) {
        return std::nullopt;
    }
    MigrationFileName result;
    result.id = match[1].str();
    const std::string& digits = result.id;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), result.number);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) {
        return std::nullopt;
    }
    result.name = match[2].str();
    result.extension = match[3].str();
    return result;
}

Migration parse_migration(const fs::path& path, std::string content, DownPolicy downs) {
    std::string file = path.string();
    auto name = parse_migration_file_name(path.filename().string());
    if (!name) {
        throw input_error(file, 0, 0,
                          "not a migration file name: expected NNNN_name.toml or NNNN_name.sql "
                          "(digits, an underscore, then letters, digits, '_' or '-')");
    }
    Migration migration;
    migration.id = name->id;
    migration.number = name->number;
    migration.name = name->name;
    migration.path = path;
    migration.checksum = sha256_hex(content);
    if (name->extension == "toml") {
        parse_toml_migration(file, content, migration, downs);
    } else {
        parse_sql_migration(file, content, migration, downs);
    }
    migration.source = std::move(content);
    return migration;
}

Migration load_migration_file(const fs::path& path, DownPolicy downs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw input_error(path.string(), 0, 0, "cannot read the file");
    }
    std::ostringstream content;
    content << in.rdbuf();
    return parse_migration(path, content.str(), downs);
}

DirectoryLoad scan_migration_directory(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        throw Error(ErrorKind::input, fmt::format("migrations directory '{}' does not exist", dir.string()), {},
                    "point --dir (or MIGRATE_DIR, or 'dir' in migrate.toml) at the folder of migration files");
    }
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
        std::string file_name = entry.path().filename().string();
        std::string extension = entry.path().extension().string();
        if (file_name.starts_with(".") || (extension != ".toml" && extension != ".sql") || !entry.is_regular_file()) {
            continue;
        }
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());

    DirectoryLoad load;
    std::vector<std::string>& problems = load.problems;
    std::vector<Migration>& migrations = load.migrations;
    for (const fs::path& file : files) {
        try {
            migrations.push_back(load_migration_file(file));
        } catch (const Error& e) {
            problems.emplace_back(e.what());
        }
    }
    std::stable_sort(migrations.begin(), migrations.end(),
                     [](const Migration& a, const Migration& b) { return a.number < b.number; });
    for (std::size_t i = 1; i < migrations.size(); ++i) {
        if (migrations[i].number == migrations[i - 1].number) {
            problems.push_back(fmt::format("{}: duplicate migration id {}: {} has it too; renumber one of them",
                                           migrations[i].path.string(), migrations[i].number,
                                           migrations[i - 1].path.filename().string()));
        }
    }
    return load;
}

std::vector<Migration> load_migration_directory(const fs::path& dir) {
    DirectoryLoad load = scan_migration_directory(dir);
    const std::vector<std::string>& problems = load.problems;
    if (!problems.empty()) {
        std::string message =
            problems.size() == 1 ? problems.front() : fmt::format("{} problems in {}:", problems.size(), dir.string());
        if (problems.size() > 1) {
            for (const std::string& problem : problems) {
                message += "\n  " + problem;
            }
        }
        throw Error(ErrorKind::input, message);
    }
    return std::move(load.migrations);
}

std::string next_migration_id(const std::vector<Migration>& migrations) {
    std::uint64_t next = 1;
    std::size_t width = 4;
    for (const Migration& migration : migrations) {
        next = std::max(next, migration.number + 1);
        width = std::max(width, migration.id.size());
    }
    std::string digits = std::to_string(next);
    if (digits.size() < width) {
        digits.insert(0, width - digits.size(), '0');
    }
    return digits;
}

}  // namespace migrate

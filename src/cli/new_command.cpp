#include <algorithm>
#include <fstream>
#include <iostream>
#include <regex>

#include <fmt/format.h>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "model/migration_loader.hpp"
#include "support/error.hpp"

namespace migrate {

namespace fs = std::filesystem;

namespace {

constexpr const char* toml_template = R"(description = "{description}"

# Expand: additive, backward-compatible DDL, run before the new app version rolls out.
[[expand]]
up   = ""
down = ""

# Backfill: a batched data copy, run while old and new app versions both serve traffic.
# [[backfill]]
# table = "users"
# set   = "new_column = old_column"
# where = "new_column IS NULL"   # the rows still to do; done when none match

# Contract: destructive DDL, run once every app instance runs the new version.
# [[contract]]
# up   = ""
# down = ""
)";

constexpr const char* sql_template = R"(-- migrate:description {description}

-- migrate:expand

-- migrate:expand:down

)";

// Next id from file names alone, so one broken file does not stop a new one being created.
std::string next_id(const fs::path& dir) {
    std::vector<Migration> named;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
        if (auto name = parse_migration_file_name(entry.path().filename().string())) {
            Migration migration;
            migration.id = name->id;
            migration.number = name->number;
            named.push_back(std::move(migration));
        }
    }
    return next_migration_id(named);
}

}  // namespace

CLI::App* setup_new(CLI::App& app, NewOptions& options) {
    CLI::App* command = app.add_subcommand("new", "Create the next migration file from a template");
    command->add_option("name", options.name, "What the migration does, e.g. add_users_email")->required();
    command->add_flag("--sql", options.sql, "Write a .sql file with phase markers instead of TOML");
    return command;
}

int run_new(const NewOptions& options, const CommonOptions& common) {
    static const std::regex valid_name(R"(^[A-Za-z0-9][A-Za-z0-9_\-]*$)");
    if (!std::regex_match(options.name, valid_name)) {
        throw Error(ErrorKind::usage,
                    fmt::format("name '{}' may hold only letters, digits, '_' and '-', starting with a letter or "
                                "digit",
                                options.name),
                    {}, "e.g. migrate new add_users_email");
    }
    Settings settings = resolve_settings(common);
    std::error_code ec;
    bool created_dir = false;
    if (!fs::exists(settings.dir)) {
        created_dir = fs::create_directories(settings.dir, ec);
        if (ec) {
            throw Error(ErrorKind::input, fmt::format("cannot create migrations directory '{}': {}",
                                                      settings.dir.string(), ec.message()));
        }
    }
    std::string id = next_id(settings.dir);
    fs::path path = settings.dir / fmt::format("{}_{}.{}", id, options.name, options.sql ? "sql" : "toml");
    std::string description = options.name;
    std::replace(description.begin(), description.end(), '_', ' ');
    std::ofstream out(path, std::ios::binary);
    out << fmt::format(fmt::runtime(options.sql ? sql_template : toml_template), fmt::arg("description", description));
    out.close();
    if (!out) {
        throw Error(ErrorKind::input, fmt::format("cannot write '{}'", path.string()));
    }
    if (settings.format == OutputFormat::json) {
        print_json({{"version", 1}, {"id", id}, {"path", path.string()}, {"created_dir", created_dir}});
    } else {
        std::cout << fmt::format("Created {}{}\nFill in its steps, then check it with 'migrate plan'.\n", path.string(),
                                 created_dir ? " (and its folder)" : "");
    }
    return 0;
}

}  // namespace migrate

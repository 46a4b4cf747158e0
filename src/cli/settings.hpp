// The options every subcommand shares (--database-url, --dir, --config, --format and the lock
// timings) and how they resolve: command line, then environment, then migrate.toml, then
// built-in defaults.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/backfill_settings.hpp"
#include "engine/project.hpp"
#include "lint/linter.hpp"

namespace migrate {

enum class OutputFormat { text, json };

// Raw values as parsed; empty means "not given".
struct CommonOptions {
    std::string database_url;
    std::string dir;
    std::string config;
    std::string format;
    std::string lock_wait;
    std::string lock_timeout;
    std::string lock_retries;
    std::string statement_timeout;
    std::string state_schema;
    std::string online_ddl;
    std::string command_line;  // for the event log, passwords redacted
};

// Registers the common options on the top-level app, with their environment variables.
void add_common_options(CLI::App& app, CommonOptions& options);

// The [lint] table of migrate.toml; the lint command's options override it.
struct LintFileSettings {
    std::optional<std::string> dialect;
    std::optional<int> pg_version;
    std::vector<std::string> disable;
    std::vector<std::string> enable;
    std::map<std::string, lint::Severity, std::less<>> severities;
    std::optional<lint::Severity> fail_on;
};

struct Settings {
    std::optional<DatabaseUrl> url;  // nullopt when none was given anywhere
    std::filesystem::path dir;
    OutputFormat format = OutputFormat::text;
    Duration lock_wait{0};
    Duration lock_timeout{2000};
    int lock_retries = 10;
    Duration statement_timeout{0};  // zero: no limit
    std::string state_schema = "migrate";
    bool require_online_ddl = true;
    BackfillSettings backfill;
    std::optional<std::filesystem::path> config_file;  // the file actually read
    LintFileSettings lint;
    std::string command_line;
};

// The dialect the migrations are written for, from the database URL's scheme; nullopt without a
// URL.
std::optional<std::string> dialect_of(const Settings& settings);

// Resolves the options; reads the config file. `backfill` holds apply's own backfill options, for
// the commands that have them. Throws Error(usage) or Error(input) naming the option or file line.
Settings resolve_settings(const CommonOptions& options, const BackfillCliOptions* backfill = nullptr);

// The database URL, or Error(usage) saying how to give one.
const DatabaseUrl& require_url(const Settings& settings);

// ProjectSettings for the engine, from resolved settings.
ProjectSettings project_settings(const Settings& settings);

}  // namespace migrate

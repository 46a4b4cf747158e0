#include "cli/settings.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>

#include "support/error.hpp"
#include "support/identity.hpp"

namespace migrate {

namespace fs = std::filesystem;

namespace {

constexpr const char* default_config = "migrate.toml";
constexpr int default_batch_size = 1000;

struct ConfigFile {
    fs::path path;
    std::optional<std::string> database_url;
    std::optional<std::string> dir;
    std::optional<std::string> lock_wait;
    std::optional<std::string> lock_timeout;
    std::optional<std::int64_t> batch_size;
};

Error config_error(const fs::path& path, const toml::source_region& at, const std::string& message) {
    return input_error(path.string(), static_cast<int>(at.begin.line), static_cast<int>(at.begin.column), message);
}

ConfigFile read_config(const fs::path& path) {
    ConfigFile config;
    config.path = path;
    toml::table root;
    try {
        root = toml::parse_file(path.string());
    } catch (const toml::parse_error& e) {
        throw config_error(path, e.source(), fmt::format("invalid TOML: {}", e.description()));
    }
    for (auto&& [key, node] : root) {
        std::string name(key.str());
        auto text = [&, &node = node]() {
            if (!node.is_string()) {
                throw config_error(path, node.source(), fmt::format("'{}' must be a string", name));
            }
            return node.as_string()->get();
        };
        if (name == "database_url") {
            config.database_url = text();
        } else if (name == "dir") {
            config.dir = text();
        } else if (name == "lock_wait") {
            config.lock_wait = text();
        } else if (name == "lock_timeout") {
            config.lock_timeout = text();
        } else if (name == "batch_size") {
            if (!node.is_integer()) {
                throw config_error(path, node.source(), "'batch_size' must be an integer");
            }
            config.batch_size = node.as_integer()->get();
        } else {
            throw config_error(path, key.source(),
                               fmt::format("unknown key '{}' (allowed: database_url, dir, lock_wait, lock_timeout, "
                                           "batch_size)",
                                           name));
        }
    }
    return config;
}

}  // namespace

void add_common_options(CLI::App& app, CommonOptions& options) {
    app.add_option("--database-url,-u", options.database_url,
                   "Target database, e.g. sqlite:app.db [env: MIGRATE_DATABASE_URL]")
        ->envname("MIGRATE_DATABASE_URL")
        ->group("Common options");
    app.add_option("--dir,-d", options.dir,
                   "Folder of migration files (default: migrations) [env: MIGRATE_DIR]")
        ->envname("MIGRATE_DIR")
        ->group("Common options");
    app.add_option("--config,-c", options.config,
                   "Config file (default: ./migrate.toml if present) [env: MIGRATE_CONFIG]")
        ->envname("MIGRATE_CONFIG")
        ->group("Common options");
    app.add_option("--format,-f", options.format, "Output format: text or json (default: text)")
        ->group("Common options");
    app.add_option("--lock-wait", options.lock_wait,
                   "How long to wait for another migrate on the same database, e.g. 30s (default: 10s) "
                   "[env: MIGRATE_LOCK_WAIT]")
        ->envname("MIGRATE_LOCK_WAIT")
        ->group("Common options");
    app.add_option("--lock-timeout", options.lock_timeout,
                   "How long one statement may wait for a table lock held by the application, e.g. 2s "
                   "(default: 2s) [env: MIGRATE_LOCK_TIMEOUT]")
        ->envname("MIGRATE_LOCK_TIMEOUT")
        ->group("Common options");
}

Settings resolve_settings(const CommonOptions& options, int batch_size) {
    Settings settings;
    settings.command_line = options.command_line;

    std::optional<ConfigFile> config;
    if (!options.config.empty()) {
        if (!fs::is_regular_file(options.config)) {
            throw Error(ErrorKind::usage, fmt::format("--config: no such file '{}'", options.config));
        }
        config = read_config(options.config);
    } else if (fs::is_regular_file(default_config)) {
        config = read_config(default_config);
    }
    if (config) {
        settings.config_file = config->path;
    }

    if (!options.format.empty() && options.format != "text" && options.format != "json") {
        throw Error(ErrorKind::usage, fmt::format("--format: '{}' is not text or json", options.format));
    }
    settings.format = options.format == "json" ? OutputFormat::json : OutputFormat::text;

    std::string url = options.database_url;
    if (url.empty() && config && config->database_url) {
        url = *config->database_url;
    }
    if (!url.empty()) {
        settings.url = parse_database_url(url);
    }

    if (!options.dir.empty()) {
        settings.dir = options.dir;
    } else if (config && config->dir) {
        // A dir in the config file is relative to the file, so the config works from anywhere.
        settings.dir = fs::path(*config->dir).is_absolute() ? fs::path(*config->dir)
                                                            : config->path.parent_path() / *config->dir;
    } else {
        settings.dir = "migrations";
    }

    auto duration = [&](const std::string& given, const std::optional<std::string>& configured, const char* option,
                        const char* key, const char* fallback) {
        if (!given.empty()) {
            return parse_duration(given, option);
        }
        if (config && configured) {
            return parse_duration(*configured, fmt::format("{} ({})", key, config->path.string()));
        }
        return parse_duration(fallback, option);
    };
    settings.lock_wait = duration(options.lock_wait, config ? config->lock_wait : std::nullopt, "--lock-wait",
                                  "lock_wait", "10s");
    settings.lock_timeout = duration(options.lock_timeout, config ? config->lock_timeout : std::nullopt,
                                     "--lock-timeout", "lock_timeout", "2s");

    std::int64_t batch = batch_size;
    std::string batch_origin = "--batch-size";
    if (batch == 0 && config && config->batch_size) {
        batch = *config->batch_size;
        batch_origin = fmt::format("batch_size ({})", config->path.string());
    }
    if (batch == 0) {
        batch = default_batch_size;
    }
    if (batch < 1 || batch > 1'000'000) {
        throw Error(ErrorKind::usage, fmt::format("{}: {} is out of range (1 to 1000000)", batch_origin, batch));
    }
    settings.batch_size = static_cast<int>(batch);
    return settings;
}

const DatabaseUrl& require_url(const Settings& settings) {
    if (!settings.url) {
        throw Error(ErrorKind::usage, "no database given", {},
                    "pass --database-url sqlite:PATH, set MIGRATE_DATABASE_URL, or put database_url in "
                    "migrate.toml");
    }
    return *settings.url;
}

ProjectSettings project_settings(const Settings& settings) {
    ProjectSettings project;
    project.url = require_url(settings);
    project.dir = settings.dir;
    project.lock_timeout = settings.lock_timeout;
    project.lock_wait = settings.lock_wait;
    project.run.command = settings.command_line;
    project.run.run_by = current_user();
    project.run.run_on = current_host();
    project.run.backfill.batch_size = settings.batch_size;
    return project;
}

}  // namespace migrate

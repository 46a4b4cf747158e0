#include "cli/settings.hpp"

#include <charconv>
#include <regex>

#include <fmt/format.h>
#include <toml++/toml.h>
#include <unistd.h>

#include "support/error.hpp"
#include "support/identity.hpp"

namespace migrate {

namespace fs = std::filesystem;

namespace {

constexpr const char* default_config = "migrate.toml";

constexpr int max_lock_retries = 1000;

// The state schema's name is put into SQL as an identifier; keep it to plain names.
bool valid_schema_name(const std::string& name) {
    static const std::regex plain(R"(^[A-Za-z_][A-Za-z0-9_]{0,62}$)");
    return std::regex_match(name, plain);
}

std::string schema_name_problem(const std::string& name) {
    return fmt::format("state schema '{}' must be a plain name: letters, digits and '_', not starting with a digit",
                       name);
}

struct ConfigFile {
    fs::path path;
    std::optional<std::string> database_url;
    std::optional<std::string> dir;
    std::optional<Duration> lock_wait;
    std::optional<Duration> lock_timeout;
    std::optional<int> lock_retries;
    std::optional<Duration> statement_timeout;
    std::optional<std::string> state_schema;
    std::optional<bool> require_online_ddl;
    BackfillFileSettings backfill;
    LintFileSettings lint;
};

Error config_error(const fs::path& path, const toml::source_region& at, const std::string& message) {
    return input_error(path.string(), static_cast<int>(at.begin.line), static_cast<int>(at.begin.column), message);
}

constexpr std::string_view lint_keys = "dialect, pg_version, disable, enable, severity, fail_on";

std::vector<std::string> rule_ids(const fs::path& path, const toml::node& node, const std::string& what) {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
        throw config_error(path, node.source(), fmt::format("'{}' must be an array of rule ids", what));
    }
    std::vector<std::string> out;
    for (const toml::node& element : *array) {
        if (!element.is_string()) {
            throw config_error(path, element.source(), fmt::format("'{}' must be an array of rule ids", what));
        }
        std::string id = element.as_string()->get();
        try {
            lint::check_rule_id(id, fmt::format("'{}'", what));
        } catch (const Error& e) {
            throw config_error(path, element.source(), fmt::format("{} ({})", e.what(), e.hint()));
        }
        out.push_back(std::move(id));
    }
    return out;
}

lint::Severity severity_value(const fs::path& path, const toml::node& node, const std::string& what) {
    std::optional<lint::Severity> severity;
    if (node.is_string()) {
        severity = lint::parse_severity(node.as_string()->get());
    }
    if (!severity) {
        throw config_error(path, node.source(), fmt::format("'{}' must be \"error\", \"warning\" or \"info\"", what));
    }
    return *severity;
}

LintFileSettings read_lint_table(const fs::path& path, const toml::node& node) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
        throw config_error(path, node.source(), "'lint' must be a table: write [lint]");
    }
    LintFileSettings lint;
    for (auto&& [key, value] : *table) {
        std::string name(key.str());
        if (name == "dialect") {
            std::string dialect = value.is_string() ? value.as_string()->get() : "";
            if (dialect != "postgres" && dialect != "mysql" && dialect != "sqlite") {
                throw config_error(path, value.source(),
                                   "'lint.dialect' must be \"postgres\", \"mysql\" or \"sqlite\"");
            }
            lint.dialect = dialect;
        } else if (name == "pg_version") {
            if (!value.is_integer() || value.as_integer()->get() < 9 || value.as_integer()->get() > 99) {
                throw config_error(path, value.source(),
                                   "'lint.pg_version' must be a PostgreSQL major version, e.g. 15");
            }
            lint.pg_version = static_cast<int>(value.as_integer()->get());
        } else if (name == "disable" || name == "enable") {
            (name == "disable" ? lint.disable : lint.enable) = rule_ids(path, value, "lint." + name);
        } else if (name == "fail_on") {
            lint.fail_on = severity_value(path, value, "lint.fail_on");
        } else if (name == "severity") {
            const toml::table* severities = value.as_table();
            if (severities == nullptr) {
                throw config_error(path, value.source(), "'lint.severity' must be a table of rule id = severity");
            }
            for (auto&& [rule, level] : *severities) {
                std::string id(rule.str());
                try {
                    lint::check_rule_id(id, "'lint.severity'");
                } catch (const Error& e) {
                    throw config_error(path, rule.source(), fmt::format("{} ({})", e.what(), e.hint()));
                }
                lint.severities[id] = severity_value(path, level, "lint.severity." + id);
            }
        } else {
            throw config_error(path, key.source(), fmt::format("unknown key 'lint.{}' (allowed: {})", name, lint_keys));
        }
    }
    return lint;
}

// Every value is checked here, where its line is known, so a mistake in the file is reported
// at its place in the file.
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
        auto duration = [&, &node = node]() {
            std::string value = text();
            try {
                return parse_duration(value, name);
            } catch (const Error& e) {
                throw config_error(path, node.source(), e.what());
            }
        };
        if (name == "database_url") {
            config.database_url = text();
        } else if (name == "dir") {
            config.dir = text();
        } else if (name == "lock_wait") {
            config.lock_wait = duration();
        } else if (name == "lock_timeout") {
            config.lock_timeout = duration();
        } else if (name == "statement_timeout") {
            config.statement_timeout = duration();
        } else if (name == "state_schema") {
            config.state_schema = text();
            if (!valid_schema_name(*config.state_schema)) {
                throw config_error(path, node.source(), schema_name_problem(*config.state_schema));
            }
        } else if (name == "online_ddl") {
            std::string value = text();
            if (value != "require" && value != "off") {
                throw config_error(path, node.source(), "'online_ddl' must be \"require\" or \"off\"");
            }
            config.require_online_ddl = value == "require";
        } else if (name == "lock_retries") {
            if (!node.is_integer() || node.as_integer()->get() < 0 || node.as_integer()->get() > max_lock_retries) {
                throw config_error(path, node.source(),
                                   fmt::format("'lock_retries' must be an integer from 0 to {}", max_lock_retries));
            }
            config.lock_retries = static_cast<int>(node.as_integer()->get());
        } else if (name == "backfill") {
            config.backfill = read_backfill_table(path, node);
        } else if (name == "lint") {
            config.lint = read_lint_table(path, node);
        } else {
            throw config_error(path, key.source(),
                               fmt::format("unknown key '{}' (allowed: database_url, dir, lock_wait, lock_timeout, "
                                           "lock_retries, statement_timeout, state_schema, online_ddl, [backfill], "
                                           "[lint]){}",
                                           name, name == "batch_size" ? "; batch_size belongs in [backfill]" : ""));
        }
    }
    return config;
}

}  // namespace

void add_common_options(CLI::App& app, CommonOptions& options) {
    app.add_option("--database-url,-u", options.database_url, "Target database, e.g. sqlite:app.db")
        ->envname("MIGRATE_DATABASE_URL")
        ->type_name("URL")
        ->group("Common options");
    app.add_option("--dir,-d", options.dir, "Folder of migration files (default: migrations)")
        ->envname("MIGRATE_DIR")
        ->type_name("DIR")
        ->group("Common options");
    app.add_option("--config,-c", options.config, "Config file (default: ./migrate.toml if present)")
        ->envname("MIGRATE_CONFIG")
        ->type_name("FILE")
        ->group("Common options");
    app.add_option("--format,-f", options.format, "Output format (default: text; lint also writes sarif and github)")
        ->type_name("text|json")
        ->group("Common options");
    app.add_option("--lock-wait", options.lock_wait,
                   "How long to wait for another migrate working on the same database, e.g. 30s (default: 10s)")
        ->envname("MIGRATE_LOCK_WAIT")
        ->type_name("DURATION")
        ->group("Common options");
    app.add_option("--lock-retries", options.lock_retries,
                   "How often to retry a step that ran into --lock-timeout or a deadlock, with growing pauses "
                   "(default: 10)")
        ->envname("MIGRATE_LOCK_RETRIES")
        ->type_name("N")
        ->group("Common options");
    app.add_option("--statement-timeout", options.statement_timeout,
                   "Longest any one statement may run, e.g. 10m (default: no limit)")
        ->envname("MIGRATE_STATEMENT_TIMEOUT")
        ->type_name("DURATION")
        ->group("Common options");
    app.add_option("--state-schema", options.state_schema,
                   "Schema of migrate's state tables on PostgreSQL (default: migrate)")
        ->envname("MIGRATE_STATE_SCHEMA")
        ->type_name("NAME")
        ->group("Common options");
    app.add_option("--online-ddl", options.online_ddl,
                   "MySQL: 'require' runs ALTERs only INSTANT or INPLACE without locks and refuses those that "
                   "need a table copy; 'off' runs them as written (default: require)")
        ->envname("MIGRATE_ONLINE_DDL")
        ->type_name("require|off")
        ->group("Common options");
    app.add_option("--lock-timeout", options.lock_timeout,
                   "How long one statement may wait for a lock held by the application, e.g. 2s (default: 2s)")
        ->envname("MIGRATE_LOCK_TIMEOUT")
        ->type_name("DURATION")
        ->group("Common options");
}

Settings resolve_settings(const CommonOptions& options, const BackfillCliOptions* backfill) {
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
        settings.lint = config->lint;
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
        settings.dir =
            fs::path(*config->dir).is_absolute() ? fs::path(*config->dir) : config->path.parent_path() / *config->dir;
    } else {
        settings.dir = "migrations";
    }

    auto duration = [](const std::string& given, const std::optional<Duration>& configured, const char* option,
                       const char* fallback) {
        if (!given.empty()) {
            return parse_duration(given, option);
        }
        return configured ? *configured : parse_duration(fallback, option);
    };
    settings.lock_wait = duration(options.lock_wait, config ? config->lock_wait : std::nullopt, "--lock-wait", "10s");
    settings.lock_timeout =
        duration(options.lock_timeout, config ? config->lock_timeout : std::nullopt, "--lock-timeout", "2s");
    settings.statement_timeout = duration(options.statement_timeout, config ? config->statement_timeout : std::nullopt,
                                          "--statement-timeout", "0s");
    if (!options.lock_retries.empty()) {
        int retries = -1;
        auto [end, ec] = std::from_chars(options.lock_retries.data(),
                                         options.lock_retries.data() + options.lock_retries.size(), retries);
        if (ec != std::errc() || end != options.lock_retries.data() + options.lock_retries.size() || retries < 0 ||
            retries > max_lock_retries) {
            throw Error(ErrorKind::usage, fmt::format("--lock-retries: '{}' is not a number from 0 to {}",
                                                      options.lock_retries, max_lock_retries));
        }
        settings.lock_retries = retries;
    } else if (config && config->lock_retries) {
        settings.lock_retries = *config->lock_retries;
    }
    if (!options.online_ddl.empty()) {
        if (options.online_ddl != "require" && options.online_ddl != "off") {
            throw Error(ErrorKind::usage, fmt::format("--online-ddl: '{}' is not require or off", options.online_ddl));
        }
        settings.require_online_ddl = options.online_ddl == "require";
    } else if (config && config->require_online_ddl) {
        settings.require_online_ddl = *config->require_online_ddl;
    }
    if (!options.state_schema.empty()) {
        if (!valid_schema_name(options.state_schema)) {
            throw Error(ErrorKind::usage, "--state-schema: " + schema_name_problem(options.state_schema));
        }
        settings.state_schema = options.state_schema;
    } else if (config && config->state_schema) {
        settings.state_schema = *config->state_schema;
    }

    settings.backfill = resolve_backfill(config ? config->backfill : BackfillFileSettings{}, backfill);
    return settings;
}

std::optional<std::string> dialect_of(const Settings& settings) {
    if (!settings.url) {
        return std::nullopt;
    }
    const std::string& scheme = settings.url->scheme;
    if (scheme == "postgres" || scheme == "postgresql") {
        return "postgres";
    }
    if (scheme == "mysql" || scheme == "mariadb") {
        return "mysql";
    }
    if (scheme == "sqlite") {
        return "sqlite";
    }
    return std::nullopt;
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
    project.statement_timeout = settings.statement_timeout;
    project.lock_wait = settings.lock_wait;
    project.dialect.state_schema = settings.state_schema;
    project.dialect.require_online_ddl = settings.require_online_ddl;
    project.run.retry.retries = settings.lock_retries;
    project.run.command = settings.command_line;
    project.run.run_by = current_user();
    project.run.run_on = current_host();
    project.run.backfill = settings.backfill.options;
    project.run.backfill.runner = fmt::format("{} on {}, pid {}", project.run.run_by, project.run.run_on, getpid());
    return project;
}

}  // namespace migrate

// Building the linter from options and migrate.toml [lint].
#include "cli/lint_support.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "support/error.hpp"

namespace migrate {

namespace {

lint::LintConfig file_config(const Settings& settings) {
    lint::LintConfig config;
    const LintFileSettings& file = settings.lint;
    config.settings.pg_version = file.pg_version.value_or(config.settings.pg_version);
    config.disabled.insert(file.disable.begin(), file.disable.end());
    config.enabled.insert(file.enable.begin(), file.enable.end());
    config.severities = file.severities;
    return config;
}

}  // namespace

LintRun prepare_lint(const Settings& settings, const LintOptions& options) {
    lint::LintConfig config = file_config(settings);
    if (!options.dialect.empty()) {
        if (options.dialect != "postgres" && options.dialect != "mysql" && options.dialect != "sqlite") {
            throw Error(ErrorKind::usage,
                        fmt::format("--dialect: '{}' is not postgres, mysql or sqlite", options.dialect));
        }
        config.settings.dialect = options.dialect;
    } else if (settings.lint.dialect) {
        config.settings.dialect = *settings.lint.dialect;
    } else if (auto dialect = dialect_of(settings)) {
        config.settings.dialect = *dialect;
    } else {
        throw Error(ErrorKind::usage, "lint needs to know the SQL dialect", {},
                    "pass --dialect postgres|mysql|sqlite, or set [lint] dialect or database_url in migrate.toml");
    }
    for (const std::string& id : options.enable) {
        lint::check_rule_id(id, "--enable");
        config.enabled.insert(id);
        config.disabled.erase(id);
    }
    for (const std::string& id : options.disable) {
        lint::check_rule_id(id, "--disable");
        config.disabled.insert(id);
    }
    if (options.pg_version != 0) {
        config.settings.pg_version = options.pg_version;
    }
    lint::Severity fail_on = settings.lint.fail_on.value_or(lint::Severity::error);
    if (!options.fail_on.empty()) {
        auto severity = lint::parse_severity(options.fail_on);
        if (!severity) {
            throw Error(ErrorKind::usage,
                        fmt::format("--fail-on: '{}' is not error, warning or info", options.fail_on));
        }
        fail_on = *severity;
    }
    return LintRun{lint::Linter(std::move(config)), fail_on};
}

std::vector<lint::Finding> lint_plan(const Plan& plan, const lint::Linter& linter) {
    std::vector<lint::Finding> out;
    std::vector<const Migration*> linted;
    for (const PhaseRun& run : plan.runs) {
        if (std::find(linted.begin(), linted.end(), run.migration) != linted.end()) {
            continue;
        }
        linted.push_back(run.migration);
        for (lint::Finding& finding : linter.lint_migration(*run.migration, run.migration->path.string()).findings) {
            bool planned = std::any_of(plan.runs.begin(), plan.runs.end(), [&](const PhaseRun& other) {
                return other.migration == run.migration && finding.phase == other.phase &&
                       finding.direction == other.direction;
            });
            if (planned) {
                out.push_back(std::move(finding));
            }
        }
    }
    return out;
}

LintRun prepare_lint_for(const Settings& settings, std::string_view dialect) {
    lint::LintConfig config = file_config(settings);
    config.settings.dialect = std::string(dialect);
    return LintRun{lint::Linter(std::move(config)), settings.lint.fail_on.value_or(lint::Severity::error)};
}

}  // namespace migrate

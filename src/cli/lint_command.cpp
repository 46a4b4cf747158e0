// migrate lint, migrate rules: the linter as a pre-deploy CI gate, and the rules' documentation.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/lint_support.hpp"
#include "lint/baseline.hpp"
#include "lint/lint_inputs.hpp"
#include "lint/reporters.hpp"
#include "lint/rule_info.hpp"
#include "support/error.hpp"

namespace migrate {

namespace {

constexpr const char* lint_formats = "text, json, sarif or github";

nlohmann::json rule_to_json(const lint::RuleInfo& info, bool full) {
    nlohmann::json rule = {{"id", info.id},
                           {"severity", lint::to_string(info.severity)},
                           {"dialects", info.dialects},
                           {"opt_in", info.opt_in},
                           {"summary", info.summary}};
    if (full) {
        rule["why"] = info.why;
        rule["safe"] = info.safe;
        for (const auto* list : {&info.bad, &info.good}) {
            nlohmann::json examples = nlohmann::json::array();
            for (const lint::RuleExample& example : *list) {
                nlohmann::json item = {{"phase", example.phase ? std::string(to_string(*example.phase)) : "plain"}};
                if (!example.dialects.empty()) {
                    item["dialects"] = example.dialects;
                }
                if (example.files.empty()) {
                    item["sql"] = example.sql;
                } else {
                    item["files"] = example.files;
                }
                examples.push_back(std::move(item));
            }
            rule[list == &info.bad ? "bad" : "good"] = std::move(examples);
        }
    }
    return rule;
}

void print_example(std::ostream& out, const lint::RuleExample& example) {
    std::string where = example.phase ? fmt::format("in {}", to_string(*example.phase)) : "in a plain SQL file";
    if (!example.dialects.empty()) {
        where += " on ";
        for (std::size_t i = 0; i < example.dialects.size(); ++i) {
            where += (i == 0 ? "" : ", ") + example.dialects[i];
        }
    }
    out << fmt::format("  ({})\n", where);
    auto indent = [&](const std::string& text) {
        std::size_t start = 0;
        while (start <= text.size()) {
            std::size_t end = text.find('\n', start);
            out << "    " << text.substr(start, end == std::string::npos ? std::string::npos : end - start) << "\n";
            if (end == std::string::npos) {
                break;
            }
            start = end + 1;
        }
    };
    if (example.files.empty()) {
        indent(example.sql);
    }
    for (const auto& [file, content] : example.files) {
        out << fmt::format("    {}:\n", file);
        indent(content);
    }
}

int explain(const std::string& id, const std::string& format) {
    lint::check_rule_id(id, "--explain");
    const lint::RuleInfo& info = *lint::find_rule_info(id);
    if (format == "json") {
        std::cout << rule_to_json(info, true).dump(2) << "\n";
        return 0;
    }
    std::cout << fmt::format("{} ({}{}; {})\n\n{}\n\nWhy:\n{}\n\nThe safe way:\n{}\n", info.id,
                             lint::to_string(info.severity), info.opt_in ? ", opt-in" : "",
                             fmt::join(info.dialects, ", "), info.summary, info.why, info.safe);
    std::cout << "\nBad:\n";
    for (const lint::RuleExample& example : info.bad) {
        print_example(std::cout, example);
    }
    std::cout << "\nGood:\n";
    for (const lint::RuleExample& example : info.good) {
        print_example(std::cout, example);
    }
    return 0;
}

}  // namespace

CLI::App* setup_lint(CLI::App& app, LintOptions& options) {
    CLI::App* command = app.add_subcommand(
        "lint",
        "Check migrations against the safe-migration rules before they reach a database (exit 3 when a finding "
        "is at or above --fail-on). PATHS are files or folders (recursed); default: the migrations folder. "
        "Reads our .toml and marked .sql migrations and plain SQL from other tools (Flyway V1__x.sql, "
        "up.sql/down.sql folders, NNN_x.up.sql/.down.sql pairs). Suppress a finding with "
        "'-- migrate:ignore RULE[, RULE]: reason' before the statement, or '-- migrate:ignore-file RULE'.");
    command->add_option("paths", options.paths, "Files or folders to lint (default: --dir)")->type_name("PATH");
    command
        ->add_option("--dialect", options.dialect,
                     "The SQL dialect (default: [lint] dialect in migrate.toml, else the database URL's)")
        ->type_name("postgres|mysql|sqlite");
    command->add_option("--fail-on", options.fail_on, "Exit 3 when a finding is at least this severe (default: error)")
        ->type_name("error|warning|info");
    command
        ->add_option("--changed-since", options.changed_since,
                     "Lint only migrations changed since this git ref (committed, staged, unstaged or untracked)")
        ->type_name("GIT_REF");
    command
        ->add_option("--baseline", options.baseline,
                     "Accept the findings recorded in FILE (written by --write-baseline); report only new ones")
        ->type_name("FILE");
    command
        ->add_option("--write-baseline", options.write_baseline,
                     "Record every current finding in FILE, for --baseline, and exit 0")
        ->type_name("FILE");
    command->add_option("--enable", options.enable, "Also run this opt-in rule (repeatable)")->type_name("RULE");
    command->add_option("--disable", options.disable, "Do not run this rule (repeatable)")->type_name("RULE");
    command
        ->add_option("--pg-version", options.pg_version,
                     "Oldest PostgreSQL major version the migrations must be safe on (default: 15)")
        ->type_name("N")
        ->check(CLI::Range(9, 99));
    command->add_option("--explain", options.explain, "Show a rule's documentation and examples, and exit")
        ->type_name("RULE");
    command->footer(
        "Formats (--format): text (file:line:col: severity: message [rule]), json, sarif (2.1.0, for "
        "GitHub code scanning), github (workflow annotations). 'migrate rules' lists the rules.");
    return command;
}

int run_lint(const LintOptions& options, const CommonOptions& common) {
    std::string format = common.format.empty() ? "text" : common.format;
    if (format != "text" && format != "json" && format != "sarif" && format != "github") {
        throw Error(ErrorKind::usage, fmt::format("--format: '{}' is not {}", format, lint_formats));
    }
    if (!options.explain.empty()) {
        if (format != "text" && format != "json") {
            throw Error(ErrorKind::usage, "--explain prints text or json");
        }
        return explain(options.explain, format);
    }
    CommonOptions resolved = common;
    resolved.format.clear();
    Settings settings = resolve_settings(resolved);
    LintRun run = prepare_lint(settings, options);

    std::vector<std::filesystem::path> paths;
    for (const std::string& path : options.paths) {
        paths.emplace_back(path);
    }
    if (paths.empty()) {
        paths.push_back(settings.dir);
    }
    std::vector<lint::LintTarget> targets = lint::find_lint_targets(paths);
    if (!options.changed_since.empty()) {
        lint::keep_changed(targets, lint::files_changed_since(options.changed_since));
    }
    lint::LintReport report = lint::lint_targets(targets, run.linter);

    if (!options.write_baseline.empty()) {
        lint::write_baseline(options.write_baseline, report.findings);
        std::cerr << fmt::format("migrate: wrote {} finding{} to {}\n", report.findings.size(),
                                 report.findings.size() == 1 ? "" : "s", options.write_baseline);
        return 0;
    }
    if (!options.baseline.empty()) {
        report.suppressed_by_baseline = lint::apply_baseline(lint::read_baseline(options.baseline), report.findings);
    }

    if (format == "json") {
        std::cout << lint::format_json(report);
    } else if (format == "sarif") {
        std::cout << lint::format_sarif(report, lint::rule_infos(), MIGRATE_VERSION);
    } else if (format == "github") {
        std::cout << lint::format_github(report);
    } else {
        std::cout << lint::format_text(report);
    }
    std::cout.flush();
    for (const lint::Finding& finding : report.findings) {
        if (finding.severity >= run.fail_on) {
            return 3;
        }
    }
    return 0;
}

CLI::App* setup_rules(CLI::App& app, RulesOptions&) {
    return app.add_subcommand("rules",
                              "List the lint rules: id, default severity, dialects, summary. "
                              "'migrate lint --explain RULE' shows one in full.");
}

int run_rules(const RulesOptions&, const CommonOptions& common) {
    std::string format = common.format.empty() ? "text" : common.format;
    if (format == "json") {
        nlohmann::json rules = nlohmann::json::array();
        for (const lint::RuleInfo& info : lint::rule_infos()) {
            rules.push_back(rule_to_json(info, false));
        }
        std::cout << nlohmann::json{{"version", 1}, {"rules", rules}}.dump(2) << "\n";
        return 0;
    }
    if (format != "text") {
        throw Error(ErrorKind::usage, fmt::format("--format: '{}' is not text or json", format));
    }
    std::size_t width = 0;
    for (const lint::RuleInfo& info : lint::rule_infos()) {
        width = std::max(width, info.id.size());
    }
    for (const lint::RuleInfo& info : lint::rule_infos()) {
        std::string tags = fmt::format("{}{}", lint::to_string(info.severity), info.opt_in ? ", opt-in" : "");
        // Padding a fmt::join pads each element, so the list is joined first.
        std::string dialects = fmt::format("{}", fmt::join(info.dialects, ","));
        std::cout << fmt::format("{:<{}}  {:<16}  {:<22}  {}\n", info.id, width, tags, dialects, info.summary);
    }
    return 0;
}

}  // namespace migrate

// Renders a LintReport in each output format; the tests compare every format to golden files.
#include "lint/reporters.hpp"

#include <algorithm>
#include <cstddef>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace migrate::lint {

namespace {

using ordered_json = nlohmann::ordered_json;

bool is_utf8_continuation(char byte) {
    return (static_cast<unsigned char>(byte) & 0xC0) == 0x80;
}

// Not std::isalpha: its answer for bytes above 127 depends on the locale, and URIs and rule names
// are defined over ASCII.
bool is_ascii_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_ascii_alnum(char c) {
    return is_ascii_letter(c) || (c >= '0' && c <= '9');
}

// Columns are byte offsets, but terminals and SARIF viewers count characters: a byte column past
// an accented letter would otherwise land one place too far right.
int characters_before(std::string_view line, int column) {
    const std::size_t bytes = column > 1 ? static_cast<std::size_t>(column - 1) : 0;
    const std::string_view prefix = line.substr(0, std::min(bytes, line.size()));
    const auto continuation = std::count_if(prefix.begin(), prefix.end(), is_utf8_continuation);
    return static_cast<int>(bytes - static_cast<std::size_t>(continuation));
}

// Tabs are copied rather than replaced by a space, so the caret lands under the same character
// whatever tab width the terminal uses.
std::string caret_line(std::string_view line, int column) {
    const std::size_t bytes = column > 1 ? static_cast<std::size_t>(column - 1) : 0;
    std::string caret;
    for (std::size_t i = 0; i < bytes; ++i) {
        if (i >= line.size()) {
            caret += ' ';
        } else if (line[i] == '\t') {
            caret += '\t';
        } else if (!is_utf8_continuation(line[i])) {
            caret += ' ';
        }
    }
    caret += '^';
    return caret;
}

struct SeverityCounts {
    int error = 0;
    int warning = 0;
    int info = 0;
};

SeverityCounts count_severities(const std::vector<Finding>& findings) {
    SeverityCounts counts;
    for (const Finding& finding : findings) {
        switch (finding.severity) {
            case Severity::error:
                ++counts.error;
                break;
            case Severity::warning:
                ++counts.warning;
                break;
            case Severity::info:
                ++counts.info;
                break;
        }
    }
    return counts;
}

std::string counted(int count, std::string_view singular, std::string_view plural) {
    return fmt::format("{} {}", count, count == 1 ? singular : plural);
}

std::string summary_line(const LintReport& report) {
    const std::string scope = fmt::format("in {}, {}", counted(report.files, "file", "files"),
                                          counted(report.statements, "statement", "statements"));
    std::string line;
    if (report.findings.empty()) {
        line = "no findings " + scope;
    } else {
        const SeverityCounts counts = count_severities(report.findings);
        std::vector<std::string> parts;
        if (counts.error > 0)
            parts.push_back(counted(counts.error, "error", "errors"));
        if (counts.warning > 0)
            parts.push_back(counted(counts.warning, "warning", "warnings"));
        if (counts.info > 0)
            parts.push_back(counted(counts.info, "info", "info"));
        line = fmt::format("{} ({}) {}", counted(static_cast<int>(report.findings.size()), "finding", "findings"),
                           fmt::join(parts, ", "), scope);
    }
    if (report.suppressed_by_baseline > 0) {
        line += fmt::format(", {} accepted by the baseline", report.suppressed_by_baseline);
    }
    return line;
}

// Messages quote SQL from the user's files, which need not be valid UTF-8; nlohmann would throw
// on such bytes, so they become U+FFFD instead.
std::string dump(const ordered_json& document) {
    return document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string_view sarif_level(Severity severity) {
    switch (severity) {
        case Severity::error:
            return "error";
        case Severity::warning:
            return "warning";
        case Severity::info:
            return "note";
    }
    return "error";
}

// "add-column-default" -> "AddColumnDefault": SARIF's reportingDescriptor.name is meant to be a
// readable identifier, and code scanning shows it beside the id.
std::string upper_camel_case(std::string_view id) {
    std::string name;
    bool start_of_word = true;
    for (const char c : id) {
        if (!is_ascii_alnum(c)) {
            start_of_word = true;
            continue;
        }
        name += start_of_word && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
        start_of_word = false;
    }
    return name;
}

std::string help_markdown(const RuleInfo& rule) {
    std::string markdown = rule.why + "\n\n**The safe way:** " + rule.safe + "\n";
    const auto first_sql = [](const std::vector<RuleExample>& examples) -> const RuleExample* {
        const auto found =
            std::find_if(examples.begin(), examples.end(), [](const RuleExample& e) { return !e.sql.empty(); });
        return found == examples.end() ? nullptr : &*found;
    };
    if (const RuleExample* bad = first_sql(rule.bad)) {
        markdown += "\nFlagged:\n\n```sql\n" + bad->sql + (bad->sql.ends_with('\n') ? "" : "\n") + "```\n";
    }
    if (const RuleExample* good = first_sql(rule.good)) {
        markdown += "\nSafe:\n\n```sql\n" + good->sql + (good->sql.ends_with('\n') ? "" : "\n") + "```\n";
    }
    return markdown;
}

ordered_json rule_descriptor(const RuleInfo& rule) {
    ordered_json tags = ordered_json::array({"migration"});
    for (const std::string& dialect : rule.dialects) {
        tags.push_back(dialect);
    }
    return {
        {"id", rule.id},
        {"name", upper_camel_case(rule.id)},
        {"shortDescription", {{"text", rule.summary}}},
        {"fullDescription", {{"text", rule.why}}},
        {"help", {{"text", rule.safe}, {"markdown", help_markdown(rule)}}},
        {"defaultConfiguration", {{"level", sarif_level(rule.severity)}}},
        {"properties", {{"tags", tags}}},
    };
}

// Every result needs a descriptor for its ruleIndex; syntax errors have no rule file, and a
// finding from a rule the caller left out must not produce an index past the end.
ordered_json descriptor_without_rule_file(const Finding& finding) {
    ordered_json descriptor = {{"id", finding.rule}, {"name", upper_camel_case(finding.rule)}};
    if (finding.rule == "syntax-error") {
        descriptor["shortDescription"] = {{"text", "The statement does not parse, so no rule could check it."}};
    }
    descriptor["defaultConfiguration"] = {{"level", sarif_level(finding.severity)}};
    descriptor["properties"] = {{"tags", ordered_json::array({"migration"})}};
    return descriptor;
}

bool is_unreserved(char c) {
    return is_ascii_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string percent_encode_path(std::string_view path) {
    std::string encoded;
    for (const char c : path) {
        if (is_unreserved(c) || c == '/') {
            encoded += c;
        } else {
            encoded += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        }
    }
    return encoded;
}

struct ArtifactUri {
    std::string uri;
    bool relative = true;
};

// SARIF wants a URI reference: relative paths stay relative to %SRCROOT% (code scanning's checkout
// root), absolute ones become file: URIs, and spaces, non-ASCII bytes and ':' are percent-encoded
// (an unencoded ':' in a relative path would read as a URI scheme).
ArtifactUri artifact_uri(std::string_view file) {
    std::string path(file);
    std::replace(path.begin(), path.end(), '\\', '/');
    if (path.starts_with('/')) {
        return {"file://" + percent_encode_path(path), false};
    }
    const bool drive_letter = path.size() >= 3 && is_ascii_letter(path[0]) && path[1] == ':' && path[2] == '/';
    if (drive_letter) {
        return {"file:///" + path.substr(0, 2) + percent_encode_path(path.substr(2)), false};
    }
    std::string_view relative = path;
    while (relative.starts_with("./")) {
        relative.remove_prefix(2);
    }
    return {percent_encode_path(relative), true};
}

ordered_json sarif_result(const Finding& finding, int rule_index) {
    const ArtifactUri uri = artifact_uri(finding.file);
    ordered_json artifact = {{"uri", uri.uri}};
    if (uri.relative) {
        artifact["uriBaseId"] = "%SRCROOT%";
    }
    const int column =
        finding.source_line.empty() ? finding.column : characters_before(finding.source_line, finding.column) + 1;
    ordered_json result = {
        {"ruleId", finding.rule},
        {"ruleIndex", rule_index},
        {"level", sarif_level(finding.severity)},
        {"message", {{"text", finding.message}}},
        {"locations", ordered_json::array({{{"physicalLocation",
                                             {{"artifactLocation", artifact},
                                              {"region", {{"startLine", finding.line}, {"startColumn", column}}}}}}})},
    };
    if (!finding.fingerprint.empty()) {
        result["partialFingerprints"] = {{"migrateFingerprint/v1", finding.fingerprint}};
    }
    return result;
}

// GitHub's escaping for the message part of a workflow command.
std::string escape_command_data(std::string_view text) {
    std::string escaped;
    for (const char c : text) {
        switch (c) {
            case '%':
                escaped += "%25";
                break;
            case '\r':
                escaped += "%0D";
                break;
            case '\n':
                escaped += "%0A";
                break;
            default:
                escaped += c;
        }
    }
    return escaped;
}

// Property values also end at ',' and the message starts after "::", so both are escaped too.
std::string escape_command_property(std::string_view text) {
    std::string escaped;
    for (const char c : escape_command_data(text)) {
        switch (c) {
            case ':':
                escaped += "%3A";
                break;
            case ',':
                escaped += "%2C";
                break;
            default:
                escaped += c;
        }
    }
    return escaped;
}

std::string_view github_command(Severity severity) {
    switch (severity) {
        case Severity::error:
            return "error";
        case Severity::warning:
            return "warning";
        case Severity::info:
            return "notice";
    }
    return "error";
}

// Later lines of a message are indented, so that none of them can read as a finding of its own
// to a person or to an editor parsing `file:line:col:` lines.
std::string indent_continuation_lines(std::string_view message) {
    std::string indented;
    for (const char c : message) {
        indented += c;
        if (c == '\n') {
            indented += "    ";
        }
    }
    return indented;
}

}  // namespace

std::string format_text(const LintReport& report) {
    std::string out;
    for (const Finding& finding : report.findings) {
        out += fmt::format("{}:{}:{}: {}: {} [{}]\n", finding.file, finding.line, finding.column,
                           to_string(finding.severity), indent_continuation_lines(finding.message), finding.rule);
        if (!finding.source_line.empty()) {
            out += "    " + finding.source_line + "\n";
            out += "    " + caret_line(finding.source_line, finding.column) + "\n";
        }
        if (!finding.help.empty()) {
            out += "    help: " + finding.help + "\n";
        }
        out += "\n";
    }
    return out + summary_line(report) + "\n";
}

std::string format_json(const LintReport& report) {
    const SeverityCounts counts = count_severities(report.findings);
    ordered_json findings = ordered_json::array();
    for (const Finding& finding : report.findings) {
        findings.push_back({
            {"rule", finding.rule},
            {"severity", to_string(finding.severity)},
            {"message", finding.message},
            {"help", finding.help},
            {"file", finding.file},
            {"line", finding.line},
            {"column", finding.column},
            {"phase", finding.phase ? ordered_json(to_string(*finding.phase)) : ordered_json(nullptr)},
            {"migration", finding.migration},
            {"fingerprint", finding.fingerprint},
        });
    }
    const ordered_json document = {
        {"version", 1},
        {"files", report.files},
        {"statements", report.statements},
        {"suppressed_by_baseline", report.suppressed_by_baseline},
        {"summary", {{"error", counts.error}, {"warning", counts.warning}, {"info", counts.info}}},
        {"findings", findings},
    };
    return dump(document);
}

std::string format_sarif(const LintReport& report, const std::vector<RuleInfo>& rules, std::string_view tool_version) {
    ordered_json descriptors = ordered_json::array();
    std::map<std::string, int, std::less<>> rule_index;
    for (const RuleInfo& rule : rules) {
        rule_index.emplace(rule.id, static_cast<int>(descriptors.size()));
        descriptors.push_back(rule_descriptor(rule));
    }
    ordered_json results = ordered_json::array();
    for (const Finding& finding : report.findings) {
        auto [entry, added] = rule_index.emplace(finding.rule, static_cast<int>(descriptors.size()));
        if (added) {
            descriptors.push_back(descriptor_without_rule_file(finding));
        }
        results.push_back(sarif_result(finding, entry->second));
    }
    const ordered_json driver = {
        {"name", "migrate"},
        {"version", tool_version},
        {"rules", descriptors},
    };
    const ordered_json document = {
        {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
        {"version", "2.1.0"},
        {"runs", ordered_json::array({{
                     {"tool", {{"driver", driver}}},
                     {"columnKind", "unicodeCodePoints"},
                     {"results", results},
                 }})},
    };
    return dump(document);
}

std::string format_github(const LintReport& report) {
    std::string out;
    for (const Finding& finding : report.findings) {
        std::string message = finding.message;
        if (!finding.help.empty()) {
            message += "\n" + finding.help;
        }
        out += fmt::format("::{} file={},line={},col={},title={}::{}\n", github_command(finding.severity),
                           escape_command_property(finding.file), finding.line, finding.column,
                           escape_command_property("migrate " + finding.rule), escape_command_data(message));
    }
    return out;
}

}  // namespace migrate::lint

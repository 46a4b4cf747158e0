// Reading the rule files (lint-rules/<id>.toml): strict like the migration loader, so a typo in a
// rule's documentation fails the build's tests rather than hiding an example.
#include "lint/rule_info.hpp"

#include <algorithm>
#include <initializer_list>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "lint/embedded_rules.hpp"
#include "model/sql_text.hpp"
#include "support/error.hpp"

namespace migrate::lint {

namespace {

class RuleFileReader {
  public:
    explicit RuleFileReader(std::string file) : m_file(std::move(file)) {}

    RuleInfo read(std::string_view content) {
        toml::table root;
        try {
            root = toml::parse(content, m_file);
        } catch (const toml::parse_error& e) {
            throw error_at(e.source(), fmt::format("invalid TOML: {}", e.description()));
        }
        RuleInfo info;
        info.file = m_file;
        bool has_severity = false;
        for (auto&& [key, node] : root) {
            std::string name(key.str());
            if (name == "id") {
                info.id = text(node, name);
            } else if (name == "severity") {
                std::string value = text(node, name);
                auto severity = parse_severity(value);
                if (!severity) {
                    throw error_at(node.source(), "severity must be \"error\", \"warning\" or \"info\"");
                }
                info.severity = *severity;
                has_severity = true;
            } else if (name == "dialects") {
                info.dialects = dialects(node, name);
            } else if (name == "opt_in") {
                if (!node.is_boolean()) {
                    throw error_at(node.source(), "opt_in must be true or false");
                }
                info.opt_in = node.as_boolean()->get();
            } else if (name == "summary") {
                info.summary = text(node, name);
            } else if (name == "why") {
                info.why = text(node, name);
            } else if (name == "safe") {
                info.safe = text(node, name);
            } else if (name == "bad" || name == "good") {
                (name == "bad" ? info.bad : info.good) = examples(node, name);
            } else {
                throw error_at(key.source(), fmt::format("unknown key '{}' (allowed: id, severity, dialects, opt_in, "
                                                         "summary, why, safe, bad, good)",
                                                         name));
            }
        }
        for (auto [present, what] :
             {std::pair{!info.id.empty(), "id"}, std::pair{has_severity, "severity"},
              std::pair{!info.dialects.empty(), "dialects"}, std::pair{!info.summary.empty(), "summary"},
              std::pair{!info.why.empty(), "why"}, std::pair{!info.safe.empty(), "safe"},
              std::pair{!info.bad.empty(), "bad"}, std::pair{!info.good.empty(), "good"}}) {
            if (!present) {
                throw input_error(m_file, 1, 1, fmt::format("missing '{}'", what));
            }
        }
        std::string expected = fmt::format("lint-rules/{}.toml", info.id);
        if (!m_file.ends_with(expected.substr(expected.find('/')))) {
            throw input_error(m_file, 1, 1, fmt::format("id '{}' does not match the file name", info.id));
        }
        for (const auto* list : {&info.bad, &info.good}) {
            for (const RuleExample& example : *list) {
                for (const std::string& dialect : example.dialects) {
                    if (!info.supports(dialect)) {
                        throw input_error(
                            m_file, example.line, 1,
                            fmt::format("example for dialect '{}', which the rule does not cover", dialect));
                    }
                }
            }
        }
        return info;
    }

  private:
    Error error_at(const toml::source_region& region, const std::string& message) const {
        return input_error(m_file, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column), message);
    }

    std::string text(const toml::node& node, const std::string& what) const {
        if (!node.is_string()) {
            throw error_at(node.source(), fmt::format("{} must be a string", what));
        }
        std::string value = node.as_string()->get();
        while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) {
            value.pop_back();
        }
        if (value.empty()) {
            throw error_at(node.source(), fmt::format("{} is empty", what));
        }
        return value;
    }

    std::vector<std::string> dialects(const toml::node& node, const std::string& what) const {
        const toml::array* array = node.as_array();
        if (array == nullptr || array->empty()) {
            throw error_at(node.source(), fmt::format("{} must be a non-empty array of dialect names", what));
        }
        std::vector<std::string> out;
        for (const toml::node& element : *array) {
            std::string name = text(element, what);
            if (std::find(known_dialects.begin(), known_dialects.end(), name) == known_dialects.end()) {
                throw error_at(element.source(),
                               fmt::format("unknown dialect '{}' (known: sqlite, postgres, mysql)", name));
            }
            out.push_back(name);
        }
        return out;
    }

    std::vector<RuleExample> examples(const toml::node& node, const std::string& what) const {
        const toml::array* array = node.as_array();
        if (array == nullptr || !array->is_array_of_tables()) {
            throw error_at(node.source(), fmt::format("{} must be an array of tables: write [[{}]]", what, what));
        }
        std::vector<RuleExample> out;
        for (const toml::node& element : *array) {
            const toml::table& table = *element.as_table();
            RuleExample example;
            example.line = static_cast<int>(table.source().begin.line);
            example.phase = Phase::expand;
            for (auto&& [key, value] : table) {
                std::string name(key.str());
                if (name == "dialects") {
                    example.dialects = dialects(value, what + ".dialects");
                } else if (name == "phase") {
                    std::string phase = text(value, what + ".phase");
                    if (phase == "plain") {
                        example.phase.reset();
                    } else if (auto parsed = parse_phase(phase)) {
                        example.phase = parsed;
                    } else {
                        throw error_at(value.source(),
                                       "phase must be \"expand\", \"backfill\", \"contract\" or \"plain\"");
                    }
                } else if (name == "sql") {
                    example.sql = text(value, what + ".sql");
                } else if (name == "files") {
                    const toml::table* files = value.as_table();
                    if (files == nullptr || files->empty()) {
                        throw error_at(value.source(), "files must be a table of file name = content");
                    }
                    for (auto&& [file, content] : *files) {
                        example.files[std::string(file.str())] = text(content, what + ".files");
                    }
                } else {
                    throw error_at(key.source(),
                                   fmt::format("unknown key '{}' (allowed: dialects, phase, sql, files)", name));
                }
            }
            if (example.sql.empty() == example.files.empty()) {
                throw input_error(m_file, example.line, 1, fmt::format("each [[{}]] needs either sql or files", what));
            }
            out.push_back(std::move(example));
        }
        return out;
    }

    std::string m_file;
};

}  // namespace

bool RuleInfo::supports(std::string_view dialect) const {
    return std::find(dialects.begin(), dialects.end(), dialect) != dialects.end();
}

RuleInfo parse_rule_info(std::string_view file, std::string_view content) {
    return RuleFileReader(std::string(file)).read(content);
}

const std::vector<RuleInfo>& rule_infos() {
    static const std::vector<RuleInfo> infos = [] {
        std::vector<RuleInfo> out;
        for (const EmbeddedFile& file : embedded_rule_files()) {
            out.push_back(parse_rule_info(file.path, file.content));
        }
        std::sort(out.begin(), out.end(), [](const RuleInfo& a, const RuleInfo& b) { return a.id < b.id; });
        return out;
    }();
    return infos;
}

const RuleInfo* find_rule_info(std::string_view id) {
    for (const RuleInfo& info : rule_infos()) {
        if (info.id == id) {
            return &info;
        }
    }
    return nullptr;
}

}  // namespace migrate::lint

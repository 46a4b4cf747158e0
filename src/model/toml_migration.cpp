#include "model/toml_migration.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "support/error.hpp"

namespace migrate {

namespace {

const char* type_name(toml::node_type type) {
    switch (type) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
        case toml::node_type::time:
        case toml::node_type::date_time:
            return "a date/time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

SourceLocation location_of(const toml::source_region& region) {
    return {static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

class TomlReader {
  public:
    TomlReader(const std::string& file, Migration& migration, DownPolicy downs)
        : m_file(file), m_migration(migration), m_downs(downs) {}

    void read(const std::string& content) {
        m_content = content;
        toml::table root;
        try {
            root = toml::parse(content, m_file);
        } catch (const toml::parse_error& e) {
            SourceLocation at = location_of(e.source());
            throw input_error(m_file, at.line, at.column, fmt::format("invalid TOML: {}", e.description()));
        }
        for (auto&& [key, node] : root) {
            std::string name(key.str());
            if (name == "description") {
                m_migration.description = string_value(node, "description", false);
            } else if (name == "expand" || name == "contract") {
                Phase phase = name == "expand" ? Phase::expand : Phase::contract;
                for_each_step(node, name, [&](const toml::table& step, const std::string& where) {
                    read_sql_step(step, where, phase);
                });
            } else if (name == "backfill") {
                for_each_step(node, name, [&](const toml::table& step, const std::string& where) {
                    read_backfill_step(step, where);
                });
            } else {
                throw unknown_key(key, "", {"description", "expand", "backfill", "contract"});
            }
        }
        if (m_migration.expand.empty() && m_migration.backfill.empty() && m_migration.contract.empty()) {
            throw input_error(m_file, 1, 1,
                              "migration has no steps: add an [[expand]], [[backfill]] or [[contract]] step");
        }
    }

  private:
    Error error_at(const toml::node& node, const std::string& message) const {
        SourceLocation at = location_of(node.source());
        return input_error(m_file, at.line, at.column, message);
    }

    Error unknown_key(const toml::key& key, const std::string& where,
                      std::initializer_list<const char*> allowed) const {
        SourceLocation at = location_of(key.source());
        std::string list;
        for (const char* name : allowed) {
            list += (list.empty() ? "" : ", ") + std::string(name);
        }
        std::string prefix = where.empty() ? "" : where + ": ";
        return input_error(m_file, at.line, at.column,
                           fmt::format("{}unknown key '{}' (allowed here: {})", prefix, std::string(key.str()), list));
    }

    std::string string_value(const toml::node& node, const std::string& what, bool required_non_empty) const {
        const auto* value = node.as_string();
        if (value == nullptr) {
            throw error_at(node, fmt::format("{} must be a string, not {}", what, type_name(node.type())));
        }
        const std::string& text = value->get();
        std::size_t start = text.find_first_not_of(" \t\r\n");
        if (start == std::string::npos) {
            if (required_non_empty) {
                throw error_at(node, fmt::format("{} is empty", what));
            }
            return {};
        }
        // Multi-line strings start and end with line breaks that are not part of the SQL.
        return text.substr(start, text.find_last_not_of(" \t\r\n") - start + 1);
    }

    // A string for every dialect, or a table of them: `up.postgres = "..."`, `up.default = "..."`.
    SqlText sql_value(const toml::node& node, const std::string& what) const {
        if (node.is_string()) {
            return SqlText(string_value(node, what, true), text_origin(node));
        }
        const auto* table = node.as_table();
        if (table == nullptr) {
            throw error_at(node, fmt::format("{} must be a string, or a table of strings by dialect, not {}", what,
                                             type_name(node.type())));
        }
        if (table->empty()) {
            throw error_at(node, fmt::format("{} is empty", what));
        }
        SqlText text;
        for (auto&& [key, value] : *table) {
            std::string dialect(key.str());
            bool known = dialect == "default" ||
                         std::find(known_dialects.begin(), known_dialects.end(), dialect) != known_dialects.end();
            if (!known) {
                SourceLocation at = location_of(key.source());
                throw input_error(
                    m_file, at.line, at.column,
                    fmt::format("{}: unknown dialect '{}' (known: default, sqlite, postgres, mysql)", what, dialect));
            }
            text.set(dialect, string_value(value, fmt::format("{}.{}", what, dialect), true), text_origin(value));
        }
        return text;
    }

    bool bool_value(const toml::node& node, const std::string& what) const {
        const auto* value = node.as_boolean();
        if (value == nullptr) {
            throw error_at(node, fmt::format("{} must be true or false, not {}", what, type_name(node.type())));
        }
        return value->get();
    }

    template <typename Fn>
    void for_each_step(const toml::node& node, const std::string& name, Fn&& fn) {
        const auto* array = node.as_array();
        if (array == nullptr || !array->is_array_of_tables()) {
            std::string hint =
                name == "contract" && node.is_table() ? " (put [contract.requires] after a [[contract]] step)" : "";
            throw error_at(node, fmt::format("{} must be an array of tables: write [[{}]]{}", name, name, hint));
        }
        std::size_t index = 0;
        for (const toml::node& element : *array) {
            ++index;
            fn(*element.as_table(), fmt::format("{} step {}", name, index));
        }
    }

    void read_sql_step(const toml::table& table, const std::string& where, Phase phase) {
        SqlStep step;
        step.location = location_of(table.source());
        const toml::node* up_node = nullptr;
        const toml::node* down_node = nullptr;
        for (auto&& [key, node] : table) {
            std::string name(key.str());
            if (name == "up") {
                step.up = sql_value(node, where + ": up");
                up_node = &node;
            } else if (name == "down") {
                step.down = sql_value(node, where + ": down");
                down_node = &node;
            } else if (name == "irreversible") {
                step.irreversible = bool_value(node, where + ": irreversible");
            } else if (name == "irreversible_data") {
                step.irreversible_data = bool_value(node, where + ": irreversible_data");
            } else if (name == "requires" && phase == Phase::contract) {
                read_requirement(node, where);
            } else if (phase == Phase::contract) {
                throw unknown_key(key, where, {"up", "down", "irreversible", "irreversible_data", "requires"});
            } else {
                throw unknown_key(key, where, {"up", "down", "irreversible", "irreversible_data"});
            }
        }
        if (up_node == nullptr) {
            throw input_error(m_file, step.location.line, step.location.column, fmt::format("{}: missing 'up'", where));
        }
        if (step.irreversible && down_node != nullptr) {
            throw error_at(*down_node,
                           fmt::format("{}: marked irreversible but has a 'down'; remove one of them", where));
        }
        if (!step.irreversible && down_node == nullptr && m_downs == DownPolicy::required) {
            throw input_error(m_file, step.location.line, step.location.column,
                              fmt::format("{}: missing 'down' (write the inverse SQL, or mark the step "
                                          "irreversible = true if it truly has none)",
                                          where));
        }
        if (step.irreversible && step.irreversible_data) {
            throw input_error(m_file, step.location.line, step.location.column,
                              fmt::format("{}: irreversible and irreversible_data exclude each other", where));
        }
        (phase == Phase::expand ? m_migration.expand : m_migration.contract).push_back(std::move(step));
    }

    void read_backfill_step(const toml::table& table, const std::string& where) {
        BackfillStep step;
        step.location = location_of(table.source());
        std::set<std::string> seen;
        for (auto&& [key, node] : table) {
            std::string name(key.str());
            if (name == "table") {
                step.table = string_value(node, where + ": table", true);
            } else if (name == "set") {
                step.set = sql_value(node, where + ": set");
            } else if (name == "where") {
                step.where = sql_value(node, where + ": where");
            } else if (name == "down") {
                step.down = sql_value(node, where + ": down");
            } else {
                throw unknown_key(key, where, {"table", "set", "where", "down"});
            }
            seen.insert(name);
        }
        for (const char* required : {"table", "set", "where"}) {
            if (seen.count(required) == 0) {
                std::string why = std::string(required) == "where"
                                      ? " (the condition matching rows still to do; the backfill is done "
                                        "when no row matches it)"
                                      : "";
                throw input_error(m_file, step.location.line, step.location.column,
                                  fmt::format("{}: missing '{}'{}", where, required, why));
            }
        }
        m_migration.backfill.push_back(std::move(step));
    }

    void read_requirement(const toml::node& node, const std::string& where) {
        const auto* table = node.as_table();
        if (table == nullptr) {
            throw error_at(node, fmt::format("{}: requires must be a table with app and min_version", where));
        }
        if (m_migration.requirement) {
            throw error_at(node, "contract requirements given twice; keep one [contract.requires]");
        }
        ContractRequirement requirement;
        requirement.location = location_of(table->source());
        bool has_app = false;
        bool has_version = false;
        for (auto&& [key, value] : *table) {
            if (key.str() == "app") {
                requirement.app = string_value(value, "requires: app", true);
                has_app = true;
            } else if (key.str() == "min_version") {
                std::string text = string_value(value, "requires: min_version", true);
                auto version = parse_semver(text);
                if (!version) {
                    throw error_at(value, fmt::format("requires: min_version '{}' is not a semantic version "
                                                      "(e.g. 2.0.0 or 2.1.0-rc.1)",
                                                      text));
                }
                requirement.min_version = *version;
                has_version = true;
            } else {
                throw unknown_key(key, "requires", {"app", "min_version"});
            }
        }
        if (!has_app || !has_version) {
            throw input_error(m_file, requirement.location.line, requirement.location.column,
                              fmt::format("requires: missing '{}'", has_app ? "min_version" : "app"));
        }
        m_migration.requirement = std::move(requirement);
    }

    // Where a string value's text begins in the file: past its opening quotes and the leading
    // whitespace string_value trims.
    SourceLocation text_origin(const toml::node& node) const {
        SourceLocation at = location_of(node.source());
        std::size_t offset = 0;
        for (int line = 1; line < at.line && offset != std::string_view::npos; ++line) {
            offset = m_content.find('\n', offset);
            offset = offset == std::string_view::npos ? offset : offset + 1;
        }
        if (offset == std::string_view::npos || at.column < 1) {
            return at;
        }
        std::string_view rest = m_content.substr(std::min(m_content.size(), offset + at.column - 1));
        std::size_t quotes = rest.starts_with("\"\"\"") || rest.starts_with("'''") ? 3 : 1;
        at.column += static_cast<int>(quotes);
        return skip_leading_whitespace(at, rest.substr(std::min(rest.size(), quotes)));
    }

    const std::string& m_file;
    Migration& m_migration;
    DownPolicy m_downs;
    std::string_view m_content;
};

}  // namespace

void parse_toml_migration(const std::string& file, const std::string& content, Migration& migration, DownPolicy downs) {
    TomlReader(file, migration, downs).read(content);
}

}  // namespace migrate

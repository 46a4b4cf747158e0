#include "model/sql_migration.hpp"

#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "support/error.hpp"
#include "support/sql_lexer.hpp"

namespace migrate {

namespace {

struct Section {
    std::string kind;   // expand, backfill, contract
    bool down = false;  // a ":down" section
    std::vector<std::string> flags;
    int marker_line = 0;
    std::string body;  // the lines after the marker, up to the next marker
};

bool blank_or_comment(std::string_view body) {
    LexResult lexed = tokenize(body);
    return lexed.tokens.empty() && !lexed.error;
}

class SqlReader {
  public:
    SqlReader(const std::string& file, Migration& migration, DownPolicy downs)
        : m_file(file), m_migration(migration), m_downs(downs) {}

    void read(const std::string& content) {
        static const std::regex marker(R"(^\s*--\s*migrate:([A-Za-z_]+)(?::([A-Za-z_]+))?(.*)$)");
        std::vector<Section> sections;
        std::string preamble;
        std::istringstream lines(content);
        std::string line;
        int number = 0;
        while (std::getline(lines, line)) {
            ++number;
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();  // files written on Windows
            }
            std::smatch match;
            if (!std::regex_match(line, match, marker)) {
                std::string& body = sections.empty() ? preamble : sections.back().body;
                body += line;
                body += '\n';
                continue;
            }
            std::string kind = match[1].str();
            std::string modifier = match[2].str();
            std::string rest = match[3].str();
            if (kind == "description") {
                m_migration.description = trim(rest);
                continue;
            }
            if (kind == "requires") {
                read_requirement(rest, number);
                continue;
            }
            if (kind != "expand" && kind != "backfill" && kind != "contract") {
                throw input_error(m_file, number, 1,
                                  fmt::format("unknown marker 'migrate:{}' (known: expand, backfill, contract, "
                                              "their ':down' sections, description, requires)",
                                              kind));
            }
            if (!modifier.empty() && modifier != "down") {
                throw input_error(
                    m_file, number, 1,
                    fmt::format("unknown marker 'migrate:{}:{}' (only ':down' may follow a phase)", kind, modifier));
            }
            Section section{kind, modifier == "down", split_words(rest), number, {}};
            for (const std::string& flag : section.flags) {
                bool allowed =
                    !section.down && kind != "backfill" && (flag == "irreversible" || flag == "irreversible_data");
                if (!allowed) {
                    throw input_error(m_file, number, 1,
                                      fmt::format("unknown option '{}' on marker 'migrate:{}{}'", flag, kind,
                                                  section.down ? ":down" : ""));
                }
            }
            sections.push_back(std::move(section));
        }
        if (!blank_or_comment(preamble)) {
            throw input_error(m_file, first_sql_line(preamble), 1,
                              "SQL before the first '-- migrate:' marker; start the file with "
                              "'-- migrate:expand' (or another phase marker)");
        }
        if (sections.empty()) {
            throw input_error(m_file, 1, 1,
                              "no '-- migrate:expand', '-- migrate:backfill' or '-- migrate:contract' "
                              "marker in this SQL file");
        }
        build_steps(sections);
    }

  private:
    static std::string trim(const std::string& text) {
        std::size_t start = text.find_first_not_of(" \t\r");
        if (start == std::string::npos) {
            return {};
        }
        std::size_t end = text.find_last_not_of(" \t\r");
        return text.substr(start, end - start + 1);
    }

    static std::vector<std::string> split_words(const std::string& text) {
        std::istringstream in(text);
        std::vector<std::string> words;
        std::string word;
        while (in >> word) {
            words.push_back(word);
        }
        return words;
    }

    static int first_sql_line(const std::string& text) {
        LexResult lexed = tokenize(text);
        return lexed.tokens.empty() ? 1 : lexed.tokens.front().line;
    }

    void read_requirement(const std::string& rest, int line) {
        if (m_migration.requirement) {
            throw input_error(m_file, line, 1, "'-- migrate:requires' given twice; keep one");
        }
        ContractRequirement requirement;
        requirement.location = {line, 1};
        bool has_app = false;
        bool has_version = false;
        for (const std::string& word : split_words(rest)) {
            std::size_t eq = word.find('=');
            std::string key = word.substr(0, eq);
            std::string value = eq == std::string::npos ? "" : word.substr(eq + 1);
            if (eq == std::string::npos || value.empty()) {
                throw input_error(
                    m_file, line, 1,
                    fmt::format("'-- migrate:requires' expects app=NAME min_version=X.Y.Z, got '{}'", word));
            }
            if (key == "app") {
                requirement.app = value;
                has_app = true;
            } else if (key == "min_version") {
                auto version = parse_semver(value);
                if (!version) {
                    throw input_error(m_file, line, 1,
                                      fmt::format("min_version '{}' is not a semantic version (e.g. 2.0.0)", value));
                }
                requirement.min_version = *version;
                has_version = true;
            } else {
                throw input_error(
                    m_file, line, 1,
                    fmt::format("'-- migrate:requires': unknown key '{}' (allowed: app, min_version)", key));
            }
        }
        if (!has_app || !has_version) {
            throw input_error(m_file, line, 1,
                              fmt::format("'-- migrate:requires': missing '{}'", has_app ? "min_version" : "app"));
        }
        m_migration.requirement = std::move(requirement);
    }

    void build_steps(const std::vector<Section>& sections) {
        for (std::size_t i = 0; i < sections.size(); ++i) {
            const Section& section = sections[i];
            std::string label = fmt::format("'-- migrate:{}{}' at line {}", section.kind, section.down ? ":down" : "",
                                            section.marker_line);
            if (blank_or_comment(section.body)) {
                throw input_error(m_file, section.marker_line, 1, fmt::format("{} has no SQL", label));
            }
            if (section.down) {
                // A down belongs to the up section right before it.
                throw input_error(m_file, section.marker_line, 1,
                                  fmt::format("{} does not follow a '-- migrate:{}' section", label, section.kind));
            }
            const Section* down = nullptr;
            if (i + 1 < sections.size() && sections[i + 1].down && sections[i + 1].kind == section.kind) {
                down = &sections[i + 1];
                if (blank_or_comment(down->body)) {
                    throw input_error(
                        m_file, down->marker_line, 1,
                        fmt::format("'-- migrate:{}:down' at line {} has no SQL", section.kind, down->marker_line));
                }
                ++i;
            }
            if (section.kind == "backfill") {
                add_backfill(section, down);
            } else {
                add_sql_step(section, down, label);
            }
        }
    }

    void add_sql_step(const Section& section, const Section* down, const std::string& label) {
        SqlStep step;
        step.up = body_text(section);
        step.location = {section.marker_line, 1};
        for (const std::string& flag : section.flags) {
            step.irreversible = step.irreversible || flag == "irreversible";
            step.irreversible_data = step.irreversible_data || flag == "irreversible_data";
        }
        if (step.irreversible && step.irreversible_data) {
            throw input_error(m_file, section.marker_line, 1,
                              fmt::format("{}: irreversible and irreversible_data exclude each other", label));
        }
        if (step.irreversible && down != nullptr) {
            throw input_error(
                m_file, down->marker_line, 1,
                fmt::format("{} is marked irreversible but has a ':down' section; remove one of them", label));
        }
        if (!step.irreversible && down == nullptr && m_downs == DownPolicy::required) {
            throw input_error(m_file, section.marker_line, 1,
                              fmt::format("{} has no '-- migrate:{}:down' section right after it (write the "
                                          "inverse SQL, or mark it '-- migrate:{} irreversible')",
                                          label, section.kind, section.kind));
        }
        if (down != nullptr) {
            step.down = body_text(*down);
        }
        (section.kind == "expand" ? m_migration.expand : m_migration.contract).push_back(std::move(step));
    }

    // The body of a backfill section is one UPDATE table SET ... WHERE ...; it becomes the
    // step's table, set and where.
    void add_backfill(const Section& section, const Section* down) {
        SplitResult split = split_statements(section.body);
        int base = section.marker_line;
        if (split.error) {
            throw input_error(m_file, base + split.error->line, split.error->column, split.error->message);
        }
        if (split.statements.size() != 1) {
            throw input_error(m_file, section.marker_line, 1,
                              fmt::format("'-- migrate:backfill' at line {} must hold exactly one UPDATE statement, "
                                          "found {} statements (use one backfill section per UPDATE)",
                                          section.marker_line, split.statements.size()));
        }
        const Statement& statement = split.statements.front();
        const std::vector<Token>& tokens = statement.tokens;
        auto fail = [&](const Token& at, const std::string& message) {
            return input_error(m_file, base + at.line, at.column, message);
        };
        if (!tokens.front().is_word("UPDATE")) {
            throw fail(tokens.front(), "a backfill section holds one 'UPDATE table SET ... WHERE ...' statement");
        }
        // The table is one name, optionally schema-qualified: an alias or ONLY would not survive
        // being put into the batch queries, so they are refused here rather than at run time.
        std::size_t k = 1;
        std::string table;
        while (k < tokens.size() && !tokens[k].is_word("SET")) {
            const Token& t = tokens[k];
            bool name = t.kind == TokenKind::word || t.kind == TokenKind::quoted_identifier;
            bool dot = t.kind == TokenKind::punct && t.text == ".";
            bool expect_name = table.empty() || table.back() == '.';
            if ((expect_name && !name) || (!expect_name && !dot)) {
                throw fail(t, fmt::format("unexpected '{}' after UPDATE: a backfill names one table, without "
                                          "an alias or ONLY (write UPDATE table SET ... WHERE ...)",
                                          t.text));
            }
            table += t.text;
            ++k;
        }
        if (table.empty() || table.back() == '.' || k >= tokens.size()) {
            throw fail(tokens.front(), "backfill UPDATE needs a table name and a SET clause");
        }
        std::size_t set_begin = k + 1;
        std::size_t where_at = 0;
        int depth = 0;
        for (std::size_t j = set_begin; j < tokens.size(); ++j) {
            const Token& t = tokens[j];
            if (t.kind == TokenKind::punct && t.text == "(") {
                ++depth;
            } else if (t.kind == TokenKind::punct && t.text == ")") {
                --depth;
            } else if (depth == 0) {
                for (const char* clause : {"FROM", "RETURNING", "ORDER", "LIMIT", "JOIN"}) {
                    if (t.is_word(clause)) {
                        throw fail(t, fmt::format("backfill UPDATE may not use {}: it runs in keyset batches "
                                                  "that add their own conditions",
                                                  clause));
                    }
                }
                if (t.is_word("WHERE") && where_at == 0) {
                    where_at = j;
                }
            }
        }
        if (where_at == 0) {
            throw fail(tokens.front(),
                       "backfill UPDATE needs a WHERE clause that matches the rows still to do "
                       "(the backfill is done when no row matches it)");
        }
        if (where_at == set_begin || where_at + 1 >= tokens.size()) {
            throw fail(tokens[where_at], "backfill UPDATE has an empty SET or WHERE clause");
        }
        auto slice = [&](std::size_t from, std::size_t to) {
            const Token& first = tokens[from];
            const Token& last = tokens[to - 1];
            return std::string(statement.text.substr(first.offset - statement.tokens.front().offset,
                                                     last.offset + last.text.size() - first.offset));
        };
        BackfillStep step;
        step.table = table;
        auto origin = [&](std::size_t at) { return SourceLocation{base + tokens[at].line, tokens[at].column}; };
        step.set = SqlText(slice(set_begin, where_at), origin(set_begin));
        step.where = SqlText(slice(where_at + 1, tokens.size()), origin(where_at + 1));
        step.location = {section.marker_line, 1};
        if (down != nullptr) {
            step.down = body_text(*down);
        }
        m_migration.backfill.push_back(std::move(step));
    }

    static std::string trim_body(const std::string& body) {
        std::size_t start = body.find_first_not_of(" \t\r\n");
        std::size_t end = body.find_last_not_of(" \t\r\n");
        return start == std::string::npos ? std::string() : body.substr(start, end - start + 1);
    }

    // A section's body starts on the line after its marker.
    static SqlText body_text(const Section& section) {
        return SqlText(trim_body(section.body), skip_leading_whitespace({section.marker_line + 1, 1}, section.body));
    }

    const std::string& m_file;
    Migration& m_migration;
    DownPolicy m_downs;
};

}  // namespace

void parse_sql_migration(const std::string& file, const std::string& content, Migration& migration, DownPolicy downs) {
    SqlReader(file, migration, downs).read(content);
}

}  // namespace migrate

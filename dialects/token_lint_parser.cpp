// The linter's parser for MySQL/MariaDB and SQLite: recursive descent over support/sql_lexer's
// tokens, deep enough to fill the lint IR. Expressions, queries and routine bodies are skipped as
// balanced token runs whose parentheses are matched once per statement, so no input deepens the
// stack and every statement is read in time linear in its length.
#include "dialects/token_lint_parser.hpp"

#include <cctype>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "support/sql_lexer.hpp"

namespace migrate::lint {

namespace {

// Raised inside one statement and turned into its syntax_error: a statement parses whole or
// yields no Changes at all, and the next statement is parsed afresh.
struct ParseFailure {
    std::string message;
    int line;
    int column;
};

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

bool is_any_word(const Token& token, std::initializer_list<std::string_view> words) {
    for (std::string_view word : words) {
        if (token.is_word(word)) {
            return true;
        }
    }
    return false;
}

bool is_punct(const Token& token, std::string_view text) {
    return token.kind == TokenKind::punct && token.text == text;
}

// Input quoted in a message: bounded, with control characters and bytes that are not UTF-8
// replaced, so a message about binary junk stays printable (and valid in JSON output).
std::string printable(std::string_view text) {
    constexpr std::size_t limit = 40;
    std::string out;
    std::size_t i = 0;
    while (i < text.size() && out.size() < limit) {
        auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        if (lead >= 0x20 && lead < 0x7F) {
            length = 1;
        } else if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
        }
        bool valid = length > 0 && i + length <= text.size();
        for (std::size_t k = 1; valid && k < length; ++k) {
            valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
        }
        if (!valid) {
            out += '?';
            ++i;
            continue;
        }
        out.append(text.substr(i, length));
        i += length;
    }
    if (i < text.size()) {
        out += "...";
    }
    return out;
}

// Where "found end of statement" points: just past the statement's last token.
std::pair<int, int> position_after(const Token& token) {
    int line = token.line;
    int column = token.column;
    for (char c : token.text) {
        if (c == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

// The canonical TypeName::name (see lint/change.hpp) of a type spelled `written`, lower-cased
// with its words single-spaced; spellings not listed stay as written.
std::string canonical_type(const std::string& written, TokenFlavor flavor) {
    static const std::unordered_map<std::string, std::string> names = {
        {"tinyint", "smallint"},
        {"smallint", "smallint"},
        {"int1", "smallint"},
        {"int2", "smallint"},
        {"mediumint", "integer"},
        {"middleint", "integer"},
        {"int", "integer"},
        {"integer", "integer"},
        {"int3", "integer"},
        {"int4", "integer"},
        {"bigint", "bigint"},
        {"int8", "bigint"},
        {"decimal", "numeric"},
        {"dec", "numeric"},
        {"numeric", "numeric"},
        {"fixed", "numeric"},
        {"float", "real"},
        {"float4", "real"},
        {"real", "real"},
        {"double", "double"},
        {"double precision", "double"},
        {"float8", "double"},
        {"bool", "boolean"},
        {"boolean", "boolean"},
        {"char", "char"},
        {"character", "char"},
        {"nchar", "char"},
        {"national char", "char"},
        {"national character", "char"},
        {"native character", "char"},
        {"varchar", "varchar"},
        {"varchar2", "varchar"},
        {"nvarchar", "varchar"},
        {"character varying", "varchar"},
        {"char varying", "varchar"},
        {"nchar varying", "varchar"},
        {"national varchar", "varchar"},
        {"national char varying", "varchar"},
        {"national character varying", "varchar"},
        {"varying character", "varchar"},
        {"text", "text"},
        {"tinytext", "text"},
        {"mediumtext", "text"},
        {"longtext", "text"},
        {"long", "text"},
        {"long varchar", "text"},
        {"clob", "text"},
        {"blob", "blob"},
        {"tinyblob", "blob"},
        {"mediumblob", "blob"},
        {"longblob", "blob"},
        {"long varbinary", "blob"},
        {"date", "date"},
        {"time", "time"},
        {"datetime", "timestamp"},
        {"timestamp", "timestamp"},
        {"json", "json"},
        {"uuid", "uuid"},
        {"enum", "enum"},
    };
    if (flavor == TokenFlavor::mysql) {
        // MySQL's REAL is a DOUBLE (unless sql_mode has REAL_AS_FLOAT); its SERIAL is BIGINT
        // UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE.
        if (written == "real") {
            return "double";
        }
        if (written == "serial") {
            return "bigserial";
        }
    }
    auto found = names.find(written);
    return found != names.end() ? found->second : written;
}

// Functions whose value differs per row, so a DEFAULT calling them is computed row by row.
bool volatile_function(std::string_view name) {
    for (std::string_view known : {"uuid", "uuid_short", "uuid_v4", "uuid_v7", "rand", "random", "randomblob",
                                   "random_bytes", "sys_guid", "sysdate", "nextval"}) {
        if (iequals(name, known)) {
            return true;
        }
    }
    return false;
}

// Words that end an SQLite column type and cannot start a MySQL one: they open a column
// constraint instead.
bool column_constraint_word(const Token& token) {
    return is_any_word(token, {"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE",
                               "REFERENCES", "GENERATED", "AS", "AUTO_INCREMENT", "AUTOINCREMENT", "COMMENT"});
}

Change make_change(ChangeKind kind, std::string table = {}, std::string name = {}) {
    Change change;
    change.kind = kind;
    change.table = std::move(table);
    change.name = std::move(name);
    return change;
}

// A table definition's element: a column (with the constraints written inline), a table
// constraint, or a MySQL index.
struct TableElement {
    std::optional<ColumnDef> column;
    std::vector<ConstraintDef> constraints;
    std::optional<IndexDef> index;
};

class StatementParser {
  public:
    StatementParser(const std::vector<Token>& tokens, TokenFlavor flavor) : m_tokens(tokens), m_flavor(flavor) {}

    std::vector<Change> parse() {
        const Token& first = m_tokens.front();
        if (is_punct(first, "(")) {
            match_parentheses();
            return {make_change(ChangeKind::select)};
        }
        if (!known_verb(first)) {
            return {make_change(ChangeKind::other)};
        }
        match_parentheses();
        if (first.is_word("ALTER")) {
            return alter();
        }
        if (first.is_word("CREATE")) {
            return create();
        }
        if (first.is_word("DROP")) {
            return drop();
        }
        if (first.is_word("RENAME")) {
            return rename();
        }
        if (first.is_word("TRUNCATE")) {
            return {truncate()};
        }
        if (first.is_word("WITH")) {
            return {with()};
        }
        if (first.is_word("LOAD")) {
            return {load_data()};
        }
        if (is_any_word(first, {"BEGIN", "START", "COMMIT", "END", "ROLLBACK"})) {
            return {transaction()};
        }
        if (first.is_word("REINDEX")) {
            return {reindex()};
        }
        if (first.is_word("VACUUM")) {
            return {vacuum()};
        }
        return {data_statement()};
    }

  private:
    bool mysql() const { return m_flavor == TokenFlavor::mysql; }

    bool known_verb(const Token& first) const {
        if (is_any_word(first, {"ALTER", "CREATE", "DROP", "TRUNCATE", "UPDATE", "DELETE", "INSERT", "REPLACE",
                                "SELECT", "WITH", "VALUES", "BEGIN", "START", "COMMIT", "ROLLBACK"})) {
            return true;
        }
        if (mysql()) {
            return is_any_word(first, {"RENAME", "TABLE", "LOAD"});
        }
        return is_any_word(first, {"END", "VACUUM", "REINDEX"});
    }

    // ---- tokens

    const Token* peek(std::size_t ahead = 0) const {
        return m_pos + ahead < m_tokens.size() ? &m_tokens[m_pos + ahead] : nullptr;
    }
    bool at_end() const { return m_pos >= m_tokens.size(); }
    bool at_word(std::string_view word, std::size_t ahead = 0) const {
        const Token* token = peek(ahead);
        return token != nullptr && token->is_word(word);
    }
    bool at_any_word(std::initializer_list<std::string_view> words, std::size_t ahead = 0) const {
        const Token* token = peek(ahead);
        return token != nullptr && is_any_word(*token, words);
    }
    bool at_punct(std::string_view text, std::size_t ahead = 0) const {
        const Token* token = peek(ahead);
        return token != nullptr && is_punct(*token, text);
    }
    bool at_kind(TokenKind kind) const { return !at_end() && m_tokens[m_pos].kind == kind; }
    // A string literal; MySQL reads "..." as one too (without ANSI_QUOTES).
    bool at_string() const {
        return at_kind(TokenKind::string) ||
               (mysql() && at_kind(TokenKind::quoted_identifier) && m_tokens[m_pos].text.front() == '"');
    }
    bool accept_word(std::string_view word) {
        if (!at_word(word)) {
            return false;
        }
        ++m_pos;
        return true;
    }
    bool accept_any_word(std::initializer_list<std::string_view> words) {
        if (!at_any_word(words)) {
            return false;
        }
        ++m_pos;
        return true;
    }
    bool accept_punct(std::string_view text) {
        if (!at_punct(text)) {
            return false;
        }
        ++m_pos;
        return true;
    }
    void expect_word(std::string_view word) {
        if (!accept_word(word)) {
            fail(word);
        }
    }
    void expect_punct(std::string_view text) {
        if (!accept_punct(text)) {
            fail(fmt::format("'{}'", text));
        }
    }
    void expect_end() {
        if (!at_end()) {
            fail("end of statement");
        }
    }

    [[noreturn]] void fail(std::string_view expected) const {
        if (const Token* token = peek()) {
            throw ParseFailure{fmt::format("expected {}, found '{}'", expected, printable(token->text)), token->line,
                               token->column};
        }
        auto [line, column] = position_after(m_tokens.back());
        throw ParseFailure{fmt::format("expected {}, found end of statement", expected), line, column};
    }

    // The source text from token `from` up to (not including) token `to`, comments and all.
    std::string slice(std::size_t from, std::size_t to) const {
        if (from >= to) {
            return {};
        }
        const char* begin = m_tokens[from].text.data();
        const Token& last = m_tokens[to - 1];
        return std::string(begin, last.text.data() + last.text.size() - begin);
    }

    // Matches every '(' with its ')' up front, so that skipping a group costs nothing however
    // deeply it nests.
    void match_parentheses() {
        m_match.assign(m_tokens.size(), 0);
        std::vector<std::size_t> open;
        for (std::size_t i = 0; i < m_tokens.size(); ++i) {
            if (is_punct(m_tokens[i], "(")) {
                open.push_back(i);
            } else if (is_punct(m_tokens[i], ")")) {
                if (open.empty()) {
                    throw ParseFailure{"expected '(' before ')', found an unmatched ')'", m_tokens[i].line,
                                       m_tokens[i].column};
                }
                m_match[open.back()] = i;
                open.pop_back();
            }
        }
        if (!open.empty()) {
            const Token& unclosed = m_tokens[open.back()];
            throw ParseFailure{"expected ')' to close this '(', found end of statement", unclosed.line,
                               unclosed.column};
        }
    }

    void skip_group() { m_pos = m_match[m_pos] + 1; }

    // One token, or a whole parenthesised group.
    void step() {
        if (at_punct("(")) {
            skip_group();
        } else {
            ++m_pos;
        }
    }

    void skip_to_end() { m_pos = m_tokens.size(); }

    // Whether `word` appears outside parentheses from here to the end of the statement.
    bool word_ahead(std::string_view word) const {
        for (std::size_t i = m_pos; i < m_tokens.size(); ++i) {
            if (is_punct(m_tokens[i], "(")) {
                i = m_match[i];
            } else if (m_tokens[i].is_word(word)) {
                return true;
            }
        }
        return false;
    }

    // ---- names and literals

    // SQLite still takes a 'string' where it wants a name, as its older versions did.
    bool at_name(std::size_t ahead = 0) const {
        const Token* token = peek(ahead);
        return token != nullptr && (token->kind == TokenKind::word || token->kind == TokenKind::quoted_identifier ||
                                    (!mysql() && token->kind == TokenKind::string));
    }

    std::string name(std::string_view what) {
        if (!at_name()) {
            fail(what);
        }
        const Token& token = m_tokens[m_pos++];
        return token.kind == TokenKind::string ? string_value(token) : token.identifier();
    }

    std::string qualified_name(std::string_view what) {
        std::string out = name(what);
        while (at_punct(".") && at_name(1)) {
            ++m_pos;
            out += '.';
            out += name(what);
        }
        return out;
    }

    // A name or a string: charsets, collations and the like may be given either way.
    std::string name_or_string(std::string_view what) {
        if (at_string()) {
            return string_value(m_tokens[m_pos++]);
        }
        return name(what);
    }

    // A string literal's value: prefix (N, X, E, B) and quotes dropped, doubled quotes and, on
    // MySQL or in E'...', backslash escapes undone.
    std::string string_value(const Token& token) const {
        std::string_view text = token.text;
        std::size_t open = text.find_first_of("'\"");
        if (open == std::string_view::npos || text.size() < open + 2) {
            return std::string(text);
        }
        char quote = text[open];
        bool backslashes = mysql() || text.front() == 'E' || text.front() == 'e';
        std::string_view inner = text.substr(open + 1, text.size() - open - 2);
        std::string out;
        for (std::size_t i = 0; i < inner.size(); ++i) {
            if (backslashes && inner[i] == '\\' && i + 1 < inner.size()) {
                char escaped = inner[++i];
                out += escaped == 'n'   ? '\n'
                       : escaped == 't' ? '\t'
                       : escaped == 'r' ? '\r'
                       : escaped == '0' ? '\0'
                                        : escaped;
            } else if (inner[i] == quote && i + 1 < inner.size() && inner[i + 1] == quote) {
                out += quote;
                ++i;
            } else {
                out += inner[i];
            }
        }
        return out;
    }

    void string_literal(std::string_view what) {
        if (!at_string()) {
            fail(what);
        }
        ++m_pos;
    }

    // A single-token option value: ENGINE=InnoDB, KEY_BLOCK_SIZE=8, ALGORITHM=INPLACE.
    void option_value(std::string_view what) {
        if (at_end() || at_kind(TokenKind::punct)) {
            fail(what);
        }
        ++m_pos;
    }

    // 'user'@'host', user@host or CURRENT_USER, as DEFINER and CREATE USER take them.
    std::string user_name() {
        std::size_t start = m_pos;
        if (accept_word("CURRENT_USER")) {
            if (at_punct("(")) {
                skip_group();
            }
            return slice(start, m_pos);
        }
        if (!at_name() && !at_string()) {
            fail("a user name");
        }
        ++m_pos;
        if (accept_punct("@")) {
            if (!at_name() && !at_string()) {
                fail("a host name");
            }
            ++m_pos;
        }
        return slice(start, m_pos);
    }

    bool if_exists() {
        if (!accept_word("IF")) {
            return false;
        }
        expect_word("EXISTS");
        return true;
    }

    bool if_not_exists() {
        if (!accept_word("IF")) {
            return false;
        }
        expect_word("NOT");
        expect_word("EXISTS");
        return true;
    }

    // MariaDB's WAIT n | NOWAIT on DDL.
    void wait_option() {
        if (accept_word("WAIT")) {
            option_value("a number of seconds");
        } else {
            accept_word("NOWAIT");
        }
    }

    // ---- column definitions

    TypeName type_name() {
        std::size_t start = m_pos;
        std::string written;
        if (mysql()) {
            if (!at_kind(TokenKind::word) || column_constraint_word(m_tokens[m_pos])) {
                fail("a column type");
            }
            written = lower(m_tokens[m_pos++].text);
            auto join = [&](std::string_view word) {
                if (!at_word(word)) {
                    return false;
                }
                written += ' ';
                written += lower(word);
                ++m_pos;
                return true;
            };
            if (written == "double") {
                join("PRECISION");
            } else if (written == "national") {
                if (!join("CHAR") && !join("CHARACTER") && !join("VARCHAR")) {
                    fail("CHAR or VARCHAR");
                }
                join("VARYING");
            } else if (written == "char" || written == "character" || written == "nchar") {
                join("VARYING");
            } else if (written == "long") {
                if (!join("VARCHAR")) {
                    join("VARBINARY");
                }
            }
        } else {
            // SQLite takes any run of words as a type name, and none at all.
            while (at_kind(TokenKind::word) && !column_constraint_word(m_tokens[m_pos])) {
                if (!written.empty()) {
                    written += ' ';
                }
                written += lower(m_tokens[m_pos++].text);
            }
            if (written.empty()) {
                return TypeName{};
            }
        }
        TypeName type;
        if (at_punct("(")) {
            type.modifiers = type_arguments();
        }
        if (mysql()) {
            while (accept_any_word({"UNSIGNED", "SIGNED", "ZEROFILL"})) {
            }
        }
        type.name = canonical_type(written, m_flavor);
        type.text = slice(start, m_pos);
        return type;
    }

    // (255), (10, 2), ('a', 'b'): numbers as written, strings by value.
    std::vector<std::string> type_arguments() {
        std::size_t close = m_match[m_pos];
        ++m_pos;
        std::vector<std::string> out;
        while (true) {
            std::size_t start = m_pos;
            while (m_pos < close && !at_punct(",")) {
                step();
            }
            if (m_pos == start) {
                fail("a type argument");
            }
            bool quoted = m_pos == start + 1 && (m_tokens[start].kind == TokenKind::string ||
                                                 (mysql() && m_tokens[start].kind == TokenKind::quoted_identifier));
            out.push_back(quoted ? string_value(m_tokens[start]) : slice(start, m_pos));
            if (m_pos == close) {
                break;
            }
            ++m_pos;
        }
        m_pos = close + 1;
        return out;
    }

    DefaultValue default_value() {
        std::size_t start = m_pos;
        if (at_punct("(")) {
            skip_group();
        } else if (at_word("NEXT") && at_word("VALUE", 1) && at_word("FOR", 2)) {
            m_pos += 3;
            qualified_name("a sequence name");
        } else {
            if (at_punct("-") || at_punct("+")) {
                ++m_pos;
            }
            if (at_end() || at_kind(TokenKind::punct)) {
                fail("a default value");
            }
            const Token& value = m_tokens[m_pos++];
            if (value.kind == TokenKind::word && value.text.front() == '_' && at_kind(TokenKind::string)) {
                ++m_pos;  // a character set introducer: _utf8mb4'text'
            } else if (value.kind == TokenKind::word && at_punct("(")) {
                skip_group();  // a function call: CURRENT_TIMESTAMP(6), NOW()
            }
        }
        DefaultValue out;
        out.text = slice(start, m_pos);
        for (std::size_t i = start; i < m_pos; ++i) {
            const Token& token = m_tokens[i];
            bool called = i + 1 < m_pos && is_punct(m_tokens[i + 1], "(");
            bool next_value = token.is_word("NEXT") && i + 1 < m_pos && m_tokens[i + 1].is_word("VALUE");
            if ((token.kind == TokenKind::word && called && volatile_function(token.text)) || next_value) {
                out.volatility = Volatility::volatile_;
            }
        }
        return out;
    }

    // SQLite's ON CONFLICT resolution on a constraint.
    void conflict_clause() {
        if (at_word("ON") && at_word("CONFLICT", 1)) {
            m_pos += 2;
            name("ROLLBACK, ABORT, FAIL, IGNORE or REPLACE");
        }
    }

    // MySQL's [NOT] ENFORCED after a CHECK; NOT ENFORCED leaves existing rows unchecked, which is
    // what ConstraintDef::not_valid tells the rules.
    bool not_enforced() {
        if (at_word("NOT") && at_word("ENFORCED", 1)) {
            m_pos += 2;
            return true;
        }
        accept_word("ENFORCED");
        return false;
    }

    void check_expression() {
        if (!at_punct("(")) {
            fail("'(' after CHECK");
        }
        skip_group();
    }

    void referential_action() {
        if (accept_any_word({"CASCADE", "RESTRICT"})) {
            return;
        }
        if (accept_word("SET")) {
            if (!accept_any_word({"NULL", "DEFAULT"})) {
                fail("NULL or DEFAULT");
            }
            return;
        }
        if (accept_word("NO")) {
            expect_word("ACTION");
            return;
        }
        fail("CASCADE, RESTRICT, SET NULL, SET DEFAULT or NO ACTION");
    }

    // After REFERENCES: the parent table, its columns and the foreign key's options.
    void references_clause() {
        qualified_name("a referenced table name");
        if (at_punct("(")) {
            key_parts();
        }
        while (true) {
            if (accept_word("MATCH")) {
                name("FULL, PARTIAL or SIMPLE");
            } else if (at_word("ON") && at_any_word({"DELETE", "UPDATE"}, 1)) {
                m_pos += 2;
                referential_action();
            } else if (at_word("DEFERRABLE") || (at_word("NOT") && at_word("DEFERRABLE", 1))) {
                m_pos += at_word("NOT") ? 2 : 1;
                if (accept_word("INITIALLY")) {
                    if (!accept_any_word({"DEFERRED", "IMMEDIATE"})) {
                        fail("DEFERRED or IMMEDIATE");
                    }
                }
            } else {
                return;
            }
        }
    }

    // A column definition. Its inline constraints are also appended to `constraints` when given,
    // as CREATE TABLE lists them with the table's own. FIRST and AFTER place a column that
    // ALTER TABLE adds or restates.
    ColumnDef column_definition(bool in_alter, std::vector<ConstraintDef>* constraints) {
        ColumnDef column;
        column.name = name("a column name");
        column.type = type_name();
        std::string constraint_name;
        auto add_constraint = [&](ConstraintKind kind, bool not_valid = false) {
            if (constraints != nullptr) {
                ConstraintDef constraint;
                constraint.kind = kind;
                constraint.name = std::move(constraint_name);
                constraint.columns = {column.name};
                constraint.not_valid = not_valid;
                constraints->push_back(std::move(constraint));
            }
            constraint_name.clear();
        };
        while (!at_end() && !at_punct(",") && !at_punct(")")) {
            if (accept_word("CONSTRAINT")) {
                if (at_name() && !at_any_word({"PRIMARY", "UNIQUE", "CHECK", "REFERENCES", "FOREIGN"})) {
                    constraint_name = name("a constraint name");
                }
            } else if (accept_word("NOT")) {
                if (accept_word("NULL")) {
                    column.not_null = true;
                    conflict_clause();
                } else if (!(mysql() && accept_word("SECONDARY"))) {
                    fail("NULL after NOT");
                }
            } else if (accept_word("NULL")) {
                conflict_clause();
            } else if (accept_word("DEFAULT")) {
                column.default_value = default_value();
            } else if (accept_any_word({"AUTO_INCREMENT", "AUTOINCREMENT"})) {
                column.identity = true;
            } else if (accept_word("PRIMARY") || (mysql() && at_word("KEY"))) {
                expect_word("KEY");
                column.primary_key = true;
                accept_any_word({"ASC", "DESC"});
                conflict_clause();
                if (accept_word("AUTOINCREMENT")) {
                    column.identity = true;
                }
                add_constraint(ConstraintKind::primary_key);
            } else if (accept_word("UNIQUE")) {
                if (mysql()) {
                    accept_any_word({"KEY", "INDEX"});
                }
                conflict_clause();
                column.unique = true;
                add_constraint(ConstraintKind::unique);
            } else if (accept_word("CHECK")) {
                check_expression();
                column.check = true;
                add_constraint(ConstraintKind::check, not_enforced());
            } else if (accept_word("REFERENCES")) {
                references_clause();
                column.references = true;
                add_constraint(ConstraintKind::foreign_key);
            } else if (accept_word("GENERATED")) {
                expect_word("ALWAYS");
                expect_word("AS");
                generated_column(column);
            } else if (accept_word("AS")) {
                generated_column(column);
            } else if (accept_word("ON")) {
                if (at_word("CONFLICT")) {
                    --m_pos;
                    conflict_clause();
                } else {
                    expect_word("UPDATE");
                    default_value();
                }
            } else if (accept_word("COMMENT")) {
                string_literal("a comment string");
            } else if (accept_word("COLLATE") || accept_word("CHARSET")) {
                name_or_string("a collation or character set name");
            } else if (accept_word("CHARACTER")) {
                expect_word("SET");
                name_or_string("a character set name");
            } else if (mysql() && accept_any_word({"BINARY", "ASCII", "UNICODE", "BYTE", "VISIBLE", "INVISIBLE"})) {
            } else if (mysql() && accept_any_word({"COLUMN_FORMAT", "STORAGE", "SRID"})) {
                option_value("a value");
            } else if (mysql() && accept_any_word({"ENGINE_ATTRIBUTE", "SECONDARY_ENGINE_ATTRIBUTE"})) {
                accept_punct("=");
                string_literal("an attribute string");
            } else if (mysql() && accept_word("REF_SYSTEM_ID")) {
                accept_punct("=");
                option_value("a number");
            } else if (mysql() && accept_word("COMPRESSED")) {
                if (accept_punct("=")) {
                    option_value("a compression method");
                }
            } else if (mysql() && accept_any_word({"WITH", "WITHOUT"})) {
                expect_word("SYSTEM");
                expect_word("VERSIONING");
            } else if (mysql() && accept_word("SERIAL")) {
                expect_word("DEFAULT");
                expect_word("VALUE");
                column.not_null = column.identity = column.unique = true;
            } else if (in_alter && mysql() && accept_word("FIRST")) {
            } else if (in_alter && mysql() && accept_word("AFTER")) {
                name("a column name");
            } else {
                fail(in_alter ? "a column option, ',' or end of statement" : "a column option, ',' or ')'");
            }
        }
        return column;
    }

    // After AS: the expression and whether it is stored (MariaDB says PERSISTENT).
    void generated_column(ColumnDef& column) {
        if (!at_punct("(")) {
            fail("'(' and the generating expression");
        }
        skip_group();
        if (accept_any_word({"STORED", "PERSISTENT"})) {
            column.generated_stored = true;
        } else {
            accept_word("VIRTUAL");
        }
    }

    // ---- keys, constraints and indexes

    // An index's or key's parenthesised parts: columns by name, expressions as written.
    std::vector<std::string> key_parts() {
        if (!at_punct("(")) {
            fail("'(' and a column list");
        }
        std::size_t close = m_match[m_pos];
        ++m_pos;
        std::vector<std::string> out;
        while (true) {
            std::size_t start = m_pos;
            while (m_pos < close && !at_punct(",")) {
                step();
            }
            if (m_pos == start) {
                fail("a column name");
            }
            out.push_back(key_part(start, m_pos));
            if (m_pos == close) {
                break;
            }
            ++m_pos;
        }
        m_pos = close + 1;
        return out;
    }

    std::string key_part(std::size_t start, std::size_t end) const {
        std::size_t stop = end;
        if (stop > start + 1 && is_any_word(m_tokens[stop - 1], {"ASC", "DESC"})) {
            --stop;
        }
        if (stop > start + 2 && m_tokens[stop - 2].is_word("COLLATE")) {
            stop -= 2;
        }
        const Token& first = m_tokens[start];
        bool named = first.kind == TokenKind::word || first.kind == TokenKind::quoted_identifier;
        // col(10): MySQL's prefix length, unlike a call such as lower(col).
        bool prefix =
            stop == start + 4 && is_punct(m_tokens[start + 1], "(") && m_tokens[start + 2].kind == TokenKind::number;
        if (named && (stop == start + 1 || prefix)) {
            return first.identifier();
        }
        return slice(start, stop);
    }

    void index_type() {
        if (accept_word("USING")) {
            name("BTREE, HASH or RTREE");
        }
    }

    // MySQL's index options after the key parts.
    void index_options() {
        while (true) {
            if (accept_word("USING")) {
                name("BTREE, HASH or RTREE");
            } else if (accept_any_word({"KEY_BLOCK_SIZE", "CLUSTERING"})) {
                accept_punct("=");
                option_value("a value");
            } else if (accept_word("COMMENT")) {
                string_literal("a comment string");
            } else if (accept_word("WITH")) {
                expect_word("PARSER");
                name("a parser name");
            } else if (accept_any_word({"VISIBLE", "INVISIBLE", "IGNORED"})) {
            } else if (at_word("NOT") && at_word("IGNORED", 1)) {
                m_pos += 2;
            } else if (accept_any_word({"ENGINE_ATTRIBUTE", "SECONDARY_ENGINE_ATTRIBUTE"})) {
                accept_punct("=");
                string_literal("an attribute string");
            } else {
                return;
            }
        }
    }

    // ALGORITHM=, LOCK= and WAIT on MySQL's CREATE INDEX and DROP INDEX.
    void online_options() {
        while (true) {
            if (accept_any_word({"ALGORITHM", "LOCK"})) {
                accept_punct("=");
                option_value("an algorithm or lock mode");
            } else if (at_any_word({"WAIT", "NOWAIT"})) {
                wait_option();
            } else {
                return;
            }
        }
    }

    bool at_table_constraint() const {
        return at_any_word({"CONSTRAINT", "UNIQUE", "CHECK"}) ||
               (at_any_word({"PRIMARY", "FOREIGN"}) && at_word("KEY", 1));
    }

    ConstraintDef table_constraint() {
        ConstraintDef constraint;
        if (accept_word("CONSTRAINT") && at_name() && !at_any_word({"PRIMARY", "UNIQUE", "FOREIGN", "CHECK"})) {
            constraint.name = name("a constraint name");
        }
        if (accept_word("PRIMARY")) {
            expect_word("KEY");
            constraint.kind = ConstraintKind::primary_key;
            index_type();
            constraint.columns = key_parts();
            index_options();
            conflict_clause();
        } else if (accept_word("UNIQUE")) {
            constraint.kind = ConstraintKind::unique;
            if (mysql()) {
                accept_any_word({"INDEX", "KEY"});
                if_not_exists();
                // MySQL names the index after the index name where both are given.
                if (at_name() && !at_word("USING")) {
                    constraint.name = name("an index name");
                }
                index_type();
            }
            constraint.columns = key_parts();
            index_options();
            conflict_clause();
        } else if (accept_word("FOREIGN")) {
            expect_word("KEY");
            constraint.kind = ConstraintKind::foreign_key;
            if_not_exists();
            if (at_name()) {
                std::string index_name = name("an index name");
                if (constraint.name.empty()) {
                    constraint.name = std::move(index_name);
                }
            }
            constraint.columns = key_parts();
            expect_word("REFERENCES");
            references_clause();
        } else if (accept_word("CHECK")) {
            constraint.kind = ConstraintKind::check;
            check_expression();
            constraint.not_valid = not_enforced();
        } else {
            fail("PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK");
        }
        return constraint;
    }

    bool at_index() const { return mysql() && at_any_word({"INDEX", "KEY", "FULLTEXT", "SPATIAL"}); }

    // MySQL's INDEX|KEY|FULLTEXT|SPATIAL [name] (parts) inside CREATE TABLE or ALTER TABLE ADD.
    IndexDef index_definition() {
        IndexDef index;
        if (accept_any_word({"FULLTEXT", "SPATIAL"})) {
            accept_any_word({"INDEX", "KEY"});
        } else {
            ++m_pos;
        }
        index.if_not_exists = if_not_exists();
        if (at_name() && !at_word("USING")) {
            index.name = name("an index name");
        }
        index_type();
        index.columns = key_parts();
        index_options();
        return index;
    }

    TableElement table_element(bool in_alter) {
        TableElement element;
        if (at_table_constraint()) {
            element.constraints.push_back(table_constraint());
        } else if (at_index()) {
            element.index = index_definition();
        } else if (mysql() && at_word("PERIOD") && at_word("FOR", 1)) {
            m_pos += 2;
            name("a period name");
            key_parts();
        } else {
            element.column = column_definition(in_alter, &element.constraints);
        }
        return element;
    }

    // ---- ALTER TABLE

    std::vector<Change> alter() {
        ++m_pos;
        if (mysql()) {
            accept_word("ONLINE");
            accept_word("IGNORE");
        }
        if (!accept_word("TABLE")) {
            if (mysql() && at_kind(TokenKind::word)) {
                return {make_change(ChangeKind::other)};  // ALTER DATABASE, VIEW, USER, EVENT, ...
            }
            fail(mysql() ? "TABLE or another object kind after ALTER" : "TABLE after ALTER");
        }
        if (mysql()) {
            if_exists();
        }
        std::string table = qualified_name("a table name");
        std::vector<Change> changes;
        if (mysql()) {
            wait_option();
            if (at_end()) {
                changes.push_back(make_change(ChangeKind::alter_table_other, table));
                return changes;
            }
            while (true) {
                mysql_alter_clause(table, changes);
                if (at_end()) {
                    break;
                }
                if (!accept_punct(",")) {
                    fail("',' or end of statement");
                }
            }
        } else {
            sqlite_alter_clause(table, changes);
            expect_end();
        }
        return changes;
    }

    // An ALTER TABLE clause no rule inspects, up to the next top-level ','.
    void other_clause(const std::string& table, std::size_t start, std::vector<Change>& changes) {
        while (!at_end() && !at_punct(",")) {
            step();
        }
        Change change = make_change(ChangeKind::alter_table_other, table);
        change.detail = slice(start, m_pos);
        changes.push_back(std::move(change));
    }

    void mysql_alter_clause(const std::string& table, std::vector<Change>& changes) {
        std::size_t start = m_pos;
        if (accept_word("ADD")) {
            alter_add(table, start, changes);
        } else if (accept_word("DROP")) {
            alter_drop(table, start, changes);
        } else if (accept_word("CHANGE")) {
            accept_word("COLUMN");
            bool exists = if_exists();
            std::string old_name = name("a column name");
            ColumnDef column = column_definition(true, nullptr);
            // Column names are case-insensitive on MySQL: CHANGE a A renames nothing apps see.
            if (!iequals(old_name, column.name)) {
                Change rename = make_change(ChangeKind::rename_column, table, old_name);
                rename.new_name = column.name;
                rename.if_exists = exists;
                changes.push_back(std::move(rename));
            }
            changes.push_back(restated_column(table, std::move(column)));
        } else if (accept_word("MODIFY")) {
            accept_word("COLUMN");
            if_exists();
            changes.push_back(restated_column(table, column_definition(true, nullptr)));
        } else if (accept_word("ALTER")) {
            alter_column(table, start, changes);
        } else if (accept_word("RENAME")) {
            if (accept_word("COLUMN")) {
                changes.push_back(rename_column(table));
            } else if (accept_any_word({"INDEX", "KEY"})) {
                Change change = make_change(ChangeKind::alter_table_other, table, name("an index name"));
                expect_word("TO");
                change.new_name = name("an index name");
                change.detail = slice(start, m_pos);
                changes.push_back(std::move(change));
            } else {
                if (!accept_word("TO")) {
                    accept_word("AS");
                }
                Change change = make_change(ChangeKind::rename_table, table);
                change.new_name = qualified_name("a table name");
                changes.push_back(std::move(change));
            }
        } else if (accept_word("CONVERT")) {
            expect_word("TO");
            if (accept_word("CHARACTER")) {
                expect_word("SET");
            } else if (!accept_word("CHARSET")) {
                fail("CHARACTER SET or CHARSET");
            }
            Change change = make_change(ChangeKind::convert_charset, table);
            change.detail = lower(name_or_string("a character set name"));
            if (accept_word("COLLATE")) {
                name_or_string("a collation name");
            }
            changes.push_back(std::move(change));
        } else if (at_kind(TokenKind::word)) {
            other_clause(table, start, changes);
        } else {
            fail("an ALTER TABLE clause");
        }
    }

    static Change restated_column(const std::string& table, ColumnDef column) {
        Change change = make_change(ChangeKind::alter_column_type, table, column.name);
        change.column = std::move(column);
        change.restated = true;
        return change;
    }

    // After RENAME [COLUMN]: a TO b.
    Change rename_column(const std::string& table) {
        Change change = make_change(ChangeKind::rename_column, table, name("a column name"));
        expect_word("TO");
        change.new_name = name("a new column name");
        return change;
    }

    void add_element(const std::string& table, TableElement element, std::vector<Change>& changes) {
        if (element.column) {
            Change change = make_change(ChangeKind::add_column, table, element.column->name);
            change.column = std::move(element.column);
            changes.push_back(std::move(change));
        } else if (element.index) {
            element.index->table = table;
            Change change = make_change(ChangeKind::create_index, table, element.index->name);
            change.index = std::move(element.index);
            changes.push_back(std::move(change));
        } else if (!element.constraints.empty()) {
            Change change = make_change(ChangeKind::add_constraint, table, element.constraints.front().name);
            change.constraint = std::move(element.constraints.front());
            changes.push_back(std::move(change));
        }
    }

    void alter_add(const std::string& table, std::size_t start, std::vector<Change>& changes) {
        if (at_any_word({"PARTITION", "PERIOD", "SYSTEM"})) {
            other_clause(table, start, changes);
            return;
        }
        bool column_keyword = accept_word("COLUMN");
        if_not_exists();
        if (accept_punct("(")) {
            while (true) {
                add_element(table, table_element(true), changes);
                if (accept_punct(",")) {
                    continue;
                }
                if (!accept_punct(")")) {
                    fail("',' or ')'");
                }
                return;
            }
        }
        if (column_keyword) {
            TableElement element;
            element.column = column_definition(true, nullptr);
            add_element(table, std::move(element), changes);
        } else {
            add_element(table, table_element(true), changes);
        }
    }

    void alter_drop(const std::string& table, std::size_t start, std::vector<Change>& changes) {
        if (at_any_word({"PARTITION", "PERIOD", "SYSTEM"})) {
            other_clause(table, start, changes);
            return;
        }
        Change change = make_change(ChangeKind::drop_column, table);
        if (accept_any_word({"INDEX", "KEY"})) {
            change.kind = ChangeKind::drop_index;
            change.if_exists = if_exists();
            change.name = name("an index name");
        } else if (accept_word("PRIMARY")) {
            expect_word("KEY");
            change.kind = ChangeKind::drop_constraint;
            change.name = "PRIMARY";
            change.detail = to_string(ConstraintKind::primary_key);
        } else if (accept_word("FOREIGN")) {
            expect_word("KEY");
            change.kind = ChangeKind::drop_constraint;
            change.if_exists = if_exists();
            change.name = name("a foreign key name");
            change.detail = to_string(ConstraintKind::foreign_key);
        } else if (accept_any_word({"CONSTRAINT", "CHECK"})) {
            change.kind = ChangeKind::drop_constraint;
            if (m_tokens[m_pos - 1].is_word("CHECK")) {
                change.detail = to_string(ConstraintKind::check);
            }
            change.if_exists = if_exists();
            change.name = name("a constraint name");
        } else {
            accept_word("COLUMN");
            change.if_exists = if_exists();
            change.name = name("a column name");
            accept_any_word({"RESTRICT", "CASCADE"});
        }
        changes.push_back(std::move(change));
    }

    // MySQL's ALTER [COLUMN] c SET DEFAULT / DROP DEFAULT (and ALTER INDEX, CHECK, ...).
    void alter_column(const std::string& table, std::size_t start, std::vector<Change>& changes) {
        if (at_any_word({"INDEX", "KEY", "CHECK", "CONSTRAINT"})) {
            other_clause(table, start, changes);
            return;
        }
        accept_word("COLUMN");
        std::string column = name("a column name");
        if (accept_word("SET")) {
            if (accept_word("DEFAULT")) {
                Change change = make_change(ChangeKind::set_default, table, column);
                ColumnDef def;
                def.name = column;
                def.default_value = default_value();
                change.column = std::move(def);
                changes.push_back(std::move(change));
                return;
            }
            if (!accept_any_word({"VISIBLE", "INVISIBLE"})) {
                fail("DEFAULT, VISIBLE or INVISIBLE");
            }
            Change change = make_change(ChangeKind::alter_table_other, table, column);
            change.detail = slice(start, m_pos);
            changes.push_back(std::move(change));
            return;
        }
        if (accept_word("DROP")) {
            expect_word("DEFAULT");
            changes.push_back(make_change(ChangeKind::drop_default, table, column));
            return;
        }
        fail("SET DEFAULT or DROP DEFAULT");
    }

    // SQLite's ALTER TABLE takes one clause of four.
    void sqlite_alter_clause(const std::string& table, std::vector<Change>& changes) {
        if (accept_word("ADD")) {
            accept_word("COLUMN");
            TableElement element;
            element.column = column_definition(false, nullptr);
            add_element(table, std::move(element), changes);
        } else if (accept_word("DROP")) {
            accept_word("COLUMN");
            changes.push_back(make_change(ChangeKind::drop_column, table, name("a column name")));
        } else if (accept_word("RENAME")) {
            if (accept_word("TO")) {
                Change change = make_change(ChangeKind::rename_table, table);
                change.new_name = name("a new table name");
                changes.push_back(std::move(change));
            } else {
                accept_word("COLUMN");
                changes.push_back(rename_column(table));
            }
        } else {
            fail("RENAME, ADD or DROP");
        }
    }

    // ---- CREATE

    std::vector<Change> create() {
        ++m_pos;
        if (accept_word("OR")) {
            expect_word("REPLACE");
        }
        bool temporary = false;
        while (true) {
            if (accept_any_word({"TEMPORARY", "TEMP"})) {
                temporary = true;
            } else if (mysql() && accept_word("DEFINER")) {
                expect_punct("=");
                user_name();
            } else if (mysql() && at_word("SQL") && at_word("SECURITY", 1)) {
                m_pos += 2;
                name("DEFINER or INVOKER");
            } else if (mysql() && accept_word("ALGORITHM")) {
                expect_punct("=");
                name("UNDEFINED, MERGE or TEMPTABLE");
            } else if (!(mysql() && accept_any_word({"AGGREGATE", "ONLINE", "OFFLINE"}))) {
                break;
            }
        }
        if (accept_word("UNIQUE")) {
            if (!at_word("INDEX")) {
                fail("INDEX after UNIQUE");
            }
            ++m_pos;
            return {create_index(true)};
        }
        if (mysql() && at_any_word({"FULLTEXT", "SPATIAL"}) && at_word("INDEX", 1)) {
            m_pos += 2;
            return {create_index(false)};
        }
        if (accept_word("TABLE")) {
            return {create_table(temporary)};
        }
        if (accept_word("INDEX")) {
            return {create_index(false)};
        }
        if (accept_word("VIEW")) {
            Change change = created("view", "a view name");
            if (at_punct("(")) {
                skip_group();
            }
            expect_word("AS");
            if (at_end()) {
                fail("a query");
            }
            skip_to_end();
            return {change};
        }
        if (accept_word("TRIGGER")) {
            return {create_trigger()};
        }
        if (!mysql()) {
            if (accept_word("VIRTUAL")) {
                expect_word("TABLE");
                Change change = created("virtual table", "a table name");
                expect_word("USING");
                name("a module name");
                if (at_punct("(")) {
                    skip_group();
                }
                expect_end();
                return {change};
            }
            fail("TABLE, INDEX, VIEW, TRIGGER or VIRTUAL TABLE after CREATE");
        }
        if (accept_any_word({"DATABASE", "SCHEMA"})) {
            if_not_exists();
            Change change = make_change(ChangeKind::create_schema, {}, name("a database name"));
            skip_to_end();
            return {change};
        }
        if (at_any_word({"PROCEDURE", "FUNCTION", "EVENT", "SEQUENCE", "SERVER", "TABLESPACE", "PACKAGE"})) {
            std::string kind = lower(m_tokens[m_pos++].text);
            if (kind == "package" && accept_word("BODY")) {
                kind = "package body";
            }
            Change change = created(kind, fmt::format("a {} name", kind));
            if (at_end()) {
                fail(fmt::format("the rest of the {} definition", kind));
            }
            skip_to_end();
            return {change};
        }
        if (at_any_word({"USER", "ROLE"})) {
            std::string kind = lower(m_tokens[m_pos++].text);
            if_not_exists();
            Change change = make_change(ChangeKind::create_other, {}, user_name());
            change.detail = std::move(kind);
            skip_to_end();
            return {change};
        }
        if (at_any_word({"LOGFILE", "RESOURCE"}) && at_word("GROUP", 1)) {
            std::string kind = lower(m_tokens[m_pos].text) + " group";
            m_pos += 2;
            Change change = created(kind, "a group name");
            skip_to_end();
            return {change};
        }
        if (at_word("SPATIAL") && at_word("REFERENCE", 1) && at_word("SYSTEM", 2)) {
            skip_to_end();
            return {make_change(ChangeKind::other)};
        }
        fail("TABLE, INDEX, VIEW, TRIGGER, PROCEDURE, FUNCTION, EVENT or DATABASE after CREATE");
    }

    // create_other for `kind`: [IF NOT EXISTS] and the object's name.
    Change created(std::string kind, std::string_view what) {
        if_not_exists();
        Change change = make_change(ChangeKind::create_other, {}, qualified_name(what));
        change.detail = std::move(kind);
        return change;
    }

    Change create_table(bool temporary) {
        if_not_exists();
        Change change = make_change(ChangeKind::create_table, qualified_name("a table name"));
        if (temporary) {
            change.detail = "temporary";
        }
        if (accept_word("LIKE")) {
            qualified_name("a table name");
            expect_end();
            return change;
        }
        if (at_punct("(") && at_word("LIKE", 1)) {
            m_pos += 2;
            qualified_name("a table name");
            expect_punct(")");
            expect_end();
            return change;
        }
        if (at_punct("(") && at_any_word({"SELECT", "WITH"}, 1)) {
            skip_to_end();
            return change;
        }
        if (accept_punct("(")) {
            while (true) {
                TableElement element = table_element(false);
                if (element.column) {
                    change.columns.push_back(std::move(*element.column));
                }
                for (ConstraintDef& constraint : element.constraints) {
                    change.constraints.push_back(std::move(constraint));
                }
                if (accept_punct(",")) {
                    continue;
                }
                if (!accept_punct(")")) {
                    fail("',' or ')'");
                }
                break;
            }
            skip_to_end();  // table options, or the query filling the table
            return change;
        }
        if (at_any_word({"AS", "SELECT"}) || (mysql() && at_any_word({"IGNORE", "REPLACE"}))) {
            skip_to_end();
            return change;
        }
        fail("'(', LIKE or AS after the table name");
    }

    Change create_index(bool unique) {
        IndexDef index;
        index.unique = unique;
        index.if_not_exists = if_not_exists();
        if (at_word("ON")) {
            fail("an index name");
        }
        index.name = qualified_name("an index name");
        if (mysql()) {
            index_type();
        }
        expect_word("ON");
        index.table = qualified_name("a table name");
        if (mysql()) {
            index_type();
        }
        index.columns = key_parts();
        if (mysql()) {
            index_options();
            online_options();
        } else if (accept_word("WHERE")) {
            if (at_end()) {
                fail("a condition after WHERE");
            }
            skip_to_end();
        }
        expect_end();
        Change change = make_change(ChangeKind::create_index, index.table, index.name);
        change.index = std::move(index);
        return change;
    }

    Change create_trigger() {
        Change change = created("trigger", "a trigger name");
        if (!accept_any_word({"BEFORE", "AFTER"})) {
            if (mysql()) {
                fail("BEFORE or AFTER");
            }
            if (accept_word("INSTEAD")) {
                expect_word("OF");
            }
        }
        if (accept_word("UPDATE")) {
            if (!mysql() && accept_word("OF")) {
                do {
                    name("a column name");
                } while (accept_punct(","));
            }
        } else if (!accept_any_word({"INSERT", "DELETE"})) {
            fail("INSERT, UPDATE or DELETE");
        }
        expect_word("ON");
        change.table = qualified_name("a table name");
        if (mysql()) {
            expect_word("FOR");
            expect_word("EACH");
            expect_word("ROW");
            if (accept_any_word({"FOLLOWS", "PRECEDES"})) {
                name("a trigger name");
            }
            if (at_end()) {
                fail("the trigger's statement");
            }
            bool block = at_word("BEGIN") || (at_punct(":", 1) && at_word("BEGIN", 2));
            if (block) {
                expect_block_end();
            }
        } else {
            if (accept_word("FOR")) {
                expect_word("EACH");
                expect_word("ROW");
            }
            if (accept_word("WHEN")) {
                while (!at_end() && !at_word("BEGIN")) {
                    step();
                }
            }
            expect_word("BEGIN");
            expect_block_end();
        }
        skip_to_end();
        return change;
    }

    // A BEGIN ... END body (MySQL may label it: END label) must close: the splitter runs an
    // unclosed one on to the end of the script.
    void expect_block_end() {
        std::size_t count = m_tokens.size();
        bool closed = m_tokens[count - 1].is_word("END") || (count >= 2 && m_tokens[count - 2].is_word("END") &&
                                                             m_tokens[count - 1].kind != TokenKind::punct);
        if (!closed) {
            skip_to_end();
            fail("END closing the trigger's BEGIN");
        }
    }

    // ---- DROP, RENAME, TRUNCATE

    std::vector<Change> drop() {
        ++m_pos;
        bool temporary = mysql() && accept_word("TEMPORARY");
        std::vector<Change> changes;
        if (accept_word("TABLE") || (mysql() && accept_word("TABLES"))) {
            bool exists = if_exists();
            do {
                Change change = make_change(ChangeKind::drop_table, qualified_name("a table name"));
                change.if_exists = exists;
                if (temporary) {
                    change.detail = "temporary";
                }
                changes.push_back(std::move(change));
            } while (accept_punct(","));
            if (mysql()) {
                wait_option();
                accept_any_word({"RESTRICT", "CASCADE"});
            }
            expect_end();
            return changes;
        }
        if (temporary) {
            fail("TABLE after DROP TEMPORARY");
        }
        if (accept_word("INDEX")) {
            Change change = make_change(ChangeKind::drop_index);
            change.if_exists = if_exists();
            change.name = qualified_name("an index name");
            if (mysql()) {
                expect_word("ON");
                change.table = qualified_name("a table name");
                online_options();
            }
            expect_end();
            return {change};
        }
        if (mysql() && accept_any_word({"DATABASE", "SCHEMA"})) {
            Change change = make_change(ChangeKind::drop_database);
            change.if_exists = if_exists();
            change.name = name("a database name");
            expect_end();
            return {change};
        }
        bool listed = at_any_word({"VIEW", "TRIGGER"}) ||
                      (mysql() && at_any_word({"PROCEDURE", "FUNCTION", "EVENT", "SEQUENCE", "USER", "ROLE"}));
        if (listed) {
            std::string kind = lower(m_tokens[m_pos++].text);
            bool users = kind == "user" || kind == "role";
            bool exists = if_exists();
            do {
                Change change = make_change(ChangeKind::drop_other, {},
                                            users ? user_name() : qualified_name(fmt::format("a {} name", kind)));
                change.detail = kind;
                change.if_exists = exists;
                changes.push_back(std::move(change));
            } while (accept_punct(","));
            if (mysql()) {
                accept_any_word({"RESTRICT", "CASCADE"});
            }
            expect_end();
            return changes;
        }
        if (mysql() && accept_word("PREPARE")) {
            return {make_change(ChangeKind::other)};
        }
        if (mysql() && at_any_word({"SERVER", "TABLESPACE", "PACKAGE", "LOGFILE", "RESOURCE", "SPATIAL", "UNDO"})) {
            std::size_t start = m_pos;
            while (at_any_word({"SERVER", "TABLESPACE", "PACKAGE", "BODY", "LOGFILE", "RESOURCE", "GROUP", "SPATIAL",
                                "REFERENCE", "SYSTEM", "UNDO"})) {
                ++m_pos;
            }
            Change change = make_change(ChangeKind::drop_other);
            change.detail = lower(slice(start, m_pos));
            change.if_exists = if_exists();
            if (at_name()) {
                change.name = name("a name");
            }
            skip_to_end();
            return {change};
        }
        fail(mysql() ? "TABLE, INDEX, VIEW, TRIGGER, PROCEDURE, FUNCTION, EVENT or DATABASE after DROP"
                     : "TABLE, INDEX, VIEW or TRIGGER after DROP");
    }

    // MySQL's RENAME TABLE a TO b, c TO d.
    std::vector<Change> rename() {
        ++m_pos;
        if (accept_word("USER")) {
            skip_to_end();
            return {make_change(ChangeKind::other)};
        }
        if (!accept_any_word({"TABLE", "TABLES"})) {
            fail("TABLE after RENAME");
        }
        std::vector<Change> changes;
        do {
            Change change = make_change(ChangeKind::rename_table, qualified_name("a table name"));
            wait_option();
            expect_word("TO");
            change.new_name = qualified_name("a new table name");
            changes.push_back(std::move(change));
        } while (accept_punct(","));
        expect_end();
        return changes;
    }

    Change truncate() {
        ++m_pos;
        accept_word("TABLE");
        Change change = make_change(ChangeKind::truncate, qualified_name("a table name"));
        if (mysql()) {
            wait_option();
        }
        expect_end();
        return change;
    }

    // ---- data, queries and the rest

    Change with() {
        ++m_pos;
        accept_word("RECURSIVE");
        do {
            name("a common table expression name");
            if (at_punct("(")) {
                skip_group();
            }
            expect_word("AS");
            if (at_word("NOT") && at_word("MATERIALIZED", 1)) {
                m_pos += 2;
            } else {
                accept_word("MATERIALIZED");
            }
            if (!at_punct("(")) {
                fail("'(' and the common table expression's query");
            }
            skip_group();
        } while (accept_punct(","));
        if (!at_any_word({"SELECT", "VALUES", "TABLE", "UPDATE", "DELETE", "INSERT", "REPLACE"}) && !at_punct("(")) {
            fail("SELECT, INSERT, UPDATE or DELETE after WITH");
        }
        return data_statement();
    }

    Change data_statement() {
        if (at_word("UPDATE")) {
            return update();
        }
        if (at_word("DELETE")) {
            return delete_rows();
        }
        if (at_any_word({"INSERT", "REPLACE"})) {
            return insert();
        }
        skip_to_end();  // SELECT, VALUES, TABLE t, (SELECT ...)
        return make_change(ChangeKind::select);
    }

    Change update() {
        ++m_pos;
        if (mysql()) {
            while (accept_any_word({"LOW_PRIORITY", "IGNORE"})) {
            }
        } else if (accept_word("OR")) {
            name("a conflict resolution");
        }
        Change change = make_change(ChangeKind::update, qualified_name("a table name"));
        while (!at_end() && !at_word("SET")) {
            step();
        }
        expect_word("SET");
        if (at_end()) {
            fail("an assignment after SET");
        }
        change.has_where = word_ahead("WHERE");
        skip_to_end();
        return change;
    }

    Change delete_rows() {
        ++m_pos;
        if (mysql()) {
            while (accept_any_word({"LOW_PRIORITY", "QUICK", "IGNORE"})) {
            }
        }
        Change change = make_change(ChangeKind::delete_rows);
        if (accept_word("FROM")) {
            change.table = qualified_name("a table name");
        } else if (mysql()) {
            std::string target = qualified_name("a table name");
            while (!at_end() && !at_word("FROM")) {
                step();
            }
            expect_word("FROM");
            change.table = aliased_table(target);
        } else {
            fail("FROM after DELETE");
        }
        change.has_where = word_ahead("WHERE");
        skip_to_end();
        return change;
    }

    // MySQL's DELETE a FROM users a JOIN ...: the rows go from the table the alias stands for,
    // found as "name [AS] alias" in the table references before any WHERE.
    std::string aliased_table(const std::string& target) const {
        auto is_name = [&](std::size_t i) {
            const Token& token = m_tokens[i];
            return (token.kind == TokenKind::word || token.kind == TokenKind::quoted_identifier) &&
                   !is_any_word(token, {"FROM", "JOIN", "ON", "USING", "AS", "STRAIGHT_JOIN", "INNER", "CROSS", "LEFT",
                                        "RIGHT", "OUTER", "NATURAL", "AND", "OR", "NOT"});
        };
        for (std::size_t i = m_pos; i < m_tokens.size() && !m_tokens[i].is_word("WHERE"); ++i) {
            if (is_punct(m_tokens[i], "(")) {
                i = m_match[i];
                continue;
            }
            bool qualifies = i + 1 < m_tokens.size() && is_punct(m_tokens[i + 1], ".");
            if (!is_name(i) || qualifies || m_tokens[i].identifier() != target) {
                continue;
            }
            std::size_t end = i;
            if (end > m_pos && m_tokens[end - 1].is_word("AS")) {
                --end;
            }
            if (end <= m_pos || !is_name(end - 1)) {
                continue;
            }
            std::size_t start = end - 1;
            while (start >= m_pos + 2 && is_punct(m_tokens[start - 1], ".") && is_name(start - 2)) {
                start -= 2;
            }
            std::string table;
            for (std::size_t k = start; k < end; k += 2) {
                table += (table.empty() ? "" : ".") + m_tokens[k].identifier();
            }
            return table;
        }
        return target;
    }

    Change insert() {
        bool replace = at_word("REPLACE");
        ++m_pos;
        if (mysql()) {
            while (accept_any_word({"LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE"})) {
            }
            accept_word("INTO");
        } else {
            if (!replace && accept_word("OR")) {
                name("a conflict resolution");
            }
            expect_word("INTO");
        }
        Change change = make_change(ChangeKind::insert, qualified_name("a table name"));
        if (at_end()) {
            fail("VALUES, SELECT, SET or a column list");
        }
        skip_to_end();
        return change;
    }

    // MySQL's LOAD DATA ... INTO TABLE t inserts rows.
    Change load_data() {
        while (!at_end() && !(at_word("INTO") && at_word("TABLE", 1))) {
            step();
        }
        if (at_end()) {
            return make_change(ChangeKind::other);  // LOAD INDEX INTO CACHE, LOAD XML without a table
        }
        m_pos += 2;
        Change change = make_change(ChangeKind::insert, qualified_name("a table name"));
        skip_to_end();
        return change;
    }

    Change transaction() {
        const Token& verb = m_tokens[m_pos++];
        if (verb.is_word("BEGIN")) {
            if (mysql()) {
                if (at_word("NOT") && at_word("ATOMIC", 1)) {
                    skip_to_end();
                    return make_change(ChangeKind::other);  // MariaDB's compound statement
                }
                accept_word("WORK");
            } else {
                accept_any_word({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"});
                if (accept_word("TRANSACTION") && at_name()) {
                    name("a transaction name");
                }
            }
            expect_end();
            return make_change(ChangeKind::transaction_begin);
        }
        if (verb.is_word("START")) {
            bool begins = accept_word("TRANSACTION");
            skip_to_end();  // READ ONLY, WITH CONSISTENT SNAPSHOT; or START SLAVE and the like
            return make_change(begins ? ChangeKind::transaction_begin : ChangeKind::other);
        }
        if (verb.is_word("ROLLBACK")) {
            accept_any_word({"WORK", "TRANSACTION"});
            bool to_savepoint = at_word("TO");
            skip_to_end();
            return make_change(to_savepoint ? ChangeKind::other : ChangeKind::transaction_rollback);
        }
        skip_to_end();  // COMMIT [WORK] [AND [NO] CHAIN], END [TRANSACTION]
        return make_change(ChangeKind::transaction_commit);
    }

    Change reindex() {
        ++m_pos;
        Change change = make_change(ChangeKind::reindex);
        if (!at_end()) {
            change.name = qualified_name("an index, table or collation name");
        }
        expect_end();
        return change;
    }

    // SQLite's VACUUM [schema] [INTO file]: the whole database, or the attached one named.
    Change vacuum() {
        ++m_pos;
        Change change = make_change(ChangeKind::vacuum);
        if (at_name() && !at_word("INTO")) {
            change.name = name("a schema name");
        }
        if (accept_word("INTO")) {
            if (at_end()) {
                fail("a file name after INTO");
            }
            skip_to_end();
        }
        expect_end();
        return change;
    }

    const std::vector<Token>& m_tokens;
    TokenFlavor m_flavor;
    std::size_t m_pos = 0;
    std::vector<std::size_t> m_match;  // for each '(', the index of its ')'
};

ParsedStatement parse_statement(const Statement& statement, TokenFlavor flavor) {
    ParsedStatement out;
    out.text = std::string(statement.text);
    out.offset = statement.tokens.front().offset;
    out.line = statement.line;
    out.column = statement.column;
    try {
        out.changes = StatementParser(statement.tokens, flavor).parse();
    } catch (const ParseFailure& failure) {
        out.syntax_error = ParsedStatement::SyntaxError{failure.message, failure.line, failure.column};
    }
    return out;
}

class TokenLintParser final : public SqlParser {
  public:
    explicit TokenLintParser(TokenFlavor flavor) : m_flavor(flavor) {}

    std::vector<ParsedStatement> parse(std::string_view sql) const override {
        SplitResult split =
            split_statements(sql, m_flavor == TokenFlavor::mysql ? LexFlavor::mysql : LexFlavor::standard);
        std::vector<Statement>& statements = split.statements;
        // An unterminated literal or comment runs to the end of the input, taking the statement
        // it sits in (the last one, unless a ';' closed that) with it.
        bool last_unfinished = split.error && !statements.empty() && !statements.back().terminated;
        std::size_t complete = statements.size() - (last_unfinished ? 1 : 0);
        std::vector<ParsedStatement> out;
        out.reserve(statements.size() + 1);
        for (std::size_t i = 0; i < complete; ++i) {
            out.push_back(parse_statement(statements[i], m_flavor));
        }
        if (split.error) {
            const LexError& error = *split.error;
            ParsedStatement unfinished;
            if (last_unfinished) {
                unfinished.offset = statements.back().tokens.front().offset;
                unfinished.line = statements.back().line;
                unfinished.column = statements.back().column;
            } else {
                unfinished.offset = error.offset;
                unfinished.line = error.line;
                unfinished.column = error.column;
            }
            std::string_view text = sql.substr(unfinished.offset);
            while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
                text.remove_suffix(1);
            }
            unfinished.text = std::string(text);
            unfinished.syntax_error = ParsedStatement::SyntaxError{error.message, error.line, error.column};
            out.push_back(std::move(unfinished));
        }
        return out;
    }

  private:
    TokenFlavor m_flavor;
};

}  // namespace

std::unique_ptr<SqlParser> make_token_lint_parser(TokenFlavor flavor) {
    return std::make_unique<TokenLintParser>(flavor);
}

}  // namespace migrate::lint

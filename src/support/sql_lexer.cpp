#include "support/sql_lexer.hpp"

#include <cctype>

#include <fmt/format.h>

namespace migrate {

namespace {

bool word_start(char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalpha(u) || c == '_' || u >= 0x80;
}

bool word_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || c == '$' || u >= 0x80;
}

bool digit(char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

class Lexer {
  public:
    Lexer(std::string_view sql, LexFlavor flavor) : m_sql(sql), m_mysql(flavor == LexFlavor::mysql) {}

    LexResult run() {
        LexResult result;
        if (m_sql.starts_with("\xEF\xBB\xBF")) {
            m_pos = 3;
        }
        while (true) {
            skip_space_and_comments();
            if (m_error) {
                break;
            }
            if (m_pos >= m_sql.size()) {
                break;
            }
            std::size_t start = m_pos;
            int line = m_line;
            int column = m_column;
            TokenKind kind = scan_token();
            if (m_error) {
                break;
            }
            result.tokens.push_back(Token{kind, m_sql.substr(start, m_pos - start), start, line, column});
        }
        result.error = m_error;
        return result;
    }

  private:
    char peek(std::size_t ahead = 0) const { return m_pos + ahead < m_sql.size() ? m_sql[m_pos + ahead] : '\0'; }

    void advance(std::size_t n = 1) {
        for (std::size_t i = 0; i < n && m_pos < m_sql.size(); ++i) {
            if (m_sql[m_pos] == '\n') {
                ++m_line;
                m_column = 1;
            } else {
                ++m_column;
            }
            ++m_pos;
        }
    }

    void fail(std::string message, int line, int column, std::size_t offset) {
        m_error = LexError{std::move(message), line, column, offset};
    }

    bool comment_start() const {
        char c = peek();
        if (c == '-' && peek(1) == '-') {
            char after = peek(2);
            return !m_mysql || m_pos + 2 >= m_sql.size() || static_cast<unsigned char>(after) <= ' ';
        }
        return m_mysql && c == '#';
    }

    void skip_space_and_comments() {
        while (m_pos < m_sql.size()) {
            char c = peek();
            if (std::isspace(static_cast<unsigned char>(c))) {
                advance();
            } else if (comment_start()) {
                while (m_pos < m_sql.size() && peek() != '\n') {
                    advance();
                }
            } else if (c == '/' && peek(1) == '*') {
                int line = m_line;
                int column = m_column;
                std::size_t offset = m_pos;
                advance(2);
                while (m_pos < m_sql.size() && !(peek() == '*' && peek(1) == '/')) {
                    advance();
                }
                if (m_pos >= m_sql.size()) {
                    fail("unterminated /* comment", line, column, offset);
                    return;
                }
                advance(2);
            } else {
                return;
            }
        }
    }

    // Scans a quoted run closed by `close`, where a doubled `close` stands for itself.
    void scan_quoted(char close, bool backslash_escapes, std::string_view what) {
        int line = m_line;
        int column = m_column;
        std::size_t offset = m_pos;
        advance();  // opening quote
        while (m_pos < m_sql.size()) {
            char c = peek();
            if (backslash_escapes && c == '\\') {
                advance(2);
                continue;
            }
            if (c == close) {
                if (peek(1) == close && close != ']') {
                    advance(2);
                    continue;
                }
                advance();
                return;
            }
            advance();
        }
        fail(fmt::format("unterminated {}", what), line, column, offset);
    }

    // "$tag$" at m_pos, or nullopt when this '$' does not open a dollar quote.
    std::optional<std::string_view> dollar_tag() const {
        std::size_t end = m_pos + 1;
        if (end < m_sql.size() && digit(m_sql[end])) {
            return std::nullopt;  // $1 is a parameter
        }
        while (end < m_sql.size() && word_char(m_sql[end]) && m_sql[end] != '$') {
            ++end;
        }
        if (end < m_sql.size() && m_sql[end] == '$') {
            return m_sql.substr(m_pos, end - m_pos + 1);
        }
        return std::nullopt;
    }

    TokenKind scan_token() {
        char c = peek();
        if ((c == 'E' || c == 'e' || c == 'N' || c == 'n' || c == 'X' || c == 'x' || c == 'B' || c == 'b') &&
            peek(1) == '\'') {
            bool escapes = c == 'E' || c == 'e';
            advance();
            scan_quoted('\'', escapes, "string literal");
            return TokenKind::string;
        }
        if (word_start(c)) {
            while (m_pos < m_sql.size() && word_char(peek())) {
                advance();
            }
            return TokenKind::word;
        }
        if (c == '0' && (peek(1) == 'x' || peek(1) == 'X') && std::isxdigit(static_cast<unsigned char>(peek(2)))) {
            advance(2);
            while (std::isxdigit(static_cast<unsigned char>(peek()))) {
                advance();
            }
            return TokenKind::number;
        }
        if (digit(c) || (c == '.' && digit(peek(1)))) {
            while (digit(peek()) || peek() == '.') {
                advance();
            }
            if ((peek() == 'e' || peek() == 'E') &&
                (digit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && digit(peek(2))))) {
                advance(2);
                while (digit(peek())) {
                    advance();
                }
            }
            return TokenKind::number;
        }
        switch (c) {
            case '\'':
                scan_quoted('\'', m_mysql, "string literal");
                return TokenKind::string;
            case '"':
                scan_quoted('"', m_mysql, "quoted identifier");
                return TokenKind::quoted_identifier;
            case '`':
                scan_quoted('`', false, "quoted identifier");
                return TokenKind::quoted_identifier;
            case '[':
                scan_quoted(']', false, "bracketed identifier");
                return TokenKind::quoted_identifier;
            case '$':
                if (auto tag = m_mysql ? std::nullopt : dollar_tag()) {
                    int line = m_line;
                    int column = m_column;
                    std::size_t close = m_sql.find(*tag, m_pos + tag->size());
                    if (close == std::string_view::npos) {
                        fail(fmt::format("unterminated dollar-quoted string {}", *tag), line, column, m_pos);
                        return TokenKind::string;
                    }
                    advance(close + tag->size() - m_pos);
                    return TokenKind::string;
                }
                advance();
                while (digit(peek())) {
                    advance();
                }
                return TokenKind::punct;
            default:
                advance();
                return TokenKind::punct;
        }
    }

    std::string_view m_sql;
    bool m_mysql;
    std::size_t m_pos = 0;
    int m_line = 1;
    int m_column = 1;
    std::optional<LexError> m_error;
};

// What a CREATE statement's object word says about its body: only triggers and routines hold
// BEGIN ... END blocks, while in CREATE TABLE a column may well be called "begin".
enum class Body { undecided, plain, blocks };

Body body_of(const Token& token) {
    for (std::string_view word : {"TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "PACKAGE"}) {
        if (token.is_word(word)) {
            return Body::blocks;
        }
    }
    for (std::string_view word : {"TABLE", "INDEX", "VIEW", "DATABASE", "SCHEMA", "SEQUENCE", "USER", "ROLE"}) {
        if (token.is_word(word)) {
            return Body::plain;
        }
    }
    return Body::undecided;
}

}  // namespace

bool Token::is_word(std::string_view word) const {
    if (kind != TokenKind::word || text.size() != word.size()) {
        return false;
    }
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(word[i]))) {
            return false;
        }
    }
    return true;
}

std::string Token::identifier() const {
    if (kind != TokenKind::quoted_identifier || text.size() < 2) {
        return std::string(text);
    }
    char close = text.back();
    std::string out;
    std::string_view inner = text.substr(1, text.size() - 2);
    for (std::size_t i = 0; i < inner.size(); ++i) {
        out.push_back(inner[i]);
        if (inner[i] == close && close != ']' && i + 1 < inner.size() && inner[i + 1] == close) {
            ++i;
        }
    }
    return out;
}

LexResult tokenize(std::string_view sql, LexFlavor flavor) {
    return Lexer(sql, flavor).run();
}

SplitResult split_statements(std::string_view sql, LexFlavor flavor) {
    LexResult lexed = tokenize(sql, flavor);
    SplitResult result;
    result.error = lexed.error;
    std::vector<Token> current;
    int block_depth = 0;
    Body body = Body::undecided;
    auto flush = [&](bool terminated) {
        if (current.empty()) {
            return;
        }
        const Token& first = current.front();
        const Token& last = current.back();
        std::string_view text = sql.substr(first.offset, last.offset + last.text.size() - first.offset);
        result.statements.push_back(Statement{text, std::move(current), first.line, first.column, terminated});
        current.clear();
        block_depth = 0;
        body = Body::undecided;
    };
    const std::vector<Token>& tokens = lexed.tokens;
    for (std::size_t k = 0; k < tokens.size(); ++k) {
        const Token& token = tokens[k];
        if (token.kind == TokenKind::punct && token.text == ";" && block_depth == 0) {
            flush(true);
            continue;
        }
        // Trigger and routine bodies hold ';' between BEGIN and END; CASE ... END nests inside.
        // MySQL's END IF / END LOOP / END WHILE / END REPEAT close statements that opened no
        // block, and END CASE closes its CASE: the word after END is consumed with it.
        if (!current.empty() && current.front().is_word("CREATE") && body == Body::undecided) {
            body = body_of(token);
        }
        if (body == Body::blocks) {
            if (token.is_word("BEGIN") || token.is_word("CASE")) {
                ++block_depth;
            } else if (token.is_word("END")) {
                const Token* next = k + 1 < tokens.size() ? &tokens[k + 1] : nullptr;
                bool closes_statement = next != nullptr && (next->is_word("IF") || next->is_word("LOOP") ||
                                                            next->is_word("WHILE") || next->is_word("REPEAT"));
                if (!closes_statement && block_depth > 0) {
                    --block_depth;
                }
                if (next != nullptr && (closes_statement || next->is_word("CASE"))) {
                    current.push_back(token);
                    current.push_back(*next);
                    ++k;
                    continue;
                }
            }
        }
        current.push_back(token);
    }
    flush(false);
    return result;
}

}  // namespace migrate

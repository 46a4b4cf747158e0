// A dialect-tolerant SQL tokenizer: words, numbers, quoted identifiers ("x", `x`, [x]), string
// literals ('x', E'x'), PostgreSQL dollar-quoted bodies, comments skipped, positions kept.
// It splits scripts into statements (CREATE TRIGGER ... BEGIN ... END included) and lets the
// loaders and dialects look at SQL without a full parser. It never throws on bad SQL: an
// unterminated literal or comment is reported as a LexError. A UTF-8 byte order mark opening the
// text is skipped and takes no column, as editors show none.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrate {

enum class TokenKind {
    word,               // keyword or bare identifier
    quoted_identifier,  // "x", `x`, [x]
    string,             // 'x', E'x', N'x', X'..', $tag$...$tag$
    number,
    punct,  // one character: ( ) , ; . = < > + - * / etc.; "?" and "$1" too
};

// MySQL's default sql_mode lexes differently from standard SQL: a backslash escapes the next
// character inside '...' and "...", '#' starts a comment, '--' starts one only when a space or
// control character follows, and '$' quotes nothing (it may appear in identifiers).
enum class LexFlavor { standard, mysql };

struct Token {
    TokenKind kind;
    std::string_view text;  // exactly as written, quotes included
    std::size_t offset;     // byte offset in the input
    int line;               // 1-based
    int column;             // 1-based, in bytes

    // Case-insensitive comparison for words.
    bool is_word(std::string_view word) const;
    // A quoted identifier without its quotes (doubled quotes undone), or the word itself.
    std::string identifier() const;
};

struct LexError {
    std::string message;
    int line;
    int column;
    std::size_t offset;  // byte offset in the input
};

struct LexResult {
    std::vector<Token> tokens;
    std::optional<LexError> error;  // tokens hold everything before the error
};

LexResult tokenize(std::string_view sql, LexFlavor flavor = LexFlavor::standard);

struct Statement {
    std::string_view text;  // from its first token to its last, without the closing ';'
    std::vector<Token> tokens;
    int line;
    int column;
    bool terminated;  // a ';' closed it (the last statement of a script may lack one)
};

struct SplitResult {
    std::vector<Statement> statements;
    std::optional<LexError> error;
};

// Splits on top-level ';'. Semicolons inside CREATE TRIGGER ... BEGIN ... END and inside
// quoted text or dollar-quoted bodies do not end a statement.
SplitResult split_statements(std::string_view sql, LexFlavor flavor = LexFlavor::standard);

}  // namespace migrate

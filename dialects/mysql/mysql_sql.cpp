#include "dialects/mysql/mysql_sql.hpp"

#include <cctype>

namespace migrate {

namespace {

bool has_word(const Statement& statement, const char* word) {
    for (const Token& token : statement.tokens) {
        if (token.is_word(word)) {
            return true;
        }
    }
    return false;
}

bool first_words(const Statement& statement, std::initializer_list<const char*> words) {
    std::size_t i = 0;
    for (const char* word : words) {
        if (i >= statement.tokens.size() || !statement.tokens[i].is_word(word)) {
            return false;
        }
        ++i;
    }
    return true;
}

// The word after CREATE, skipping OR REPLACE / TEMPORARY / UNIQUE / FULLTEXT / SPATIAL and a
// DEFINER clause, so that CREATE UNIQUE INDEX and CREATE DEFINER=x TRIGGER are recognised.
std::string created_object(const Statement& statement) {
    auto is_modifier = [](const Token& token) {
        for (const char* modifier : {"OR", "REPLACE", "TEMPORARY", "UNIQUE", "FULLTEXT", "SPATIAL", "DEFINER",
                                     "ALGORITHM", "SQL", "SECURITY", "ONLINE", "OFFLINE", "IGNORE"}) {
            if (token.is_word(modifier)) {
                return true;
            }
        }
        return false;
    };
    for (std::size_t i = 1; i < statement.tokens.size(); ++i) {
        const Token& token = statement.tokens[i];
        if (token.kind == TokenKind::word && !is_modifier(token)) {
            std::string word(token.text);
            for (char& c : word) {
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            }
            return word;
        }
    }
    return {};
}

}  // namespace

std::string mysql_outside_transaction_reason(const Statement& statement) {
    const Token& first = statement.tokens.front();
    for (const char* ddl : {"CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE"}) {
        if (first.is_word(ddl)) {
            return "MySQL commits DDL on its own";
        }
    }
    for (const char* control : {"BEGIN", "START", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "LOCK", "UNLOCK"}) {
        if (first.is_word(control)) {
            return "the step controls its own transaction";
        }
    }
    if (first_words(statement, {"SET", "autocommit"})) {
        return "the step controls its own transaction";
    }
    return {};
}

OnlineDdlForm online_ddl_form(const Statement& statement) {
    bool alter = first_words(statement, {"ALTER", "TABLE"}) || first_words(statement, {"ALTER", "ONLINE", "TABLE"}) ||
                 first_words(statement, {"ALTER", "IGNORE", "TABLE"});
    std::string created = first_words(statement, {"CREATE"}) ? created_object(statement) : "";
    // DROP INDEX takes no ALGORITHM on MariaDB, and dropping a secondary index never copies.
    bool index = created == "INDEX";
    if (!alter && !index) {
        return OnlineDdlForm::none;
    }
    if (has_word(statement, "ALGORITHM")) {
        return OnlineDdlForm::has_algorithm;
    }
    return alter ? OnlineDdlForm::alter_table : OnlineDdlForm::index;
}

std::optional<CreatedIndex> index_created(const Statement& statement) {
    const std::vector<Token>& t = statement.tokens;
    auto skip_index_kind = [&](std::size_t i) {
        while (i < t.size() && (t[i].is_word("UNIQUE") || t[i].is_word("FULLTEXT") || t[i].is_word("SPATIAL"))) {
            ++i;
        }
        return i;
    };
    CreatedIndex index;
    std::size_t i = 0;
    if (first_words(statement, {"CREATE"})) {
        i = skip_index_kind(1);
        if (i >= t.size() || !t[i].is_word("INDEX")) {
            return std::nullopt;
        }
        ++i;
    } else if (first_words(statement, {"ALTER", "TABLE"}) && t.size() > 4) {
        // Only an ALTER whose one operation adds the index: a comma outside parentheses means more.
        int depth = 0;
        for (const Token& token : t) {
            depth += token.text == "(" ? 1 : token.text == ")" ? -1 : 0;
            if (depth == 0 && token.kind == TokenKind::punct && token.text == ",") {
                return std::nullopt;
            }
        }
        index.table = std::string(t[2].text);
        i = 3;
        if (!t[i].is_word("ADD")) {
            return std::nullopt;
        }
        i = skip_index_kind(i + 1);
        if (i >= t.size() || !(t[i].is_word("INDEX") || t[i].is_word("KEY"))) {
            return std::nullopt;
        }
        ++i;
    } else {
        return std::nullopt;
    }
    if (i + 2 < t.size() && t[i].is_word("IF") && t[i + 1].is_word("NOT") && t[i + 2].is_word("EXISTS")) {
        index.if_not_exists = true;
        i += 3;
    }
    if (i >= t.size() || (t[i].kind != TokenKind::word && t[i].kind != TokenKind::quoted_identifier) ||
        t[i].is_word("ON") || t[i].is_word("USING")) {
        return std::nullopt;  // an unnamed index
    }
    index.name = t[i].identifier();
    if (index.table.empty()) {
        if (i + 2 >= t.size() || !t[i + 1].is_word("ON")) {
            return std::nullopt;
        }
        index.table = std::string(t[i + 2].text);
    }
    return index;
}

std::string expected_algorithm(const Statement& statement) {
    OnlineDdlForm form = online_ddl_form(statement);
    if (form == OnlineDdlForm::none || form == OnlineDdlForm::has_algorithm) {
        return {};
    }
    if (form == OnlineDdlForm::index) {
        return has_word(statement, "FULLTEXT") || has_word(statement, "SPATIAL") ? "INPLACE, LOCK=SHARED"
                                                                                 : "INPLACE, LOCK=NONE";
    }
    // Changing a column's type, the table's character set or dropping the primary key rewrites
    // every row through a copy; adding and dropping columns and defaults is INSTANT on MariaDB
    // 10.4+ and MySQL 8.0.29+; index changes build in place.
    if (has_word(statement, "MODIFY") || has_word(statement, "CHANGE") || has_word(statement, "CONVERT") ||
        (has_word(statement, "DROP") && has_word(statement, "PRIMARY"))) {
        return "table copy, unless only names, defaults or nullability change";
    }
    if (has_word(statement, "PRIMARY") || has_word(statement, "FORCE") || has_word(statement, "ENGINE")) {
        return "INPLACE with a table rebuild, LOCK=NONE";
    }
    if (has_word(statement, "INDEX") || has_word(statement, "KEY") || has_word(statement, "UNIQUE")) {
        return "INPLACE, LOCK=NONE";
    }
    return "INSTANT";
}

}  // namespace migrate

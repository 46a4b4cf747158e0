#include "dialects/postgres/postgres_sql.hpp"

#include <fmt/format.h>

namespace migrate {

namespace {

bool starts_with_words(const std::vector<Token>& tokens, std::initializer_list<const char*> words) {
    std::size_t i = 0;
    for (const char* word : words) {
        if (i >= tokens.size() || !tokens[i].is_word(word)) {
            return false;
        }
        ++i;
    }
    return true;
}

bool has_word(const std::vector<Token>& tokens, const char* word) {
    for (const Token& token : tokens) {
        if (token.is_word(word)) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string outside_transaction_reason(const Statement& statement) {
    const std::vector<Token>& t = statement.tokens;
    if (starts_with_words(t, {"CREATE", "INDEX", "CONCURRENTLY"}) ||
        starts_with_words(t, {"CREATE", "UNIQUE", "INDEX", "CONCURRENTLY"})) {
        return "CREATE INDEX CONCURRENTLY cannot run inside a transaction";
    }
    if (starts_with_words(t, {"DROP", "INDEX", "CONCURRENTLY"})) {
        return "DROP INDEX CONCURRENTLY cannot run inside a transaction";
    }
    if (starts_with_words(t, {"REINDEX"}) && has_word(t, "CONCURRENTLY")) {
        return "REINDEX CONCURRENTLY cannot run inside a transaction";
    }
    if (starts_with_words(t, {"ALTER", "TABLE"}) && has_word(t, "DETACH") && has_word(t, "CONCURRENTLY")) {
        return "DETACH PARTITION CONCURRENTLY cannot run inside a transaction";
    }
    if (starts_with_words(t, {"ALTER", "TYPE"}) && has_word(t, "ADD") && has_word(t, "VALUE")) {
        // Allowed in a transaction since PostgreSQL 12, but the new value cannot be used until
        // it commits: later steps of the same phase could not use it.
        return "a value added by ALTER TYPE ... ADD VALUE is usable only once committed";
    }
    for (const char* command :
         {"VACUUM", "CREATE DATABASE", "DROP DATABASE", "CREATE TABLESPACE", "DROP TABLESPACE", "ALTER SYSTEM"}) {
        std::string_view words(command);
        std::size_t space = words.find(' ');
        bool match = space == std::string_view::npos ? starts_with_words(t, {command})
                                                     : t.size() > 1 && t[0].is_word(words.substr(0, space)) &&
                                                           t[1].is_word(words.substr(space + 1));
        if (match) {
            return fmt::format("{} cannot run inside a transaction", command);
        }
    }
    for (const char* command : {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "PREPARE"}) {
        if (starts_with_words(t, {command})) {
            return "the step controls its own transaction";
        }
    }
    return {};
}

bool is_concurrent_index_statement(const Statement& statement) {
    const std::vector<Token>& t = statement.tokens;
    bool index_ddl = starts_with_words(t, {"CREATE", "INDEX"}) || starts_with_words(t, {"CREATE", "UNIQUE", "INDEX"}) ||
                     starts_with_words(t, {"DROP", "INDEX"}) || starts_with_words(t, {"REINDEX"});
    return index_ddl && has_word(t, "CONCURRENTLY");
}

std::optional<ConcurrentIndex> concurrent_index_created(const Statement& statement) {
    const std::vector<Token>& t = statement.tokens;
    std::size_t i = 1;
    if (!starts_with_words(t, {"CREATE"})) {
        return std::nullopt;
    }
    if (i < t.size() && t[i].is_word("UNIQUE")) {
        ++i;
    }
    if (!(i + 1 < t.size() && t[i].is_word("INDEX") && t[i + 1].is_word("CONCURRENTLY"))) {
        return std::nullopt;
    }
    i += 2;
    ConcurrentIndex index;
    if (i + 2 < t.size() && t[i].is_word("IF") && t[i + 1].is_word("NOT") && t[i + 2].is_word("EXISTS")) {
        index.if_not_exists = true;
        i += 3;
    }
    while (i < t.size() && !t[i].is_word("ON")) {
        index.name += t[i].text;
        ++i;
    }
    return index;
}

}  // namespace migrate

// sqlite-add-column-needs-rebuild: columns SQLite's ALTER TABLE ADD COLUMN refuses, which need
// its table-rebuild procedure instead (see lint-rules/sqlite-add-column-needs-rebuild.toml).
// A NOT NULL column without a default is not-null-column-without-default's, so it gets one
// finding.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

constexpr std::string_view procedure = "https://www.sqlite.org/lang_altertable.html#otheralter";

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
    return out;
}

// A signed decimal or hex literal: 42, -1.5, 2e10, 0x1F.
bool is_number(std::string_view text) {
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        text.remove_prefix(1);
    }
    auto digits = [&](auto accepts) {
        std::size_t count = 0;
        while (count < text.size() && accepts(static_cast<unsigned char>(text[count]))) {
            ++count;
        }
        text.remove_prefix(count);
        return count;
    };
    auto decimal = [](unsigned char c) { return std::isdigit(c) != 0; };
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        return digits([](unsigned char c) { return std::isxdigit(c) != 0; }) > 0 && text.empty();
    }
    std::size_t count = digits(decimal);
    if (!text.empty() && text.front() == '.') {
        text.remove_prefix(1);
        count += digits(decimal);
    }
    if (count == 0) {
        return false;
    }
    if (!text.empty() && (text.front() == 'e' || text.front() == 'E')) {
        text.remove_prefix(1);
        if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
            text.remove_prefix(1);
        }
        if (digits(decimal) == 0) {
            return false;
        }
    }
    return text.empty();
}

// 'text' (quotes doubled inside) or a blob X'00ff'.
bool is_string_literal(std::string_view text) {
    if (text.size() >= 3 && (text.front() == 'x' || text.front() == 'X')) {
        text.remove_prefix(1);
    }
    if (text.size() < 2 || text.front() != '\'' || text.back() != '\'') {
        return false;
    }
    std::string_view inner = text.substr(1, text.size() - 2);
    for (std::size_t i = 0; i < inner.size(); ++i) {
        if (inner[i] == '\'') {
            if (i + 1 == inner.size() || inner[i + 1] != '\'') {
                return false;
            }
            ++i;
        }
    }
    return true;
}

// SQLite can add a column only if it can evaluate the default once, without a row: a literal,
// or a bare word it reads as a string. CURRENT_TIMESTAMP and friends, and expressions (which
// SQLite takes only in parentheses), are refused on a table with rows.
bool constant_for_sqlite(const DefaultValue& value) {
    if (value.volatility == Volatility::volatile_) {
        return false;
    }
    std::string_view text = value.text;
    auto trim = [&] {
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
            text.remove_prefix(1);
        }
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
            text.remove_suffix(1);
        }
    };
    trim();
    while (text.size() >= 2 && text.front() == '(' && text.back() == ')') {
        text = text.substr(1, text.size() - 2);
        trim();
    }
    if (text.empty()) {
        return false;
    }
    std::string word = upper(text);
    if (word == "CURRENT_TIME" || word == "CURRENT_DATE" || word == "CURRENT_TIMESTAMP") {
        return false;
    }
    bool bare_word = std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
    return is_number(text) || is_string_literal(text) || bare_word;
}

class SqliteAddColumnNeedsRebuild : public Rule {
  public:
    std::string_view id() const override { return "sqlite-add-column-needs-rebuild"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if (change.kind != ChangeKind::add_column || !change.column) {
                continue;
            }
            const ColumnDef& column = *change.column;
            std::string problem;
            // SQLite refuses these even on an empty table.
            if (column.primary_key) {
                problem = "it is a PRIMARY KEY column, so the statement fails";
            } else if (column.unique) {
                problem = "it is a UNIQUE column, so the statement fails";
            } else if (context.created_here(change.table)) {
                continue;
            } else if (column.generated_stored) {
                problem = fmt::format("it is a STORED generated column, so the statement fails once '{}' has rows",
                                      change.table);
            } else if (column.default_value && !constant_for_sqlite(*column.default_value)) {
                problem = fmt::format("its default {} is not a constant, so the statement fails once '{}' has rows",
                                      column.default_value->text, change.table);
            } else {
                continue;
            }
            sink.report(context, fmt::format("SQLite's ADD COLUMN cannot add column '{}' to '{}': {}; it takes the "
                                             "table-rebuild procedure ({})",
                                             column.name, change.table, problem, procedure));
        }
    }
};

}  // namespace

std::unique_ptr<Rule> make_sqlite_add_column_needs_rebuild_rule() {
    return std::make_unique<SqliteAddColumnNeedsRebuild>();
}

}  // namespace migrate::lint

// The parser interface each dialect implements for the linter: SQL text in, ParsedStatements
// out. The registry in dialects/lint_parsers.cpp names the implementation for each dialect.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "lint/change.hpp"

namespace migrate::lint {

class SqlParser {
  public:
    virtual ~SqlParser() = default;

    // Every statement of `sql`, in order. Never throws on bad input (binary junk included): a
    // statement that does not parse carries a syntax_error with its position and parsing goes on
    // with the next statement. Empty statements (";;") and comment-only text yield nothing.
    virtual std::vector<ParsedStatement> parse(std::string_view sql) const = 0;
};

// The parser for "postgres", "mysql" or "sqlite". Throws Error(usage) for any other name.
std::unique_ptr<SqlParser> make_sql_parser(std::string_view dialect);

}  // namespace migrate::lint

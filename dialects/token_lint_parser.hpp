// The linter's parser for MySQL/MariaDB and SQLite: a tokenizer-based parser (on
// support/sql_lexer) that understands the DDL and DML migrations use and turns it into the lint
// IR. One parser with two flavours, as the two dialects share most of their DDL syntax.
#pragma once

#include <memory>

#include "lint/sql_parser.hpp"

namespace migrate::lint {

enum class TokenFlavor { mysql, sqlite };

std::unique_ptr<SqlParser> make_token_lint_parser(TokenFlavor flavor);

}  // namespace migrate::lint

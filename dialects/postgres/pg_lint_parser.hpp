// The linter's parser for PostgreSQL: libpg_query (the PostgreSQL 15 grammar itself) parses the
// SQL into JSON parse trees, which this file turns into the lint IR.
#pragma once

#include <memory>

#include "lint/sql_parser.hpp"

namespace migrate::lint {

std::unique_ptr<SqlParser> make_postgres_lint_parser();

}  // namespace migrate::lint

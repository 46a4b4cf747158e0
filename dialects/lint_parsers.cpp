// The linter's parser for each dialect name. Unlike the back-ends in registry.cpp these need no
// driver, so every build lints every dialect.
#include <fmt/format.h>

#include "dialects/postgres/pg_lint_parser.hpp"
#include "dialects/token_lint_parser.hpp"
#include "lint/sql_parser.hpp"
#include "support/error.hpp"

namespace migrate::lint {

std::unique_ptr<SqlParser> make_sql_parser(std::string_view dialect) {
    if (dialect == "postgres") {
        return make_postgres_lint_parser();
    }
    if (dialect == "mysql") {
        return make_token_lint_parser(TokenFlavor::mysql);
    }
    if (dialect == "sqlite") {
        return make_token_lint_parser(TokenFlavor::sqlite);
    }
    throw Error(ErrorKind::usage, fmt::format("unknown dialect '{}' (known: postgres, mysql, sqlite)", dialect));
}

}  // namespace migrate::lint

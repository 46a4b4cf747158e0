// What the MySQL back-end reads in a statement: whether it is DDL (which MySQL commits on its
// own, so it cannot share the phase's transaction), and for an ALTER, how the server is expected
// to run it online — INSTANT, INPLACE without locks, or a blocking table copy.
#pragma once

#include <optional>
#include <string>

#include "support/sql_lexer.hpp"

namespace migrate {

// Why `statement` cannot run inside the phase's transaction, or "" when it can.
std::string mysql_outside_transaction_reason(const Statement& statement);

enum class OnlineDdlForm {
    none,          // not a statement the algorithm clause applies to
    alter_table,   // ALTER TABLE ...: the clause is appended after a comma
    index,         // CREATE INDEX / DROP INDEX: the clause is appended after a space
    has_algorithm  // already names its ALGORITHM: run as written
};

OnlineDdlForm online_ddl_form(const Statement& statement);

struct CreatedIndex {
    std::string table;  // as written
    std::string name;   // unquoted
    bool if_not_exists = false;
};

// The index that `CREATE INDEX name ON table ...` or a single-operation
// `ALTER TABLE table ADD INDEX name ...` builds; nullopt for any other statement.
std::optional<CreatedIndex> index_created(const Statement& statement);

// What the server will probably do with an ALTER, for plan output: "INSTANT", "INPLACE, LOCK=NONE"
// or "table copy". The server's own answer at apply time is what counts.
std::string expected_algorithm(const Statement& statement);

}  // namespace migrate

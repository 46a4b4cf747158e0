// What the PostgreSQL back-end reads in a statement before running it: whether it may run in a
// transaction block, and whether it builds or drops an index CONCURRENTLY (which waits for
// other transactions without blocking them, so the lock timeout must not cut it off).
#pragma once

#include <optional>
#include <string>

#include "support/sql_lexer.hpp"

namespace migrate {

// Why `statement` cannot run inside a transaction block, or "" when it can.
std::string outside_transaction_reason(const Statement& statement);

// CREATE INDEX / DROP INDEX / REINDEX with CONCURRENTLY.
bool is_concurrent_index_statement(const Statement& statement);

struct ConcurrentIndex {
    std::string name;  // as written, possibly schema-qualified; empty for an unnamed index
    bool if_not_exists = false;
};

// The index a CREATE [UNIQUE] INDEX CONCURRENTLY statement builds; nullopt for any other
// statement.
std::optional<ConcurrentIndex> concurrent_index_created(const Statement& statement);

}  // namespace migrate

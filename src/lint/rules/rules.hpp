// The factories of the rules under src/lint/rules/, one per file; rule_registry.cpp lists them.
// Also the few facts about columns that several rules must agree on, so that two rules never
// disagree about, say, what counts as a serial column.
#pragma once

#include <memory>
#include <string>

#include "lint/rule.hpp"

namespace migrate::lint {

std::unique_ptr<Rule> make_adding_stored_generated_column_rule();
std::unique_ptr<Rule> make_changing_column_type_rule();
std::unique_ptr<Rule> make_concurrently_in_transaction_rule();
std::unique_ptr<Rule> make_constraint_without_not_valid_rule();
std::unique_ptr<Rule> make_contract_without_gate_rule();
std::unique_ptr<Rule> make_ddl_in_backfill_rule();
std::unique_ptr<Rule> make_destructive_outside_contract_rule();
std::unique_ptr<Rule> make_dropping_database_rule();
std::unique_ptr<Rule> make_missing_down_rule();
std::unique_ptr<Rule> make_mysql_table_copy_rule();
std::unique_ptr<Rule> make_non_concurrent_index_rule();
std::unique_ptr<Rule> make_not_null_column_without_default_rule();
std::unique_ptr<Rule> make_prefer_bigint_ids_rule();
std::unique_ptr<Rule> make_prefer_text_over_varchar_rule();
std::unique_ptr<Rule> make_prefer_timestamptz_rule();
std::unique_ptr<Rule> make_renaming_column_rule();
std::unique_ptr<Rule> make_renaming_table_rule();
std::unique_ptr<Rule> make_serial_primary_key_column_rule();
std::unique_ptr<Rule> make_setting_not_null_rule();
std::unique_ptr<Rule> make_sqlite_add_column_needs_rebuild_rule();
std::unique_ptr<Rule> make_unbatched_data_change_rule();
std::unique_ptr<Rule> make_unique_constraint_builds_index_rule();
std::unique_ptr<Rule> make_volatile_default_rule();

// serial, bigserial, smallserial: PostgreSQL fills them from a sequence, like an identity.
inline bool is_serial(const TypeName& type) {
    return !type.array && (type.name == "serial" || type.name == "bigserial" || type.name == "smallserial");
}

// Columns the database numbers itself, which therefore need no default to be NOT NULL.
inline bool is_generated_id(const ColumnDef& column) {
    return column.identity || is_serial(column.type);
}

// What serial-primary-key-column reports about an added column; unique-constraint-builds-index
// leaves these columns to it so that one ADD COLUMN gets one finding.
inline bool is_new_key_column(const ColumnDef& column) {
    return is_generated_id(column) || column.primary_key;
}

// Calls fn(column name, type) for every column `change` gives a type: the columns of a new
// table, an added column, a column whose type changes. For the rules about column types.
template <typename Fn>
void for_each_typed_column(const Change& change, Fn&& fn) {
    if (change.kind == ChangeKind::create_table) {
        for (const ColumnDef& column : change.columns) {
            fn(column.name, column.type);
        }
    } else if ((change.kind == ChangeKind::add_column || change.kind == ChangeKind::alter_column_type) &&
               change.column) {
        fn(change.column->name.empty() ? change.name : change.column->name, change.column->type);
    }
}

}  // namespace migrate::lint

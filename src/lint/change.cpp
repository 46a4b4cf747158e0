// Names of the IR's enumerations, for messages and JSON.
#include "lint/change.hpp"

namespace migrate::lint {

std::string_view to_string(ChangeKind kind) {
    switch (kind) {
        case ChangeKind::create_table:
            return "create_table";
        case ChangeKind::drop_table:
            return "drop_table";
        case ChangeKind::rename_table:
            return "rename_table";
        case ChangeKind::add_column:
            return "add_column";
        case ChangeKind::drop_column:
            return "drop_column";
        case ChangeKind::rename_column:
            return "rename_column";
        case ChangeKind::alter_column_type:
            return "alter_column_type";
        case ChangeKind::set_not_null:
            return "set_not_null";
        case ChangeKind::drop_not_null:
            return "drop_not_null";
        case ChangeKind::set_default:
            return "set_default";
        case ChangeKind::drop_default:
            return "drop_default";
        case ChangeKind::add_constraint:
            return "add_constraint";
        case ChangeKind::validate_constraint:
            return "validate_constraint";
        case ChangeKind::drop_constraint:
            return "drop_constraint";
        case ChangeKind::create_index:
            return "create_index";
        case ChangeKind::drop_index:
            return "drop_index";
        case ChangeKind::reindex:
            return "reindex";
        case ChangeKind::convert_charset:
            return "convert_charset";
        case ChangeKind::alter_table_other:
            return "alter_table_other";
        case ChangeKind::create_schema:
            return "create_schema";
        case ChangeKind::drop_schema:
            return "drop_schema";
        case ChangeKind::drop_database:
            return "drop_database";
        case ChangeKind::drop_other:
            return "drop_other";
        case ChangeKind::create_other:
            return "create_other";
        case ChangeKind::alter_type_add_value:
            return "alter_type_add_value";
        case ChangeKind::truncate:
            return "truncate";
        case ChangeKind::update:
            return "update";
        case ChangeKind::delete_rows:
            return "delete_rows";
        case ChangeKind::insert:
            return "insert";
        case ChangeKind::select:
            return "select";
        case ChangeKind::transaction_begin:
            return "transaction_begin";
        case ChangeKind::transaction_commit:
            return "transaction_commit";
        case ChangeKind::transaction_rollback:
            return "transaction_rollback";
        case ChangeKind::vacuum:
            return "vacuum";
        case ChangeKind::other:
            return "other";
    }
    return "other";
}

bool is_ddl(ChangeKind kind) {
    switch (kind) {
        case ChangeKind::update:
        case ChangeKind::delete_rows:
        case ChangeKind::insert:
        case ChangeKind::select:
        case ChangeKind::transaction_begin:
        case ChangeKind::transaction_commit:
        case ChangeKind::transaction_rollback:
        case ChangeKind::vacuum:
        case ChangeKind::other:
            return false;
        default:
            return true;
    }
}

std::string_view to_string(ConstraintKind kind) {
    switch (kind) {
        case ConstraintKind::primary_key:
            return "PRIMARY KEY";
        case ConstraintKind::unique:
            return "UNIQUE";
        case ConstraintKind::foreign_key:
            return "FOREIGN KEY";
        case ConstraintKind::check:
            return "CHECK";
        case ConstraintKind::exclusion:
            return "EXCLUDE";
    }
    return "CHECK";
}

}  // namespace migrate::lint

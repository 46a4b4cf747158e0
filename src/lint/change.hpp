// The lint IR: what one SQL statement changes, in dialect-neutral terms. Each dialect's parser
// turns SQL into ParsedStatements holding Changes; rules read only these, so one rule serves
// every dialect. Names are unquoted as the database would see them (case kept as written for
// quoted names, lower-cased for bare ones on PostgreSQL); qualified names keep their schema
// ("public.users").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrate::lint {

enum class ChangeKind {
    create_table,          // table; columns; constraints declared in the table
    drop_table,            // table (one Change per table dropped)
    rename_table,          // table -> new_name
    add_column,            // table; column
    drop_column,           // table; name
    rename_column,         // table; name -> new_name (MySQL CHANGE COLUMN a b with a != b too)
    alter_column_type,     // table; name; column->type is the new type; detail = PostgreSQL's USING.
                           // MySQL MODIFY/CHANGE restate the whole column: column holds all of it
                           // and `restated` is set
    set_not_null,          // table; name
    drop_not_null,         // table; name
    set_default,           // table; name; column->default_value
    drop_default,          // table; name
    add_constraint,        // table; constraint (FOREIGN KEY, CHECK, UNIQUE, PRIMARY KEY, EXCLUDE)
    validate_constraint,   // table; name
    drop_constraint,       // table; name (MySQL DROP PRIMARY KEY: name "PRIMARY")
    create_index,          // table; index (ALTER TABLE ... ADD INDEX on MySQL too)
    drop_index,            // name; table where the SQL says it (MySQL); concurrently
    reindex,               // name; concurrently; detail = what is reindexed (index, table, ...)
    convert_charset,       // table; detail = the character set (MySQL CONVERT TO CHARACTER SET)
    alter_table_other,     // table; an ALTER TABLE clause no rule inspects; detail names it
    create_schema,         // name
    drop_schema,           // name
    drop_database,         // name
    drop_other,            // name; detail = object kind ("view", "function", "sequence", "type")
    create_other,          // name; detail = object kind (view, function, trigger, type, extension)
    alter_type_add_value,  // name (an enum type); detail = the value (PostgreSQL ALTER TYPE ADD VALUE)
    truncate,              // table (one Change per table)
    update,                // table; has_where
    delete_rows,           // table; has_where
    insert,                // table
    select,                // a query; nothing changes
    transaction_begin,     // BEGIN, START TRANSACTION
    transaction_commit,    // COMMIT, END
    transaction_rollback,  // ROLLBACK (not ROLLBACK TO SAVEPOINT)
    vacuum,                // table (empty: the whole database); detail "full" for VACUUM FULL
    other,                 // parsed, but nothing a rule looks at (SET, GRANT, COMMENT ON, ...)
};

std::string_view to_string(ChangeKind kind);
// Schema changes (CREATE, ALTER, DROP, RENAME, TRUNCATE, ...) as opposed to data changes,
// queries and transaction control.
bool is_ddl(ChangeKind kind);

// A column type reduced to what rules compare. `name` is canonical across dialects, lower-case:
// smallint, integer, bigint, smallserial, serial, bigserial, numeric, real, double, boolean,
// char, varchar, text, bytea, blob, date, time, timestamp (without time zone; MySQL DATETIME
// too), timestamptz, json, jsonb, uuid, enum; anything else as written, lower-cased.
struct TypeName {
    std::string name;
    std::vector<std::string> modifiers;  // "255" for varchar(255); "10", "2" for numeric(10,2)
    bool array = false;                  // PostgreSQL int[]
    std::string text;                    // as written, for messages: "VARCHAR(255)"
};

// How often a default expression is evaluated differently: a constant (or a STABLE function such
// as now(), fixed for one statement) is stored once; a volatile one (random(), clock_timestamp(),
// gen_random_uuid(), nextval()) must be computed per row, which on PostgreSQL rewrites the table.
enum class Volatility { constant, volatile_ };

struct DefaultValue {
    std::string text;  // the expression as written
    Volatility volatility = Volatility::constant;
};

struct ColumnDef {
    std::string name;
    TypeName type;
    bool not_null = false;
    bool primary_key = false;
    bool unique = false;
    // GENERATED ... AS IDENTITY, AUTO_INCREMENT, AUTOINCREMENT (serial types say it in type.name).
    bool identity = false;
    // GENERATED ALWAYS AS (expr) STORED: computed for every row when added.
    bool generated_stored = false;
    bool references = false;  // an inline REFERENCES: a foreign key
    bool check = false;       // an inline CHECK
    std::optional<DefaultValue> default_value;
};

enum class ConstraintKind { primary_key, unique, foreign_key, check, exclusion };

std::string_view to_string(ConstraintKind kind);

struct ConstraintDef {
    ConstraintKind kind = ConstraintKind::check;
    std::string name;                  // empty when the SQL gives none
    std::vector<std::string> columns;  // the constrained columns, where listed
    bool not_valid = false;            // PostgreSQL NOT VALID: existing rows are not checked now
    std::string using_index;           // PostgreSQL ADD CONSTRAINT ... USING INDEX name
};

struct IndexDef {
    std::string name;  // empty when the SQL gives none
    std::string table;
    std::vector<std::string> columns;  // column names; an expression appears as written
    bool unique = false;
    bool concurrently = false;
    bool if_not_exists = false;
};

struct Change {
    ChangeKind kind = ChangeKind::other;
    std::string table;                        // the table the change is on, where there is one
    std::string name;                         // the column, index, constraint, schema, database or object named
    std::string new_name;                     // renames
    std::optional<ColumnDef> column;          // add_column, alter_column_type, set_default
    std::optional<ConstraintDef> constraint;  // add_constraint
    std::optional<IndexDef> index;            // create_index
    std::vector<ColumnDef> columns;           // create_table
    std::vector<ConstraintDef> constraints;   // create_table: table-level and inline constraints
    bool concurrently = false;                // drop_index, reindex
    bool if_exists = false;                   // IF EXISTS of a drop; IF NOT EXISTS of a create
    bool has_where = false;                   // update, delete_rows
    bool restated = false;                    // alter_column_type from MySQL MODIFY/CHANGE
    std::string detail;                       // see ChangeKind
};

// One statement as parsed. Positions are relative to the SQL text handed to the parser: line
// and column 1-based, column in bytes; `offset` in bytes from its start.
struct ParsedStatement {
    std::string text;  // the statement as written, without its closing ';'
    std::size_t offset = 0;
    int line = 1;
    int column = 1;
    std::vector<Change> changes;  // empty for a statement that does not parse
    // Set when the statement does not parse; the position is that of the error itself.
    struct SyntaxError {
        std::string message;
        int line = 1;
        int column = 1;
    };
    std::optional<SyntaxError> syntax_error;
};

}  // namespace migrate::lint

// Tests of the PostgreSQL lint parser: what each statement becomes in the lint IR, where statements
// and syntax errors are, and that no input, however broken, makes it throw or crash.
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "dialects/postgres/pg_lint_parser.hpp"

namespace migrate::lint {
namespace {

std::vector<ParsedStatement> parse(std::string_view sql) {
    return make_postgres_lint_parser()->parse(sql);
}

// The changes of SQL holding exactly one statement, which must parse.
std::vector<Change> changes_of(std::string_view sql) {
    std::vector<ParsedStatement> statements = parse(sql);
    EXPECT_EQ(statements.size(), 1u) << sql;
    if (statements.size() != 1) {
        return {};
    }
    EXPECT_FALSE(statements[0].syntax_error) << sql << ": " << statements[0].syntax_error->message;
    return statements[0].changes;
}

// The one change of a one-statement SQL text.
Change change_of(std::string_view sql) {
    std::vector<Change> changes = changes_of(sql);
    EXPECT_EQ(changes.size(), 1u) << sql;
    return changes.empty() ? Change{} : changes[0];
}

ChangeKind kind_of(std::string_view sql) {
    return change_of(sql).kind;
}

ColumnDef added_column(std::string_view sql) {
    Change change = change_of(sql);
    EXPECT_EQ(change.kind, ChangeKind::add_column) << sql;
    EXPECT_TRUE(change.column.has_value()) << sql;
    return change.column.value_or(ColumnDef{});
}

// ---------------------------------------------------------------------------------------------
// CREATE TABLE and column types

TEST(PgParserCreateTable, ColumnsInlineAndTableConstraints) {
    Change change = change_of(
        "CREATE TABLE IF NOT EXISTS app.users (\n"
        "  id bigserial PRIMARY KEY,\n"
        "  email varchar(255) NOT NULL UNIQUE,\n"
        "  org_id bigint REFERENCES orgs (id),\n"
        "  age int CHECK (age > 0),\n"
        "  tags text[],\n"
        "  CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id),\n"
        "  UNIQUE (email, org_id)\n"
        ")");
    EXPECT_EQ(change.kind, ChangeKind::create_table);
    EXPECT_EQ(change.table, "app.users");
    EXPECT_TRUE(change.if_exists);  // IF NOT EXISTS
    ASSERT_EQ(change.columns.size(), 5u);
    EXPECT_EQ(change.columns[0].name, "id");
    EXPECT_EQ(change.columns[0].type.name, "bigserial");
    EXPECT_TRUE(change.columns[0].primary_key);
    EXPECT_EQ(change.columns[1].type.name, "varchar");
    EXPECT_EQ(change.columns[1].type.modifiers, std::vector<std::string>{"255"});
    EXPECT_TRUE(change.columns[1].not_null);
    EXPECT_TRUE(change.columns[1].unique);
    EXPECT_TRUE(change.columns[2].references);
    EXPECT_TRUE(change.columns[3].check);
    EXPECT_EQ(change.columns[4].type.name, "text");
    EXPECT_TRUE(change.columns[4].type.array);

    ASSERT_EQ(change.constraints.size(), 6u);
    EXPECT_EQ(change.constraints[0].kind, ConstraintKind::primary_key);
    EXPECT_EQ(change.constraints[0].columns, std::vector<std::string>{"id"});
    EXPECT_EQ(change.constraints[1].kind, ConstraintKind::unique);
    EXPECT_EQ(change.constraints[1].columns, std::vector<std::string>{"email"});
    EXPECT_EQ(change.constraints[2].kind, ConstraintKind::foreign_key);
    EXPECT_EQ(change.constraints[2].columns, std::vector<std::string>{"org_id"});
    EXPECT_EQ(change.constraints[3].kind, ConstraintKind::check);
    EXPECT_EQ(change.constraints[4].kind, ConstraintKind::foreign_key);
    EXPECT_EQ(change.constraints[4].name, "users_org_fk");
    EXPECT_EQ(change.constraints[4].columns, std::vector<std::string>{"org_id"});
    EXPECT_EQ(change.constraints[5].kind, ConstraintKind::unique);
    EXPECT_EQ(change.constraints[5].columns, (std::vector<std::string>{"email", "org_id"}));
}

TEST(PgParserCreateTable, NamesAreLowerCasedUnlessQuoted) {
    Change change = change_of("CREATE TABLE Public.\"MixedCase\" (\"Id\" INT, Name TEXT)");
    EXPECT_EQ(change.table, "public.MixedCase");
    ASSERT_EQ(change.columns.size(), 2u);
    EXPECT_EQ(change.columns[0].name, "Id");
    EXPECT_EQ(change.columns[1].name, "name");
    EXPECT_FALSE(change.if_exists);
}

TEST(PgParserTypes, CanonicalNamesModifiersAndTextAsWritten) {
    struct Case {
        const char* type;
        const char* name;
        std::vector<std::string> modifiers;
        bool array;
    };
    const std::vector<Case> cases = {
        {"smallint", "smallint", {}, false},
        {"int2", "smallint", {}, false},
        {"INT", "integer", {}, false},
        {"integer", "integer", {}, false},
        {"int4", "integer", {}, false},
        {"bigint", "bigint", {}, false},
        {"int8", "bigint", {}, false},
        {"serial", "serial", {}, false},
        {"bigserial", "bigserial", {}, false},
        {"smallserial", "smallserial", {}, false},
        {"serial8", "bigserial", {}, false},
        {"real", "real", {}, false},
        {"float4", "real", {}, false},
        {"double precision", "double", {}, false},
        {"float8", "double", {}, false},
        {"boolean", "boolean", {}, false},
        {"bool", "boolean", {}, false},
        {"VARCHAR(255)", "varchar", {"255"}, false},
        {"character varying(10)", "varchar", {"10"}, false},
        {"char(3)", "char", {"3"}, false},
        {"text", "text", {}, false},
        {"bytea", "bytea", {}, false},
        {"date", "date", {}, false},
        {"time", "time", {}, false},
        {"timestamp", "timestamp", {}, false},
        {"timestamp(3) without time zone", "timestamp", {"3"}, false},
        {"timestamptz", "timestamptz", {}, false},
        {"timestamp with time zone", "timestamptz", {}, false},
        {"json", "json", {}, false},
        {"jsonb", "jsonb", {}, false},
        {"uuid", "uuid", {}, false},
        {"numeric", "numeric", {}, false},
        {"numeric(10, 2)", "numeric", {"10", "2"}, false},
        {"decimal(5)", "numeric", {"5"}, false},
        {"int[]", "integer", {}, true},
        {"varchar(20)[][]", "varchar", {"20"}, true},
        {"public.\"Mood\"", "public.mood", {}, false},
        {"pg_catalog.int4", "integer", {}, false},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.type);
        std::string sql = std::string("ALTER TABLE t ADD COLUMN c ") + c.type + " NOT NULL DEFAULT 1";
        ColumnDef column = added_column(sql);
        EXPECT_EQ(column.type.name, c.name);
        EXPECT_EQ(column.type.modifiers, c.modifiers);
        EXPECT_EQ(column.type.array, c.array);
        EXPECT_EQ(column.type.text, c.type);
        EXPECT_TRUE(column.not_null);
    }
}

// ---------------------------------------------------------------------------------------------
// ALTER TABLE

TEST(PgParserAddColumn, ColumnFlags) {
    ColumnDef plain = added_column("ALTER TABLE t ADD COLUMN a int");
    EXPECT_EQ(plain.name, "a");
    EXPECT_FALSE(plain.not_null || plain.primary_key || plain.unique || plain.identity || plain.generated_stored ||
                 plain.references || plain.check || plain.default_value.has_value());

    EXPECT_TRUE(added_column("ALTER TABLE t ADD COLUMN a int NOT NULL").not_null);
    EXPECT_TRUE(added_column("ALTER TABLE t ADD a int PRIMARY KEY").primary_key);
    EXPECT_TRUE(added_column("ALTER TABLE t ADD COLUMN a int UNIQUE").unique);
    EXPECT_TRUE(added_column("ALTER TABLE t ADD COLUMN a int REFERENCES u (id)").references);
    EXPECT_TRUE(added_column("ALTER TABLE t ADD COLUMN a int CONSTRAINT positive CHECK (a > 0)").check);
    EXPECT_TRUE(added_column("ALTER TABLE t ADD COLUMN a int GENERATED ALWAYS AS IDENTITY").identity);
    EXPECT_TRUE(added_column("ALTER TABLE t ADD COLUMN a int GENERATED BY DEFAULT AS IDENTITY").identity);
    EXPECT_TRUE(added_column("ALTER TABLE t ADD COLUMN a int GENERATED ALWAYS AS (b * 2) STORED").generated_stored);

    Change guarded = change_of("ALTER TABLE s.t ADD COLUMN IF NOT EXISTS a int");
    EXPECT_EQ(guarded.table, "s.t");
    EXPECT_EQ(guarded.name, "a");
    EXPECT_TRUE(guarded.if_exists);
}

TEST(PgParserAddColumn, DefaultTextAndVolatility) {
    struct Case {
        const char* sql;
        const char* text;
        Volatility volatility;
    };
    const std::vector<Case> cases = {
        {"ALTER TABLE t ADD COLUMN a int DEFAULT 0", "0", Volatility::constant},
        {"ALTER TABLE t ADD COLUMN a int DEFAULT -1 NOT NULL", "-1", Volatility::constant},
        {"ALTER TABLE t ADD COLUMN a text NOT NULL DEFAULT 'x' || 'y'", "'x' || 'y'", Volatility::constant},
        {"ALTER TABLE t ADD COLUMN a jsonb DEFAULT '{}'::jsonb, ADD COLUMN b int", "'{}'::jsonb", Volatility::constant},
        {"ALTER TABLE t ADD COLUMN a timestamptz DEFAULT now()", "now()", Volatility::constant},
        {"ALTER TABLE t ADD COLUMN a timestamptz DEFAULT CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP", Volatility::constant},
        {"ALTER TABLE t ADD COLUMN a timestamptz DEFAULT clock_timestamp() NOT NULL", "clock_timestamp()",
         Volatility::volatile_},
        {"ALTER TABLE t ADD COLUMN a float8 DEFAULT random()", "random()", Volatility::volatile_},
        {"ALTER TABLE t ADD COLUMN a int DEFAULT (random() * 10)::int", "(random() * 10)::int", Volatility::volatile_},
        {"ALTER TABLE t ADD COLUMN a uuid DEFAULT gen_random_uuid()", "gen_random_uuid()", Volatility::volatile_},
        {"ALTER TABLE t ADD COLUMN a uuid DEFAULT public.uuid_generate_v4()", "public.uuid_generate_v4()",
         Volatility::volatile_},
        {"ALTER TABLE t ADD COLUMN a bigint DEFAULT nextval('s'::regclass)", "nextval('s'::regclass)",
         Volatility::volatile_},
        {"ALTER TABLE t ADD COLUMN a text DEFAULT timeofday()", "timeofday()", Volatility::volatile_},
        {"ALTER TABLE t ADD COLUMN a bigint DEFAULT txid_current()", "txid_current()", Volatility::volatile_},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.sql);
        std::vector<Change> changes = changes_of(c.sql);
        ASSERT_FALSE(changes.empty());
        ASSERT_TRUE(changes[0].column.has_value());
        ASSERT_TRUE(changes[0].column->default_value.has_value());
        EXPECT_EQ(changes[0].column->default_value->text, c.text);
        EXPECT_EQ(changes[0].column->default_value->volatility, c.volatility);
    }
}

TEST(PgParserAlterTable, EachCommandIsOneChangeInOrder) {
    std::vector<Change> changes = changes_of(
        "ALTER TABLE public.t\n"
        "  ADD COLUMN a int,\n"
        "  DROP COLUMN IF EXISTS b,\n"
        "  ALTER COLUMN c TYPE varchar(100) USING c::varchar(100),\n"
        "  ALTER COLUMN d SET NOT NULL,\n"
        "  ALTER COLUMN e DROP NOT NULL,\n"
        "  ALTER COLUMN f SET DEFAULT random(),\n"
        "  ALTER COLUMN g DROP DEFAULT,\n"
        "  VALIDATE CONSTRAINT h,\n"
        "  DROP CONSTRAINT IF EXISTS i,\n"
        "  OWNER TO bob,\n"
        "  SET (fillfactor = 70)");
    std::vector<ChangeKind> expected = {
        ChangeKind::add_column,        ChangeKind::drop_column,         ChangeKind::alter_column_type,
        ChangeKind::set_not_null,      ChangeKind::drop_not_null,       ChangeKind::set_default,
        ChangeKind::drop_default,      ChangeKind::validate_constraint, ChangeKind::drop_constraint,
        ChangeKind::alter_table_other, ChangeKind::alter_table_other,
    };
    ASSERT_EQ(changes.size(), expected.size());
    for (std::size_t i = 0; i < changes.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(changes[i].kind, expected[i]);
        EXPECT_EQ(changes[i].table, "public.t");
    }
    EXPECT_EQ(changes[1].name, "b");
    EXPECT_TRUE(changes[1].if_exists);
    EXPECT_EQ(changes[2].name, "c");
    ASSERT_TRUE(changes[2].column.has_value());
    EXPECT_EQ(changes[2].column->type.name, "varchar");
    EXPECT_EQ(changes[2].column->type.modifiers, std::vector<std::string>{"100"});
    EXPECT_EQ(changes[2].column->type.text, "varchar(100)");
    EXPECT_EQ(changes[2].detail, "c::varchar(100)");  // USING
    EXPECT_EQ(changes[3].name, "d");
    EXPECT_EQ(changes[4].name, "e");
    EXPECT_EQ(changes[5].name, "f");
    ASSERT_TRUE(changes[5].column.has_value() && changes[5].column->default_value.has_value());
    EXPECT_EQ(changes[5].column->default_value->text, "random()");
    EXPECT_EQ(changes[5].column->default_value->volatility, Volatility::volatile_);
    EXPECT_EQ(changes[6].name, "g");
    EXPECT_EQ(changes[7].name, "h");
    EXPECT_EQ(changes[8].name, "i");
    EXPECT_TRUE(changes[8].if_exists);
}

TEST(PgParserAlterTable, AlterColumnTypeWithoutUsing) {
    Change change = change_of("ALTER TABLE t ALTER c SET DATA TYPE BIGINT");
    EXPECT_EQ(change.kind, ChangeKind::alter_column_type);
    ASSERT_TRUE(change.column.has_value());
    EXPECT_EQ(change.column->name, "c");
    EXPECT_EQ(change.column->type.name, "bigint");
    EXPECT_EQ(change.column->type.text, "BIGINT");
    EXPECT_EQ(change.detail, "");
}

TEST(PgParserAlterTable, AddConstraintKinds) {
    struct Case {
        const char* clause;
        ConstraintKind kind;
        const char* name;
        std::vector<std::string> columns;
        bool not_valid;
        const char* using_index;
    };
    const std::vector<Case> cases = {
        {"ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) NOT VALID",
         ConstraintKind::foreign_key,
         "fk",
         {"a"},
         true,
         ""},
        {"ADD FOREIGN KEY (a, b) REFERENCES u (x, y)", ConstraintKind::foreign_key, "", {"a", "b"}, false, ""},
        {"ADD CONSTRAINT ck CHECK (a > 0) NOT VALID", ConstraintKind::check, "ck", {}, true, ""},
        {"ADD CONSTRAINT uq UNIQUE (a)", ConstraintKind::unique, "uq", {"a"}, false, ""},
        {"ADD CONSTRAINT uq UNIQUE USING INDEX uq_idx", ConstraintKind::unique, "uq", {}, false, "uq_idx"},
        {"ADD PRIMARY KEY (id)", ConstraintKind::primary_key, "", {"id"}, false, ""},
        {"ADD CONSTRAINT pk PRIMARY KEY USING INDEX pk_idx", ConstraintKind::primary_key, "pk", {}, false, "pk_idx"},
        {"ADD CONSTRAINT ex EXCLUDE USING gist (during WITH &&)",
         ConstraintKind::exclusion,
         "ex",
         {"during"},
         false,
         ""},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.clause);
        Change change = change_of(std::string("ALTER TABLE t ") + c.clause);
        EXPECT_EQ(change.kind, ChangeKind::add_constraint);
        EXPECT_EQ(change.table, "t");
        ASSERT_TRUE(change.constraint.has_value());
        EXPECT_EQ(change.constraint->kind, c.kind);
        EXPECT_EQ(change.constraint->name, c.name);
        EXPECT_EQ(change.constraint->columns, c.columns);
        EXPECT_EQ(change.constraint->not_valid, c.not_valid);
        EXPECT_EQ(change.constraint->using_index, c.using_index);
    }
}

TEST(PgParserAlterTable, OtherRelationsAreOther) {
    EXPECT_EQ(kind_of("ALTER INDEX i SET (fillfactor = 50)"), ChangeKind::other);
    EXPECT_EQ(kind_of("ALTER VIEW v OWNER TO bob"), ChangeKind::other);
    EXPECT_EQ(kind_of("ALTER TABLE t ATTACH PARTITION p FOR VALUES IN (1)"), ChangeKind::alter_table_other);
}

// ---------------------------------------------------------------------------------------------
// Renames, drops, indexes, schemas, types

TEST(PgParserRename, TablesColumnsAndOthers) {
    Change table = change_of("ALTER TABLE s.t RENAME TO u");
    EXPECT_EQ(table.kind, ChangeKind::rename_table);
    EXPECT_EQ(table.table, "s.t");
    EXPECT_EQ(table.new_name, "u");

    Change column = change_of("ALTER TABLE t RENAME COLUMN a TO b");
    EXPECT_EQ(column.kind, ChangeKind::rename_column);
    EXPECT_EQ(column.table, "t");
    EXPECT_EQ(column.name, "a");
    EXPECT_EQ(column.new_name, "b");
    EXPECT_EQ(kind_of("ALTER TABLE t RENAME a TO b"), ChangeKind::rename_column);

    Change constraint = change_of("ALTER TABLE t RENAME CONSTRAINT c TO d");
    EXPECT_EQ(constraint.kind, ChangeKind::alter_table_other);
    EXPECT_EQ(constraint.name, "c");
    EXPECT_EQ(constraint.new_name, "d");

    Change index = change_of("ALTER INDEX i RENAME TO j");
    EXPECT_EQ(index.kind, ChangeKind::other);
    EXPECT_EQ(index.name, "i");
    EXPECT_EQ(index.new_name, "j");
}

TEST(PgParserDrop, OneChangePerObject) {
    std::vector<Change> tables = changes_of("DROP TABLE IF EXISTS a, s.b CASCADE");
    ASSERT_EQ(tables.size(), 2u);
    EXPECT_EQ(tables[0].kind, ChangeKind::drop_table);
    EXPECT_EQ(tables[0].table, "a");
    EXPECT_TRUE(tables[0].if_exists);
    EXPECT_EQ(tables[1].table, "s.b");

    std::vector<Change> indexes = changes_of("DROP INDEX CONCURRENTLY s.i1, i2");
    ASSERT_EQ(indexes.size(), 2u);
    EXPECT_EQ(indexes[0].kind, ChangeKind::drop_index);
    EXPECT_EQ(indexes[0].name, "s.i1");
    EXPECT_TRUE(indexes[0].concurrently);
    EXPECT_FALSE(indexes[0].if_exists);
    EXPECT_EQ(indexes[1].name, "i2");
    EXPECT_FALSE(change_of("DROP INDEX i").concurrently);

    Change schema = change_of("DROP SCHEMA IF EXISTS app CASCADE");
    EXPECT_EQ(schema.kind, ChangeKind::drop_schema);
    EXPECT_EQ(schema.name, "app");
    EXPECT_TRUE(schema.if_exists);

    Change database = change_of("DROP DATABASE prod");
    EXPECT_EQ(database.kind, ChangeKind::drop_database);
    EXPECT_EQ(database.name, "prod");

    struct Case {
        const char* sql;
        const char* name;
        const char* detail;
    };
    for (const Case& c : std::vector<Case>{{"DROP VIEW s.v", "s.v", "view"},
                                           {"DROP MATERIALIZED VIEW mv", "mv", "materialized view"},
                                           {"DROP SEQUENCE sq", "sq", "sequence"},
                                           {"DROP FUNCTION s.f(int)", "s.f", "function"},
                                           {"DROP TYPE mood", "mood", "type"},
                                           {"DROP EXTENSION pgcrypto", "pgcrypto", "extension"}}) {
        SCOPED_TRACE(c.sql);
        Change change = change_of(c.sql);
        EXPECT_EQ(change.kind, ChangeKind::drop_other);
        EXPECT_EQ(change.name, c.name);
        EXPECT_EQ(change.detail, c.detail);
    }
    Change trigger = change_of("DROP TRIGGER tr ON s.t");
    EXPECT_EQ(trigger.kind, ChangeKind::drop_other);
    EXPECT_EQ(trigger.name, "tr");
    EXPECT_EQ(trigger.table, "s.t");
}

TEST(PgParserIndex, CreateIndex) {
    Change change = change_of(
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email ON app.users (lower(email) DESC, org_id, "
        "(a + b)) WHERE deleted_at IS NULL");
    EXPECT_EQ(change.kind, ChangeKind::create_index);
    EXPECT_EQ(change.table, "app.users");
    ASSERT_TRUE(change.index.has_value());
    EXPECT_EQ(change.index->name, "users_email");
    EXPECT_EQ(change.index->table, "app.users");
    EXPECT_EQ(change.index->columns, (std::vector<std::string>{"lower(email)", "org_id", "a + b"}));
    EXPECT_TRUE(change.index->unique);
    EXPECT_TRUE(change.index->concurrently);
    EXPECT_TRUE(change.index->if_not_exists);

    Change plain = change_of("CREATE INDEX ON t (a)");
    ASSERT_TRUE(plain.index.has_value());
    EXPECT_EQ(plain.index->name, "");
    EXPECT_FALSE(plain.index->unique || plain.index->concurrently || plain.index->if_not_exists);
}

TEST(PgParserIndex, Reindex) {
    Change concurrent = change_of("REINDEX (CONCURRENTLY) INDEX s.i");
    EXPECT_EQ(concurrent.kind, ChangeKind::reindex);
    EXPECT_EQ(concurrent.name, "s.i");
    EXPECT_TRUE(concurrent.concurrently);
    EXPECT_TRUE(change_of("REINDEX TABLE CONCURRENTLY t").concurrently);
    EXPECT_FALSE(change_of("REINDEX INDEX i").concurrently);
    EXPECT_FALSE(change_of("REINDEX (CONCURRENTLY false) INDEX i").concurrently);
    EXPECT_EQ(change_of("REINDEX SCHEMA app").name, "app");
}

TEST(PgParserSchemaAndTypes, CreateSchemaAndEnumValues) {
    Change schema = change_of("CREATE SCHEMA IF NOT EXISTS app");
    EXPECT_EQ(schema.kind, ChangeKind::create_schema);
    EXPECT_EQ(schema.name, "app");

    Change value = change_of("ALTER TYPE s.mood ADD VALUE 'meh' BEFORE 'sad'");
    EXPECT_EQ(value.kind, ChangeKind::alter_type_add_value);
    EXPECT_EQ(value.name, "s.mood");
    EXPECT_EQ(kind_of("ALTER TYPE mood RENAME VALUE 'a' TO 'b'"), ChangeKind::other);
}

TEST(PgParserCreateOther, ObjectKinds) {
    struct Case {
        const char* sql;
        const char* name;
        const char* detail;
    };
    const std::vector<Case> cases = {
        {"CREATE TABLE s.x AS SELECT 1", "s.x", "table"},
        {"CREATE MATERIALIZED VIEW mv AS SELECT 1", "mv", "materialized view"},
        {"CREATE OR REPLACE VIEW s.v AS SELECT 1", "s.v", "view"},
        {"CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$", "s.f", "function"},
        {"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", "tr", "trigger"},
        {"CREATE TYPE mood AS ENUM ('happy', 'sad')", "mood", "type"},
        {"CREATE EXTENSION IF NOT EXISTS pgcrypto", "pgcrypto", "extension"},
        {"CREATE SEQUENCE s.seq", "s.seq", "sequence"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.sql);
        Change change = change_of(c.sql);
        EXPECT_EQ(change.kind, ChangeKind::create_other);
        EXPECT_EQ(change.name, c.name);
        EXPECT_EQ(change.detail, c.detail);
    }
    EXPECT_EQ(change_of("CREATE TRIGGER tr AFTER UPDATE ON s.t EXECUTE FUNCTION f()").table, "s.t");
}

// ---------------------------------------------------------------------------------------------
// Data, transactions and the rest

TEST(PgParserData, TruncateUpdateDeleteInsertSelect) {
    std::vector<Change> truncated = changes_of("TRUNCATE a, s.b RESTART IDENTITY");
    ASSERT_EQ(truncated.size(), 2u);
    EXPECT_EQ(truncated[0].kind, ChangeKind::truncate);
    EXPECT_EQ(truncated[0].table, "a");
    EXPECT_EQ(truncated[1].table, "s.b");

    Change update_all = change_of("UPDATE s.t SET a = 1");
    EXPECT_EQ(update_all.kind, ChangeKind::update);
    EXPECT_EQ(update_all.table, "s.t");
    EXPECT_FALSE(update_all.has_where);
    EXPECT_TRUE(change_of("UPDATE t SET a = 1 WHERE id < 10").has_where);

    Change delete_all = change_of("DELETE FROM t");
    EXPECT_EQ(delete_all.kind, ChangeKind::delete_rows);
    EXPECT_FALSE(delete_all.has_where);
    EXPECT_TRUE(change_of("DELETE FROM t WHERE id = 1").has_where);

    Change insert = change_of("INSERT INTO s.t (a) VALUES (1), (2)");
    EXPECT_EQ(insert.kind, ChangeKind::insert);
    EXPECT_EQ(insert.table, "s.t");
    EXPECT_EQ(kind_of("SELECT * FROM t"), ChangeKind::select);
}

TEST(PgParserTransactions, BeginCommitRollback) {
    EXPECT_EQ(kind_of("BEGIN"), ChangeKind::transaction_begin);
    EXPECT_EQ(kind_of("BEGIN ISOLATION LEVEL SERIALIZABLE"), ChangeKind::transaction_begin);
    EXPECT_EQ(kind_of("START TRANSACTION"), ChangeKind::transaction_begin);
    EXPECT_EQ(kind_of("COMMIT"), ChangeKind::transaction_commit);
    EXPECT_EQ(kind_of("END"), ChangeKind::transaction_commit);
    EXPECT_EQ(kind_of("ROLLBACK"), ChangeKind::transaction_rollback);
    EXPECT_EQ(kind_of("ROLLBACK TO SAVEPOINT s"), ChangeKind::other);
    EXPECT_EQ(kind_of("SAVEPOINT s"), ChangeKind::other);
}

TEST(PgParserMaintenance, VacuumAndOthers) {
    Change all = change_of("VACUUM");
    EXPECT_EQ(all.kind, ChangeKind::vacuum);
    EXPECT_EQ(all.table, "");
    std::vector<Change> tables = changes_of("VACUUM (FULL) s.t, u");
    ASSERT_EQ(tables.size(), 2u);
    EXPECT_EQ(tables[0].kind, ChangeKind::vacuum);
    EXPECT_EQ(tables[0].table, "s.t");
    EXPECT_EQ(tables[0].detail, "full");
    EXPECT_EQ(tables[1].table, "u");
    EXPECT_EQ(kind_of("ANALYZE t"), ChangeKind::other);
    EXPECT_EQ(kind_of("SET lock_timeout = '2s'"), ChangeKind::other);
    EXPECT_EQ(kind_of("GRANT SELECT ON t TO bob"), ChangeKind::other);
    EXPECT_EQ(kind_of("COMMENT ON TABLE t IS 'x;y'"), ChangeKind::other);
    EXPECT_EQ(kind_of("DO $$ BEGIN PERFORM 1; END $$"), ChangeKind::other);
}

// ---------------------------------------------------------------------------------------------
// Statement text and positions

TEST(PgParserPositions, StatementsOnOneLineAfterCommentsAndBlankLines) {
    std::vector<ParsedStatement> statements = parse(
        "SELECT 1; SELECT 2;\n"
        "\n"
        "-- a comment; with a semicolon\n"
        "/* block /* nested */ comment */  CREATE TABLE t (a int);\n"
        "  DROP TABLE t");
    ASSERT_EQ(statements.size(), 4u);
    EXPECT_EQ(statements[0].text, "SELECT 1");
    EXPECT_EQ(statements[0].line, 1);
    EXPECT_EQ(statements[0].column, 1);
    EXPECT_EQ(statements[0].offset, 0u);
    EXPECT_EQ(statements[1].text, "SELECT 2");
    EXPECT_EQ(statements[1].line, 1);
    EXPECT_EQ(statements[1].column, 11);
    EXPECT_EQ(statements[1].offset, 10u);
    EXPECT_EQ(statements[2].text, "CREATE TABLE t (a int)");
    EXPECT_EQ(statements[2].line, 4);
    EXPECT_EQ(statements[2].column, 35);
    EXPECT_EQ(statements[3].text, "DROP TABLE t");
    EXPECT_EQ(statements[3].line, 5);
    EXPECT_EQ(statements[3].column, 3);
}

TEST(PgParserPositions, CrlfLineEndings) {
    std::string sql = "SELECT 1;\r\n\r\n  ALTER TABLE t\r\n  ADD COLUMN a int;\r\n";
    std::vector<ParsedStatement> statements = parse(sql);
    ASSERT_EQ(statements.size(), 2u);
    EXPECT_EQ(statements[1].line, 3);
    EXPECT_EQ(statements[1].column, 3);
    EXPECT_EQ(statements[1].text, "ALTER TABLE t\r\n  ADD COLUMN a int");
    EXPECT_EQ(sql.substr(statements[1].offset, statements[1].text.size()), statements[1].text);
}

TEST(PgParserPositions, ByteOrderMarkIsSkipped) {
    std::vector<ParsedStatement> statements = parse(
        "\xEF\xBB\xBF"
        "CREATE TABLE t (a int); SELECT 1");
    ASSERT_EQ(statements.size(), 2u);
    EXPECT_FALSE(statements[0].syntax_error);
    EXPECT_EQ(statements[0].text, "CREATE TABLE t (a int)");
    EXPECT_EQ(statements[0].offset, 3u);
    EXPECT_EQ(statements[0].line, 1);
    EXPECT_EQ(statements[0].column, 1);
    EXPECT_EQ(statements[1].column, 25);
}

TEST(PgParserPositions, TypeTextAfterMultibyteCharacters) {
    std::vector<ParsedStatement> statements = parse("SELECT 'héllo'; ALTER TABLE t ADD COLUMN é Numeric(3) NULL");
    ASSERT_EQ(statements.size(), 2u);
    EXPECT_EQ(statements[1].column, 18);
    ASSERT_EQ(statements[1].changes.size(), 1u);
    ASSERT_TRUE(statements[1].changes[0].column.has_value());
    EXPECT_EQ(statements[1].changes[0].column->name, "é");
    EXPECT_EQ(statements[1].changes[0].column->type.text, "Numeric(3)");
}

// ---------------------------------------------------------------------------------------------
// Syntax errors

TEST(PgParserErrors, ErrorInTheMiddleAndParsingGoesOn) {
    std::vector<ParsedStatement> statements = parse(
        "CREATE TABLE a (id int);\n"
        "ALTER TABLE a ADD COLUMN;\n"
        "CREATE INDEX CONCURRENTLY a_id ON a (id);");
    ASSERT_EQ(statements.size(), 3u);
    EXPECT_FALSE(statements[0].syntax_error);
    EXPECT_EQ(statements[0].changes.size(), 1u);
    ASSERT_TRUE(statements[1].syntax_error);
    EXPECT_TRUE(statements[1].changes.empty());
    EXPECT_EQ(statements[1].text, "ALTER TABLE a ADD COLUMN");
    EXPECT_EQ(statements[1].line, 2);
    EXPECT_EQ(statements[1].column, 1);
    EXPECT_NE(statements[1].syntax_error->message.find("syntax error"), std::string::npos)
        << statements[1].syntax_error->message;
    EXPECT_EQ(statements[1].syntax_error->line, 2);
    EXPECT_EQ(statements[1].syntax_error->column, 25);  // the end of the statement
    EXPECT_FALSE(statements[2].syntax_error);
    ASSERT_EQ(statements[2].changes.size(), 1u);
    EXPECT_EQ(statements[2].changes[0].kind, ChangeKind::create_index);
}

TEST(PgParserErrors, ErrorPositionIsInBytesAfterMultibyteText) {
    std::vector<ParsedStatement> statements = parse("SELECT 'ééé';\n  SELECT 'ü', 1 2;\nSELECT 3");
    ASSERT_EQ(statements.size(), 3u);
    ASSERT_TRUE(statements[1].syntax_error);
    EXPECT_EQ(statements[1].syntax_error->message, "syntax error at or near \"2\"");
    EXPECT_EQ(statements[1].syntax_error->line, 2);
    EXPECT_EQ(statements[1].syntax_error->column, 18);
    EXPECT_FALSE(statements[2].syntax_error);
}

TEST(PgParserErrors, WordsWithoutKeywordsAndUnbalancedParentheses) {
    std::vector<ParsedStatement> words = parse("SELECT 1; foo bar; SELECT 2");
    ASSERT_EQ(words.size(), 3u);
    EXPECT_FALSE(words[0].syntax_error);
    ASSERT_TRUE(words[1].syntax_error);
    EXPECT_EQ(words[1].text, "foo bar");
    EXPECT_EQ(words[1].syntax_error->column, 11);
    EXPECT_FALSE(words[2].syntax_error);

    std::vector<ParsedStatement> parens = parse("SELECT 1; SELECT (1; SELECT 2;");
    ASSERT_GE(parens.size(), 2u);
    EXPECT_FALSE(parens[0].syntax_error);
    EXPECT_TRUE(parens[1].syntax_error);

    std::vector<ParsedStatement> closing = parse("SELECT 1); SELECT 2;");
    ASSERT_EQ(closing.size(), 2u);
    EXPECT_TRUE(closing[0].syntax_error);
    EXPECT_FALSE(closing[1].syntax_error);
}

TEST(PgParserErrors, UnterminatedQuotesRunToTheEnd) {
    for (const char* broken : {"SELECT 'abc; SELECT 2", "SELECT $x$ abc; SELECT 2", "SELECT \"abc; SELECT 2",
                               "SELECT 1 /* abc; SELECT 2", "SELECT E'abc\\'; SELECT 2"}) {
        SCOPED_TRACE(broken);
        std::vector<ParsedStatement> statements = parse(std::string("CREATE TABLE a (id int);\n") + broken);
        ASSERT_EQ(statements.size(), 2u);
        EXPECT_FALSE(statements[0].syntax_error);
        ASSERT_TRUE(statements[1].syntax_error);
        EXPECT_EQ(statements[1].line, 2);
        EXPECT_EQ(statements[1].text, broken);
    }
}

TEST(PgParserErrors, MessagesQuoteOnlyTheStartOfTheRestOfTheFile) {
    std::vector<ParsedStatement> statements = parse("SELECT 'never closed\n" + std::string(10'000, 'x'));
    ASSERT_EQ(statements.size(), 1u);
    ASSERT_TRUE(statements[0].syntax_error);
    EXPECT_EQ(statements[0].syntax_error->message, "unterminated quoted string at or near \"'never closed...\"");
    EXPECT_EQ(statements[0].syntax_error->column, 8);
}

TEST(PgParserErrors, LexicalErrorsInTheMiddle) {
    std::vector<ParsedStatement> statements = parse("SELECT 1; SELECT 123abc; SELECT 2");
    ASSERT_EQ(statements.size(), 3u);
    EXPECT_FALSE(statements[0].syntax_error);
    ASSERT_TRUE(statements[1].syntax_error);
    EXPECT_EQ(statements[1].syntax_error->column, 18);
    EXPECT_FALSE(statements[2].syntax_error);
}

TEST(PgParserErrors, NulByteIsASyntaxErrorWhereItIs) {
    std::string sql = std::string("SELECT 1;\nSELECT 'a") + '\0' + "b';\nSELECT 2;\n" + '\0';
    std::vector<ParsedStatement> statements = parse(sql);
    ASSERT_EQ(statements.size(), 4u);
    EXPECT_FALSE(statements[0].syntax_error);
    ASSERT_TRUE(statements[1].syntax_error);
    EXPECT_TRUE(statements[1].changes.empty());
    EXPECT_EQ(statements[1].syntax_error->line, 2);
    EXPECT_EQ(statements[1].syntax_error->column, 10);
    EXPECT_EQ(statements[1].text, std::string("SELECT 'a") + '\0' + "b'");
    EXPECT_FALSE(statements[2].syntax_error);
    ASSERT_TRUE(statements[3].syntax_error);
    EXPECT_EQ(statements[3].syntax_error->line, 4);
}

// ---------------------------------------------------------------------------------------------
// Odd but valid input

TEST(PgParserSplitting, SemicolonsInsideStringsDollarQuotesAndComments) {
    std::vector<ParsedStatement> statements = parse(
        "SELECT ';' AS a, 'it''s;' AS b, E'\\';' AS c;\n"
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$ BEGIN PERFORM 1; END; $body$;\n"
        "SELECT /* ; */ 1 -- ;\n"
        ";\n"
        "SELECT \"odd;name\" FROM t");
    ASSERT_EQ(statements.size(), 4u);
    for (const ParsedStatement& statement : statements) {
        EXPECT_FALSE(statement.syntax_error) << statement.text;
    }
    EXPECT_EQ(statements[2].text, "SELECT /* ; */ 1 -- ;");
    EXPECT_EQ(statements[3].text, "SELECT \"odd;name\" FROM t");
}

TEST(PgParserSplitting, NothingToParseYieldsNoStatements) {
    for (const char* sql : {"", "   \n\t ", ";;;", "-- only a comment", "/* just */ -- comments\n;", " ; -- x\n ;"}) {
        SCOPED_TRACE(sql);
        EXPECT_TRUE(parse(sql).empty());
    }
}

TEST(PgParserSplitting, LatinOneTextStillParses) {
    std::vector<ParsedStatement> statements = parse("INSERT INTO t VALUES ('caf\xE9'); CREATE TABLE \"t\xE9\" (a int)");
    ASSERT_EQ(statements.size(), 2u);
    EXPECT_FALSE(statements[0].syntax_error);
    EXPECT_EQ(statements[0].changes[0].kind, ChangeKind::insert);
    EXPECT_EQ(statements[1].changes[0].kind, ChangeKind::create_table);
}

// ---------------------------------------------------------------------------------------------
// Hostile input: nothing throws, nothing crashes

void expect_survives(std::string_view sql) {
    std::vector<ParsedStatement> statements;
    EXPECT_NO_THROW(statements = parse(sql));
    for (const ParsedStatement& statement : statements) {
        EXPECT_GE(statement.line, 1);
        EXPECT_GE(statement.column, 1);
        EXPECT_LE(statement.offset + statement.text.size(), sql.size());
        EXPECT_TRUE(statement.syntax_error.has_value() || !statement.changes.empty());
    }
}

TEST(PgParserHostileInput, BinaryJunk) {
    std::mt19937 random(12345);
    for (int round = 0; round < 200; ++round) {
        std::string junk(static_cast<std::size_t>(random() % 400), '\0');
        for (char& c : junk) {
            c = static_cast<char>(random() % 256);
        }
        expect_survives(junk);
    }
}

TEST(PgParserHostileInput, SqlLikeJunk) {
    const std::vector<std::string> pieces = {
        "SELECT", " ",    "'",  "\"", "$$",    "$a$",          "(", ")", ";",
        "--",     "\n",   "/*", "*/", "E'\\'", "CREATE TABLE", "1", "+", std::string(1, '\0'),
        "é",      "\xFF", "::", ",",  "ALTER", "DEFAULT",      "[", "]"};
    std::mt19937 random(6789);
    for (int round = 0; round < 500; ++round) {
        std::string sql;
        for (int k = static_cast<int>(random() % 40); k > 0; --k) {
            sql += pieces[random() % pieces.size()];
        }
        expect_survives(sql);
    }
}

TEST(PgParserHostileInput, AMegabyteOfGarbage) {
    std::mt19937 random(42);
    std::string garbage(1 << 20, ' ');
    for (char& c : garbage) {
        c = static_cast<char>(32 + random() % 95);
    }
    expect_survives(garbage);
}

TEST(PgParserHostileInput, DeeplyNestedExpressions) {
    std::string chain = "SELECT 1";
    for (int i = 0; i < 100'000; ++i) {
        chain += "+1";
    }
    expect_survives(chain);
    expect_survives(std::string(100'000, '(') + "1" + std::string(100'000, ')'));
    expect_survives("SELECT " + std::string(100'000, '('));
}

TEST(PgParserHostileInput, ManyStatementsKeepTheirPositions) {
    std::string sql;
    for (int i = 0; i < 5000; ++i) {
        sql += "ALTER TABLE t" + std::to_string(i) + " ADD COLUMN c int;\n";
    }
    sql += "ALTER TABLE oops ADD;\nSELECT 1;\n";
    std::vector<ParsedStatement> statements = parse(sql);
    ASSERT_EQ(statements.size(), 5002u);
    EXPECT_EQ(statements[4999].line, 5000);
    EXPECT_EQ(statements[4999].changes[0].table, "t4999");
    EXPECT_TRUE(statements[5000].syntax_error);
    EXPECT_EQ(statements[5000].line, 5001);
    EXPECT_FALSE(statements[5001].syntax_error);
}

}  // namespace
}  // namespace migrate::lint

// Tests of the MySQL/MariaDB and SQLite lint parser: what each statement becomes in the lint IR,
// where statements and errors are placed, recovery after errors, and input meant to break it.
#include <chrono>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "dialects/token_lint_parser.hpp"

namespace migrate::lint {
namespace {

constexpr TokenFlavor mysql = TokenFlavor::mysql;
constexpr TokenFlavor sqlite = TokenFlavor::sqlite;
constexpr TokenFlavor both[] = {TokenFlavor::mysql, TokenFlavor::sqlite};

std::string_view flavor_name(TokenFlavor flavor) {
    return flavor == mysql ? "mysql" : "sqlite";
}

std::vector<ParsedStatement> parse(TokenFlavor flavor, std::string_view sql) {
    return make_token_lint_parser(flavor)->parse(sql);
}

// The Changes of SQL that must parse without a syntax error.
std::vector<Change> changes_of(TokenFlavor flavor, std::string_view sql) {
    std::vector<Change> out;
    for (ParsedStatement& statement : parse(flavor, sql)) {
        EXPECT_FALSE(statement.syntax_error.has_value())
            << flavor_name(flavor) << ": " << sql << "\n  " << statement.syntax_error->message << " at "
            << statement.syntax_error->line << ":" << statement.syntax_error->column;
        for (Change& change : statement.changes) {
            out.push_back(std::move(change));
        }
    }
    return out;
}

Change only_change(TokenFlavor flavor, std::string_view sql) {
    std::vector<Change> changes = changes_of(flavor, sql);
    EXPECT_EQ(changes.size(), 1u) << flavor_name(flavor) << ": " << sql;
    return changes.empty() ? Change{} : changes.front();
}

std::vector<std::string> kinds(const std::vector<Change>& changes) {
    std::vector<std::string> out;
    for (const Change& change : changes) {
        out.emplace_back(to_string(change.kind));
    }
    return out;
}

std::string kind_of(TokenFlavor flavor, std::string_view sql) {
    return std::string(to_string(only_change(flavor, sql).kind));
}

// The syntax error of SQL holding one statement that must not parse.
ParsedStatement::SyntaxError error_of(TokenFlavor flavor, std::string_view sql) {
    std::vector<ParsedStatement> statements = parse(flavor, sql);
    EXPECT_EQ(statements.size(), 1u) << flavor_name(flavor) << ": " << sql;
    if (statements.empty() || !statements.front().syntax_error) {
        ADD_FAILURE() << flavor_name(flavor) << ": no syntax error for " << sql;
        return {};
    }
    EXPECT_TRUE(statements.front().changes.empty());
    return *statements.front().syntax_error;
}

ColumnDef column_of(TokenFlavor flavor, std::string_view definition) {
    Change change = only_change(flavor, "ALTER TABLE t ADD COLUMN " + std::string(definition));
    EXPECT_EQ(to_string(change.kind), "add_column") << definition;
    return change.column.value_or(ColumnDef{});
}

// ---- ALTER TABLE on MySQL

TEST(TokenParserMysqlAlter, EveryClauseIsAChange) {
    std::vector<Change> changes = changes_of(mysql,
                                             "ALTER TABLE `shop`.`orders`\n"
                                             "  ADD COLUMN note VARCHAR(255) NULL AFTER id,\n"
                                             "  ADD total DECIMAL(10,2) NOT NULL DEFAULT 0 FIRST,\n"
                                             "  DROP COLUMN IF EXISTS legacy,\n"
                                             "  DROP old_flag,\n"
                                             "  RENAME COLUMN x TO y,\n"
                                             "  ALTER COLUMN note SET DEFAULT 'n/a',\n"
                                             "  ALTER total DROP DEFAULT,\n"
                                             "  ENGINE=InnoDB,\n"
                                             "  ALGORITHM=INPLACE,\n"
                                             "  LOCK=NONE");
    EXPECT_EQ(kinds(changes),
              (std::vector<std::string>{"add_column", "add_column", "drop_column", "drop_column", "rename_column",
                                        "set_default", "drop_default", "alter_table_other", "alter_table_other",
                                        "alter_table_other"}));
    for (const Change& change : changes) {
        EXPECT_EQ(change.table, "shop.orders");
    }
    ASSERT_TRUE(changes[0].column.has_value());
    EXPECT_EQ(changes[0].column->name, "note");
    EXPECT_EQ(changes[0].name, "note");
    EXPECT_FALSE(changes[0].column->not_null);
    EXPECT_EQ(changes[1].column->type.name, "numeric");
    EXPECT_TRUE(changes[1].column->not_null);
    ASSERT_TRUE(changes[1].column->default_value.has_value());
    EXPECT_EQ(changes[1].column->default_value->text, "0");
    EXPECT_EQ(changes[2].name, "legacy");
    EXPECT_TRUE(changes[2].if_exists);
    EXPECT_EQ(changes[3].name, "old_flag");
    EXPECT_FALSE(changes[3].if_exists);
    EXPECT_EQ(changes[4].name, "x");
    EXPECT_EQ(changes[4].new_name, "y");
    EXPECT_EQ(changes[5].name, "note");
    ASSERT_TRUE(changes[5].column && changes[5].column->default_value);
    EXPECT_EQ(changes[5].column->default_value->text, "'n/a'");
    EXPECT_EQ(changes[6].name, "total");
    EXPECT_EQ(changes[7].detail, "ENGINE=InnoDB");
    EXPECT_EQ(changes[8].detail, "ALGORITHM=INPLACE");
    EXPECT_EQ(changes[9].detail, "LOCK=NONE");
}

TEST(TokenParserMysqlAlter, AddsSeveralColumnsInParentheses) {
    std::vector<Change> changes = changes_of(mysql, "ALTER TABLE t ADD COLUMN (a INT, b BIGINT NOT NULL)");
    EXPECT_EQ(kinds(changes), (std::vector<std::string>{"add_column", "add_column"}));
    EXPECT_EQ(changes[0].column->name, "a");
    EXPECT_EQ(changes[1].column->name, "b");
    EXPECT_EQ(changes[1].column->type.name, "bigint");
    EXPECT_TRUE(changes[1].column->not_null);

    changes = changes_of(mysql, "ALTER TABLE t ADD (c INT, INDEX idx_c (c))");
    EXPECT_EQ(kinds(changes), (std::vector<std::string>{"add_column", "create_index"}));
}

TEST(TokenParserMysqlAlter, ChangeRenamesWhenTheNameDiffersAndRestatesTheColumn) {
    std::vector<Change> changes =
        changes_of(mysql, "ALTER TABLE t CHANGE COLUMN qty quantity INT UNSIGNED NOT NULL DEFAULT 1");
    ASSERT_EQ(kinds(changes), (std::vector<std::string>{"rename_column", "alter_column_type"}));
    EXPECT_EQ(changes[0].name, "qty");
    EXPECT_EQ(changes[0].new_name, "quantity");
    EXPECT_EQ(changes[1].name, "quantity");
    EXPECT_TRUE(changes[1].restated);
    ASSERT_TRUE(changes[1].column.has_value());
    EXPECT_EQ(changes[1].column->type.name, "integer");
    EXPECT_EQ(changes[1].column->type.text, "INT UNSIGNED");
    EXPECT_TRUE(changes[1].column->not_null);
    ASSERT_TRUE(changes[1].column->default_value.has_value());

    changes = changes_of(mysql, "ALTER TABLE t CHANGE price price BIGINT");
    ASSERT_EQ(kinds(changes), (std::vector<std::string>{"alter_column_type"}));
    EXPECT_EQ(changes[0].column->type.name, "bigint");
    EXPECT_TRUE(changes[0].restated);

    // Column names are case-insensitive on MySQL: nothing an application sees is renamed.
    EXPECT_EQ(kinds(changes_of(mysql, "ALTER TABLE t CHANGE price PRICE BIGINT")),
              (std::vector<std::string>{"alter_column_type"}));
}

TEST(TokenParserMysqlAlter, ModifyRestatesTheWholeColumn) {
    Change change = only_change(mysql, "ALTER TABLE t MODIFY COLUMN status ENUM('new','it''s') NOT NULL AFTER id");
    EXPECT_EQ(to_string(change.kind), "alter_column_type");
    EXPECT_EQ(change.name, "status");
    EXPECT_TRUE(change.restated);
    ASSERT_TRUE(change.column.has_value());
    EXPECT_EQ(change.column->type.name, "enum");
    EXPECT_EQ(change.column->type.modifiers, (std::vector<std::string>{"new", "it's"}));
    EXPECT_TRUE(change.column->not_null);

    change = only_change(mysql, "ALTER TABLE t MODIFY name VARCHAR(100)");
    EXPECT_EQ(change.column->type.modifiers, (std::vector<std::string>{"100"}));
    EXPECT_FALSE(change.column->not_null);
}

TEST(TokenParserMysqlAlter, ConstraintsKeysAndIndexes) {
    std::vector<Change> changes = changes_of(mysql,
                                             "ALTER TABLE orders\n"
                                             "  ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) "
                                             "ON DELETE CASCADE ON UPDATE SET NULL,\n"
                                             "  ADD FOREIGN KEY (shop_id) REFERENCES shops (id),\n"
                                             "  ADD PRIMARY KEY (id, region),\n"
                                             "  ADD UNIQUE KEY uq_code (code),\n"
                                             "  ADD CONSTRAINT uq_ref UNIQUE (ref),\n"
                                             "  ADD CONSTRAINT chk CHECK (total >= 0) NOT ENFORCED,\n"
                                             "  ADD CHECK (qty > 0),\n"
                                             "  ADD INDEX idx_created (created_at DESC, note(10)),\n"
                                             "  ADD KEY (a) USING BTREE,\n"
                                             "  ADD FULLTEXT KEY ft_note (note),\n"
                                             "  ADD SPATIAL INDEX sp (location),\n"
                                             "  ADD INDEX idx_expr ((lower(email)))");
    ASSERT_EQ(kinds(changes),
              (std::vector<std::string>{"add_constraint", "add_constraint", "add_constraint", "add_constraint",
                                        "add_constraint", "add_constraint", "add_constraint", "create_index",
                                        "create_index", "create_index", "create_index", "create_index"}));
    const ConstraintDef& fk = *changes[0].constraint;
    EXPECT_EQ(fk.kind, ConstraintKind::foreign_key);
    EXPECT_EQ(fk.name, "fk_user");
    EXPECT_EQ(changes[0].name, "fk_user");
    EXPECT_EQ(fk.columns, (std::vector<std::string>{"user_id"}));
    EXPECT_EQ(changes[1].constraint->name, "");
    EXPECT_EQ(changes[2].constraint->kind, ConstraintKind::primary_key);
    EXPECT_EQ(changes[2].constraint->columns, (std::vector<std::string>{"id", "region"}));
    EXPECT_EQ(changes[3].constraint->kind, ConstraintKind::unique);
    EXPECT_EQ(changes[3].constraint->name, "uq_code");
    EXPECT_EQ(changes[4].constraint->name, "uq_ref");
    EXPECT_EQ(changes[5].constraint->kind, ConstraintKind::check);
    EXPECT_EQ(changes[5].constraint->name, "chk");
    EXPECT_TRUE(changes[5].constraint->not_valid);
    EXPECT_FALSE(changes[6].constraint->not_valid);
    for (std::size_t i = 7; i < changes.size(); ++i) {
        ASSERT_TRUE(changes[i].index.has_value());
        EXPECT_EQ(changes[i].index->table, "orders");
        EXPECT_EQ(changes[i].table, "orders");
        EXPECT_FALSE(changes[i].index->unique);
    }
    EXPECT_EQ(changes[7].index->name, "idx_created");
    EXPECT_EQ(changes[7].name, "idx_created");
    EXPECT_EQ(changes[7].index->columns, (std::vector<std::string>{"created_at", "note"}));
    EXPECT_EQ(changes[8].index->name, "");
    EXPECT_EQ(changes[9].index->name, "ft_note");
    EXPECT_EQ(changes[10].index->columns, (std::vector<std::string>{"location"}));
    EXPECT_EQ(changes[11].index->columns, (std::vector<std::string>{"(lower(email))"}));
}

TEST(TokenParserMysqlAlter, DropsOfKeysAndConstraints) {
    std::vector<Change> changes = changes_of(mysql,
                                             "ALTER TABLE t DROP INDEX idx_old, DROP KEY IF EXISTS idx_older, "
                                             "DROP PRIMARY KEY, DROP FOREIGN KEY fk_old, DROP CONSTRAINT chk_old, "
                                             "DROP CHECK chk_older");
    ASSERT_EQ(kinds(changes), (std::vector<std::string>{"drop_index", "drop_index", "drop_constraint",
                                                        "drop_constraint", "drop_constraint", "drop_constraint"}));
    EXPECT_EQ(changes[0].name, "idx_old");
    EXPECT_EQ(changes[0].table, "t");
    EXPECT_TRUE(changes[1].if_exists);
    EXPECT_EQ(changes[2].name, "PRIMARY");
    EXPECT_EQ(changes[3].name, "fk_old");
    EXPECT_EQ(changes[3].detail, "FOREIGN KEY");
    EXPECT_EQ(changes[4].name, "chk_old");
    EXPECT_EQ(changes[5].name, "chk_older");
}

TEST(TokenParserMysqlAlter, RenamesTheTable) {
    for (const char* sql : {"ALTER TABLE a RENAME TO b", "ALTER TABLE a RENAME AS b", "ALTER TABLE a RENAME b"}) {
        Change change = only_change(mysql, sql);
        EXPECT_EQ(to_string(change.kind), "rename_table") << sql;
        EXPECT_EQ(change.table, "a");
        EXPECT_EQ(change.new_name, "b");
    }
    EXPECT_EQ(only_change(mysql, "ALTER TABLE a RENAME TO archive.a").new_name, "archive.a");
}

TEST(TokenParserMysqlAlter, RenameIndexIsAnotherAlterWithBothNames) {
    Change change = only_change(mysql, "ALTER TABLE t RENAME INDEX a_idx TO b_idx");
    EXPECT_EQ(to_string(change.kind), "alter_table_other");
    EXPECT_EQ(change.name, "a_idx");
    EXPECT_EQ(change.new_name, "b_idx");
}

TEST(TokenParserMysqlAlter, ConvertCharsetAndTableOptions) {
    Change change = only_change(mysql, "ALTER TABLE t CONVERT TO CHARACTER SET UTF8MB4 COLLATE utf8mb4_unicode_ci");
    EXPECT_EQ(to_string(change.kind), "convert_charset");
    EXPECT_EQ(change.detail, "utf8mb4");
    EXPECT_EQ(only_change(mysql, "ALTER TABLE t CONVERT TO CHARSET latin1").detail, "latin1");

    for (const char* sql :
         {"ALTER TABLE t DEFAULT CHARACTER SET = utf8mb4", "ALTER TABLE t CHARACTER SET utf8mb4",
          "ALTER TABLE t DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin", "ALTER TABLE t ENGINE=InnoDB ROW_FORMAT=DYNAMIC",
          "ALTER TABLE t AUTO_INCREMENT = 1000", "ALTER TABLE t COMMENT = 'orders, by day'", "ALTER TABLE t FORCE",
          "ALTER TABLE t ALTER INDEX idx INVISIBLE", "ALTER TABLE t ALTER COLUMN c SET INVISIBLE",
          "ALTER TABLE t ADD PARTITION (PARTITION p3 VALUES LESS THAN (2030))", "ALTER TABLE t DROP PARTITION p1",
          "ALTER TABLE t ORDER BY id", "ALTER TABLE t"}) {
        EXPECT_EQ(kind_of(mysql, sql), "alter_table_other") << sql;
    }
    EXPECT_EQ(only_change(mysql, "ALTER TABLE t DEFAULT CHARACTER SET = utf8mb4").detail,
              "DEFAULT CHARACTER SET = utf8mb4");
}

TEST(TokenParserMysqlAlter, AlgorithmAndLockDoNotBreakTheOtherClauses) {
    std::vector<Change> changes =
        changes_of(mysql, "ALTER TABLE t ALGORITHM=INSTANT, ADD COLUMN c INT, LOCK = NONE, DROP COLUMN d");
    EXPECT_EQ(kinds(changes),
              (std::vector<std::string>{"alter_table_other", "add_column", "alter_table_other", "drop_column"}));
}

TEST(TokenParserMysqlAlter, MariadbOnlineIgnoreIfExistsAndWait) {
    std::vector<Change> changes =
        changes_of(mysql, "ALTER ONLINE IGNORE TABLE IF EXISTS t WAIT 5 ADD COLUMN IF NOT EXISTS c INT");
    ASSERT_EQ(kinds(changes), (std::vector<std::string>{"add_column"}));
    EXPECT_EQ(changes[0].table, "t");
}

TEST(TokenParserMysqlAlter, OtherAlterStatementsAreOther) {
    EXPECT_EQ(kind_of(mysql, "ALTER DATABASE shop CHARACTER SET utf8mb4"), "other");
    EXPECT_EQ(kind_of(mysql, "ALTER VIEW v AS SELECT 1"), "other");
    EXPECT_EQ(kind_of(mysql, "ALTER USER 'me'@'%' IDENTIFIED BY 'x'"), "other");
}

// ---- ALTER TABLE on SQLite

TEST(TokenParserSqliteAlter, TheFourClauses) {
    Change add = only_change(sqlite, "ALTER TABLE main.users ADD COLUMN age INTEGER NOT NULL DEFAULT 0");
    EXPECT_EQ(to_string(add.kind), "add_column");
    EXPECT_EQ(add.table, "main.users");
    EXPECT_EQ(add.column->type.name, "integer");
    EXPECT_TRUE(add.column->not_null);
    EXPECT_EQ(to_string(only_change(sqlite, "ALTER TABLE t ADD nickname").kind), "add_column");
    EXPECT_EQ(only_change(sqlite, "ALTER TABLE t ADD nickname").column->type.name, "");

    Change drop = only_change(sqlite, "ALTER TABLE t DROP COLUMN age");
    EXPECT_EQ(to_string(drop.kind), "drop_column");
    EXPECT_EQ(drop.name, "age");
    EXPECT_EQ(only_change(sqlite, "ALTER TABLE t DROP age").name, "age");

    for (const char* sql : {"ALTER TABLE t RENAME COLUMN a TO b", "ALTER TABLE t RENAME a TO b"}) {
        Change rename = only_change(sqlite, sql);
        EXPECT_EQ(to_string(rename.kind), "rename_column") << sql;
        EXPECT_EQ(rename.name, "a");
        EXPECT_EQ(rename.new_name, "b");
    }
    Change table = only_change(sqlite, "ALTER TABLE t RENAME TO \"New T\"");
    EXPECT_EQ(to_string(table.kind), "rename_table");
    EXPECT_EQ(table.new_name, "New T");
}

TEST(TokenParserSqliteAlter, TakesOneClauseOnly) {
    ParsedStatement::SyntaxError error = error_of(sqlite, "ALTER TABLE t ADD a INT, ADD b INT");
    EXPECT_NE(error.message.find("expected"), std::string::npos) << error.message;
    EXPECT_EQ(error.column, 24);
    EXPECT_NE(error_of(sqlite, "ALTER TABLE t MODIFY a INT").message.find("RENAME, ADD or DROP"), std::string::npos);
    error_of(sqlite, "ALTER TABLE t");
}

// ---- column definitions

TEST(TokenParserColumns, MysqlTypesAreCanonical) {
    struct Case {
        const char* type;
        const char* name;
        std::vector<std::string> modifiers;
    };
    const std::vector<Case> cases = {
        {"TINYINT(1)", "smallint", {"1"}},
        {"SMALLINT", "smallint", {}},
        {"MEDIUMINT", "integer", {}},
        {"INT(11) UNSIGNED ZEROFILL", "integer", {"11"}},
        {"INTEGER", "integer", {}},
        {"BIGINT UNSIGNED", "bigint", {}},
        {"SERIAL", "bigserial", {}},
        {"DECIMAL(10, 2)", "numeric", {"10", "2"}},
        {"NUMERIC(5)", "numeric", {"5"}},
        {"FLOAT", "real", {}},
        {"DOUBLE", "double", {}},
        {"DOUBLE PRECISION", "double", {}},
        {"REAL", "double", {}},
        {"BOOL", "boolean", {}},
        {"BOOLEAN", "boolean", {}},
        {"CHAR(2)", "char", {"2"}},
        {"NATIONAL CHARACTER VARYING(20)", "varchar", {"20"}},
        {"VARCHAR(255)", "varchar", {"255"}},
        {"TINYTEXT", "text", {}},
        {"TEXT", "text", {}},
        {"MEDIUMTEXT", "text", {}},
        {"LONGTEXT", "text", {}},
        {"BLOB", "blob", {}},
        {"LONGBLOB", "blob", {}},
        {"DATETIME(6)", "timestamp", {"6"}},
        {"TIMESTAMP", "timestamp", {}},
        {"DATE", "date", {}},
        {"TIME", "time", {}},
        {"JSON", "json", {}},
        {"ENUM('a', 'b')", "enum", {"a", "b"}},
        {"SET('x','y')", "set", {"x", "y"}},
        {"VARBINARY(16)", "varbinary", {"16"}},
        {"GEOMETRY", "geometry", {}},
        {"UUID", "uuid", {}},
    };
    for (const Case& c : cases) {
        ColumnDef column = column_of(mysql, std::string("c ") + c.type);
        EXPECT_EQ(column.type.name, c.name) << c.type;
        EXPECT_EQ(column.type.modifiers, c.modifiers) << c.type;
        EXPECT_EQ(column.type.text, c.type);
    }
    EXPECT_EQ(column_of(mysql, "c VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL").type.text,
              "VARCHAR(20)");
}

TEST(TokenParserColumns, SqliteTypesAreCanonicalOrLowerCased) {
    struct Case {
        const char* type;
        const char* name;
    };
    const std::vector<Case> cases = {
        {"INTEGER", "integer"},
        {"INT", "integer"},
        {"BIGINT", "bigint"},
        {"TEXT", "text"},
        {"VARCHAR(20)", "varchar"},
        {"REAL", "real"},
        {"DOUBLE PRECISION", "double"},
        {"BLOB", "blob"},
        {"NUMERIC(10,5)", "numeric"},
        {"BOOLEAN", "boolean"},
        {"DATETIME", "timestamp"},
        {"UNSIGNED BIG INT", "unsigned big int"},
        {"Money", "money"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(column_of(sqlite, std::string("c ") + c.type).type.name, c.name) << c.type;
    }
}

TEST(TokenParserColumns, ConstraintsAndFlags) {
    for (TokenFlavor flavor : both) {
        SCOPED_TRACE(flavor_name(flavor));
        EXPECT_TRUE(column_of(flavor, "c INT NOT NULL").not_null);
        EXPECT_FALSE(column_of(flavor, "c INT NULL").not_null);
        EXPECT_TRUE(column_of(flavor, "c INTEGER PRIMARY KEY").primary_key);
        EXPECT_TRUE(column_of(flavor, "c TEXT UNIQUE").unique);
        EXPECT_TRUE(column_of(flavor, "c INT REFERENCES p(id) ON DELETE CASCADE").references);
        EXPECT_TRUE(column_of(flavor, "c INT CONSTRAINT positive CHECK (c > 0)").check);
        EXPECT_TRUE(column_of(flavor, "c INT GENERATED ALWAYS AS (a + b) STORED").generated_stored);
        EXPECT_FALSE(column_of(flavor, "c INT GENERATED ALWAYS AS (a + b) VIRTUAL").generated_stored);
        EXPECT_TRUE(column_of(flavor, "c INT AS (a * 2) STORED").generated_stored);
        EXPECT_FALSE(column_of(flavor, "c INT AS (a * 2)").generated_stored);
        EXPECT_TRUE(column_of(flavor, "c TEXT COLLATE nocase NOT NULL").not_null);
    }
    EXPECT_TRUE(column_of(mysql, "id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY").identity);
    EXPECT_TRUE(column_of(mysql, "id INT KEY").primary_key);
    EXPECT_TRUE(column_of(mysql, "c INT UNIQUE KEY").unique);
    EXPECT_TRUE(column_of(mysql, "c INT AS (a) PERSISTENT").generated_stored);
    EXPECT_TRUE(column_of(sqlite, "id INTEGER PRIMARY KEY DESC ON CONFLICT FAIL AUTOINCREMENT").identity);
    EXPECT_TRUE(column_of(sqlite, "c TEXT NOT NULL ON CONFLICT REPLACE").not_null);
    EXPECT_TRUE(column_of(sqlite, "c INT REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED").references);
}

TEST(TokenParserColumns, MysqlColumnOptions) {
    ColumnDef column = column_of(mysql,
                                 "updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE "
                                 "CURRENT_TIMESTAMP(3) COMMENT 'last change' INVISIBLE");
    EXPECT_EQ(column.type.name, "timestamp");
    EXPECT_TRUE(column.not_null);
    ASSERT_TRUE(column.default_value.has_value());
    EXPECT_EQ(column.default_value->text, "CURRENT_TIMESTAMP(3)");
    EXPECT_EQ(column.default_value->volatility, Volatility::constant);

    for (const char* definition : {
             "c VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_bin",
             "c VARCHAR(10) CHARSET utf8mb4 BINARY",
             "c TEXT COLUMN_FORMAT DYNAMIC STORAGE DISK",
             "c JSON ENGINE_ATTRIBUTE = '{}'",
             "c INT VISIBLE",
             "c INT WITHOUT SYSTEM VERSIONING",
             "c BIGINT SERIAL DEFAULT VALUE",
             "c POINT NOT NULL SRID 4326",
             "c INT NOT NULL DEFAULT -1",
             "c INT DEFAULT 0x1F",
             "c BIT(1) DEFAULT b'0'",
             "c VARCHAR(5) DEFAULT _utf8mb4'abc'",
             "c VARCHAR(5) DEFAULT \"it\\\"s\"",
         }) {
        column_of(mysql, definition);
    }
}

TEST(TokenParserColumns, DefaultsAndTheirVolatility) {
    struct Case {
        TokenFlavor flavor;
        const char* definition;
        const char* text;
        Volatility volatility;
    };
    const std::vector<Case> cases = {
        {mysql, "c CHAR(36) DEFAULT (UUID())", "(UUID())", Volatility::volatile_},
        {mysql, "c DOUBLE DEFAULT (RAND())", "(RAND())", Volatility::volatile_},
        {mysql, "c BIGINT DEFAULT (uuid_short())", "(uuid_short())", Volatility::volatile_},
        {mysql, "c BINARY(16) DEFAULT (UUID_TO_BIN(UUID()))", "(UUID_TO_BIN(UUID()))", Volatility::volatile_},
        {mysql, "c RAW(16) DEFAULT SYS_GUID()", "SYS_GUID()", Volatility::volatile_},
        {mysql, "c DATETIME DEFAULT NOW()", "NOW()", Volatility::constant},
        {mysql, "c DATETIME DEFAULT CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP", Volatility::constant},
        {mysql, "c INT DEFAULT (a + 1)", "(a + 1)", Volatility::constant},
        {mysql, "c BIGINT DEFAULT NEXT VALUE FOR seq", "NEXT VALUE FOR seq", Volatility::volatile_},
        {sqlite, "c INT DEFAULT (random())", "(random())", Volatility::volatile_},
        {sqlite, "c TEXT DEFAULT (lower(hex(randomblob(16))))", "(lower(hex(randomblob(16))))", Volatility::volatile_},
        {sqlite, "c TEXT DEFAULT CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP", Volatility::constant},
        {sqlite, "c TEXT DEFAULT 'x'", "'x'", Volatility::constant},
        {sqlite, "c REAL DEFAULT -1.5", "-1.5", Volatility::constant},
        {sqlite, "c INT DEFAULT NULL", "NULL", Volatility::constant},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.definition);
        ColumnDef column = column_of(c.flavor, c.definition);
        ASSERT_TRUE(column.default_value.has_value());
        EXPECT_EQ(column.default_value->text, c.text);
        EXPECT_EQ(column.default_value->volatility, c.volatility);
    }
    Change set_default = only_change(mysql, "ALTER TABLE t ALTER COLUMN id SET DEFAULT (UUID())");
    EXPECT_EQ(to_string(set_default.kind), "set_default");
    EXPECT_EQ(set_default.column->default_value->volatility, Volatility::volatile_);
}

// ---- CREATE TABLE

TEST(TokenParserCreateTable, MysqlColumnsConstraintsAndOptions) {
    Change change = only_change(mysql,
                                "CREATE TABLE IF NOT EXISTS `shop`.`Orders` (\n"
                                "  `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,\n"
                                "  user_id BIGINT NOT NULL REFERENCES users (id),\n"
                                "  code VARCHAR(20) UNIQUE,\n"
                                "  total DECIMAL(10,2) NOT NULL DEFAULT '0.00' CHECK (total >= 0),\n"
                                "  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
                                "  PRIMARY KEY (`id`),\n"
                                "  UNIQUE KEY uq_user_code (user_id, code),\n"
                                "  KEY idx_created (created_at),\n"
                                "  INDEX (total),\n"
                                "  FULLTEXT KEY ft (code),\n"
                                "  CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT,\n"
                                "  CONSTRAINT chk_total CHECK (total < 1000000)\n"
                                ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci COMMENT='x'");
    EXPECT_EQ(to_string(change.kind), "create_table");
    EXPECT_EQ(change.table, "shop.Orders");
    ASSERT_EQ(change.columns.size(), 5u);
    EXPECT_EQ(change.columns[0].name, "id");
    EXPECT_TRUE(change.columns[0].identity);
    EXPECT_TRUE(change.columns[1].references);
    EXPECT_TRUE(change.columns[2].unique);
    EXPECT_TRUE(change.columns[3].check);
    EXPECT_EQ(change.columns[4].type.name, "timestamp");
    std::vector<std::string> constraints;
    for (const ConstraintDef& constraint : change.constraints) {
        constraints.push_back(std::string(to_string(constraint.kind)) + " " + constraint.name);
    }
    EXPECT_EQ(constraints, (std::vector<std::string>{"FOREIGN KEY ", "UNIQUE ", "CHECK ", "PRIMARY KEY ",
                                                     "UNIQUE uq_user_code", "FOREIGN KEY fk_user", "CHECK chk_total"}));
    EXPECT_EQ(change.constraints[0].columns, (std::vector<std::string>{"user_id"}));
    EXPECT_EQ(change.constraints[4].columns, (std::vector<std::string>{"user_id", "code"}));
}

TEST(TokenParserCreateTable, SqliteColumnsAndConstraints) {
    Change change = only_change(sqlite,
                                "CREATE TABLE IF NOT EXISTS \"main\".[kv] (\n"
                                "  key TEXT NOT NULL,\n"
                                "  value,\n"
                                "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
                                "  owner INTEGER REFERENCES users(id) ON DELETE SET NULL,\n"
                                "  CONSTRAINT uq UNIQUE (key, value) ON CONFLICT REPLACE,\n"
                                "  FOREIGN KEY (owner) REFERENCES users(id),\n"
                                "  CHECK (length(key) > 0)\n"
                                ") WITHOUT ROWID, STRICT");
    EXPECT_EQ(change.table, "main.kv");
    ASSERT_EQ(change.columns.size(), 4u);
    EXPECT_EQ(change.columns[0].name, "key");
    EXPECT_TRUE(change.columns[0].not_null);
    EXPECT_EQ(change.columns[1].name, "value");
    EXPECT_EQ(change.columns[1].type.name, "");
    EXPECT_TRUE(change.columns[2].primary_key);
    EXPECT_TRUE(change.columns[2].identity);
    EXPECT_TRUE(change.columns[3].references);
    ASSERT_EQ(change.constraints.size(), 5u);
    EXPECT_EQ(change.constraints[2].name, "uq");
    EXPECT_EQ(change.constraints[2].columns, (std::vector<std::string>{"key", "value"}));
    EXPECT_EQ(change.constraints[3].kind, ConstraintKind::foreign_key);
    EXPECT_EQ(change.constraints[4].kind, ConstraintKind::check);
}

TEST(TokenParserCreateTable, CopiesAndQueriesHaveNoColumns) {
    for (TokenFlavor flavor : both) {
        for (const char* sql : {"CREATE TABLE t AS SELECT * FROM u", "CREATE TEMPORARY TABLE t AS SELECT 1",
                                "CREATE TABLE t (a INT) AS SELECT 1 AS a"}) {
            EXPECT_EQ(kind_of(flavor, sql), "create_table") << sql;
        }
        EXPECT_TRUE(only_change(flavor, "CREATE TABLE t AS SELECT * FROM u").columns.empty());
    }
    for (const char* sql : {"CREATE TABLE t LIKE u", "CREATE TABLE t (LIKE u)", "CREATE TABLE t SELECT * FROM u",
                            "CREATE TABLE t (SELECT * FROM u)", "CREATE TABLE t IGNORE SELECT * FROM u"}) {
        Change change = only_change(mysql, sql);
        EXPECT_EQ(to_string(change.kind), "create_table") << sql;
        EXPECT_TRUE(change.columns.empty()) << sql;
    }
    Change temporary = only_change(mysql, "CREATE TEMPORARY TABLE IF NOT EXISTS tmp (a INT)");
    EXPECT_EQ(temporary.detail, "temporary");
    EXPECT_EQ(only_change(sqlite, "CREATE TEMP TABLE tmp (a)").detail, "temporary");
}

TEST(TokenParserCreateTable, BeginAsAColumnNameDoesNotSwallowWhatFollows) {
    for (TokenFlavor flavor : both) {
        std::vector<Change> changes =
            changes_of(flavor, "CREATE TABLE periods (id INT, begin DATE, end DATE);\nDROP TABLE x;");
        EXPECT_EQ(kinds(changes), (std::vector<std::string>{"create_table", "drop_table"})) << flavor_name(flavor);
    }
}

// ---- CREATE INDEX

TEST(TokenParserCreateIndex, BothFlavours) {
    for (TokenFlavor flavor : both) {
        SCOPED_TRACE(flavor_name(flavor));
        Change change = only_change(flavor, "CREATE UNIQUE INDEX IF NOT EXISTS uq_email ON users (email, \"tenant\")");
        EXPECT_EQ(to_string(change.kind), "create_index");
        EXPECT_EQ(change.table, "users");
        EXPECT_EQ(change.name, "uq_email");
        ASSERT_TRUE(change.index.has_value());
        EXPECT_EQ(change.index->name, "uq_email");
        EXPECT_EQ(change.index->table, "users");
        EXPECT_TRUE(change.index->unique);
        EXPECT_TRUE(change.index->if_not_exists);
        EXPECT_FALSE(change.index->concurrently);
        EXPECT_EQ(change.index->columns, (std::vector<std::string>{"email", "tenant"}));

        change = only_change(flavor, "CREATE INDEX idx ON t (a DESC, b ASC)");
        EXPECT_FALSE(change.index->unique);
        EXPECT_EQ(change.index->columns, (std::vector<std::string>{"a", "b"}));
    }
}

TEST(TokenParserCreateIndex, MysqlOptionsAndKinds) {
    Change change = only_change(mysql,
                                "CREATE INDEX idx_name USING BTREE ON shop.users (name(20), (lower(email))) "
                                "COMMENT 'by name' ALGORITHM=INPLACE LOCK=NONE");
    EXPECT_EQ(change.table, "shop.users");
    EXPECT_EQ(change.index->columns, (std::vector<std::string>{"name", "(lower(email))"}));
    EXPECT_EQ(kind_of(mysql, "CREATE FULLTEXT INDEX ft ON posts (body)"), "create_index");
    EXPECT_EQ(kind_of(mysql, "CREATE SPATIAL INDEX sp ON places (location)"), "create_index");
    EXPECT_EQ(kind_of(mysql, "CREATE OR REPLACE INDEX i ON t (a) ALGORITHM = COPY LOCK = SHARED"), "create_index");
}

TEST(TokenParserCreateIndex, SqlitePartialAndExpressionIndexes) {
    Change change = only_change(
        sqlite, "CREATE INDEX main.idx_active ON users (lower(email) COLLATE NOCASE) WHERE deleted_at IS NULL");
    EXPECT_EQ(change.index->name, "main.idx_active");
    EXPECT_EQ(change.index->table, "users");
    EXPECT_EQ(change.index->columns, (std::vector<std::string>{"lower(email)"}));
    EXPECT_EQ(only_change(sqlite, "CREATE INDEX i ON t (a COLLATE NOCASE DESC)").index->columns,
              (std::vector<std::string>{"a"}));
}

// ---- DROP, RENAME, TRUNCATE

TEST(TokenParserDrop, TablesOneChangeEach) {
    for (TokenFlavor flavor : both) {
        std::vector<Change> changes = changes_of(flavor, "DROP TABLE IF EXISTS a");
        ASSERT_EQ(kinds(changes), (std::vector<std::string>{"drop_table"}));
        EXPECT_EQ(changes[0].table, "a");
        EXPECT_TRUE(changes[0].if_exists);
    }
    std::vector<Change> changes = changes_of(mysql, "DROP TABLE IF EXISTS a, `b`, db.c CASCADE");
    ASSERT_EQ(kinds(changes), (std::vector<std::string>{"drop_table", "drop_table", "drop_table"}));
    EXPECT_EQ(changes[1].table, "b");
    EXPECT_EQ(changes[2].table, "db.c");
    EXPECT_TRUE(changes[2].if_exists);
    Change temporary = only_change(mysql, "DROP TEMPORARY TABLE tmp");
    EXPECT_EQ(to_string(temporary.kind), "drop_table");
    EXPECT_EQ(temporary.detail, "temporary");
    EXPECT_FALSE(temporary.if_exists);
}

TEST(TokenParserDrop, IndexesNameTheirTableOnMysqlOnly) {
    Change change = only_change(mysql, "DROP INDEX idx ON shop.users ALGORITHM=INPLACE LOCK=NONE");
    EXPECT_EQ(to_string(change.kind), "drop_index");
    EXPECT_EQ(change.name, "idx");
    EXPECT_EQ(change.table, "shop.users");
    EXPECT_NE(error_of(mysql, "DROP INDEX idx").message.find("ON"), std::string::npos);

    change = only_change(sqlite, "DROP INDEX IF EXISTS main.idx");
    EXPECT_EQ(to_string(change.kind), "drop_index");
    EXPECT_EQ(change.name, "main.idx");
    EXPECT_EQ(change.table, "");
    EXPECT_TRUE(change.if_exists);
    error_of(sqlite, "DROP INDEX idx ON t");
}

TEST(TokenParserDrop, OtherObjects) {
    struct Case {
        TokenFlavor flavor;
        const char* sql;
        const char* name;
        const char* detail;
    };
    const std::vector<Case> cases = {
        {mysql, "DROP VIEW IF EXISTS v", "v", "view"},
        {sqlite, "DROP VIEW v", "v", "view"},
        {mysql, "DROP TRIGGER shop.trg", "shop.trg", "trigger"},
        {sqlite, "DROP TRIGGER IF EXISTS trg", "trg", "trigger"},
        {mysql, "DROP PROCEDURE IF EXISTS p", "p", "procedure"},
        {mysql, "DROP FUNCTION f", "f", "function"},
        {mysql, "DROP EVENT e", "e", "event"},
        {mysql, "DROP SEQUENCE s", "s", "sequence"},
    };
    for (const Case& c : cases) {
        Change change = only_change(c.flavor, c.sql);
        EXPECT_EQ(to_string(change.kind), "drop_other") << c.sql;
        EXPECT_EQ(change.name, c.name) << c.sql;
        EXPECT_EQ(change.detail, c.detail) << c.sql;
    }
    EXPECT_EQ(kinds(changes_of(mysql, "DROP VIEW a, b")), (std::vector<std::string>{"drop_other", "drop_other"}));
}

TEST(TokenParserDrop, DatabasesAndSchemasOnMysql) {
    for (const char* sql : {"DROP DATABASE shop", "DROP SCHEMA IF EXISTS shop"}) {
        Change change = only_change(mysql, sql);
        EXPECT_EQ(to_string(change.kind), "drop_database") << sql;
        EXPECT_EQ(change.name, "shop");
    }
    error_of(sqlite, "DROP DATABASE shop");
    error_of(sqlite, "DROP SCHEMA shop");
}

TEST(TokenParserRename, MysqlRenameTableOneChangeEach) {
    std::vector<Change> changes = changes_of(mysql, "RENAME TABLE a TO b, shop.c TO archive.c");
    ASSERT_EQ(kinds(changes), (std::vector<std::string>{"rename_table", "rename_table"}));
    EXPECT_EQ(changes[0].table, "a");
    EXPECT_EQ(changes[0].new_name, "b");
    EXPECT_EQ(changes[1].table, "shop.c");
    EXPECT_EQ(changes[1].new_name, "archive.c");
    error_of(mysql, "RENAME TABLE a");
}

TEST(TokenParserTruncate, WithAndWithoutTable) {
    for (TokenFlavor flavor : both) {
        for (const char* sql : {"TRUNCATE TABLE logs", "TRUNCATE logs"}) {
            Change change = only_change(flavor, sql);
            EXPECT_EQ(to_string(change.kind), "truncate") << sql;
            EXPECT_EQ(change.table, "logs");
        }
    }
}

// ---- other CREATE statements

TEST(TokenParserCreateOther, ViewsTriggersRoutinesSchemas) {
    struct Case {
        TokenFlavor flavor;
        const char* sql;
        const char* kind;
        const char* name;
        const char* detail;
    };
    const std::vector<Case> cases = {
        {mysql, "CREATE OR REPLACE ALGORITHM=MERGE DEFINER=`root`@`%` SQL SECURITY INVOKER VIEW v (a) AS SELECT 1",
         "create_other", "v", "view"},
        {sqlite, "CREATE TEMP VIEW IF NOT EXISTS v AS SELECT 1", "create_other", "v", "view"},
        {mysql, "CREATE PROCEDURE p(IN x INT) BEGIN SELECT x; SELECT x + 1; END", "create_other", "p", "procedure"},
        {mysql, "CREATE DEFINER = CURRENT_USER FUNCTION f(x INT) RETURNS INT DETERMINISTIC RETURN x + 1",
         "create_other", "f", "function"},
        {mysql, "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM logs", "create_other", "e", "event"},
        {mysql, "CREATE DATABASE IF NOT EXISTS shop CHARACTER SET utf8mb4", "create_schema", "shop", ""},
        {mysql, "CREATE SCHEMA shop", "create_schema", "shop", ""},
        {mysql, "CREATE SEQUENCE s START WITH 1", "create_other", "s", "sequence"},
        {mysql, "CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'x'", "create_other", "'app'@'%'", "user"},
        {sqlite, "CREATE VIRTUAL TABLE docs USING fts5(title, body)", "create_other", "docs", "virtual table"},
    };
    for (const Case& c : cases) {
        Change change = only_change(c.flavor, c.sql);
        EXPECT_EQ(to_string(change.kind), c.kind) << c.sql;
        EXPECT_EQ(change.name, c.name) << c.sql;
        EXPECT_EQ(change.detail, c.detail) << c.sql;
    }
    error_of(sqlite, "CREATE DATABASE shop");
    error_of(sqlite, "CREATE PROCEDURE p() BEGIN SELECT 1; END");
}

TEST(TokenParserCreateOther, TriggerBodiesStayInTheirStatement) {
    std::vector<Change> changes = changes_of(sqlite,
                                             "CREATE TRIGGER IF NOT EXISTS users_audit AFTER UPDATE OF name, email "
                                             "ON users FOR EACH ROW WHEN (NEW.name <> OLD.name) BEGIN\n"
                                             "  INSERT INTO audit VALUES (NEW.id, 'x;y');\n"
                                             "  UPDATE users SET touched = 1 WHERE id = NEW.id;\n"
                                             "END;\n"
                                             "DELETE FROM users;");
    ASSERT_EQ(kinds(changes), (std::vector<std::string>{"create_other", "delete_rows"}));
    EXPECT_EQ(changes[0].name, "users_audit");
    EXPECT_EQ(changes[0].table, "users");
    EXPECT_EQ(changes[0].detail, "trigger");
    EXPECT_FALSE(changes[1].has_where);

    changes = changes_of(mysql,
                         "CREATE DEFINER=`root`@`localhost` TRIGGER trg BEFORE INSERT ON orders FOR EACH ROW BEGIN\n"
                         "  IF NEW.total < 0 THEN\n"
                         "    SET NEW.total = 0;\n"
                         "  END IF;\n"
                         "  SET NEW.created = NOW();\n"
                         "END;\n"
                         "CREATE TRIGGER trg2 AFTER DELETE ON orders FOR EACH ROW FOLLOWS trg "
                         "INSERT INTO audit VALUES (OLD.id);\n"
                         "SELECT 1");
    ASSERT_EQ(kinds(changes), (std::vector<std::string>{"create_other", "create_other", "select"}));
    EXPECT_EQ(changes[0].table, "orders");
    EXPECT_EQ(changes[1].name, "trg2");
}

TEST(TokenParserCreateOther, TriggerWithoutEndIsAnError) {
    ParsedStatement::SyntaxError error = error_of(sqlite, "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1");
    EXPECT_NE(error.message.find("END"), std::string::npos) << error.message;
    error_of(sqlite, "CREATE TRIGGER t AFTER INSERT ON x SELECT 1");
    error_of(mysql, "CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW");
    error_of(mysql, "CREATE TRIGGER t ON x FOR EACH ROW SET @a = 1");
}

// ---- data changes and queries

TEST(TokenParserData, Updates) {
    struct Case {
        TokenFlavor flavor;
        const char* sql;
        const char* table;
        bool has_where;
    };
    const std::vector<Case> cases = {
        {mysql, "UPDATE users SET active = 1", "users", false},
        {mysql, "UPDATE LOW_PRIORITY IGNORE `shop`.`users` u SET u.active = 1 WHERE u.id > 10", "shop.users", true},
        {mysql, "UPDATE users SET a = (SELECT max(x) FROM y WHERE y.z = 1)", "users", false},
        {mysql, "UPDATE users u JOIN orders o ON o.user_id = u.id SET u.total = o.total", "users", false},
        {mysql, "UPDATE users u, orders o SET u.total = o.total WHERE o.user_id = u.id", "users", true},
        {mysql, "UPDATE users SET a = CASE WHEN b THEN 1 ELSE 2 END ORDER BY id LIMIT 10", "users", false},
        {sqlite, "UPDATE OR IGNORE users SET a = 1 WHERE id IN (SELECT id FROM x WHERE y)", "users", true},
        {sqlite, "UPDATE users AS u SET a = x.a FROM (SELECT * FROM x WHERE b) AS x", "users", false},
    };
    for (const Case& c : cases) {
        Change change = only_change(c.flavor, c.sql);
        EXPECT_EQ(to_string(change.kind), "update") << c.sql;
        EXPECT_EQ(change.table, c.table) << c.sql;
        EXPECT_EQ(change.has_where, c.has_where) << c.sql;
    }
    for (TokenFlavor flavor : both) {
        error_of(flavor, "UPDATE users");
        error_of(flavor, "UPDATE users SET");
    }
}

TEST(TokenParserData, Deletes) {
    struct Case {
        TokenFlavor flavor;
        const char* sql;
        const char* table;
        bool has_where;
    };
    const std::vector<Case> cases = {
        {mysql, "DELETE FROM logs", "logs", false},
        {mysql, "DELETE LOW_PRIORITY QUICK IGNORE FROM shop.logs WHERE created < NOW() LIMIT 1000", "shop.logs", true},
        {mysql, "DELETE a FROM users AS a JOIN bans b ON b.user_id = a.id WHERE b.active", "users", true},
        {mysql, "DELETE users FROM users JOIN bans ON bans.user_id = users.id", "users", false},
        {mysql, "DELETE l FROM shop.logs l", "shop.logs", false},
        {sqlite, "DELETE FROM logs WHERE id IN (SELECT id FROM old)", "logs", true},
        {sqlite, "DELETE FROM main.logs", "main.logs", false},
    };
    for (const Case& c : cases) {
        Change change = only_change(c.flavor, c.sql);
        EXPECT_EQ(to_string(change.kind), "delete_rows") << c.sql;
        EXPECT_EQ(change.table, c.table) << c.sql;
        EXPECT_EQ(change.has_where, c.has_where) << c.sql;
    }
    error_of(sqlite, "DELETE logs");
    error_of(mysql, "DELETE");
}

TEST(TokenParserData, InsertsAndReplaces) {
    struct Case {
        TokenFlavor flavor;
        const char* sql;
        const char* table;
    };
    const std::vector<Case> cases = {
        {mysql, "INSERT INTO users (id, name) VALUES (1, 'a'), (2, 'b')", "users"},
        {mysql, "INSERT IGNORE users SET id = 1", "users"},
        {mysql, "INSERT LOW_PRIORITY INTO shop.users SELECT * FROM tmp ON DUPLICATE KEY UPDATE name = 'x'",
         "shop.users"},
        {mysql, "REPLACE INTO users VALUES (1)", "users"},
        {mysql, "LOAD DATA LOCAL INFILE 'users.csv' INTO TABLE users FIELDS TERMINATED BY ','", "users"},
        {sqlite, "INSERT OR REPLACE INTO users VALUES (1)", "users"},
        {sqlite, "REPLACE INTO users DEFAULT VALUES", "users"},
        {sqlite, "INSERT INTO \"users\" (id) VALUES (1) ON CONFLICT (id) DO NOTHING", "users"},
    };
    for (const Case& c : cases) {
        Change change = only_change(c.flavor, c.sql);
        EXPECT_EQ(to_string(change.kind), "insert") << c.sql;
        EXPECT_EQ(change.table, c.table) << c.sql;
    }
    error_of(sqlite, "INSERT users VALUES (1)");
    error_of(mysql, "INSERT INTO users");
}

TEST(TokenParserData, QueriesAndCommonTableExpressions) {
    for (TokenFlavor flavor : both) {
        SCOPED_TRACE(flavor_name(flavor));
        EXPECT_EQ(kind_of(flavor, "SELECT * FROM users WHERE id = 1"), "select");
        EXPECT_EQ(kind_of(flavor, "(SELECT 1) UNION (SELECT 2)"), "select");
        EXPECT_EQ(kind_of(flavor, "VALUES (1), (2)"), "select");
        EXPECT_EQ(kind_of(flavor, "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT * FROM n"),
                  "select");
        Change update = only_change(flavor,
                                    "WITH old AS (SELECT id FROM users WHERE a) UPDATE users SET b = 1 "
                                    "WHERE id IN (SELECT id FROM old)");
        EXPECT_EQ(to_string(update.kind), "update");
        EXPECT_EQ(update.table, "users");
        EXPECT_TRUE(update.has_where);
        EXPECT_EQ(kind_of(flavor, "WITH a AS (SELECT 1), b AS (SELECT 2) DELETE FROM t"), "delete_rows");
        EXPECT_EQ(kind_of(flavor, "WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a"), "insert");
        error_of(flavor, "WITH a AS (SELECT 1)");
    }
    EXPECT_EQ(kind_of(mysql, "TABLE users"), "select");
}

TEST(TokenParserData, Transactions) {
    struct Case {
        TokenFlavor flavor;
        const char* sql;
        const char* kind;
    };
    const std::vector<Case> cases = {
        {mysql, "BEGIN", "transaction_begin"},
        {mysql, "BEGIN WORK", "transaction_begin"},
        {mysql, "START TRANSACTION", "transaction_begin"},
        {mysql, "START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT", "transaction_begin"},
        {mysql, "COMMIT", "transaction_commit"},
        {mysql, "COMMIT WORK AND NO CHAIN", "transaction_commit"},
        {mysql, "ROLLBACK", "transaction_rollback"},
        {mysql, "ROLLBACK WORK", "transaction_rollback"},
        {mysql, "ROLLBACK TO SAVEPOINT s1", "other"},
        {mysql, "ROLLBACK WORK TO s1", "other"},
        {mysql, "END", "other"},
        {sqlite, "BEGIN", "transaction_begin"},
        {sqlite, "BEGIN IMMEDIATE TRANSACTION", "transaction_begin"},
        {sqlite, "BEGIN TRANSACTION", "transaction_begin"},
        {sqlite, "COMMIT TRANSACTION", "transaction_commit"},
        {sqlite, "END", "transaction_commit"},
        {sqlite, "END TRANSACTION", "transaction_commit"},
        {sqlite, "ROLLBACK TRANSACTION", "transaction_rollback"},
        {sqlite, "ROLLBACK TO s1", "other"},
        {sqlite, "SAVEPOINT s1", "other"},
        {sqlite, "RELEASE s1", "other"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(kind_of(c.flavor, c.sql), c.kind) << flavor_name(c.flavor) << ": " << c.sql;
    }
    EXPECT_EQ(kinds(changes_of(mysql, "BEGIN; UPDATE t SET a = 1; COMMIT;")),
              (std::vector<std::string>{"transaction_begin", "update", "transaction_commit"}));
}

TEST(TokenParserData, OtherStatementsAndVacuum) {
    for (const char* sql :
         {"SET NAMES utf8mb4", "SET @a = (1", "SET FOREIGN_KEY_CHECKS = 0", "GRANT SELECT ON shop.* TO 'app'@'%'",
          "LOCK TABLES users WRITE", "UNLOCK TABLES", "USE shop", "ANALYZE TABLE users", "OPTIMIZE TABLE users",
          "SHOW TABLES", "CALL p(1)", "DO SLEEP(1)", "FLUSH PRIVILEGES", "VACUUM", "PRAGMA x", "XYZZY ((("}) {
        EXPECT_EQ(kind_of(mysql, sql), "other") << sql;
    }
    for (const char* sql : {"PRAGMA foreign_keys = ON", "ANALYZE", "ATTACH DATABASE 'x.db' AS x", "DETACH x",
                            "EXPLAIN QUERY PLAN SELECT 1", "RENAME TABLE a TO b", "frobnicate everything"}) {
        EXPECT_EQ(kind_of(sqlite, sql), "other") << sql;
    }
    Change vacuum = only_change(sqlite, "VACUUM");
    EXPECT_EQ(to_string(vacuum.kind), "vacuum");
    EXPECT_EQ(vacuum.name, "");
    EXPECT_EQ(only_change(sqlite, "VACUUM main INTO 'backup.db'").name, "main");
    Change reindex = only_change(sqlite, "REINDEX idx");
    EXPECT_EQ(to_string(reindex.kind), "reindex");
    EXPECT_EQ(reindex.name, "idx");
}

// ---- names

TEST(TokenParserNames, QuotesGoCaseAndSchemaStay) {
    EXPECT_EQ(only_change(mysql, "DROP TABLE `My``Table`").table, "My`Table");
    EXPECT_EQ(only_change(mysql, "DROP TABLE `Shop`.`Users`").table, "Shop.Users");
    EXPECT_EQ(only_change(mysql, "DROP TABLE Shop.Users").table, "Shop.Users");
    EXPECT_EQ(only_change(sqlite, "DROP TABLE \"a \"\"b\"\"\"").table, "a \"b\"");
    EXPECT_EQ(only_change(sqlite, "DROP TABLE [odd name]").table, "odd name");
    EXPECT_EQ(only_change(sqlite, "DROP TABLE 'legacy'").table, "legacy");
    EXPECT_EQ(only_change(sqlite, "ALTER TABLE MixedCase ADD \"Col\" TEXT").column->name, "Col");
}

// ---- positions

TEST(TokenParserPositions, StatementsStartAtTheirFirstToken) {
    std::string sql = "-- header; with a semicolon\n/* block */ SELECT 1; UPDATE t SET a = 'x;y' ;\n\n  DROP TABLE t";
    std::vector<ParsedStatement> statements = parse(mysql, sql);
    ASSERT_EQ(statements.size(), 3u);
    EXPECT_EQ(statements[0].text, "SELECT 1");
    EXPECT_EQ(statements[0].line, 2);
    EXPECT_EQ(statements[0].column, 13);
    EXPECT_EQ(statements[0].offset, sql.find("SELECT"));
    EXPECT_EQ(statements[1].text, "UPDATE t SET a = 'x;y'");
    EXPECT_EQ(statements[1].line, 2);
    EXPECT_EQ(statements[1].column, 23);
    EXPECT_EQ(statements[1].offset, sql.find("UPDATE"));
    EXPECT_EQ(statements[2].text, "DROP TABLE t");
    EXPECT_EQ(statements[2].line, 4);
    EXPECT_EQ(statements[2].column, 3);
}

TEST(TokenParserPositions, CrlfAndByteOrderMark) {
    std::string sql =
        "\xEF\xBB\xBF"
        "CREATE TABLE t (a INT);\r\nDROP TABLE t;\r\n";
    for (TokenFlavor flavor : both) {
        std::vector<ParsedStatement> statements = parse(flavor, sql);
        ASSERT_EQ(statements.size(), 2u);
        EXPECT_FALSE(statements[0].syntax_error.has_value());
        EXPECT_EQ(to_string(statements[0].changes.at(0).kind), "create_table");
        EXPECT_EQ(statements[0].offset, 3u);
        EXPECT_EQ(statements[0].line, 1);
        EXPECT_EQ(statements[0].column, 1);
        EXPECT_EQ(statements[1].text, "DROP TABLE t");
        EXPECT_EQ(statements[1].line, 2);
        EXPECT_EQ(statements[1].column, 1);
    }
}

TEST(TokenParserPositions, CommentsBetweenEveryToken) {
    std::string sql =
        "/*a*/ ALTER /*b*/ TABLE -- c\n `t` /*d*/ ADD /*e*/ COLUMN /*f*/ c /*g*/ INT /*h*/ NOT /*i*/ NULL /*j*/ ; "
        "/*k*/";
    std::vector<ParsedStatement> statements = parse(mysql, sql);
    ASSERT_EQ(statements.size(), 1u);
    ASSERT_FALSE(statements[0].syntax_error.has_value()) << statements[0].syntax_error->message;
    EXPECT_EQ(statements[0].column, 7);
    EXPECT_TRUE(statements[0].changes.at(0).column->not_null);
    EXPECT_EQ(statements[0].text.substr(0, 5), "ALTER");
    EXPECT_EQ(statements[0].text.substr(statements[0].text.size() - 4), "NULL");
}

TEST(TokenParserPositions, EmptyAndCommentOnlyInputYieldNothing) {
    for (TokenFlavor flavor : both) {
        EXPECT_TRUE(parse(flavor, "").empty());
        EXPECT_TRUE(parse(flavor, " \n\t ;; ; ").empty());
        EXPECT_TRUE(parse(flavor, "-- nothing\n/* at all */").empty());
    }
    EXPECT_TRUE(parse(mysql, "# a MySQL comment\n").empty());
}

// ---- syntax errors

TEST(TokenParserErrors, MalformedStatementsNameWhatWasExpectedAndWhere) {
    struct Case {
        TokenFlavor flavor;
        const char* sql;
        int line;
        int column;
        const char* message;
    };
    const std::vector<Case> cases = {
        {mysql, "ALTER TABLE", 1, 12, "expected a table name, found end of statement"},
        {sqlite, "ALTER TABLE", 1, 12, "expected a table name, found end of statement"},
        {mysql, "ALTER TABLE t ADD", 1, 18, "expected a column name"},
        {mysql, "ALTER TABLE t ADD COLUMN c", 1, 27, "expected a column type"},
        {mysql, "ALTER TABLE t ADD COLUMN c INT NOT NUL", 1, 36, "expected NULL after NOT, found 'NUL'"},
        {mysql, "ALTER TABLE t DROP COLUMN a b", 1, 29, "expected ',' or end of statement, found 'b'"},
        {mysql, "ALTER TABLE t ADD c INT,", 1, 25, "expected an ALTER TABLE clause, found end of statement"},
        {mysql, "ALTER TABLE t RENAME COLUMN a b", 1, 31, "expected TO, found 'b'"},
        {mysql, "CREATE INDEX ON t (a)", 1, 14, "expected an index name, found 'ON'"},
        {sqlite, "CREATE INDEX i ON", 1, 18, "expected a table name, found end of statement"},
        {mysql, "CREATE INDEX i ON t", 1, 20, "expected '(' and a column list"},
        {mysql, "CREATE TABLE t", 1, 15, "expected '(', LIKE or AS"},
        {mysql, "CREATE TABLE t ()", 1, 17, "expected a column name, found ')'"},
        {sqlite, "CREATE TABLE t (a INT,)", 1, 23, "expected a column name, found ')'"},
        {mysql, "CREATE TABLE t (a INT b)", 1, 23, "expected a column option"},
        {mysql, "CREATE TABEL t (a INT)", 1, 8, "expected TABLE, INDEX"},
        {mysql, "DROP TABLE a b", 1, 14, "expected end of statement, found 'b'"},
        {mysql, "DROP", 1, 5, "found end of statement"},
        {mysql, "SELECT (1", 1, 8, "expected ')' to close this '('"},
        {sqlite, "CREATE TABLE t (a INT, b DECIMAL(10, 2)", 1, 16, "expected ')' to close this '('"},
        {mysql, "UPDATE t SET a = 1)", 1, 19, "found an unmatched ')'"},
        {mysql, "DELETE FROM t WHERE (a = 1))", 1, 28, "found an unmatched ')'"},
        {mysql, "ALTER TABLE t\n  ADD COLUMN c INT,\n  DROP", 3, 7, "expected a column name"},
        {sqlite, "CREATE TABLE t (a INT CHECK a > 0)", 1, 29, "expected '(' after CHECK"},
        {mysql, "ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES", 1, 45, "expected a referenced table name"},
        {mysql, "ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES p(id) ON DELETE EXPLODE", 1, 62,
         "expected CASCADE, RESTRICT, SET NULL, SET DEFAULT or NO ACTION"},
        {mysql, "ALTER TABLE t ALTER COLUMN c SET NOT NULL", 1, 34, "expected DEFAULT, VISIBLE or INVISIBLE"},
        {mysql, "ALTER TABLE t CONVERT TO utf8mb4", 1, 26, "expected CHARACTER SET or CHARSET"},
        {mysql, "TRUNCATE", 1, 9, "expected a table name"},
        {mysql, "BEGIN foo", 1, 7, "expected end of statement, found 'foo'"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(flavor_name(c.flavor)) + ": " + c.sql);
        ParsedStatement::SyntaxError error = error_of(c.flavor, c.sql);
        EXPECT_NE(error.message.find(c.message), std::string::npos) << error.message;
        EXPECT_EQ(error.line, c.line) << error.message;
        EXPECT_EQ(error.column, c.column) << error.message;
    }
}

TEST(TokenParserErrors, ParsingGoesOnWithTheNextStatement) {
    for (TokenFlavor flavor : both) {
        std::vector<ParsedStatement> statements =
            parse(flavor, "CREATE TABLE a (id INT);\nALTER TABLE;\nCREATE INDEX ON;\nDROP TABLE a;");
        ASSERT_EQ(statements.size(), 4u);
        EXPECT_FALSE(statements[0].syntax_error.has_value());
        ASSERT_TRUE(statements[1].syntax_error.has_value());
        EXPECT_EQ(statements[1].syntax_error->line, 2);
        EXPECT_EQ(statements[1].text, "ALTER TABLE");
        EXPECT_TRUE(statements[1].changes.empty());
        ASSERT_TRUE(statements[2].syntax_error.has_value());
        EXPECT_EQ(statements[2].syntax_error->line, 3);
        EXPECT_FALSE(statements[3].syntax_error.has_value());
        EXPECT_EQ(to_string(statements[3].changes.at(0).kind), "drop_table");
    }
}

TEST(TokenParserErrors, UnterminatedTextIsOneErrorCoveringTheRest) {
    for (TokenFlavor flavor : both) {
        SCOPED_TRACE(flavor_name(flavor));
        std::string sql = "DROP TABLE a;\nUPDATE t SET a = 'oops;\nDROP TABLE b;\nDROP TABLE c;\n";
        std::vector<ParsedStatement> statements = parse(flavor, sql);
        ASSERT_EQ(statements.size(), 2u);
        EXPECT_FALSE(statements[0].syntax_error.has_value());
        ASSERT_TRUE(statements[1].syntax_error.has_value());
        EXPECT_NE(statements[1].syntax_error->message.find("unterminated"), std::string::npos);
        EXPECT_EQ(statements[1].syntax_error->line, 2);
        EXPECT_EQ(statements[1].syntax_error->column, 18);
        EXPECT_EQ(statements[1].line, 2);
        EXPECT_EQ(statements[1].column, 1);
        EXPECT_EQ(statements[1].offset, sql.find("UPDATE"));
        EXPECT_EQ(statements[1].text, "UPDATE t SET a = 'oops;\nDROP TABLE b;\nDROP TABLE c;");
        EXPECT_TRUE(statements[1].changes.empty());

        statements = parse(flavor, "SELECT 1;\n  /* never closed");
        ASSERT_EQ(statements.size(), 2u);
        ASSERT_TRUE(statements[1].syntax_error.has_value());
        EXPECT_EQ(statements[1].line, 2);
        EXPECT_EQ(statements[1].column, 3);
        EXPECT_EQ(statements[1].text, "/* never closed");
    }
}

// ---- MySQL's lexical rules

TEST(TokenParserMysqlLexing, BackslashEscapesAndHashComments) {
    std::vector<Change> changes = changes_of(mysql,
                                             "INSERT INTO t VALUES ('it\\'s; fine', \"a\\\"b\"); # a comment; 'quote\n"
                                             "ALTER TABLE t ADD c VARCHAR(5) DEFAULT 'x\\\\'; -- another\n"
                                             "SELECT 1--1\n");
    EXPECT_EQ(kinds(changes), (std::vector<std::string>{"insert", "add_column", "select"}));
    EXPECT_EQ(changes[1].column->default_value->text, "'x\\\\'");
    // SQLite knows neither: its '\' is an ordinary character.
    EXPECT_EQ(kinds(changes_of(sqlite, "INSERT INTO t VALUES ('a\\'); SELECT 1;")),
              (std::vector<std::string>{"insert", "select"}));
}

// ---- input meant to break the parser

// What every parse must satisfy whatever the input: statements in order, inside the input, and
// either Changes or a syntax error with a sane position.
void expect_sane(TokenFlavor flavor, std::string_view sql) {
    std::vector<ParsedStatement> statements = parse(flavor, sql);
    std::size_t previous = 0;
    for (const ParsedStatement& statement : statements) {
        ASSERT_LE(statement.offset + statement.text.size(), sql.size());
        ASSERT_GE(statement.offset, previous);
        previous = statement.offset;
        ASSERT_EQ(sql.substr(statement.offset, statement.text.size()), statement.text);
        ASSERT_NE(statement.changes.empty(), !statement.syntax_error.has_value());
        ASSERT_GE(statement.line, 1);
        ASSERT_GE(statement.column, 1);
        if (statement.syntax_error) {
            ASSERT_GE(statement.syntax_error->line, statement.line);
            ASSERT_GE(statement.syntax_error->column, 1);
            ASSERT_FALSE(statement.syntax_error->message.empty());
        }
    }
}

TEST(TokenParserNasty, BinaryJunkAndNulBytes) {
    const char raw[] = "CREATE TABLE t (a INT\0, b\xff\xfe INT);\0\0DROP\x01TABLE x;\0";
    std::string junk(raw, sizeof raw - 1);
    for (TokenFlavor flavor : both) {
        ASSERT_NO_FATAL_FAILURE(expect_sane(flavor, junk));
    }
    std::mt19937 random(2024);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int round = 0; round < 200; ++round) {
        std::string sql;
        for (int i = 0; i < 300; ++i) {
            sql += static_cast<char>(byte(random));
        }
        for (TokenFlavor flavor : both) {
            ASSERT_NO_FATAL_FAILURE(expect_sane(flavor, sql));
        }
    }
}

TEST(TokenParserNasty, ErrorMessagesAboutJunkArePrintable) {
    ParsedStatement::SyntaxError error = error_of(mysql, "DROP TABLE a '\x01\xff\xc3\xa9'");
    for (char c : error.message) {
        EXPECT_GE(static_cast<unsigned char>(c), 0x20u) << error.message;
    }
    EXPECT_NE(error.message.find("\xc3\xa9"), std::string::npos) << "valid UTF-8 is kept";
}

TEST(TokenParserNasty, TruncatedAndShuffledMigrations) {
    const std::string script =
        "CREATE TABLE `a` (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, b VARCHAR(10) DEFAULT 'x', KEY k (b));\n"
        "ALTER TABLE a ADD COLUMN c INT AFTER b, ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES z(id), "
        "MODIFY b TEXT, CHANGE c d BIGINT, ALGORITHM=INPLACE;\n"
        "CREATE UNIQUE INDEX u ON a (b(5), (lower(b))) WHERE x;\n"
        "CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW BEGIN UPDATE a SET b = 'it''s'; END;\n"
        "WITH q AS (SELECT 1) DELETE x FROM a x WHERE (1);\n"
        "DROP TABLE IF EXISTS a, b; RENAME TABLE a TO b; BEGIN; COMMIT;\n";
    for (TokenFlavor flavor : both) {
        for (std::size_t n = 0; n <= script.size(); ++n) {
            SCOPED_TRACE(n);
            ASSERT_NO_FATAL_FAILURE(expect_sane(flavor, std::string_view(script).substr(0, n)));
            ASSERT_NO_FATAL_FAILURE(expect_sane(flavor, std::string_view(script).substr(n)));
        }
    }
    const std::string alphabet = "(),;.'\"`[]-/*# \n=\\ ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const std::vector<std::string> words = {
        "ALTER",  "TABLE",   "ADD",     "DROP",   "CREATE", "INDEX",   "ON",         "COLUMN",  "INT",        "NOT",
        "NULL",   "DEFAULT", "PRIMARY", "KEY",    "UNIQUE", "CHECK",   "REFERENCES", "FOREIGN", "CONSTRAINT", "CHANGE",
        "MODIFY", "RENAME",  "TO",      "UPDATE", "SET",    "WHERE",   "DELETE",     "FROM",    "INSERT",     "INTO",
        "WITH",   "AS",      "SELECT",  "BEGIN",  "END",    "TRIGGER", "(",          ")",       ",",          ";"};
    std::mt19937 random(7);
    std::uniform_int_distribution<std::size_t> pick_word(0, words.size() - 1);
    std::uniform_int_distribution<std::size_t> pick_char(0, alphabet.size() - 1);
    for (int round = 0; round < 3000; ++round) {
        std::string sql;
        for (int i = 0; i < 25; ++i) {
            sql += round % 2 == 0 ? words[pick_word(random)] + " " : std::string(1, alphabet[pick_char(random)]);
        }
        SCOPED_TRACE(sql);
        for (TokenFlavor flavor : both) {
            ASSERT_NO_FATAL_FAILURE(expect_sane(flavor, sql));
        }
    }
}

TEST(TokenParserNasty, DeeplyNestedParenthesesNeedNoStack) {
    std::string open(100000, '(');
    std::string close(100000, ')');
    for (TokenFlavor flavor : both) {
        SCOPED_TRACE(flavor_name(flavor));
        EXPECT_EQ(kind_of(flavor, "SELECT " + open + "1" + close), "select");
        Change change = only_change(flavor, "ALTER TABLE t ADD COLUMN c INT DEFAULT " + open + "1" + close);
        EXPECT_EQ(change.column->default_value->text.size(), 200001u);
        EXPECT_EQ(kind_of(flavor, "CREATE TABLE t (c INT CHECK " + open + "c" + close + ")"), "create_table");
        ParsedStatement::SyntaxError error = error_of(flavor, "UPDATE t SET a = " + open + "1");
        EXPECT_EQ(error.column, 18 + 100000 - 1);
        error_of(flavor, open);
        error_of(flavor, "SELECT " + close);
    }
}

TEST(TokenParserNasty, AMegabyteOfGarbageIsQuick) {
    std::mt19937 random(99);
    std::uniform_int_distribution<int> byte(0, 255);
    std::string garbage;
    garbage.reserve(1 << 20);
    while (garbage.size() < (1u << 20)) {
        garbage += static_cast<char>(byte(random));
    }
    std::string printable_garbage;
    const std::string alphabet = "abc xyz(),;=.\n";
    for (std::size_t i = 0; i < (1u << 20); ++i) {
        printable_garbage += alphabet[static_cast<std::size_t>(byte(random)) % alphabet.size()];
    }
    std::string one_word = "ALTER TABLE t ADD c INT DEFAULT " + std::string(1 << 20, 'x');
    // Linear work on this much input takes well under a second here (more where first touches of
    // memory are slow); anything quadratic would take minutes.
    auto start = std::chrono::steady_clock::now();
    for (TokenFlavor flavor : both) {
        ASSERT_NO_FATAL_FAILURE(expect_sane(flavor, garbage));
        ASSERT_NO_FATAL_FAILURE(expect_sane(flavor, printable_garbage));
        ASSERT_NO_FATAL_FAILURE(expect_sane(flavor, "CREATE TABLE t (" + printable_garbage));
        ASSERT_NO_FATAL_FAILURE(expect_sane(flavor, one_word));
    }
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 10000);
}

// The linter's benchmark: about 17,000 statements in about 1,000 files must take under 0.5 s.
TEST(TokenParserSpeed, SeventeenThousandStatements) {
    const std::vector<std::string> statements = {
        "CREATE TABLE IF NOT EXISTS `orders` (\n  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,\n"
        "  user_id BIGINT NOT NULL,\n  total DECIMAL(10,2) NOT NULL DEFAULT 0,\n"
        "  note VARCHAR(255) CHARACTER SET utf8mb4 NULL COMMENT 'free text',\n"
        "  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,\n  PRIMARY KEY (id),\n"
        "  KEY idx_user (user_id),\n  CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id)\n"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        "ALTER TABLE orders ADD COLUMN status ENUM('new','paid','shipped') NOT NULL DEFAULT 'new' AFTER total, "
        "ADD INDEX idx_status (status), ALGORITHM=INPLACE, LOCK=NONE",
        "UPDATE orders SET status = 'paid' WHERE id IN (SELECT order_id FROM payments WHERE ok = 1)",
        "CREATE INDEX idx_created ON orders (created_at)",
        "INSERT INTO audit (id, what) VALUES (1, 'it''s'), (2, 'x')",
        "-- a comment\nDELETE FROM sessions WHERE expires_at < NOW()",
        "ALTER TABLE users MODIFY email VARCHAR(320) NOT NULL, CHANGE name full_name VARCHAR(200)",
        "DROP TABLE IF EXISTS tmp_orders",
        "SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id WHERE u.active",
        "BEGIN",
        "COMMIT",
        "SET FOREIGN_KEY_CHECKS = 0",
        "RENAME TABLE a TO b, c TO d",
        "ALTER TABLE orders DROP FOREIGN KEY fk_user, DROP INDEX idx_user",
        "CREATE TABLE t2 (a INT PRIMARY KEY, b TEXT, c JSON, d DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6))",
        "ALTER TABLE t ADD CONSTRAINT chk CHECK (a > 0)",
        "TRUNCATE TABLE logs",
    };
    std::vector<std::string> files;
    std::size_t count = 0;
    for (int file = 0; file < 1000; ++file) {
        std::string sql;
        for (std::size_t k = 0; k < statements.size(); ++k) {
            sql += statements[(k + static_cast<std::size_t>(file)) % statements.size()] + ";\n";
            ++count;
        }
        files.push_back(std::move(sql));
    }
    ASSERT_EQ(count, 17000u);
    for (TokenFlavor flavor : both) {
        std::unique_ptr<SqlParser> parser = make_token_lint_parser(flavor);
        std::size_t parsed = 0;
        auto start = std::chrono::steady_clock::now();
        for (const std::string& file : files) {
            parsed += parser->parse(file).size();
        }
        auto elapsed = std::chrono::steady_clock::now() - start;
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
        EXPECT_EQ(parsed, count);
        EXPECT_LT(ms, 500);
        std::cout << flavor_name(flavor) << ": " << count << " statements in " << ms << " ms\n";
    }
}

}  // namespace
}  // namespace migrate::lint

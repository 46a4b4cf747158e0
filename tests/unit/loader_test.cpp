// Unit tests of migration loading: file names, TOML and marked-up SQL files, whole directories.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/migration_loader.hpp"
#include "support/error.hpp"
#include "support/sha256.hpp"
#include "test_support.hpp"

namespace migrate {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_file;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Parses `content` as file `name` and expects Error(input) whose message starts with `where`
// ("file:line:col:" or "file:line:") and contains `what`.
void expect_input_error(const std::string& name, const std::string& content, const std::string& where,
                        const std::string& what) {
    SCOPED_TRACE(name + ":\n" + content);
    try {
        parse_migration(fs::path("db") / name, content);
        ADD_FAILURE() << "loaded without error";
    } catch (const Error& e) {
        std::string message = e.what();
        EXPECT_EQ(e.kind(), ErrorKind::input) << message;
        EXPECT_TRUE(message.starts_with("db/" + where)) << "expected at db/" << where << ", got: " << message;
        EXPECT_TRUE(contains(message, what)) << "expected '" << what << "' in: " << message;
    }
}

const std::string good_toml = R"(description = "Rename users.username to display_name"

[[expand]]
up   = "ALTER TABLE users ADD COLUMN display_name TEXT"
down = "ALTER TABLE users DROP COLUMN display_name"

[[expand]]
up = """
CREATE TRIGGER users_sync AFTER UPDATE ON users BEGIN
  UPDATE users SET display_name = NEW.username WHERE id = NEW.id;
END
"""
down = "DROP TRIGGER users_sync"

[[backfill]]
table = "users"
set   = "display_name = username"
where = "display_name IS NULL"      # rows still to do

[[contract]]
up   = "ALTER TABLE users DROP COLUMN username"
down = "ALTER TABLE users ADD COLUMN username TEXT"
irreversible_data = true

[contract.requires]
app = "web"
min_version = "2.0.0-rc.1"

[[contract]]
up = "DROP TABLE legacy"
irreversible = true
)";

// ---------------------------------------------------------------------------------------------
// File names

TEST(LoaderFileName, SplitsIdNameAndExtension) {
    auto name = parse_migration_file_name("0003_rename_username.toml");
    ASSERT_TRUE(name.has_value());
    EXPECT_EQ(name->id, "0003");
    EXPECT_EQ(name->number, 3u);
    EXPECT_EQ(name->name, "rename_username");
    EXPECT_EQ(name->extension, "toml");

    auto sql = parse_migration_file_name("12_add-index.sql");
    ASSERT_TRUE(sql.has_value());
    EXPECT_EQ(sql->id, "12");
    EXPECT_EQ(sql->number, 12u);
    EXPECT_EQ(sql->name, "add-index");
    EXPECT_EQ(sql->extension, "sql");
}

TEST(LoaderFileName, RejectsNamesWithoutNumberAndName) {
    for (const char* name : {"abc.toml", "0001.toml", "0001_.toml", "_x.toml", "0001_x.txt", "0001-x.toml",
                             "x0001_y.sql", "0001_x.toml.bak", "0001_x y.toml", ""}) {
        SCOPED_TRACE(name);
        EXPECT_FALSE(parse_migration_file_name(name).has_value());
    }
}

TEST(LoaderFileName, BadFileNameIsAnInputErrorNamingTheFile) {
    for (const char* name : {"abc.toml", "0001.toml", "0001_.sql"}) {
        SCOPED_TRACE(name);
        try {
            parse_migration(fs::path("db") / name, good_toml);
            ADD_FAILURE() << "accepted " << name;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::input);
            EXPECT_TRUE(contains(e.what(), std::string("db/") + name)) << e.what();
            EXPECT_TRUE(contains(e.what(), "NNNN_name.toml")) << e.what();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// TOML files

TEST(LoaderToml, LoadsEveryPhaseAndTheRequirement) {
    Migration m = parse_migration("db/0003_rename_username.toml", good_toml);
    EXPECT_EQ(m.id, "0003");
    EXPECT_EQ(m.number, 3u);
    EXPECT_EQ(m.name, "rename_username");
    EXPECT_EQ(m.label(), "0003_rename_username");
    EXPECT_EQ(m.path, fs::path("db/0003_rename_username.toml"));
    EXPECT_EQ(m.source, good_toml);
    EXPECT_EQ(m.description, "Rename users.username to display_name");

    ASSERT_EQ(m.expand.size(), 2u);
    EXPECT_EQ(m.expand[0].up, "ALTER TABLE users ADD COLUMN display_name TEXT");
    EXPECT_EQ(m.expand[0].down, "ALTER TABLE users DROP COLUMN display_name");
    EXPECT_FALSE(m.expand[0].irreversible);
    EXPECT_EQ(m.expand[0].location.line, 3);
    // Multi-line strings lose the line breaks around them, not those inside.
    EXPECT_EQ(m.expand[1].up,
              "CREATE TRIGGER users_sync AFTER UPDATE ON users BEGIN\n"
              "  UPDATE users SET display_name = NEW.username WHERE id = NEW.id;\nEND");
    EXPECT_EQ(m.expand[1].location.line, 7);

    ASSERT_EQ(m.backfill.size(), 1u);
    EXPECT_EQ(m.backfill[0].table, "users");
    EXPECT_EQ(m.backfill[0].set, "display_name = username");
    EXPECT_EQ(m.backfill[0].where, "display_name IS NULL");
    EXPECT_EQ(m.backfill[0].down, "");
    EXPECT_EQ(m.backfill[0].location.line, 15);

    ASSERT_EQ(m.contract.size(), 2u);
    EXPECT_EQ(m.contract[0].up, "ALTER TABLE users DROP COLUMN username");
    EXPECT_EQ(m.contract[0].down, "ALTER TABLE users ADD COLUMN username TEXT");
    EXPECT_TRUE(m.contract[0].irreversible_data);
    EXPECT_FALSE(m.contract[0].irreversible);
    EXPECT_EQ(m.contract[0].location.line, 20);
    EXPECT_EQ(m.contract[1].up, "DROP TABLE legacy");
    EXPECT_TRUE(m.contract[1].irreversible);
    EXPECT_EQ(m.contract[1].down, "");

    ASSERT_TRUE(m.requirement.has_value());
    EXPECT_EQ(m.requirement->app, "web");
    EXPECT_EQ(m.requirement->min_version.to_string(), "2.0.0-rc.1");
}

TEST(LoaderToml, AcceptsASinglePhase) {
    Migration m = parse_migration("db/0001_seed.toml",
                                  "[[backfill]]\ntable = \"t\"\nset = \"a = 1\"\n"
                                  "where = \"a IS NULL\"\ndown = \"UPDATE t SET a = NULL\"\n");
    EXPECT_TRUE(m.expand.empty());
    EXPECT_TRUE(m.contract.empty());
    ASSERT_EQ(m.backfill.size(), 1u);
    EXPECT_EQ(m.backfill[0].down, "UPDATE t SET a = NULL");
    EXPECT_EQ(m.description, "");
    EXPECT_FALSE(m.requirement.has_value());
}

TEST(LoaderToml, SqlMayDifferByDialectWithADefault) {
    Migration m = parse_migration("db/0001_users.toml", R"toml([[expand]]
up.sqlite = "CREATE TABLE users (id INTEGER PRIMARY KEY)"
up.postgres = "CREATE TABLE users (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY)"
down = "DROP TABLE users"

[[backfill]]
table = "users"
set.default = "name = first || ' ' || last"
set.mysql = "name = CONCAT(first, ' ', last)"
where = "name IS NULL"
)toml");
    ASSERT_EQ(m.expand.size(), 1u);
    EXPECT_EQ(*m.expand[0].up.for_dialect("postgres"),
              "CREATE TABLE users (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY)");
    EXPECT_EQ(*m.expand[0].up.for_dialect("sqlite"), "CREATE TABLE users (id INTEGER PRIMARY KEY)");
    // Neither a text of its own nor a default: the planner reports it for that dialect only.
    EXPECT_EQ(m.expand[0].up.for_dialect("mysql"), nullptr);
    EXPECT_EQ(*m.expand[0].down.for_dialect("mysql"), "DROP TABLE users");
    EXPECT_EQ(*m.backfill[0].set.for_dialect("mysql"), "name = CONCAT(first, ' ', last)");
    EXPECT_EQ(*m.backfill[0].set.for_dialect("postgres"), "name = first || ' ' || last");
}

TEST(LoaderToml, AcceptsAShortMinVersion) {
    // Semver short forms are accepted everywhere a version is read: "2.0" means 2.0.0.
    Migration m = parse_migration("db/0001_x.toml",
                                  "[[contract]]\nup = \"DROP TABLE t\"\nirreversible = true\n"
                                  "[contract.requires]\napp = \"web\"\nmin_version = \"2.0\"\n");
    ASSERT_TRUE(m.requirement.has_value());
    EXPECT_EQ(m.requirement->min_version.to_string(), "2.0.0");
}

TEST(LoaderToml, RejectsBadFilesWithFileLineAndColumn) {
    struct Case {
        const char* name;
        std::string content;
        const char* where;
        const char* what;
    };
    const std::string step = "[[expand]]\nup = \"CREATE TABLE t (id INT)\"\ndown = \"DROP TABLE t\"\n";
    // An irreversible contract step followed by the header of its gate.
    const std::string gated = "[[contract]]\nup = \"DROP TABLE t\"\nirreversible = true\n[contract.requires]\n";
    const std::vector<Case> cases = {
        {"description is not a string", "description = 5\n" + step,
         "0001_x.toml:1:15:", "description must be a string, not an integer"},
        {"unknown top-level key", "descripton = \"x\"\n" + step, "0001_x.toml:1:1:", "unknown key 'descripton'"},
        {"unknown step key", "[[expand]]\nup = \"CREATE TABLE t (id INT)\"\ndown = \"DROP TABLE t\"\nbody = \"x\"\n",
         "0001_x.toml:4:1:", "expand step 1: unknown key 'body'"},
        {"up is not a string", "[[expand]]\nup = 5\ndown = \"DROP TABLE t\"\n",
         "0001_x.toml:2:6:", "up must be a string, or a table of strings by dialect, not an integer"},
        {"unknown dialect", "[[expand]]\nup.oracle = \"SELECT 1\"\ndown = \"SELECT 1\"\n",
         "0001_x.toml:2:4:", "unknown dialect 'oracle'"},
        {"empty dialect text", "[[expand]]\nup.postgres = \" \"\ndown = \"SELECT 1\"\n",
         "0001_x.toml:2:", "up.postgres is empty"},
        {"irreversible is not a boolean", "[[contract]]\nup = \"DROP TABLE t\"\nirreversible = \"yes\"\n",
         "0001_x.toml:3:16:", "irreversible must be true or false, not a string"},
        {"empty up", "[[expand]]\nup = \"  \"\ndown = \"DROP TABLE t\"\n", "0001_x.toml:2:6:", "up is empty"},
        {"missing up", "[[expand]]\ndown = \"DROP TABLE t\"\n", "0001_x.toml:1:1:", "missing 'up'"},
        {"missing down", "[[expand]]\nup = \"CREATE TABLE t (id INT)\"\n", "0001_x.toml:1:1:", "missing 'down'"},
        {"irreversible with a down",
         "[[contract]]\nup = \"DROP TABLE t\"\ndown = \"CREATE TABLE t (id INT)\"\nirreversible = "
         "true\n",
         "0001_x.toml:3:8:", "marked irreversible but has a 'down'"},
        {"irreversible and irreversible_data",
         "[[contract]]\nup = \"DROP TABLE t\"\nirreversible = true\nirreversible_data = true\n",
         "0001_x.toml:1:1:", "exclude each other"},
        {"table instead of array of tables", "[expand]\nup = \"CREATE TABLE t (id INT)\"\ndown = \"DROP TABLE t\"\n",
         "0001_x.toml:1:1:", "write [[expand]]"},
        {"requires without a contract step", step + "[contract.requires]\napp = \"web\"\nmin_version = \"2.0.0\"\n",
         "0001_x.toml:4:1:", "[contract.requires] after a [[contract]] step"},
        {"invalid TOML", "[[expand]]\nup = \"CREATE TABLE t\ndown = \"DROP TABLE t\"\n",
         "0001_x.toml:2:", "invalid TOML"},
        {"duplicate key", "[[expand]]\nup = \"a\"\nup = \"b\"\ndown = \"c\"\n", "0001_x.toml:3:", "invalid TOML"},
        {"backfill without where", "[[backfill]]\ntable = \"users\"\nset = \"a = b\"\n",
         "0001_x.toml:1:1:", "missing 'where'"},
        {"backfill unknown key", "[[backfill]]\ntable = \"t\"\nset = \"a = b\"\nwhere = \"a IS NULL\"\nbatch = 10\n",
         "0001_x.toml:5:1:", "unknown key 'batch'"},
        {"min_version not semver", gated + "app = \"web\"\nmin_version = \"two\"\n",
         "0001_x.toml:6:15:", "min_version 'two' is not a semantic version"},
        {"requires given twice",
         gated + "app = \"web\"\nmin_version = \"2.0.0\"\n" + gated + "app = \"web\"\nmin_version = \"3.0.0\"\n",
         "0001_x.toml:10:1:", "requirements given twice"},
        {"requires without app", gated + "min_version = \"2.0.0\"\n", "0001_x.toml:4:1:", "missing 'app'"},
        {"requires with an unknown key", gated + "app = \"web\"\nmin_version = \"2.0.0\"\nmax_version = \"3.0.0\"\n",
         "0001_x.toml:7:1:", "requires: unknown key 'max_version'"},
        {"no steps at all", "description = \"nothing\"\n", "0001_x.toml:1:1:", "no steps"},
        {"empty file", "", "0001_x.toml:1:1:", "no steps"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        expect_input_error("0001_x.toml", c.content, c.where, c.what);
    }
}

// ---------------------------------------------------------------------------------------------
// SQL files

const std::string good_sql = R"(-- migrate:description Rename users.username to display_name
-- migrate:requires app=web min_version=2.0.0

-- migrate:expand
ALTER TABLE users ADD COLUMN display_name TEXT;
-- migrate:expand:down
ALTER TABLE users DROP COLUMN display_name;

-- migrate:backfill
UPDATE users
   SET display_name = lower(username)
 WHERE display_name IS NULL;
-- migrate:backfill:down
UPDATE users SET display_name = NULL;

-- migrate:contract irreversible
ALTER TABLE users DROP COLUMN username;

-- migrate:contract irreversible_data
ALTER TABLE users DROP COLUMN nickname;
-- migrate:contract:down
ALTER TABLE users ADD COLUMN nickname TEXT;
)";

TEST(LoaderSql, LoadsMarkedSections) {
    Migration m = parse_migration("db/0004_rename.sql", good_sql);
    EXPECT_EQ(m.id, "0004");
    EXPECT_EQ(m.name, "rename");
    EXPECT_EQ(m.description, "Rename users.username to display_name");
    ASSERT_TRUE(m.requirement.has_value());
    EXPECT_EQ(m.requirement->app, "web");
    EXPECT_EQ(m.requirement->min_version.to_string(), "2.0.0");
    EXPECT_EQ(m.requirement->location.line, 2);

    ASSERT_EQ(m.expand.size(), 1u);
    EXPECT_EQ(m.expand[0].up, "ALTER TABLE users ADD COLUMN display_name TEXT;");
    EXPECT_EQ(m.expand[0].down, "ALTER TABLE users DROP COLUMN display_name;");
    EXPECT_EQ(m.expand[0].location.line, 4);

    ASSERT_EQ(m.backfill.size(), 1u);
    EXPECT_EQ(m.backfill[0].table, "users");
    EXPECT_EQ(m.backfill[0].set, "display_name = lower(username)");
    EXPECT_EQ(m.backfill[0].where, "display_name IS NULL");
    EXPECT_EQ(m.backfill[0].down, "UPDATE users SET display_name = NULL;");
    EXPECT_EQ(m.backfill[0].location.line, 9);

    ASSERT_EQ(m.contract.size(), 2u);
    EXPECT_TRUE(m.contract[0].irreversible);
    EXPECT_EQ(m.contract[0].up, "ALTER TABLE users DROP COLUMN username;");
    EXPECT_EQ(m.contract[0].down, "");
    EXPECT_EQ(m.contract[0].location.line, 16);
    EXPECT_FALSE(m.contract[1].irreversible);
    EXPECT_TRUE(m.contract[1].irreversible_data);
    EXPECT_EQ(m.contract[1].down, "ALTER TABLE users ADD COLUMN nickname TEXT;");
}

TEST(LoaderSql, KeepsSeveralStatementsOfOneSectionTogether) {
    Migration m = parse_migration("db/0001_x.sql",
                                  "-- migrate:expand\nCREATE TABLE a (id INT);\nCREATE TABLE b (id INT);\n"
                                  "-- migrate:expand:down\nDROP TABLE b;\nDROP TABLE a;\n");
    ASSERT_EQ(m.expand.size(), 1u);
    EXPECT_EQ(m.expand[0].up, "CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);");
    EXPECT_EQ(m.expand[0].down, "DROP TABLE b;\nDROP TABLE a;");
}

TEST(LoaderSql, AcceptsCommentsBeforeTheFirstMarker) {
    Migration m = parse_migration("db/0001_x.sql",
                                  "-- a header comment\n/* and a\n   block */\n\n-- migrate:expand\n"
                                  "CREATE TABLE a (id INT);\n-- migrate:expand:down\nDROP TABLE a;\n");
    ASSERT_EQ(m.expand.size(), 1u);
    EXPECT_EQ(m.expand[0].up, "CREATE TABLE a (id INT);");
    EXPECT_EQ(m.expand[0].location.line, 5);
}

TEST(LoaderSql, AcceptsWindowsLineEnds) {
    // Files saved by Windows editors end lines with CR LF; the markers must still be found.
    std::string content =
        "-- migrate:requires app=web min_version=2.0.0\r\n-- migrate:expand\r\nCREATE TABLE a (id "
        "INT);\r\n"
        "-- migrate:expand:down\r\nDROP TABLE a;\r\n";
    try {
        Migration m = parse_migration("db/0001_x.sql", content);
        ASSERT_EQ(m.expand.size(), 1u);
        EXPECT_EQ(m.expand[0].up, "CREATE TABLE a (id INT);");
        EXPECT_EQ(m.expand[0].down, "DROP TABLE a;");
        EXPECT_EQ(m.expand[0].location.line, 2);
        ASSERT_TRUE(m.requirement.has_value());
        EXPECT_EQ(m.requirement->min_version.to_string(), "2.0.0");
    } catch (const Error& e) {
        ADD_FAILURE() << "a CRLF file was refused: " << e.what();
    }
}

TEST(LoaderSql, BackfillMayUseSubqueriesInsideParentheses) {
    Migration m =
        parse_migration("db/0001_x.sql",
                        "-- migrate:backfill\nUPDATE \"app\".\"users\" SET name = (SELECT o.name FROM old o WHERE "
                        "o.id = users.id "
                        "LIMIT 1)\nWHERE name IS NULL AND id IN (SELECT id FROM old ORDER BY id);\n");
    ASSERT_EQ(m.backfill.size(), 1u);
    EXPECT_EQ(m.backfill[0].table, "\"app\".\"users\"");
    EXPECT_EQ(m.backfill[0].set, "name = (SELECT o.name FROM old o WHERE o.id = users.id LIMIT 1)");
    EXPECT_EQ(m.backfill[0].where, "name IS NULL AND id IN (SELECT id FROM old ORDER BY id)");
}

TEST(LoaderSql, BackfillTableAliasIsNotGluedOntoTheTableName) {
    // Either refuse the alias at load time or keep the real table; "usersu" names no table and
    // would only fail later, against the database, with a confusing message.
    try {
        Migration m = parse_migration("db/0001_x.sql",
                                      "-- migrate:backfill\nUPDATE users u SET name = u.login WHERE u.name IS NULL;\n");
        ASSERT_EQ(m.backfill.size(), 1u);
        EXPECT_EQ(m.backfill[0].table, "users");
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::input);
        EXPECT_TRUE(std::string(e.what()).starts_with("db/0001_x.sql:2:")) << e.what();
    }
}

TEST(LoaderSql, RejectsBadFilesWithFileAndLine) {
    struct Case {
        const char* name;
        std::string content;
        const char* where;
        const char* what;
    };
    const std::string expand = "-- migrate:expand\nCREATE TABLE t (id INT);\n-- migrate:expand:down\nDROP TABLE t;\n";
    const std::vector<Case> cases = {
        {"SQL before the first marker", "-- header\n\nCREATE TABLE x (id INT);\n" + expand,
         "0002_x.sql:3:1:", "SQL before the first '-- migrate:' marker"},
        {"no marker at all", "-- just a comment\n", "0002_x.sql:1:1:", "no '-- migrate:expand'"},
        {"unknown marker", expand + "-- migrate:contrat\nDROP TABLE old;\n",
         "0002_x.sql:5:1:", "unknown marker 'migrate:contrat'"},
        {"unknown modifier", expand + "-- migrate:contract:up\nDROP TABLE old;\n",
         "0002_x.sql:5:1:", "unknown marker 'migrate:contract:up'"},
        {"unknown option", "-- migrate:contract irreversable\nDROP TABLE old;\n",
         "0002_x.sql:1:1:", "unknown option 'irreversable'"},
        {":down without its up", "-- migrate:expand:down\nDROP TABLE t;\n",
         "0002_x.sql:1:1:", "does not follow a '-- migrate:expand' section"},
        {":down after another phase", expand + "-- migrate:contract:down\nCREATE TABLE old (id INT);\n",
         "0002_x.sql:5:1:", "does not follow a '-- migrate:contract' section"},
        {"empty section", "-- migrate:expand\n-- only a comment\n\n-- migrate:expand:down\nDROP TABLE t;\n",
         "0002_x.sql:1:1:", "has no SQL"},
        {"empty down", "-- migrate:expand\nCREATE TABLE t (id INT);\n-- migrate:expand:down\n\n",
         "0002_x.sql:3:1:", "has no SQL"},
        {"missing down", expand + "\n-- migrate:contract\nDROP TABLE old;\n",
         "0002_x.sql:6:1:", "has no '-- migrate:contract:down' section"},
        {"irreversible with a down",
         "-- migrate:contract irreversible\nDROP TABLE old;\n-- migrate:contract:down\nCREATE "
         "TABLE old (id INT);\n",
         "0002_x.sql:3:1:", "marked irreversible but has a ':down' section"},
        {"backfill with FROM",
         "-- migrate:backfill\nUPDATE users SET name = o.name FROM old o WHERE o.id = users.id;\n",
         "0002_x.sql:2:32:", "may not use FROM"},
        {"backfill without WHERE", expand + "-- migrate:backfill\n  UPDATE users SET name = 'x';\n",
         "0002_x.sql:6:3:", "needs a WHERE clause"},
        {"backfill with two statements",
         "-- migrate:backfill\nUPDATE a SET x = 1 WHERE x IS NULL;\nUPDATE b SET y = 1 WHERE y IS "
         "NULL;\n",
         "0002_x.sql:1:1:", "exactly one UPDATE statement, found 2"},
        {"backfill that is not an UPDATE", "-- migrate:backfill\nDELETE FROM a WHERE x IS NULL;\n",
         "0002_x.sql:2:1:", "one 'UPDATE table SET ... WHERE ...' statement"},
        {"backfill with an empty WHERE", "-- migrate:backfill\nUPDATE a SET x = 1 WHERE;\n",
         "0002_x.sql:2:20:", "empty SET or WHERE"},
        {"backfill with unterminated string", "-- migrate:backfill\nUPDATE a\nSET x = 'oops WHERE x IS NULL;\n",
         "0002_x.sql:3:9:", "unterminated string literal"},
        {"bad min_version", "-- migrate:requires app=web min_version=2.x\n" + expand,
         "0002_x.sql:1:1:", "min_version '2.x' is not a semantic version"},
        {"requires without app", "-- migrate:requires min_version=2.0.0\n" + expand,
         "0002_x.sql:1:1:", "missing 'app'"},
        {"requires twice",
         "-- migrate:requires app=web min_version=2.0.0\n" + expand + "-- migrate:requires app=api min_version=1.0.0\n",
         "0002_x.sql:6:1:", "given twice"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        expect_input_error("0002_x.sql", c.content, c.where, c.what);
    }
}

// ---------------------------------------------------------------------------------------------
// Checksums and ids

TEST(LoaderChecksum, IsTheSha256OfTheFileBytes) {
    Migration a = parse_migration("db/0003_rename_username.toml", good_toml);
    Migration b = parse_migration("elsewhere/0003_rename_username.toml", good_toml);
    EXPECT_EQ(a.checksum, sha256_hex(good_toml));
    EXPECT_EQ(a.checksum, b.checksum);

    std::string edited = good_toml;
    edited[edited.find("2.0.0")] = '3';
    Migration c = parse_migration("db/0003_rename_username.toml", edited);
    EXPECT_NE(a.checksum, c.checksum);
}

TEST(LoaderChecksum, CountsWhitespaceAndCommentEdits) {
    // The checksum guards the file as written, so even a comment edit counts as a change.
    Migration a = parse_migration("db/0004_x.sql", good_sql);
    Migration b = parse_migration("db/0004_x.sql", good_sql + "-- trailing note\n");
    EXPECT_NE(a.checksum, b.checksum);
}

Migration with_id(const std::string& id) {
    Migration m;
    m.id = id;
    m.number = std::stoull(id);
    return m;
}

TEST(LoaderNextId, IsOneAboveTheHighestPaddedToTheWidestId) {
    EXPECT_EQ(next_migration_id({}), "0001");
    EXPECT_EQ(next_migration_id({with_id("0001"), with_id("0010"), with_id("0002")}), "0011");
    EXPECT_EQ(next_migration_id({with_id("1"), with_id("2")}), "0003");
    EXPECT_EQ(next_migration_id({with_id("00007")}), "00008");
    EXPECT_EQ(next_migration_id({with_id("9999")}), "10000");
}

// ---------------------------------------------------------------------------------------------
// Directories

std::string minimal_toml(const std::string& table) {
    return "[[expand]]\nup = \"CREATE TABLE " + table + " (id INT)\"\ndown = \"DROP TABLE " + table + "\"\n";
}

std::string minimal_sql(const std::string& table) {
    return "-- migrate:expand\nCREATE TABLE " + table + " (id INT);\n-- migrate:expand:down\nDROP TABLE " + table +
           ";\n";
}

std::vector<std::string> ids(const std::vector<Migration>& migrations) {
    std::vector<std::string> out;
    for (const Migration& m : migrations) {
        out.push_back(m.id);
    }
    return out;
}

TEST(LoaderDirectory, OrdersByNumberNotByName) {
    TempDir dir;
    write_file(dir / "10_c.toml", minimal_toml("c"));
    write_file(dir / "2_b.sql", minimal_sql("b"));
    write_file(dir / "1_a.toml", minimal_toml("a"));
    write_file(dir / "0005_e.toml", minimal_toml("e"));
    std::vector<Migration> migrations = load_migration_directory(dir.path());
    EXPECT_EQ(ids(migrations), (std::vector<std::string>{"1", "2", "0005", "10"}));
    ASSERT_EQ(migrations.size(), 4u);
    EXPECT_EQ(migrations[1].path, dir / "2_b.sql");
    EXPECT_EQ(migrations[1].expand[0].up, "CREATE TABLE b (id INT);");
}

TEST(LoaderDirectory, IgnoresOtherFilesHiddenFilesAndFolders) {
    TempDir dir;
    write_file(dir / "0001_a.toml", minimal_toml("a"));
    write_file(dir / "README.md", "# migrations\n");
    write_file(dir / "notes.txt", "not a migration");
    write_file(dir / ".0002_hidden.toml", "this is not TOML [");
    write_file(dir / ".#0003_a.sql", "editor lock file");
    write_file(dir / "archive" / "0004_old.toml", "also not TOML [");
    std::vector<Migration> migrations = load_migration_directory(dir.path());
    EXPECT_EQ(ids(migrations), (std::vector<std::string>{"0001"}));
}

TEST(LoaderDirectory, EmptyDirectoryHasNoMigrations) {
    TempDir dir;
    EXPECT_TRUE(load_migration_directory(dir.path()).empty());
}

TEST(LoaderDirectory, DuplicateIdsNameBothFiles) {
    TempDir dir;
    write_file(dir / "0003_a.toml", minimal_toml("a"));
    write_file(dir / "003_b.sql", minimal_sql("b"));
    write_file(dir / "0004_c.toml", minimal_toml("c"));
    try {
        load_migration_directory(dir.path());
        ADD_FAILURE() << "accepted two migrations numbered 3";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::input);
        EXPECT_TRUE(contains(e.what(), "0003_a.toml")) << e.what();
        EXPECT_TRUE(contains(e.what(), "003_b.sql")) << e.what();
        EXPECT_TRUE(contains(e.what(), "duplicate")) << e.what();
        EXPECT_FALSE(contains(e.what(), "0004_c.toml")) << e.what();
    }
}

TEST(LoaderDirectory, ReportsEveryBadFileInOneError) {
    TempDir dir;
    write_file(dir / "0001_good.toml", minimal_toml("a"));
    write_file(dir / "0002_bad.toml", "[[expand]]\nup = \"CREATE TABLE b (id INT)\"\n");
    write_file(dir / "0003_bad.sql", "CREATE TABLE c (id INT);\n");
    write_file(dir / "abc.toml", minimal_toml("d"));
    try {
        load_migration_directory(dir.path());
        ADD_FAILURE() << "accepted a directory with bad files";
    } catch (const Error& e) {
        std::string message = e.what();
        EXPECT_EQ(e.kind(), ErrorKind::input);
        EXPECT_TRUE(contains(message, "3 problems")) << message;
        EXPECT_TRUE(contains(message, (dir / "0002_bad.toml").string() + ":1:1: expand step 1: missing 'down'"))
            << message;
        EXPECT_TRUE(contains(message, (dir / "0003_bad.sql").string() + ":1:1: SQL before")) << message;
        EXPECT_TRUE(contains(message, (dir / "abc.toml").string())) << message;
        EXPECT_FALSE(contains(message, "0001_good.toml")) << message;
    }
}

TEST(LoaderDirectory, MissingDirectoryIsAnInputErrorNamingIt) {
    TempDir dir;
    fs::path missing = dir / "no-such-migrations";
    try {
        load_migration_directory(missing);
        ADD_FAILURE() << "accepted a missing directory";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::input);
        EXPECT_TRUE(contains(e.what(), missing.string())) << e.what();
        EXPECT_FALSE(e.hint().empty());
    }
}

TEST(LoaderDirectory, LoadsTheExampleProject) {
    // The shipped example must stay loadable; it exercises every phase and both formats.
    TempDir dir;
    testing::copy_example_migrations(dir.path());
    std::vector<Migration> migrations = load_migration_directory(dir.path());
    ASSERT_FALSE(migrations.empty());
    for (std::size_t i = 1; i < migrations.size(); ++i) {
        EXPECT_LT(migrations[i - 1].number, migrations[i].number);
    }
}

}  // namespace
}  // namespace migrate

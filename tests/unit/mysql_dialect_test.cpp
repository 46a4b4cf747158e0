// The MySQL dialect's reading of URLs and SQL, which needs no server: connection targets,
// which statements are DDL, the online algorithm a plan expects, and keyset conditions spelled
// out for MariaDB's optimizer.
#include "dialects/mysql/mysql_dialect.hpp"

#include <gtest/gtest.h>

#include "dialects/mysql/mysql_sql.hpp"
#include "dialects/mysql/mysql_url.hpp"
#include "support/error.hpp"

namespace migrate {
namespace {

TEST(MysqlUrl, TakesUserPasswordHostPortAndDatabaseApart) {
    MysqlTarget t = parse_mysql_url(parse_database_url("mysql://app:s%40cret@db.internal:3307/shop"));
    EXPECT_EQ(t.user, "app");
    EXPECT_EQ(t.password, "s@cret");
    EXPECT_EQ(t.host, "db.internal");
    EXPECT_EQ(t.port, 3307);
    EXPECT_EQ(t.database, "shop");
    EXPECT_TRUE(t.socket.empty());
}

TEST(MysqlUrl, PasswordWithAnUnencodedAtAndASocket) {
    MysqlTarget t =
        parse_mysql_url(parse_database_url("mariadb://app:p@ss@localhost/shop?socket=/run/mysqld/mysqld.sock"));
    EXPECT_EQ(t.password, "p@ss");
    EXPECT_EQ(t.host, "localhost");
    EXPECT_EQ(t.port, 3306);
    EXPECT_EQ(t.socket, "/run/mysqld/mysqld.sock");
}

TEST(MysqlUrl, BadUrlsAreUsageErrorsThatDoNotShowThePassword) {
    for (const char* text : {"mysql://app:hunter2@db/", "mysql://app:hunter2@db:port/shop",
                             "mysql://app:hunter2@db/shop?ssl=1", "mysql:app:hunter2@db/shop"}) {
        try {
            parse_mysql_url(parse_database_url(text));
            ADD_FAILURE() << "accepted " << text;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::usage) << text;
            EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
        }
    }
}

class MysqlDialectTest : public ::testing::Test {
  protected:
    MysqlDialect dialect{DialectOptions{}};
};

TEST_F(MysqlDialectTest, DdlCannotShareThePhaseTransactionAndDmlCan) {
    for (const char* sql :
         {"ALTER TABLE users ADD COLUMN nickname VARCHAR(50)", "CREATE INDEX i ON t (a)", "DROP TABLE legacy",
          "RENAME TABLE a TO b", "TRUNCATE t", "LOCK TABLES t WRITE", "UPDATE t SET a = 1; CREATE TABLE x (id INT)"}) {
        EXPECT_FALSE(dialect.classify(sql).transactional) << sql;
    }
    for (const char* sql :
         {"UPDATE t SET a = 1", "INSERT INTO t (a) VALUES (1)", "DELETE FROM t WHERE a = 2", "SET @x = 1"}) {
        EXPECT_TRUE(dialect.classify(sql).transactional) << sql;
    }
}

TEST_F(MysqlDialectTest, PlanNamesTheExpectedOnlineAlgorithm) {
    EXPECT_EQ(dialect.classify("ALTER TABLE users ADD COLUMN nickname VARCHAR(50)").note, "expected: INSTANT");
    EXPECT_EQ(dialect.classify("CREATE INDEX users_email_idx ON users (email)").note, "expected: INPLACE, LOCK=NONE");
    EXPECT_NE(dialect.classify("ALTER TABLE orders MODIFY total_cents BIGINT").note.find("table copy"),
              std::string::npos);
    // Written with its own ALGORITHM, or with online DDL off, it runs as written.
    EXPECT_EQ(dialect.classify("ALTER TABLE t ADD COLUMN c INT, ALGORITHM=COPY").note, "");
    MysqlDialect off{DialectOptions{"migrate", false}};
    EXPECT_EQ(off.classify("ALTER TABLE users ADD COLUMN nickname VARCHAR(50)").note, "");
}

TEST_F(MysqlDialectTest, CompositeKeyConditionsAreSpelledOut) {
    std::vector<Value> params;
    std::string after = dialect.key_compare({"`a`", "`b`"}, ">", Row{std::int64_t{1}, std::string("x")}, params);
    EXPECT_EQ(after, "((`a` > ?) OR (`a` = ? AND `b` > ?))");
    ASSERT_EQ(params.size(), 3u);
    EXPECT_EQ(std::get<std::int64_t>(params[0]), 1);
    EXPECT_EQ(std::get<std::int64_t>(params[1]), 1);
    EXPECT_EQ(std::get<std::string>(params[2]), "x");

    params.clear();
    EXPECT_EQ(dialect.key_compare({"`a`", "`b`"}, "<=", Row{std::int64_t{5}, std::int64_t{9}}, params),
              "((`a` < ?) OR (`a` = ? AND `b` <= ?))");
    params.clear();
    EXPECT_EQ(dialect.key_compare({"`id`"}, ">", Row{std::int64_t{5}}, params), "(`id` > ?)");
}

TEST(MysqlSql, FindsTheIndexAStepBuilds) {
    auto index_of = [](const char* sql) { return index_created(split_statements(sql).statements.at(0)); };
    auto created = index_of("CREATE UNIQUE INDEX users_email_key ON users (email)");
    ASSERT_TRUE(created);
    EXPECT_EQ(created->name, "users_email_key");
    EXPECT_EQ(created->table, "users");
    auto added = index_of("ALTER TABLE `orders` ADD INDEX `orders_user_idx` (user_id)");
    ASSERT_TRUE(added);
    EXPECT_EQ(added->name, "orders_user_idx");
    EXPECT_EQ(added->table, "`orders`");
    EXPECT_TRUE(index_of("CREATE INDEX IF NOT EXISTS i ON t (a)")->if_not_exists);
    // More than one operation, or no index at all: not something a rerun can tidy up.
    EXPECT_FALSE(index_of("ALTER TABLE t ADD INDEX i (a), ADD COLUMN c INT"));
    EXPECT_FALSE(index_of("ALTER TABLE t ADD COLUMN c INT"));
    EXPECT_FALSE(index_of("CREATE TABLE t (id INT)"));
}

TEST_F(MysqlDialectTest, StateTablesAndQuoting) {
    EXPECT_EQ(dialect.state_table("events"), "`_migrate_events`");
    EXPECT_EQ(dialect.quote_identifier("we`ird"), "`we``ird`");
    EXPECT_EQ(dialect.placeholder(3), "?");
}

}  // namespace
}  // namespace migrate

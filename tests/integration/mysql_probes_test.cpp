// What the backfill's throttles and reports read from MariaDB, on the real server: replica lag on
// a server that is not a replica, the load of other running statements, table sizes and row
// estimates, and the errors that say a session is gone (KILL CONNECTION, no server), after which
// a new connection must carry on.
#include <atomic>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dialects/dialect.hpp"
#include "mysql_fixture.hpp"
#include "support/error.hpp"

namespace migrate {
namespace {

using testing::contains;
using testing::MysqlError;
using testing::MysqlSession;

// A loopback port nobody listens on: one the kernel just handed out and took back.
int closed_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    return ntohs(address.sin_port);
}

class MysqlProbes : public testing::MysqlTest {
  protected:
    void SetUp() override {
        MysqlTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        m_url = parse_database_url(db().url());
        m_dialect = make_dialect(m_url);
        m_connection = m_dialect->connect(m_url, {});
    }

    std::unique_ptr<Connection> connect() { return m_dialect->connect(m_url, {}); }

    std::optional<std::int64_t> table_size(const std::string& table) {
        return m_dialect->table_size(*m_connection, table);
    }
    std::optional<std::int64_t> estimated_rows(const std::string& table) {
        return m_dialect->estimated_rows(*m_connection, table);
    }

    // The error `work` throws; fails the test if it throws none.
    template <typename Work>
    std::optional<Error> error_of(Work&& work) {
        try {
            work();
        } catch (const Error& e) {
            return e;
        }
        ADD_FAILURE() << "expected an error";
        return std::nullopt;
    }

    // True once the server no longer lists session `id`.
    bool gone(std::int64_t id) {
        return eventually([&] {
            return db().value("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " + std::to_string(id)) ==
                   "0";
        });
    }

    DatabaseUrl m_url;
    std::unique_ptr<Dialect> m_dialect;
    std::unique_ptr<Connection> m_connection;
};

TEST_P(MysqlProbes, ReplicaLagOfAServerThatIsNotAReplicaIsAUsageError) {
    std::optional<Error> error = error_of([&] { m_dialect->replica_lag(*m_connection); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->kind(), ErrorKind::usage) << error->what();
    EXPECT_TRUE(contains(error->what(), "is not a replica (SHOW REPLICA STATUS shows no source)")) << error->what();
}

TEST_P(MysqlProbes, ServerLoadCountsOtherSessionsRunningAStatement) {
    // Three sessions of "the application", each in a long statement until its query is killed.
    std::vector<std::unique_ptr<MysqlSession>> sessions;
    std::string ids;
    for (int i = 0; i < 3; ++i) {
        sessions.push_back(std::make_unique<MysqlSession>(db().url()));
        ids += (ids.empty() ? "" : ", ") + std::to_string(sessions.back()->id());
    }
    std::atomic<int> ended = 0;
    std::vector<std::thread> sleepers;
    for (auto& session : sessions) {
        sleepers.emplace_back([&ended, &session] {
            try {
                session->rows("SELECT SLEEP(60)");
            } catch (const MysqlError&) {
                // Killed with an error rather than an early result: either way it has ended.
            }
            ++ended;
        });
    }
    bool all_running = eventually([&] {
        return db().value("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND ID IN (" +
                          ids + ")") == "3";
    });
    std::optional<std::int64_t> load = m_dialect->server_load(*m_connection);
    for (auto& session : sessions) {
        db().exec("KILL QUERY " + std::to_string(session->id()));
    }
    for (std::thread& sleeper : sleepers) {
        sleeper.join();
    }
    ASSERT_TRUE(all_running);
    ASSERT_TRUE(load.has_value());
    // At least these three; other tests may run statements of their own on the same server.
    EXPECT_GE(*load, 3);
    EXPECT_EQ(ended, 3);
}

TEST_P(MysqlProbes, TableSizeGrowsWithRowsAndEstimatedRowsFollowsAnalyze) {
    db().exec("CREATE TABLE items (id BIGINT PRIMARY KEY, note VARCHAR(200) NOT NULL)");
    std::optional<std::int64_t> empty = table_size("items");
    ASSERT_TRUE(empty.has_value());

    db().exec(
        "INSERT INTO items (id, note) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) "
        "SELECT (a.i - 1) * 200 + b.i, REPEAT('x', 100) FROM n AS a CROSS JOIN n AS b WHERE a.i <= 100");
    // InnoDB's figures move with its statistics, which the automatic run updates in the
    // background: ANALYZE TABLE makes them current now.
    db().exec("ANALYZE TABLE items");
    std::optional<std::int64_t> filled = table_size("items");
    ASSERT_TRUE(filled.has_value());
    EXPECT_GT(*filled, *empty + 20000 * 100);
    std::optional<std::int64_t> rows = estimated_rows("items");
    ASSERT_TRUE(rows.has_value());
    // An estimate from a sample of pages (InnoDB's 20 by default): the right size, not the count;
    // runs here gave from 19,000 to 25,300.
    EXPECT_GE(*rows, 10000);
    EXPECT_LE(*rows, 40000);

    // Qualified with the database, as a migration may name it.
    std::string qualified = "`" + db().value("SELECT DATABASE()") + "`.`items`";
    EXPECT_EQ(table_size(qualified), filled);
    EXPECT_EQ(estimated_rows(qualified), rows);

    EXPECT_FALSE(table_size("no_such_table").has_value());
    EXPECT_FALSE(estimated_rows("no_such_table").has_value());
}

TEST_P(MysqlProbes, SessionEndedByKillConnectionIsALostConnectionAndANewOneCarriesOn) {
    std::unique_ptr<Connection> victim = connect();
    std::int64_t id = value_to_int(victim->query("SELECT CONNECTION_ID()").rows.at(0).at(0));
    db().exec("KILL CONNECTION " + std::to_string(id));
    ASSERT_TRUE(gone(id));

    std::optional<Error> error = error_of([&] { victim->query("SELECT 1"); });
    ASSERT_TRUE(error);
    EXPECT_TRUE(m_dialect->connection_lost(*error)) << error->what() << " [" << error->code() << "]";
    // The connector does not reconnect: the next statement finds the session gone too.
    std::optional<Error> again = error_of([&] { victim->execute("SET @probe = 1"); });
    ASSERT_TRUE(again);
    EXPECT_TRUE(m_dialect->connection_lost(*again)) << again->what() << " [" << again->code() << "]";

    std::unique_ptr<Connection> fresh = connect();
    EXPECT_EQ(value_to_int(fresh->query("SELECT 41 + 1").rows.at(0).at(0)), 42);
}

TEST_P(MysqlProbes, SessionKilledDuringAStatementIsALostConnection) {
    std::unique_ptr<Connection> victim = connect();
    std::int64_t id = value_to_int(victim->query("SELECT CONNECTION_ID()").rows.at(0).at(0));
    // 'Execute': the connection runs its queries as prepared statements.
    std::string running =
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Execute' AND ID = " + std::to_string(id);
    std::thread killer([&] {
        MysqlSession session(db().url());
        eventually([&] { return session.value(running) == "1"; });
        session.exec("KILL CONNECTION " + std::to_string(id));
    });
    std::optional<Error> error = error_of([&] { victim->query("SELECT SLEEP(60)"); });
    killer.join();
    ASSERT_TRUE(error);
    EXPECT_TRUE(m_dialect->connection_lost(*error)) << error->what() << " [" << error->code() << "]";
}

TEST_P(MysqlProbes, SyntaxErrorIsNotALostConnection) {
    std::optional<Error> error = error_of([&] { m_connection->query("SELEC 1"); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), "1064") << error->what();
    EXPECT_FALSE(m_dialect->connection_lost(*error));
    EXPECT_EQ(value_to_int(m_connection->query("SELECT 1").rows.at(0).at(0)), 1);
}

TEST_P(MysqlProbes, NoServerToConnectToIsALostConnectionAndAWrongPasswordIsNot) {
    std::string url = db().url();
    std::size_t colon = url.find(':', url.find('@'));
    std::string nowhere = url.substr(0, colon + 1) + std::to_string(closed_port()) + url.substr(url.find('/', colon));
    std::optional<Error> refused = error_of([&] { m_dialect->connect(parse_database_url(nowhere), {}); });
    ASSERT_TRUE(refused);
    EXPECT_TRUE(m_dialect->connection_lost(*refused)) << refused->what() << " [" << refused->code() << "]";

    std::string password = testing::mysql_test_password();
    ASSERT_FALSE(password.empty());
    url.replace(url.find(password), password.size(), "wrong" + password);
    std::optional<Error> denied = error_of([&] { m_dialect->connect(parse_database_url(url), {}); });
    ASSERT_TRUE(denied);
    EXPECT_FALSE(m_dialect->connection_lost(*denied)) << denied->what() << " [" << denied->code() << "]";
}

INSTANTIATE_TEST_SUITE_P(Mysql, MysqlProbes, ::testing::Values("mysql"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

// What the backfill's throttles and reports read from PostgreSQL, on real servers: a streaming
// replica's lag (caught up, replay paused while the primary writes, resumed), the load of other
// active sessions, table sizes and row estimates, VACUUM, and the errors that say a session is
// gone, after which a new connection must carry on.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pqxx/pqxx>
#include <sys/socket.h>
#include <unistd.h>

#include "dialects/dialect.hpp"
#include "postgres_fixture.hpp"
#include "postgres_replica.hpp"
#include "support/error.hpp"

namespace migrate {
namespace {

using namespace std::chrono_literals;
using testing::contains;

// Waits up to `timeout` for `condition`; false if it never held.
template <typename Condition>
bool eventually(Condition&& condition, std::chrono::milliseconds timeout = 30s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

std::string shown(const std::optional<Duration>& lag) {
    return lag ? std::to_string(lag->count()) + "ms" : "unknown";
}

// `url` with its port replaced.
std::string with_port(const std::string& url, int port) {
    std::size_t at = url.find('@');
    std::size_t colon = url.find(':', at);
    std::size_t slash = url.find('/', colon);
    return url.substr(0, colon + 1) + std::to_string(port) + url.substr(slash);
}

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

class PostgresProbes : public testing::PostgresTest {
  protected:
    void SetUp() override {
        PostgresTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        m_url = parse_database_url(db().url());
        m_dialect = make_dialect(m_url);
        m_connection = m_dialect->connect(m_url, {});
    }

    std::unique_ptr<Connection> connect(const ConnectOptions& options = {}) {
        return m_dialect->connect(m_url, options);
    }

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

    DatabaseUrl m_url;
    std::unique_ptr<Dialect> m_dialect;
    std::unique_ptr<Connection> m_connection;
};

TEST_P(PostgresProbes, ReplicaLagIsZeroWhenCaughtUpGrowsWhileReplayIsPausedAndRecoversOnResume) {
    std::string replica_url;
    MIGRATE_REQUIRE_POSTGRES_REPLICA(replica_url);
    // An earlier run that died paused would hold the replica still.
    pqxx::connection control(replica_url);
    pqxx::nontransaction(control).exec("SELECT pg_wal_replay_resume()");
    std::unique_ptr<Connection> replica = m_dialect->connect(parse_database_url(replica_url), {});

    // Caught up once it has replayed what this test wrote. Other tests write to the primary at
    // the same time, so "about zero" allows for their transactions in flight.
    db().exec("CREATE TABLE ticks (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at TIMESTAMPTZ DEFAULT now())");
    db().exec("INSERT INTO ticks DEFAULT VALUES");
    std::string written = db().value("SELECT pg_current_wal_insert_lsn()");
    ASSERT_TRUE(eventually([&] {
        return pqxx::nontransaction(control)
            .exec("SELECT pg_last_wal_replay_lsn() >= '" + written + "'::pg_lsn")[0][0]
            .as<bool>();
    })) << "the replica never replayed the test's writes";
    std::optional<Duration> lag;
    auto caught_up = [&] {
        lag = m_dialect->replica_lag(*replica);
        return lag && *lag < 500ms;
    };
    EXPECT_TRUE(eventually(caught_up)) << "lag " << shown(lag);

    testing::PausedReplay paused(replica_url);
    EXPECT_EQ(pqxx::nontransaction(control).exec("SELECT pg_is_wal_replay_paused()")[0][0].as<bool>(), true);
    db().exec("INSERT INTO ticks DEFAULT VALUES");
    // Received, not replayed: the lag is the age of the last transaction replayed, and grows.
    auto behind = [&] {
        lag = m_dialect->replica_lag(*replica);
        return lag && *lag > 1s;
    };
    ASSERT_TRUE(eventually(behind, 10s)) << "lag " << shown(lag);
    Duration first = *lag;
    std::this_thread::sleep_for(300ms);
    lag = m_dialect->replica_lag(*replica);
    ASSERT_TRUE(lag.has_value());
    EXPECT_GT(*lag, first);

    paused.resume();
    EXPECT_TRUE(eventually(caught_up)) << "lag " << shown(lag);
}

TEST_P(PostgresProbes, ReplicaLagOfAServerThatIsNotAReplicaIsAUsageError) {
    std::optional<Error> error = error_of([&] { m_dialect->replica_lag(*m_connection); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->kind(), ErrorKind::usage) << error->what();
    EXPECT_TRUE(contains(error->what(), "is not a replica (pg_is_in_recovery() is false)")) << error->what();
}

TEST_P(PostgresProbes, ServerLoadCountsOtherSessionsRunningAStatement) {
    // Three sessions of "the application", each in a long statement until cancelled.
    std::string name = "probe-sleeper-" + db().value("SELECT current_database()");
    std::atomic<int> cancelled = 0;
    std::vector<std::thread> sleepers;
    for (int i = 0; i < 3; ++i) {
        sleepers.emplace_back([&] {
            pqxx::connection session(db().url());
            pqxx::nontransaction work(session);
            work.exec("SET application_name = " + session.quote(name));
            try {
                work.exec("SELECT pg_sleep(60)");
            } catch (const pqxx::sql_error&) {
                ++cancelled;
            }
        });
    }
    std::string running =
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND application_name = '" + name + "'";
    bool all_running = eventually([&] { return db().value(running) == "3"; });
    std::optional<std::int64_t> load = m_dialect->server_load(*m_connection);
    db().exec("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = '" + name + "'");
    for (std::thread& sleeper : sleepers) {
        sleeper.join();
    }
    ASSERT_TRUE(all_running);
    ASSERT_TRUE(load.has_value());
    // At least these three; other tests may run statements of their own on the same server.
    EXPECT_GE(*load, 3);
    EXPECT_EQ(cancelled, 3);
}

TEST_P(PostgresProbes, TableSizeGrowsWithRowsAndEstimatedRowsIsKnownAfterAnalyze) {
    // Written as a migration names it: schema-qualified and quoted.
    const std::string table = R"("Shop Data"."Line Items")";
    db().exec(R"(CREATE SCHEMA "Shop Data")");
    db().exec("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, note TEXT NOT NULL) WITH (autovacuum_enabled = off)");
    std::optional<std::int64_t> empty = table_size(table);
    ASSERT_TRUE(empty.has_value());
    EXPECT_FALSE(estimated_rows(table).has_value()) << "a table never analyzed has no estimate";

    db().exec("INSERT INTO " + table + " SELECT i, repeat('x', 100) FROM generate_series(1, 20000) AS i");
    std::optional<std::int64_t> filled = table_size(table);
    ASSERT_TRUE(filled.has_value());
    EXPECT_GT(*filled, *empty + 20000 * 100);
    EXPECT_EQ(*filled, std::stoll(db().value("SELECT pg_total_relation_size('" + table + "')")));

    db().exec("ANALYZE " + table);
    EXPECT_EQ(estimated_rows(table), 20000);

    EXPECT_FALSE(table_size("no_such_table").has_value());
    EXPECT_FALSE(estimated_rows("no_such_table").has_value());
}

TEST_P(PostgresProbes, TablePagesAreThePagesOfAPlainTableAndAPageRangeIsReadByATidRangeScan) {
    db().exec("CREATE TABLE paged (id BIGINT PRIMARY KEY, note TEXT)");
    db().exec("INSERT INTO paged SELECT i, repeat('x', 200) FROM generate_series(1, 3000) AS i");
    db().exec("CREATE TABLE parted (id BIGINT NOT NULL, note TEXT) PARTITION BY RANGE (id)");
    db().exec("CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (0) TO (1000)");
    db().exec("INSERT INTO parted SELECT i, 'x' FROM generate_series(1, 999) AS i");
    std::int64_t pages = std::stoll(db().value("SELECT pg_relation_size('paged') / 8192"));
    ASSERT_GT(pages, 50);
    EXPECT_EQ(m_dialect->table_pages(*m_connection, "paged"), pages);
    EXPECT_EQ(m_dialect->table_pages(*m_connection, "public.paged"), pages);
    // A partitioned table has no pages of its own, and a table that does not exist none at all:
    // the count walks the key there.
    EXPECT_FALSE(m_dialect->table_pages(*m_connection, "parted").has_value());
    EXPECT_FALSE(m_dialect->table_pages(*m_connection, "no_such_table").has_value());

    // The parts add up to the table, the last one open-ended, each read by its pages alone.
    std::int64_t half = pages / 2;
    std::int64_t rows = 0;
    for (const std::string& range : {m_dialect->page_range(0, half), m_dialect->page_range(half, std::nullopt)}) {
        std::string count = "SELECT COUNT(*) FROM paged WHERE " + range;
        rows += value_to_int(m_connection->query(count).rows.at(0).at(0));
        std::string plan;
        for (const Row& row : m_connection->query("EXPLAIN " + count).rows) {
            plan += value_to_string(row.at(0)) + "\n";
        }
        EXPECT_TRUE(contains(plan, "Tid Range Scan")) << plan;
    }
    EXPECT_EQ(rows, 3000);
}

TEST_P(PostgresProbes, VacuumTableMakesTheSpaceOfReplacedRowsReusable) {
    ASSERT_TRUE(m_dialect->can_vacuum());
    db().exec("CREATE TABLE items (id BIGINT PRIMARY KEY, note TEXT NOT NULL) WITH (autovacuum_enabled = off)");
    db().exec("INSERT INTO items SELECT i, repeat('x', 100) FROM generate_series(1, 20000) AS i");
    // A backfill's batches: every row replaced by a new version, the old one left dead.
    db().exec("UPDATE items SET note = upper(note)");
    // This session's counts reach the statistics when it next goes idle, not a second later.
    db().exec("SELECT pg_stat_force_next_flush()");
    std::string dead = "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'items'::regclass";
    EXPECT_GE(std::stoll(db().value(dead)), 20000);
    std::optional<std::int64_t> before = table_size("items");
    ASSERT_TRUE(before.has_value());

    m_dialect->vacuum_table(*m_connection, "items");

    EXPECT_EQ(db().value(dead), "0");
    EXPECT_EQ(db().value("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relid = 'items'::regclass"),
              "t");
    // The next round of new versions fits in the space VACUUM freed: without it, the table would
    // grow by half again.
    db().exec("UPDATE items SET note = lower(note)");
    std::optional<std::int64_t> after = table_size("items");
    ASSERT_TRUE(after.has_value());
    EXPECT_LE(*after, *before + *before / 10) << "before VACUUM " << *before << " bytes, after " << *after;
}

TEST_P(PostgresProbes, VacuumTableOfATableThatDoesNotExistIsAnInputError) {
    std::optional<Error> error = error_of([&] { m_dialect->vacuum_table(*m_connection, "no_such_table"); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->kind(), ErrorKind::input) << error->what();
    EXPECT_TRUE(contains(error->what(), "no_such_table")) << error->what();
}

TEST_P(PostgresProbes, SessionEndedByPgTerminateBackendIsALostConnectionAndANewOneCarriesOn) {
    std::unique_ptr<Connection> victim = connect();
    std::string pid = value_to_string(victim->query("SELECT pg_backend_pid()").rows.at(0).at(0));
    ASSERT_EQ(db().value("SELECT pg_terminate_backend(" + pid + ", 10000)"), "t");

    std::optional<Error> error = error_of([&] { victim->query("SELECT 1"); });
    ASSERT_TRUE(error);
    // libpqxx 6 throws broken_connection here, not the server's 57P01; the server's reason
    // still reaches the message.
    EXPECT_EQ(error->code(), "08006") << error->what();
    EXPECT_TRUE(m_dialect->connection_lost(*error)) << error->what();
    EXPECT_TRUE(contains(error->what(), "terminating connection due to administrator command")) << error->what();
    // The same connection stays lost: it does not come back as a new session without its
    // settings (libpqxx would reconnect on its own at the next use).
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::optional<Error> again = error_of([&] { victim->execute("SET lock_timeout = 0"); });
        ASSERT_TRUE(again);
        EXPECT_TRUE(m_dialect->connection_lost(*again)) << again->what();
    }

    std::unique_ptr<Connection> fresh = connect();
    EXPECT_EQ(value_to_int(fresh->query("SELECT 41 + 1").rows.at(0).at(0)), 42);
}

TEST_P(PostgresProbes, SessionEndedDuringAStatementIsALostConnection) {
    std::unique_ptr<Connection> victim = connect();
    std::string pid = value_to_string(victim->query("SELECT pg_backend_pid()").rows.at(0).at(0));
    std::thread terminator([&] {
        eventually([&] {
            return db().value("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid + " AND state = 'active'") ==
                   "1";
        });
        db().exec("SELECT pg_terminate_backend(" + pid + ")");
    });
    std::optional<Error> error = error_of([&] { victim->query("SELECT pg_sleep(60)"); });
    terminator.join();
    ASSERT_TRUE(error);
    EXPECT_TRUE(m_dialect->connection_lost(*error)) << error->what() << " [" << error->code() << "]";
}

TEST_P(PostgresProbes, SyntaxErrorIsNotALostConnection) {
    std::optional<Error> error = error_of([&] { m_connection->query("SELEC 1"); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), "42601") << error->what();
    EXPECT_FALSE(m_dialect->connection_lost(*error));
    EXPECT_EQ(value_to_int(m_connection->query("SELECT 1").rows.at(0).at(0)), 1);
}

TEST_P(PostgresProbes, NoServerToConnectToIsALostConnectionAndAWrongPasswordIsNot) {
    DatabaseUrl nowhere = parse_database_url(with_port(db().url(), closed_port()));
    std::optional<Error> refused = error_of([&] { m_dialect->connect(nowhere, {}); });
    ASSERT_TRUE(refused);
    EXPECT_TRUE(m_dialect->connection_lost(*refused)) << refused->what() << " [" << refused->code() << "]";

    std::string url = db().url();
    std::string password = testing::postgres_test_password();
    ASSERT_FALSE(password.empty());
    url.replace(url.find(password), password.size(), "wrong" + password);
    std::optional<Error> denied = error_of([&] { m_dialect->connect(parse_database_url(url), {}); });
    ASSERT_TRUE(denied);
    EXPECT_FALSE(m_dialect->connection_lost(*denied)) << denied->what() << " [" << denied->code() << "]";
    EXPECT_FALSE(contains(denied->what(), password)) << denied->what();
}

TEST_P(PostgresProbes, SessionShowsTheApplicationNameItWasGiven) {
    ConnectOptions options;
    options.application_name = "migrate backfill 'orders'";
    std::unique_ptr<Connection> session = connect(options);
    EXPECT_EQ(value_to_string(session->query("SHOW application_name").rows.at(0).at(0)), "migrate backfill 'orders'");
    EXPECT_EQ(
        db().value("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'migrate backfill ''orders'''"),
        "1");
    EXPECT_EQ(value_to_string(m_connection->query("SHOW application_name").rows.at(0).at(0)), "migrate");
}

TEST_P(PostgresProbes, SessionsPlanTheirScansWithoutParallelWorkers) {
    // The count of rows a backfill left scans the whole table; on a live server it must take one
    // core, not a leader and its workers. Parallel plans made free, so that a small table gets one.
    db().exec("CREATE TABLE wide (id BIGINT PRIMARY KEY, note TEXT)");
    db().exec("INSERT INTO wide SELECT i, NULL FROM generate_series(1, 1000) AS i");
    db().exec("ANALYZE wide");
    const std::string costs =
        "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0";
    const std::string count = "EXPLAIN SELECT COUNT(*) FROM wide WHERE note IS NULL";
    auto plan_of = [](const QueryResult& result) {
        std::string plan;
        for (const Row& row : result.rows) {
            plan += value_to_string(row.at(0)) + "\n";
        }
        return plan;
    };
    pqxx::connection plain(db().url());
    pqxx::nontransaction work(plain);
    work.exec(costs);
    std::string plain_plan;
    for (const pqxx::row& row : work.exec(count)) {
        plain_plan += row[0].c_str() + std::string("\n");
    }
    ASSERT_TRUE(contains(plain_plan, "Gather")) << "the server would not plan in parallel at all:\n" << plain_plan;

    m_connection->execute_script(costs);
    std::string migrate_plan = plan_of(m_connection->query(count));
    EXPECT_FALSE(contains(migrate_plan, "Gather")) << migrate_plan;
    EXPECT_EQ(value_to_string(m_connection->query("SHOW max_parallel_workers_per_gather").rows.at(0).at(0)), "0");
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresProbes, ::testing::Values("postgres"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

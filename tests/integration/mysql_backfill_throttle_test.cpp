// What only MariaDB's backfill has: a real replica (scripts/test-servers.sh starts it) whose
// replication is delayed holds the backfill, by its Seconds_Behind_Master, until it catches up;
// and the replica's connection to the server is not counted as the server's load.
// SERIAL with the other throttle tests: the delayed replica must not meet other tests' waits.
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "backfill_fixture.hpp"
#include "mysql_replica.hpp"

namespace migrate {
namespace {

using namespace std::chrono_literals;

class MysqlBackfillThrottle : public testing::BackfillFixture {};

TEST_P(MysqlBackfillThrottle, ReplicaLagHoldsTheBackfillUntilTheReplicaCatchesUp) {
    std::string replica_url;
    MIGRATE_REQUIRE_MYSQL_REPLICA(replica_url);
    expand_items();
    // A MySQL URL names a database: the test's, which reached the replica before the delay.
    replica_url += url().substr(url().rfind('/') + 1);
    testing::DelayedReplica delayed(replica_url);
    // A write the replica receives but does not apply: from now on its lag grows. Seconds_Behind_Master
    // counts whole seconds, and a lag of 1 s is not over --max-replica-lag 1s.
    db().exec("CREATE TABLE lag_marker (id INTEGER)");
    std::this_thread::sleep_for(2500ms);

    expect_replica_lag_to_hold_the_backfill(replica_url, [&] { delayed.undo(); });
}

TEST_P(MysqlBackfillThrottle, AConnectedReplicaIsNoLoadOfTheServer) {
    std::string replica_url;
    MIGRATE_REQUIRE_MYSQL_REPLICA(replica_url);
    // The replica's binlog dump thread, in Threads_running for as long as the replica is
    // connected, once held --max-load 1 for good.
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'"), "1");
    expand_items();
    pid_t child = spawn_backfill({"--max-load", "1", "--progress", "json"}, "unloaded");
    EXPECT_EQ(testing::wait_for(child), 0) << log("unloaded");
    expect_every_row_backfilled_once();
    for (const nlohmann::json& event : events("unloaded")) {
        EXPECT_NE(event["event"], "throttle") << event;
    }
}

INSTANTIATE_TEST_SUITE_P(Mysql, MysqlBackfillThrottle, ::testing::Values("mysql"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

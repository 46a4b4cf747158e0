// What only PostgreSQL's backfill has: a real streaming replica (scripts/test-servers.sh starts
// it with pg_basebackup -R) whose replay is paused holds the backfill until replay resumes, a
// primary given as a replica is refused, and VACUUM runs every N batches with the table's size
// reported. SERIAL with the other throttle tests: pausing replay must not meet other tests' waits.
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "backfill_fixture.hpp"
#include "postgres_replica.hpp"

namespace migrate {
namespace {

using namespace std::chrono_literals;

class PostgresBackfillThrottle : public testing::BackfillFixture {};

TEST_P(PostgresBackfillThrottle, ReplicaLagHoldsTheBackfillUntilReplayResumes) {
    std::string replica_url;
    MIGRATE_REQUIRE_POSTGRES_REPLICA(replica_url);
    expand_items();
    testing::PausedReplay paused(replica_url);
    // A write the replica receives but does not replay: from now on its lag grows.
    db().exec("CREATE TABLE lag_marker (id INTEGER)");
    std::this_thread::sleep_for(1500ms);

    expect_replica_lag_to_hold_the_backfill(replica_url, [&] { paused.resume(); });
}

TEST_P(PostgresBackfillThrottle, PrimaryGivenAsReplicaIsRefusedBeforeAnyBatch) {
    expand_items();
    auto refused = testing::run_migrate({"apply", "--phase", "backfill", "--replica", url(), "-u", url(), "-d", dir()});
    EXPECT_EQ(refused.exit_code, 2) << refused.err;
    EXPECT_NE(refused.err.find("not a replica"), std::string::npos) << refused.err;
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM items WHERE dst IS NOT NULL"), "0");
}

TEST_P(PostgresBackfillThrottle, VacuumEveryNBatchesAndTableSizesAreReported) {
    expand_items();
    pid_t child = spawn_backfill({"--batch-size", "1000", "--vacuum-every", "10", "--progress", "json"}, "vacuumed");
    EXPECT_EQ(testing::wait_for(child), 0) << log("vacuumed");
    expect_every_row_backfilled_once();
    int vacuums = 0;
    std::optional<nlohmann::json> done;
    for (const nlohmann::json& event : events("vacuumed")) {
        if (event["event"] == "vacuum") {
            ++vacuums;
            EXPECT_GT(event["table_bytes_after"].get<std::int64_t>(), 0);
        }
        if (event["event"] == "done") {
            done = event;
        }
    }
    EXPECT_EQ(vacuums, 4) << log("vacuumed");
    ASSERT_TRUE(done) << log("vacuumed");
    EXPECT_GT((*done)["table_bytes_before"].get<std::int64_t>(), 0);
    EXPECT_GT((*done)["table_bytes_after"].get<std::int64_t>(), 0);
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresBackfillThrottle, ::testing::Values("postgres"),
                         testing::dialect_param_name);

}  // namespace
}  // namespace migrate

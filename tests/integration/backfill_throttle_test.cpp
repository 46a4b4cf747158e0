// The backfill against a server, on PostgreSQL and MariaDB: the load throttle waits while the
// server is busy and stops at the critical load; a connection killed under the backfill is
// replaced and the batch in flight is neither lost nor repeated. Run on their own (SERIAL):
// server-wide load figures would count other tests' statements.
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "backfill_fixture.hpp"

namespace migrate {
namespace {

using namespace std::chrono_literals;
using testing::item_count;

class BackfillThrottle : public testing::BackfillFixture {
  protected:
    std::string sleep_sql(int seconds) const {
        return (is_postgres() ? "SELECT pg_sleep(" : "SELECT SLEEP(") + std::to_string(seconds) + ")";
    }
};

TEST_P(BackfillThrottle, WaitsWhileTheServerIsBusierThanMaxLoad) {
    expand_items();
    // Another session runs a statement for 3 s: the server runs one statement besides the backfill.
    auto busy = std::make_unique<std::thread>([this] { db().exec(sleep_sql(3)); });
    std::this_thread::sleep_for(300ms);
    auto started = std::chrono::steady_clock::now();
    pid_t child = spawn_backfill({"--max-load", "1", "--progress", "log"}, "loaded");
    int exit_code = testing::wait_for(child);
    busy->join();
    EXPECT_EQ(exit_code, 0) << log("loaded");
    EXPECT_GE(std::chrono::steady_clock::now() - started, 2s) << log("loaded");
    EXPECT_NE(log("loaded").find("waiting: server load 1 >= --max-load 1"), std::string::npos) << log("loaded");
    EXPECT_NE(log("loaded").find("going on after waiting"), std::string::npos) << log("loaded");
    expect_every_row_backfilled_once();
}

TEST_P(BackfillThrottle, CriticalLoadStopsTheBackfillWithTheCursorSaved) {
    expand_items();
    auto busy = std::make_unique<std::thread>([this] { db().exec(sleep_sql(3)); });
    std::this_thread::sleep_for(300ms);
    auto stopped =
        testing::run_migrate({"apply", "--phase", "backfill", "--critical-load", "1", "-u", url(), "-d", dir()});
    busy->join();
    EXPECT_EQ(stopped.exit_code, 1) << stopped.err;
    EXPECT_NE(stopped.err.find("at or over --critical-load 1"), std::string::npos) << stopped.err;
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "expanded");
    EXPECT_EQ(backfill_state("run_state"), "failed");
    // Once the load is gone, the same command finishes the job.
    auto again =
        testing::run_migrate({"apply", "--phase", "backfill", "--critical-load", "1", "-u", url(), "-d", dir()});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    expect_every_row_backfilled_once();
}

TEST_P(BackfillThrottle, KilledConnectionIsReplacedWithoutLosingOrRepeatingABatch) {
    expand_items();
    pid_t child = spawn_backfill({"--batch-size", "20", "--progress", "json"}, "killed-connection");
    for (int kill = 0; kill < 3; ++kill) {
        wait_until_recorded((kill + 1) * 2000);
        if (is_postgres()) {
            db().exec(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name = 'migrate backfill'");
        } else {
            // Every session on this database but the test's two (the one that polls without
            // waiting is a session of its own) and the runner's, which holds the runner lock.
            std::string poller = db().try_value("SELECT CONNECTION_ID()").value_or("0");
            for (const auto& row :
                 db().rows("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> "
                           "CONNECTION_ID() AND ID <> " +
                           poller + " AND ID <> COALESCE(IS_USED_LOCK(CONCAT('migrate:', DATABASE())), 0)")) {
                db().exec("KILL CONNECTION " + row[0]);
            }
        }
    }
    EXPECT_EQ(testing::wait_for(child), 0) << log("killed-connection");
    expect_every_row_backfilled_once();
    EXPECT_EQ(db().value("SELECT rows_updated FROM " + state("backfills")), std::to_string(item_count));
    int reconnects = 0;
    for (const nlohmann::json& event : events("killed-connection")) {
        if (event["event"] == "retry" &&
            event["message"].get<std::string>().find("reconnecting") != std::string::npos) {
            ++reconnects;
        }
    }
    EXPECT_GE(reconnects, 3) << log("killed-connection");
}

std::vector<std::string> server_dialects() {
    std::vector<std::string> servers = testing::test_dialects();
    std::erase(servers, "sqlite");
    return servers;
}

INSTANTIATE_TEST_SUITE_P(Servers, BackfillThrottle, ::testing::ValuesIn(server_dialects()),
                         testing::dialect_param_name);

}  // namespace
}  // namespace migrate

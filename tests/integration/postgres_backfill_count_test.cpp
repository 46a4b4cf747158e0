// The count that ends a backfill pass on PostgreSQL, where it reads the table a range of pages at
// a time: a table whose one COUNT outlasts the statement timeout still completes its backfill,
// pages the backfill left nearly empty do not shrink the parts, and SIGTERM in the middle of the
// count stops it at a part, from where a rerun completes.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "backfill_fixture.hpp"
#include "postgres_fixture.hpp"

namespace migrate {
namespace {

using namespace std::chrono_literals;
using testing::contains;

// 4,000 rows whose `where` takes at least half a millisecond a row: one COUNT of the table takes
// 2 s or more, while batches of 50 rows and parts of the count sized to --batch-time stay far
// below the statement timeout even on a busy machine. Five rows fill a page, and after the
// backfill the table's first pages hold only the rows it replaced: a count that sized its parts by
// how fast pages went would grow them there and meet the live rows with a part far too large.
constexpr const char* slow_migration = R"toml(
[[expand]]
up = """
CREATE TABLE slow_items (id BIGINT PRIMARY KEY, src TEXT NOT NULL, dst TEXT, touches INTEGER NOT NULL DEFAULT 0,
                         filler CHAR(1500) NOT NULL DEFAULT '');
INSERT INTO slow_items (id, src) SELECT i, 'item-' || i FROM generate_series(1, 4000) AS i;
CREATE FUNCTION slowly_null(value TEXT) RETURNS BOOLEAN LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_sleep(0.0005);
    RETURN value IS NULL;
END
$$;
"""
down = "DROP TABLE slow_items; DROP FUNCTION slowly_null(TEXT)"

[[backfill]]
table = "slow_items"
set = "dst = upper(src), touches = touches + 1"
where = "slowly_null(dst)"
)toml";

class PostgresBackfillCount : public testing::BackfillFixture {
  protected:
    void expect_every_slow_item_backfilled_once() {
        EXPECT_EQ(db().value("SELECT COUNT(*) FROM slow_items WHERE dst = upper(src) AND touches = 1"), "4000");
        EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "backfilled");
    }

    // Polls run NAME's JSON progress until an event named `event` shows up.
    bool wait_for_event(const std::string& name, const std::string& event) {
        auto deadline = std::chrono::steady_clock::now() + 60s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (contains(log(name), "\"event\":\"" + event + "\"")) {
                return true;
            }
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }
};

TEST_P(PostgresBackfillCount, AStatementTimeoutShorterThanOneCountOfTheTableStillLetsTheBackfillComplete) {
    expand_migration("0001_slow_items.toml", slow_migration);
    // What a single count would meet.
    EXPECT_THROW(db().exec("SET statement_timeout = '1s'; SELECT COUNT(*) FROM slow_items WHERE slowly_null(dst)"),
                 std::exception);

    auto backfill =
        testing::run_migrate({"apply", "--phase", "backfill", "-u", url(), "-d", dir(), "--statement-timeout", "1s",
                              "--batch-time", "200ms", "--max-batch", "500", "--progress", "json"});
    ASSERT_EQ(backfill.exit_code, 0) << backfill.err;
    expect_every_slow_item_backfilled_once();
    std::optional<nlohmann::json> counted;
    std::istringstream lines(backfill.err);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("{") && nlohmann::json::parse(line)["event"] == "counted") {
            counted = nlohmann::json::parse(line);
        }
    }
    ASSERT_TRUE(counted) << backfill.err;
    EXPECT_EQ((*counted)["rows_left"], 0);
    EXPECT_EQ((*counted)["share_counted"], 1.0);
    EXPECT_TRUE(contains((*counted)["message"].get<std::string>(), "pages")) << *counted;
}

// 20,000 rows, 11 to a page, of which one in a hundred already holds its value: the backfill
// leaves the first half of the table with about one live row in ten pages, the rows it skipped.
constexpr const char* sparse_migration = R"toml(
[[expand]]
up = """
CREATE TABLE sparse_items (id BIGINT PRIMARY KEY, src TEXT NOT NULL, dst TEXT, filler CHAR(600) NOT NULL DEFAULT '');
INSERT INTO sparse_items (id, src, dst)
SELECT i, 'item-' || i, CASE WHEN i % 100 = 0 THEN 'kept' END FROM generate_series(1, 20000) AS i;
"""
down = "DROP TABLE sparse_items"

[[backfill]]
table = "sparse_items"
set = "dst = upper(src)"
where = "dst IS NULL"
)toml";

TEST_P(PostgresBackfillCount, PagesLeftNearlyEmptyByTheBackfillAreCountedInPartsOfTheSizeItStartedWith) {
    expand_migration("0001_sparse_items.toml", sparse_migration);
    auto backfill = testing::run_migrate({"apply", "--phase", "backfill", "-u", url(), "-d", dir(), "--batch-size",
                                          "500", "--batch-time", "10ms", "--progress", "json"});
    ASSERT_EQ(backfill.exit_code, 0) << backfill.err;
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM sparse_items WHERE dst = upper(src)"), "19800");
    std::optional<nlohmann::json> counted;
    std::istringstream lines(backfill.err);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("{") && nlohmann::json::parse(line)["event"] == "counted") {
            counted = nlohmann::json::parse(line);
        }
    }
    ASSERT_TRUE(counted) << backfill.err;
    EXPECT_EQ((*counted)["rows_left"], 0);
    // Parts start at 500 rows' worth of pages, about 80 of the 3,300 the table then spans: some
    // 40 parts at that size. A count that let the few rows of the nearly empty pages shrink its
    // parts took over 1,100.
    EXPECT_LE((*counted)["parts"].get<int>(), 100) << *counted;
    EXPECT_TRUE(contains((*counted)["message"].get<std::string>(), "statements")) << *counted;
}

TEST_P(PostgresBackfillCount, SigtermDuringTheCountStopsItAtAPartAndARerunCompletes) {
    expand_migration("0001_slow_items.toml", slow_migration);
    pid_t child = spawn_backfill({"--batch-size", "50", "--batch-time", "100ms", "--progress", "json"}, "counting");
    ASSERT_TRUE(wait_for_event("counting", "count")) << log("counting");
    // What `migrate backfill status` shows from another host meanwhile.
    EXPECT_EQ(backfill_state("run_state"), "counting");
    kill(child, SIGTERM);
    EXPECT_EQ(testing::wait_for(child), 143) << log("counting");
    EXPECT_TRUE(contains(log("counting"), "stopped by SIGTERM")) << log("counting");
    EXPECT_FALSE(contains(log("counting"), "\"event\":\"counted\"")) << log("counting");
    db().wait_for_other_sessions();
    EXPECT_EQ(backfill_state("run_state"), "stopped");
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "expanded");

    auto resumed = testing::run_migrate({"apply", "--phase", "backfill", "-u", url(), "-d", dir()});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    expect_every_slow_item_backfilled_once();
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresBackfillCount, ::testing::Values("postgres"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

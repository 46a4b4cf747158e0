// The count that ends a backfill pass on PostgreSQL, where it reads the table a range of pages at
// a time: a table whose one COUNT outlasts the statement timeout still completes its backfill,
// pages the backfill left nearly empty do not shrink the parts, an error in the count fails the
// backfill with its state saying so, and SIGTERM in the middle of the count stops it at a part,
// from where a rerun completes.
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
    // The last `counted` event of a run's JSON progress.
    static std::optional<nlohmann::json> counted_event(const std::string& output) {
        std::optional<nlohmann::json> counted;
        for (const nlohmann::json& event : json_events(output)) {
            if (event["event"] == "counted") {
                counted = event;
            }
        }
        return counted;
    }

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
    std::optional<nlohmann::json> counted = counted_event(backfill.err);
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
    std::optional<nlohmann::json> counted = counted_event(backfill.err);
    ASSERT_TRUE(counted) << backfill.err;
    EXPECT_EQ((*counted)["rows_left"], 0);
    // The first part holds the rows the batches walked in 50 ms, thousands here, and the nearly
    // empty pages are crossed at that size: 3 parts in all on an idle machine. Parts of a batch's
    // worth (500 rows, about 80 of the 3,300 pages the table then spans) took 25; a count that
    // let the few rows of the nearly empty pages shrink its parts took over 1,100.
    EXPECT_LE((*counted)["parts"].get<int>(), 20) << *counted;
    EXPECT_TRUE(contains((*counted)["message"].get<std::string>(), " statements in ")) << *counted;
}

// A `where` that fails in the count only, while a row of count_guard is there: every batch
// succeeds, then the count that ends the pass meets the error.
constexpr const char* guarded_migration = R"toml(
[[expand]]
up = """
CREATE TABLE guarded_items (id BIGINT PRIMARY KEY, src TEXT NOT NULL, dst TEXT, touches INTEGER NOT NULL DEFAULT 0);
INSERT INTO guarded_items (id, src) SELECT i, 'item-' || i FROM generate_series(1, 200) AS i;
CREATE TABLE count_guard (reason TEXT NOT NULL);
INSERT INTO count_guard VALUES ('the count is refused');
CREATE FUNCTION guarded_null(value TEXT) RETURNS BOOLEAN LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF current_query() LIKE 'SELECT COUNT(*)%' AND EXISTS (SELECT 1 FROM count_guard) THEN
        RAISE EXCEPTION '%', (SELECT reason FROM count_guard LIMIT 1);
    END IF;
    RETURN value IS NULL;
END
$$;
"""
down = "DROP TABLE guarded_items; DROP TABLE count_guard; DROP FUNCTION guarded_null(TEXT)"

[[backfill]]
table = "guarded_items"
set = "dst = upper(src), touches = touches + 1"
where = "guarded_null(dst)"
)toml";

TEST_P(PostgresBackfillCount, AnErrorInTheCountFailsTheBackfillWithItsStateSayingSoAndARerunCompletes) {
    expand_migration("0001_guarded_items.toml", guarded_migration);
    auto failed = testing::run_migrate(
        {"apply", "--phase", "backfill", "-u", url(), "-d", dir(), "--batch-size", "50", "--progress", "log"});
    EXPECT_EQ(failed.exit_code, 1) << failed.err;
    EXPECT_TRUE(contains(failed.err, "the count is refused")) << failed.err;
    EXPECT_TRUE(contains(failed.err, "P0001")) << failed.err;
    // The batches all went through; the count did not.
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM guarded_items WHERE dst = upper(src) AND touches = 1"), "200");
    EXPECT_EQ(backfill_state("run_state"), "failed");
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "expanded");

    db().exec("DELETE FROM count_guard");
    auto rerun = testing::run_migrate({"apply", "--phase", "backfill", "-u", url(), "-d", dir()});
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM guarded_items WHERE dst = upper(src) AND touches = 1"), "200");
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "backfilled");
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

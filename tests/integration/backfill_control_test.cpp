// Controlling a running backfill on every dialect, as an operator would: pause and resume from
// a second process, a pause file, SIGTERM and SIGINT that stop it at a checkpoint, an application
// writing beside it, its state row deleted under it, a rate limit and a sleep ratio, adaptive
// batch sizes, and the JSON progress events a rollout pipeline reads.
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "backfill_fixture.hpp"
#include "recording_observer.hpp"

namespace migrate {
namespace {

using namespace std::chrono_literals;
using testing::item_count;

class BackfillControl : public testing::BackfillFixture {
  protected:
    std::vector<std::string> event_outcomes() {
        std::vector<std::string> outcomes;
        for (const auto& row : db().rows("SELECT outcome FROM " + state("events") + " ORDER BY seq")) {
            outcomes.push_back(row[0]);
        }
        return outcomes;
    }
};

TEST_P(BackfillControl, PauseFromAnotherProcessHoldsTheBackfillUntilResumed) {
    expand_items();
    // Throttled, so that it is still running when paused. (On SQLite, with one writer at a
    // time, the pause also needs the gaps a throttled backfill leaves.)
    pid_t child = spawn_backfill({"--max-rows-per-second", "10000"}, "paused");
    wait_until_recorded(200);

    auto pause = testing::run_migrate({"backfill", "pause", "1", "--reason", "disk alarm", "-u", url()});
    ASSERT_EQ(pause.exit_code, 0) << pause.err;
    EXPECT_NE(pause.out.find("Paused the backfill of migration 0001"), std::string::npos) << pause.out;
    wait_for_run_state("waiting");
    std::int64_t held = rows_recorded();
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(rows_recorded(), held) << "a paused backfill ran batches";

    auto status = testing::run_migrate({"backfill", "status", "--format", "json", "-u", url()});
    ASSERT_EQ(status.exit_code, 0) << status.err;
    nlohmann::json document = nlohmann::json::parse(status.out);
    ASSERT_EQ(document["backfills"].size(), 1u) << status.out;
    const nlohmann::json& backfill = document["backfills"][0];
    EXPECT_EQ(backfill["state"], "waiting");
    EXPECT_EQ(backfill["rows_updated"], held);
    EXPECT_NE(backfill["paused"].get<std::string>().find("disk alarm"), std::string::npos) << status.out;
    EXPECT_NE(backfill["runner"].get<std::string>().find("pid"), std::string::npos) << status.out;
    EXPECT_EQ(document["pauses"][0]["scope"], "0001");

    auto resume = testing::run_migrate({"backfill", "resume", "-u", url()});
    ASSERT_EQ(resume.exit_code, 0) << resume.err;
    EXPECT_EQ(testing::wait_for(child), 0) << log("paused");
    expect_every_row_backfilled_once();
    EXPECT_NE(log("paused").find("waiting: paused by"), std::string::npos) << log("paused");
    EXPECT_EQ(db().value("SELECT detail FROM " + state("events") + " WHERE outcome = 'paused'"), "disk alarm");
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM " + state("events") + " WHERE outcome = 'resumed'"), "1");
}

TEST_P(BackfillControl, PausingBeforeTheBackfillStartsHoldsItFromTheFirstBatch) {
    expand_items();
    auto pause = testing::run_migrate({"backfill", "pause", "-u", url()});
    ASSERT_EQ(pause.exit_code, 0) << pause.err;
    pid_t child = spawn_backfill({}, "prepaused");
    wait_for_run_state("waiting");
    EXPECT_EQ(rows_recorded(), 0);
    auto resume = testing::run_migrate({"backfill", "resume", "-u", url()});
    ASSERT_EQ(resume.exit_code, 0) << resume.err;
    EXPECT_NE(resume.out.find("Resumed every paused backfill"), std::string::npos) << resume.out;
    EXPECT_EQ(testing::wait_for(child), 0) << log("prepaused");
    expect_every_row_backfilled_once();
}

TEST_P(BackfillControl, PauseOfAMigrationTheDatabaseDoesNotKnowIsRefused) {
    expand_items();
    auto pause = testing::run_migrate({"backfill", "pause", "7", "-u", url()});
    EXPECT_EQ(pause.exit_code, 2) << pause.err;
    EXPECT_NE(pause.err.find("migration 7 has not been applied"), std::string::npos) << pause.err;
    auto nothing = testing::run_migrate({"backfill", "resume", "-u", url()});
    EXPECT_EQ(nothing.exit_code, 0) << nothing.err;
    EXPECT_NE(nothing.out.find("Nothing to resume"), std::string::npos) << nothing.out;
}

TEST_P(BackfillControl, PauseFileHoldsTheBackfillWhileItExists) {
    expand_items();
    std::filesystem::path flag = m_dir / "hold";
    testing::write_file(flag, "");
    pid_t child = spawn_backfill({"--pause-file", flag.string()}, "flagged");
    wait_for_run_state("waiting");
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(rows_recorded(), 0);
    EXPECT_NE(backfill_state("throttle").value_or("").find("pause file"), std::string::npos);
    std::filesystem::remove(flag);
    EXPECT_EQ(testing::wait_for(child), 0) << log("flagged");
    expect_every_row_backfilled_once();
    EXPECT_NE(log("flagged").find("waiting: pause file " + flag.string() + " exists"), std::string::npos)
        << log("flagged");
}

TEST_P(BackfillControl, SigtermAndSigintStopAfterTheBatchInFlightAndARerunResumes) {
    expand_items();
    for (auto [signal, exit_code, name] : {std::tuple{SIGTERM, 143, "SIGTERM"}, std::tuple{SIGINT, 130, "SIGINT"}}) {
        std::int64_t before = rows_recorded();
        pid_t child = spawn_backfill({"--batch-size", "20"}, name);
        wait_until_recorded(before + 500);
        kill(child, signal);
        EXPECT_EQ(testing::wait_for(child), exit_code) << log(name);
        EXPECT_NE(log(name).find(std::string("stopped by ") + name), std::string::npos) << log(name);
        EXPECT_NE(log(name).find("resumes from it"), std::string::npos) << log(name);
        db().wait_for_other_sessions();
        // Stopped at a checkpoint: the state and the data agree, and the state says so.
        std::int64_t recorded = rows_recorded();
        EXPECT_LT(recorded, item_count);
        EXPECT_EQ(db().value("SELECT COUNT(*) FROM items WHERE dst IS NOT NULL"), std::to_string(recorded));
        EXPECT_EQ(db().value("SELECT MAX(touches) FROM items"), "1");
        EXPECT_EQ(backfill_state("run_state"), "stopped");
    }
    std::vector<std::string> outcomes = event_outcomes();
    EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), "interrupted"), 2);
    EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), "failed"), 0);

    auto resumed = testing::run_migrate({"apply", "--phase", "backfill", "-u", url(), "-d", dir()});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    expect_every_row_backfilled_once();
}

// The application keeps inserting rows and changing rows (which clears their backfilled value,
// as the old app version's writes would) while the backfill runs; when it is done, every row is
// right, whichever side of the cursor it was written on.
TEST_P(BackfillControl, ConcurrentWriterInsertingAndUpdatingEndsWithEveryRowCorrect) {
    expand_items();
    // Throttled, as a backfill beside live traffic would be: on SQLite, with one writer at a
    // time, the application's writes get in between batches.
    pid_t child = spawn_backfill({"--batch-size", "50", "--max-rows-per-second", "10000"}, "beside-writer");
    std::mt19937 random(std::random_device{}());
    std::string changed = is_mysql() ? "CONCAT('changed-', id)" : "'changed-' || id";
    int inserted = 0;
    int updated = 0;
    // Writes until the backfill is half way through (or 300 rounds), then lets it finish.
    while (rows_recorded() < 20000 && updated < 300) {
        int id = std::uniform_int_distribution<int>(1, item_count)(random);
        db().exec("UPDATE items SET src = " + changed + ", dst = NULL WHERE id = " + std::to_string(id));
        db().exec("INSERT INTO items (src) VALUES ('new-" + std::to_string(inserted) + "')");
        ++updated;
        ++inserted;
        std::this_thread::sleep_for(2ms);
    }
    EXPECT_EQ(testing::wait_for(child), 0) << log("beside-writer");
    EXPECT_GT(updated, 10) << "the writer should have run beside the backfill";
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM items"), std::to_string(item_count + inserted));
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM items WHERE dst IS NULL OR dst <> upper(src)"), "0");
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "backfilled");
}

// The state row holds the cursor. Deleted by hand while the backfill runs, it is written again by
// the next batch with the run's figures so far, and the run completes with every row touched once.
TEST_P(BackfillControl, AStateRowDeletedWhileTheBackfillRunsIsWrittenAgainByTheNextBatch) {
    expand_items();
    // 4,000 rows a second: the 40,000 rows take 10 s, so a figure under 40,000 was saved by a
    // batch, not by the count that ends the run.
    pid_t child = spawn_backfill({"--batch-size", "20", "--max-rows-per-second", "4000"}, "deleted-state");
    wait_until_recorded(2000);
    db().exec("DELETE FROM " + state("backfills"));
    wait_until_recorded(4000);
    EXPECT_LT(rows_recorded(), item_count) << "the row came back only at the end of the run";

    EXPECT_EQ(testing::wait_for(child), 0) << log("deleted-state");
    expect_every_row_backfilled_once();
    EXPECT_EQ(rows_recorded(), item_count);
}

// The count that ends a pass goes a part at a time, the first part as many rows as the walk took
// in 50 ms, each next one at most twice the one before; rows the application cleared behind the
// cursor are found by it, and a second pass backfills them.
TEST_P(BackfillControl, TheCountThatEndsAPassGoesAPartAtATimeAndFindsRowsClearedBehindTheCursor) {
    testing::write_file(m_dir / "migrations" / "0001_items.toml", testing::items_migration);
    BackfillOptions options;
    options.batch.target = Duration(2);
    // A walk of at most 20,000 rows a second makes a first part of at most 1,000 rows.
    options.max_rows_per_second = 20000;
    testing::RecordingObserver observer;
    bool cleared = false;
    observer.on_backfill_event = [&](const BackfillEvent& event) {
        if (!cleared && event.kind == BackfillEvent::Kind::batch && event.progress.rows_scanned >= item_count / 2) {
            db().exec("UPDATE items SET dst = NULL WHERE id IN (1, 2, 3)");
            cleared = true;
        }
    };
    project(options).apply({Phase::backfill, std::nullopt}, observer);
    ASSERT_TRUE(cleared);

    int parts = 0;
    std::vector<BackfillEvent> counted;
    for (const BackfillEvent& event : observer.events) {
        if (event.kind == BackfillEvent::Kind::counting && counted.empty()) {
            ++parts;
        }
        if (event.kind == BackfillEvent::Kind::counted) {
            counted.push_back(event);
        }
    }
    EXPECT_GE(parts, 3) << "parts from 1,000 rows, doubling at most, over a 40,000-row table";
    ASSERT_EQ(counted.size(), 2u);
    EXPECT_EQ(counted[0].rows_left, 3);
    EXPECT_EQ(counted[0].progress.passes, 1);
    EXPECT_EQ(counted[1].rows_left, 0);
    EXPECT_EQ(counted[1].progress.passes, 2);
    EXPECT_EQ(counted[1].counted, 1.0);
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM items WHERE dst = upper(src)"), std::to_string(item_count));
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM items WHERE touches = 2"), "3");
    EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "backfilled");
}

TEST_P(BackfillControl, RateLimitIsKeptAndReportedInJsonProgressEvents) {
    expand_items();
    auto started = std::chrono::steady_clock::now();
    pid_t child = spawn_backfill({"--max-rows-per-second", "20000", "--format", "json"}, "limited");
    EXPECT_EQ(testing::wait_for(child), 0) << log("limited");
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(took, 1800ms) << "40,000 rows at 20,000 rows/s take 2 s";
    expect_every_row_backfilled_once();

    // stdout is the run's one document; stderr one event per line, in order.
    EXPECT_TRUE(nlohmann::json::accept(log("limited", "out"))) << log("limited", "out");
    std::vector<nlohmann::json> events;
    std::istringstream lines(log("limited"));
    for (std::string line; std::getline(lines, line);) {
        ASSERT_NO_THROW(events.push_back(nlohmann::json::parse(line))) << line;
    }
    ASSERT_GE(events.size(), 3u) << log("limited");
    EXPECT_EQ(events.front()["event"], "start");
    EXPECT_EQ(events.back()["event"], "done");
    EXPECT_EQ(events.back()["rows_updated"], item_count);
    auto progress = std::find_if(events.begin(), events.end(), [](const auto& e) { return e["event"] == "progress"; });
    ASSERT_NE(progress, events.end()) << log("limited");
    EXPECT_EQ((*progress)["migration"], "0001");
    EXPECT_EQ((*progress)["table"], "items");
    EXPECT_EQ((*progress)["throttle"], "--max-rows-per-second 20000");
    EXPECT_LE((*progress)["batch_size"].get<int>(), 10000) << "a batch is at most half a second's worth";
}

TEST_P(BackfillControl, SleepRatioSleepsThatShareOfEachBatchesTime) {
    testing::write_file(m_dir / "migrations" / "0001_items.toml", testing::items_migration);
    BackfillOptions options;
    options.batch.fixed = 2000;
    options.sleep_ratio = 2;
    testing::RecordingObserver observer;
    project(options).apply({Phase::backfill, std::nullopt}, observer);
    Duration worked{0};
    Duration slept{0};
    for (const BackfillEvent& event : observer.events) {
        if (event.kind == BackfillEvent::Kind::batch) {
            worked += event.batch_took;
            slept += event.waited;
        }
    }
    EXPECT_EQ(observer.batches, item_count / 2000);
    // Each batch's sleep is twice its time, to the millisecond the clock gives.
    EXPECT_GE(slept.count(), 2 * worked.count() - observer.batches * 2);
    expect_every_row_backfilled_once();
}

TEST_P(BackfillControl, AdaptiveBatchesGrowWhileBatchesAreFasterThanTheTarget) {
    testing::write_file(m_dir / "migrations" / "0001_items.toml", testing::items_migration);
    BackfillOptions options;
    options.batch.target = Duration(5000);
    options.batch.min = 10;
    options.batch.first = 100;
    options.batch.max = 4000;
    testing::RecordingObserver observer;
    project(options).apply({Phase::backfill, std::nullopt}, observer);
    std::vector<int> sizes;
    for (const BackfillEvent& event : observer.events) {
        if (event.kind == BackfillEvent::Kind::batch) {
            sizes.push_back(event.batch_rows);
        }
    }
    ASSERT_GE(sizes.size(), 3u);
    EXPECT_EQ(sizes.front(), 100);
    // Each batch is far faster than 5 s: the next one doubles, up to the maximum.
    EXPECT_EQ(sizes[1], 200);
    EXPECT_EQ(*std::max_element(sizes.begin(), sizes.end()), 4000);
    // The pass's last batch takes what is left.
    EXPECT_TRUE(std::is_sorted(sizes.begin(), sizes.end() - 1));
    expect_every_row_backfilled_once();
}

INSTANTIATE_TEST_SUITE_P(Dialects, BackfillControl, ::testing::ValuesIn(testing::test_dialects()),
                         testing::dialect_param_name);

}  // namespace
}  // namespace migrate

// What the backfill suites share: a table of 40,000 items whose backfill counts how often it
// touched each row, and helpers to run, watch and read a backfill from outside, as a user would.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/project.hpp"
#include "test_database.hpp"
#include "test_support.hpp"

namespace migrate::testing {

// `touches` counts how often the backfill updated each row: it must end at exactly 1. The table
// is big enough that a run in batches of 20 takes seconds, so the tests can kill it part-way.
// MySQL concatenates with CONCAT(), and MariaDB stops a recursive CTE after 1000 rounds
// (max_recursive_iterations), so there the 40,000 rows are 200 x 200.
inline constexpr int item_count = 40000;
inline constexpr const char* items_migration = R"toml(
[[expand]]
up.sqlite = """
CREATE TABLE items (id INTEGER PRIMARY KEY, src TEXT NOT NULL, dst TEXT, touches INTEGER NOT NULL DEFAULT 0)
"""
up.postgres = """
CREATE TABLE items (id BIGSERIAL PRIMARY KEY, src TEXT NOT NULL, dst TEXT, touches INTEGER NOT NULL DEFAULT 0)
"""
up.mysql = """
CREATE TABLE items (id BIGINT AUTO_INCREMENT PRIMARY KEY, src VARCHAR(40) NOT NULL, dst VARCHAR(40),
                    touches INTEGER NOT NULL DEFAULT 0)
"""
down = "DROP TABLE items"

[[expand]]
up.default = """
INSERT INTO items (src)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
SELECT 'item-' || i FROM n;
"""
up.mysql = """
INSERT INTO items (src)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
SELECT CONCAT('item-', (a.i - 1) * 200 + b.i) FROM n AS a CROSS JOIN n AS b ORDER BY a.i, b.i;
"""
down = "DELETE FROM items"

[[backfill]]
table = "items"
set = "dst = upper(src), touches = touches + 1"
where = "dst IS NULL"
)toml";

class BackfillFixture : public testing::DialectTest {
  protected:
    std::string url() { return db().url(); }
    std::string dir() const { return (m_dir / "migrations").string(); }
    std::string state(const std::string& table) { return db().state_table(table); }

    Project project(int batch_size) {
        BackfillOptions options;
        options.batch.fixed = batch_size;
        return project(options);
    }

    Project project(const BackfillOptions& options) {
        ProjectSettings settings;
        settings.url = parse_database_url(url());
        settings.dir = m_dir / "migrations";
        settings.run.command = "test";
        settings.run.backfill = options;
        return Project(settings);
    }

    // Writes `migration` as migrations/FILE and applies its expand with the real binary.
    void expand_migration(const std::string& file, const char* migration) {
        testing::write_file(m_dir / "migrations" / file, migration);
        auto expand = testing::run_migrate({"apply", "--phase", "expand", "-u", url(), "-d", dir()});
        ASSERT_EQ(expand.exit_code, 0) << expand.err;
    }

    void expand_items() { expand_migration("0001_items.toml", items_migration); }

    // `migrate apply --phase backfill` with `extra` options, in the background; its output goes to
    // NAME.out and NAME.err in the test's folder.
    pid_t spawn_backfill(const std::vector<std::string>& extra, const std::string& name) {
        std::vector<std::string> args = {"apply", "--phase", "backfill", "-u", url(), "-d", dir()};
        args.insert(args.end(), extra.begin(), extra.end());
        return testing::spawn_migrate(args, m_dir.path(), name);
    }

    std::string log(const std::string& name, const char* stream = "err") {
        return testing::read_file(m_dir / (name + "." + stream));
    }

    void expect_every_row_backfilled_once() {
        EXPECT_EQ(db().value("SELECT COUNT(*) FROM items WHERE dst = upper(src) AND touches = 1"),
                  std::to_string(item_count));
        EXPECT_EQ(db().value("SELECT phase FROM " + state("migrations")), "backfilled");
    }

    // The JSON progress events of run NAME (--progress json), in order.
    std::vector<nlohmann::json> events(const std::string& name) { return json_events(log(name)); }

    // The JSON progress events among the lines of `output` (stderr with --progress json).
    static std::vector<nlohmann::json> json_events(const std::string& output) {
        std::vector<nlohmann::json> out;
        std::istringstream lines(output);
        for (std::string line; std::getline(lines, line);) {
            if (line.starts_with("{")) {
                out.push_back(nlohmann::json::parse(line));
            }
        }
        return out;
    }

    // With `replica_url` more than a second behind, a backfill told `--max-replica-lag 1s` waits
    // and writes no row until `catch_up` lets the replica catch up, then completes; its progress
    // shows the wait, and not the replica's password.
    void expect_replica_lag_to_hold_the_backfill(const std::string& replica_url,
                                                 const std::function<void()>& catch_up) {
        pid_t child =
            spawn_backfill({"--replica", replica_url, "--max-replica-lag", "1s", "--progress", "json"}, "lagging");
        for (int i = 0; i < 300 && backfill_state("run_state") != "waiting"; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ASSERT_EQ(backfill_state("run_state"), "waiting") << log("lagging");
        std::this_thread::sleep_for(std::chrono::seconds(2));
        EXPECT_EQ(rows_recorded(), 0) << "the backfill ran while the replica lagged";
        EXPECT_NE(backfill_state("throttle").value_or("").find("replica lag"), std::string::npos)
            << backfill_state("throttle").value_or("(none)");

        catch_up();
        EXPECT_EQ(testing::wait_for(child), 0) << log("lagging");
        expect_every_row_backfilled_once();
        bool waited = false;
        bool went_on = false;
        for (const nlohmann::json& event : events("lagging")) {
            waited |= event["event"] == "throttle" &&
                      event["throttle"].get<std::string>().find("replica lag") != std::string::npos;
            went_on |= event["event"] == "resume" && event["waited_ms"].get<int>() >= 2000;
        }
        EXPECT_TRUE(waited) << log("lagging");
        EXPECT_TRUE(went_on) << log("lagging");
        EXPECT_EQ(log("lagging").find(testing::url_password(replica_url)), std::string::npos);
    }

    // Waits until the backfill's state row says `run_state`.
    void wait_for_run_state(const std::string& run_state, std::chrono::seconds patience = std::chrono::seconds(30)) {
        auto deadline = std::chrono::steady_clock::now() + patience;
        while (std::chrono::steady_clock::now() < deadline) {
            if (backfill_state("run_state") == run_state) {
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        FAIL() << "the backfill never became " << run_state << "; it is "
               << backfill_state("run_state").value_or("(unreadable)");
    }

    // A column of the backfill's state row, read without waiting on a writer; nullopt while the
    // row does not exist or a writer holds it.
    std::optional<std::string> backfill_state(const std::string& column) {
        return db().try_value("SELECT " + column + " FROM " + state("backfills"));
    }

    std::int64_t rows_recorded() {
        auto rows = db().rows("SELECT rows_updated FROM " + state("backfills"));
        return rows.empty() ? 0 : std::stoll(rows[0][0]);
    }

    // Waits until a running backfill has recorded `rows` rows. Polls without waiting on locks:
    // in SQLite's rollback-journal mode a reader that waits on a busy writer can be held for
    // seconds.
    void wait_until_recorded(std::int64_t rows, std::chrono::seconds patience = std::chrono::seconds(60)) {
        auto deadline = std::chrono::steady_clock::now() + patience;
        while (std::chrono::steady_clock::now() < deadline) {
            auto value = db().try_value("SELECT rows_updated FROM " + state("backfills"));
            if (value && std::stoll(*value) >= rows) {
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        FAIL() << "the backfill never reached " << rows << " rows";
    }

    TempDir m_dir;
};

}  // namespace migrate::testing

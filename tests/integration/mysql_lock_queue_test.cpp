// The lock-queue test on MariaDB. An ALTER TABLE waiting for its exclusive metadata lock queues
// every later query on the table behind it, so one long application transaction that read the
// table would stall all traffic for as long as it lasts. migrate bounds each wait with
// lock_wait_timeout (whole seconds on MySQL, so --lock-timeout 1s) and retries on error 1205:
// readers then wait at most that long. Here a transaction (B) holds a metadata lock on t, a
// reader (C) queries t in a loop and records each query's latency, and migrate runs the ALTER
// through the binary.
#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "mysql_fixture.hpp"

namespace migrate {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using testing::contains;

// What the test allows a reader beyond migrate's --lock-timeout: scheduling on a loaded machine.
constexpr milliseconds lock_timeout{1000};
constexpr milliseconds margin{500};

// Connection C: `SELECT COUNT(*) FROM t` in a loop on its own session, each query's start and
// latency recorded, until stopped (or after two minutes, so that it always ends).
class ReaderLoop {
  public:
    explicit ReaderLoop(const std::string& url) : m_session(url) {
        m_thread = std::thread([this] { run(); });
    }
    ~ReaderLoop() { stop(); }
    ReaderLoop(const ReaderLoop&) = delete;
    ReaderLoop& operator=(const ReaderLoop&) = delete;

    void stop() {
        m_stop = true;
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }

    // The longest latency of the queries that started in [from, to), and how many there were.
    std::pair<milliseconds, int> longest_between(Clock::time_point from, Clock::time_point to) {
        std::lock_guard<std::mutex> guard(m_mutex);
        milliseconds longest{0};
        int count = 0;
        for (const auto& [started, took] : m_samples) {
            if (started >= from && started < to) {
                longest = std::max(longest, took);
                ++count;
            }
        }
        return {longest, count};
    }

    std::string error() {
        std::lock_guard<std::mutex> guard(m_mutex);
        return m_error;
    }

  private:
    void run() {
        auto deadline = Clock::now() + std::chrono::minutes(2);
        try {
            while (!m_stop && Clock::now() < deadline) {
                auto started = Clock::now();
                m_session.rows("SELECT COUNT(*) FROM t");
                auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
                {
                    std::lock_guard<std::mutex> guard(m_mutex);
                    m_samples.emplace_back(started, took);
                }
                // Often enough that a query starts within moments of the ALTER queueing.
                std::this_thread::sleep_for(milliseconds(2));
            }
        } catch (const std::exception& e) {
            std::lock_guard<std::mutex> guard(m_mutex);
            m_error = e.what();
        }
    }

    testing::MysqlSession m_session;
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::vector<std::pair<Clock::time_point, milliseconds>> m_samples;
    std::string m_error;
    std::thread m_thread;
};

class MysqlLockQueue : public testing::MysqlTest {
  protected:
    void SetUp() override {
        MysqlTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        add_migration("0001_t.toml", R"toml(
[[expand]]
up = """
CREATE TABLE t (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40) NOT NULL);
INSERT INTO t (v) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
SELECT CONCAT('row ', i) FROM n;
"""
down = "DROP TABLE t"
)toml");
        auto applied = migrate({"apply"});
        ASSERT_EQ(applied.exit_code, 0) << show(applied);
        add_migration("0002_extra.toml", R"toml(
[[expand]]
up = "ALTER TABLE t ADD COLUMN extra VARCHAR(40)"
down = "ALTER TABLE t DROP COLUMN extra"
)toml");
    }

    std::vector<std::string> apply_expand_args(const std::vector<std::string>& more = {}) {
        std::vector<std::string> args = {"apply", "--phase", "expand", "--lock-timeout", "1s"};
        args.insert(args.end(), more.begin(), more.end());
        return with_target(args);
    }

    // migrate's text output shows each retry: "... (1205); retry 2/10 in 380ms".
    static int retries_shown(const std::string& out) {
        int count = 0;
        for (std::size_t at = out.find("(1205); retry "); at != std::string::npos;
             at = out.find("(1205); retry ", at + 1)) {
            ++count;
        }
        return count;
    }
};

TEST_P(MysqlLockQueue, ReadersWaitAtMostTheLockTimeoutAndMigrateSucceedsOnceTheBlockerCommits) {
    auto blocker = db().hold_lock("t");  // B: START TRANSACTION; SELECT * FROM t LIMIT 1;
    ReaderLoop reader(db().url());       // C
    std::this_thread::sleep_for(milliseconds(200));

    auto started = Clock::now();
    pid_t child = testing::spawn_migrate(apply_expand_args(), m_dir.path(), "apply");
    std::this_thread::sleep_for(std::chrono::seconds(4));
    auto released = Clock::now();
    blocker->release();
    int exit_code = testing::wait_for(child);
    auto finished = Clock::now();
    std::this_thread::sleep_for(milliseconds(200));
    reader.stop();
    ASSERT_EQ(reader.error(), "");

    std::string out = testing::read_file(m_dir / "apply.out");
    std::string err = testing::read_file(m_dir / "apply.err");
    ASSERT_EQ(exit_code, 0) << out << err;
    EXPECT_GT(finished, released) << "migrate finished while the blocker still held its lock\n" << out;
    // It ran into the lock wait timeout, said so with MySQL's error number, and tried again.
    EXPECT_GE(retries_shown(out), 2) << out;
    EXPECT_TRUE(contains(out, "retry 1/10")) << out;

    auto [longest, queries] = reader.longest_between(started, released);
    std::cout << "while blocked: " << queries << " reads, the longest took " << longest.count() << "ms\n";
    EXPECT_LE(longest, lock_timeout + margin) << "a reader waited behind the ALTER for longer than its lock timeout";
    // The ALTER really queued ahead of the readers (else this test would measure nothing), and
    // between its tries the readers went on.
    EXPECT_GE(longest, milliseconds(500)) << "no reader ever waited: the ALTER never queued for its lock";
    EXPECT_GE(queries, 20);

    EXPECT_TRUE(db().has_column("t", "extra"));
    EXPECT_EQ(phase_and_status("0002"), "expanded/ok");
    EXPECT_FALSE(contains(out + err, testing::mysql_test_password())) << out << err;
}

TEST_P(MysqlLockQueue, BlockerNeverReleasedMakesMigrateExit5WithStateAndSchemaUnchanged) {
    std::string before = db().dump({state("events")});
    auto blocker = db().hold_lock("t");
    ReaderLoop reader(db().url());
    std::this_thread::sleep_for(milliseconds(200));

    auto started = Clock::now();
    auto result = testing::run_migrate(apply_expand_args({"--lock-retries", "2"}));
    auto finished = Clock::now();
    reader.stop();
    ASSERT_EQ(reader.error(), "");

    EXPECT_EQ(result.exit_code, 5) << show(result);
    EXPECT_EQ(retries_shown(result.out), 2) << show(result);
    EXPECT_TRUE(contains(result.err, "gave up after 2 retries")) << show(result);
    EXPECT_TRUE(contains(result.err, "1205")) << show(result);
    // Three tries of a second each and the pauses between them.
    EXPECT_GE(finished - started, milliseconds(3000));

    auto [longest, queries] = reader.longest_between(started, finished);
    std::cout << "while blocked: " << queries << " reads, the longest took " << longest.count() << "ms\n";
    EXPECT_LE(longest, lock_timeout + margin) << "a reader waited behind the ALTER for longer than its lock timeout";
    EXPECT_GE(queries, 10);

    // Nothing half-applied: the schema and the state are as before; the event log says it failed.
    blocker.reset();
    EXPECT_EQ(db().dump({state("events")}), before);
    EXPECT_FALSE(db().has_column("t", "extra"));
    EXPECT_EQ(db().value("SELECT outcome FROM " + state("events") + " WHERE migration_id = '0002'"), "failed");
}

// The control experiment: the same ALTER with the server's own lock wait (a day) queues the
// readers for as long as the blocker holds its lock. It shows that the measurement above would
// catch a missing timeout.
TEST_P(MysqlLockQueue, WithoutALockTimeoutReadersQueueBehindTheAlterUntilTheBlockerCommits) {
    auto blocker = db().hold_lock("t");
    ReaderLoop reader(db().url());
    std::this_thread::sleep_for(milliseconds(200));

    auto started = Clock::now();
    std::string alter_error;
    std::thread alter([&] {
        try {
            testing::MysqlSession session(db().url());
            session.exec("SET SESSION lock_wait_timeout = DEFAULT");
            session.exec("ALTER TABLE t ADD COLUMN unguarded VARCHAR(40)");
        } catch (const std::exception& e) {
            alter_error = e.what();
        }
    });
    std::this_thread::sleep_for(std::chrono::seconds(2));
    auto released = Clock::now();
    blocker->release();
    alter.join();
    reader.stop();
    ASSERT_EQ(alter_error, "");
    ASSERT_EQ(reader.error(), "");

    auto [longest, queries] = reader.longest_between(started, released);
    std::cout << "while blocked: " << queries << " reads, the longest took " << longest.count() << "ms\n";
    EXPECT_GE(longest, milliseconds(1500)) << "the readers should have queued behind the ALTER";
    EXPECT_GE(queries, 1);
}

INSTANTIATE_TEST_SUITE_P(Mysql, MysqlLockQueue, ::testing::Values("mysql"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

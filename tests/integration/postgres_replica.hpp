// The streaming replica of the PostgreSQL test server (scripts/test-servers.sh starts it with
// pg_basebackup -R), for the tests that make it lag: where to find it, and replay paused for
// as long as a test needs, resumed however the test ends.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "test_database.hpp"

namespace migrate::testing {

// MIGRATE_TEST_POSTGRES_REPLICA_URL, or nullopt with `why` set when it is not given.
inline std::optional<std::string> postgres_replica_url(std::string& why) {
    const char* url = std::getenv("MIGRATE_TEST_POSTGRES_REPLICA_URL");
    if (url == nullptr || *url == '\0') {
        why =
            "MIGRATE_TEST_POSTGRES_REPLICA_URL is not set: this test needs a streaming replica of the test "
            "server. Run scripts/test.sh, or `source scripts/test-servers.sh` and run ctest from the same shell";
        return std::nullopt;
    }
    return url;
}

// Replay paused on the replica until resumed or destroyed, so that a test failing half-way does
// not leave the replica behind for every test after it.
class PausedReplay {
  public:
    explicit PausedReplay(const std::string& replica_url) : m_connection(replica_url) {
        pqxx::nontransaction(m_connection).exec("SELECT pg_wal_replay_pause()");
    }
    ~PausedReplay() {
        try {
            resume();
        } catch (const std::exception& e) {
            ADD_FAILURE() << "cannot resume replay on the replica: " << e.what();
        }
    }
    PausedReplay(const PausedReplay&) = delete;
    PausedReplay& operator=(const PausedReplay&) = delete;

    void resume() {
        if (m_paused) {
            pqxx::nontransaction(m_connection).exec("SELECT pg_wal_replay_resume()");
            m_paused = false;
        }
    }

  private:
    pqxx::connection m_connection;
    bool m_paused = true;
};

}  // namespace migrate::testing

// Without the replica: a failure in CI (where a missing server must not pass unnoticed), a skip
// saying how to get one elsewhere. Sets `url` (a std::string) to the replica's URL otherwise.
#define MIGRATE_REQUIRE_POSTGRES_REPLICA(url)                                                         \
    do {                                                                                              \
        std::string replica_missing;                                                                  \
        std::optional<std::string> found = ::migrate::testing::postgres_replica_url(replica_missing); \
        if (!found) {                                                                                 \
            if (::migrate::testing::running_in_ci()) {                                                \
                FAIL() << replica_missing << " (CI is set, so a missing replica is a failure)";       \
            }                                                                                         \
            GTEST_SKIP() << replica_missing;                                                          \
        }                                                                                             \
        url = *found;                                                                                 \
    } while (false)

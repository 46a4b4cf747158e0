// The streaming replica of the PostgreSQL test server (scripts/test-servers.sh starts it with
// pg_basebackup -R), for the tests that make it lag: where to find it, and replay paused for
// as long as a test needs, resumed however the test ends.
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "replica_url.hpp"

namespace migrate::testing {

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

#define MIGRATE_REQUIRE_POSTGRES_REPLICA(url) MIGRATE_REQUIRE_REPLICA("MIGRATE_TEST_POSTGRES_REPLICA_URL", url)

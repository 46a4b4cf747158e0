// The replica of the MariaDB test server (scripts/test-servers.sh starts it, replicating by
// GTID), for the tests that make it lag: where to find it, and replication delayed for as long as
// a test needs, undone however the test ends.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "replica_url.hpp"

namespace migrate::testing {

// Replication delayed by an hour (MASTER_DELAY) until undone or destroyed: the replica still
// receives the server's writes but applies none, and its Seconds_Behind_Master grows from the
// next write on. Undone also when a test fails half-way, so the replica is not left behind for
// every test after it.
class DelayedReplica {
  public:
    explicit DelayedReplica(const std::string& replica_url) : m_session(replica_url) { delay_by(3600); }
    ~DelayedReplica() {
        try {
            undo();
        } catch (const std::exception& e) {
            ADD_FAILURE() << "cannot end the delay of the replica: " << e.what();
        }
    }
    DelayedReplica(const DelayedReplica&) = delete;
    DelayedReplica& operator=(const DelayedReplica&) = delete;

    void undo() {
        if (m_delayed) {
            delay_by(0);
            m_delayed = false;
        }
    }

  private:
    // CHANGE MASTER needs both replication threads stopped.
    void delay_by(int seconds) {
        m_session.exec("STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = " + std::to_string(seconds) + "; START SLAVE");
    }

    MysqlSession m_session;
    bool m_delayed = true;
};

}  // namespace migrate::testing

#define MIGRATE_REQUIRE_MYSQL_REPLICA(url) MIGRATE_REQUIRE_REPLICA("MIGRATE_TEST_MYSQL_REPLICA_URL", url)

// Where a test finds a replica of a test server (scripts/test-servers.sh starts one for
// PostgreSQL and one for MariaDB), and what it does when there is none.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "test_database.hpp"

namespace migrate::testing {

// The URL in the environment variable `variable`, or nullopt with `why` set when it is not given.
inline std::optional<std::string> replica_url(const std::string& variable, std::string& why) {
    const char* url = std::getenv(variable.c_str());
    if (url == nullptr || *url == '\0') {
        why = variable +
              " is not set: this test needs a replica of the test server. Run scripts/test.sh, or `source "
              "scripts/test-servers.sh` and run ctest from the same shell";
        return std::nullopt;
    }
    return url;
}

}  // namespace migrate::testing

// Without the replica: a failure in CI (where a missing server must not pass unnoticed), a skip
// saying how to get one elsewhere. Sets `url` (a std::string) to the replica's URL otherwise.
#define MIGRATE_REQUIRE_REPLICA(variable, url)                                                         \
    do {                                                                                               \
        std::string replica_missing;                                                                   \
        std::optional<std::string> found = ::migrate::testing::replica_url(variable, replica_missing); \
        if (!found) {                                                                                  \
            if (::migrate::testing::running_in_ci()) {                                                 \
                FAIL() << replica_missing << " (CI is set, so a missing replica is a failure)";        \
            }                                                                                          \
            GTEST_SKIP() << replica_missing;                                                           \
        }                                                                                              \
        url = *found;                                                                                  \
    } while (false)

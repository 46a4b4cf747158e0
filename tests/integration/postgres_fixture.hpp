// What the PostgreSQL-only suites share: a fresh database and migrations folder per test, migrate
// run as a process against them, and the password of the test server's URL, which must never
// show in migrate's output.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_database.hpp"
#include "test_support.hpp"

namespace migrate::testing {

class PostgresTest : public DialectTest {
  protected:
    std::string dir() const { return (m_dir / "migrations").string(); }

    void add_migration(const std::string& file, const std::string& content) const {
        write_file(m_dir / "migrations" / file, content);
    }

    // migrate with this test's database and migrations folder.
    ProcessResult migrate(std::vector<std::string> args) {
        args.insert(args.end(), {"-u", db().url(), "-d", dir()});
        return run_migrate(args);
    }

    std::string state(const std::string& table) { return db().state_table(table); }

    // "exit N" and both streams: enough to understand a failed expectation without rerunning.
    static std::string show(const ProcessResult& result) {
        return "exit " + std::to_string(result.exit_code) + "\n--- stdout\n" + result.out + "--- stderr\n" + result.err;
    }

    TempDir m_dir;
};

// The password in MIGRATE_TEST_POSTGRES_URL ("postgres://user:PASSWORD@host..."), or "" if the
// URL has none.
inline std::string postgres_test_password() {
    const char* url = std::getenv("MIGRATE_TEST_POSTGRES_URL");
    std::string text = url ? url : "";
    std::size_t authority = text.find("://");
    std::size_t at = text.find('@', authority == std::string::npos ? 0 : authority + 3);
    if (authority == std::string::npos || at == std::string::npos) {
        return {};
    }
    std::string user_info = text.substr(authority + 3, at - authority - 3);
    std::size_t colon = user_info.find(':');
    return colon == std::string::npos ? std::string() : user_info.substr(colon + 1);
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace migrate::testing

// What the MySQL-only suites share: a fresh database and migrations folder per test, migrate run
// as a process against them, sessions of an "application" of their own, and the password of the
// test server's URL, which must never show in migrate's output.
#pragma once

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_database.hpp"
#include "test_support.hpp"

namespace migrate::testing {

class MysqlTest : public DialectTest {
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

    std::vector<std::string> with_target(std::vector<std::string> args) {
        args.insert(args.end(), {"-u", db().url(), "-d", dir()});
        return args;
    }

    std::string state(const std::string& table) { return db().state_table(table); }

    std::string phase_and_status(const std::string& migration) {
        return db().value("SELECT phase || '/' || status FROM " + state("migrations") + " WHERE id = '" + migration +
                          "'");
    }

    // The steps of `migration` recorded as done, "0,1" for the first two.
    std::string steps_done(const std::string& migration) {
        return joined(db().rows("SELECT step FROM " + state("steps") + " WHERE migration_id = '" + migration +
                                "' ORDER BY step"));
    }

    // The line of `status` text output that shows migration `id`, or "".
    static std::string status_line(const std::string& out, const std::string& id) {
        std::size_t at = out.find("\n" + id + " ");
        if (at == std::string::npos) {
            return {};
        }
        std::size_t end = out.find('\n', at + 1);
        return out.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
    }

    // Waits up to a minute for `condition`; false if it never held.
    template <typename Condition>
    static bool eventually(Condition&& condition) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < deadline) {
            if (condition()) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return false;
    }

    // "exit N" and both streams: enough to understand a failed expectation without rerunning.
    static std::string show(const ProcessResult& result) {
        return "exit " + std::to_string(result.exit_code) + "\n--- stdout\n" + result.out + "--- stderr\n" + result.err;
    }

    TempDir m_dir;
};

// The password in MIGRATE_TEST_MYSQL_URL, or "" if the URL has none.
inline std::string mysql_test_password() {
    const char* url = std::getenv("MIGRATE_TEST_MYSQL_URL");
    return url_password(url ? url : "");
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace migrate::testing

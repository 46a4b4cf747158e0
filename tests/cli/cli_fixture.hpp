// What the CLI suites share: a throwaway project folder, the runner lock held by hand, and
// assertions on exit codes and output, for running the built migrate binary as a user would.
#pragma once
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <unistd.h>

#include "test_support.hpp"

namespace migrate::cli_test {

namespace fs = std::filesystem;
using migrate::testing::copy_example_migrations;
using migrate::testing::ProcessResult;
using migrate::testing::run_migrate;
using migrate::testing::sqlite_dump;
using migrate::testing::sqlite_value;
using migrate::testing::TempDir;
using migrate::testing::write_file;
using nlohmann::json;

using Env = std::map<std::string, std::string>;

// The exit codes DESIGN.md promises; rollout pipelines branch on them.
constexpr int exit_ok = 0;
constexpr int exit_error = 1;
constexpr int exit_usage = 2;
constexpr int exit_lock = 5;

inline const std::vector<std::string> example_ids = {"0001", "0002", "0003", "0004", "0005", "0006"};

// Everything a failed expectation needs to be understood without rerunning the test.
inline std::string show(const ProcessResult& result) {
    std::string signal = result.signal != 0 ? " (signal " + std::to_string(result.signal) + ")" : "";
    return "exit " + std::to_string(result.exit_code) + signal + "\n--- stdout\n" + result.out + "--- stderr\n" +
           result.err;
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

// Index of the first line starting with `prefix`, or -1: diffs are judged line by line.
inline long line_starting_with(const std::string& text, const std::string& prefix) {
    std::vector<std::string> lines = lines_of(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].starts_with(prefix)) {
            return static_cast<long>(i);
        }
    }
    return -1;
}

inline bool has_line_matching(const std::string& text, const std::string& pattern) {
    std::regex re(pattern);
    for (const std::string& line : lines_of(text)) {
        if (std::regex_search(line, re)) {
            return true;
        }
    }
    return false;
}

// A document that does not parse comes back discarded rather than throwing, so the test can
// print the output it could not read.
inline json parse_json(const std::string& text) {
    return json::parse(text, nullptr, false);
}

// Usage errors: exit 2, the message on stderr naming what was wrong, nothing on stdout (a
// pipeline capturing stdout as JSON must not get half a document).
inline ::testing::AssertionResult refused_as_usage(const ProcessResult& result,
                                                   const std::vector<std::string>& mentions) {
    if (result.exit_code != exit_usage) {
        return ::testing::AssertionFailure() << "expected exit 2 (usage)\n" << show(result);
    }
    for (const std::string& mention : mentions) {
        if (!contains(result.err, mention)) {
            return ::testing::AssertionFailure() << "stderr does not mention '" << mention << "'\n" << show(result);
        }
    }
    if (!result.out.empty()) {
        return ::testing::AssertionFailure() << "a usage error printed to stdout\n" << show(result);
    }
    return ::testing::AssertionSuccess();
}

// Exit 1 with every one of `mentions` on stderr.
inline ::testing::AssertionResult failed_with(const ProcessResult& result, const std::vector<std::string>& mentions) {
    if (result.exit_code != exit_error) {
        return ::testing::AssertionFailure() << "expected exit 1\n" << show(result);
    }
    for (const std::string& mention : mentions) {
        if (!contains(result.err, mention)) {
            return ::testing::AssertionFailure() << "stderr does not mention '" << mention << "'\n" << show(result);
        }
    }
    return ::testing::AssertionSuccess();
}

// A project folder as a user has one: migrations/ and the SQLite file app.db, with migrate run
// from inside it so every path in the output is the relative one the user typed.
class Project {
  public:
    Project() {
        // Children inherit this environment: a developer's or CI runner's own MIGRATE_* settings
        // must not decide what the tests see.
        for (const char* name :
             {"MIGRATE_DATABASE_URL", "MIGRATE_DIR", "MIGRATE_CONFIG", "MIGRATE_LOCK_WAIT", "MIGRATE_LOCK_TIMEOUT"}) {
            unsetenv(name);
        }
    }

    const fs::path& path() const { return m_dir.path(); }
    fs::path db() const { return m_dir / "app.db"; }
    fs::path lock_file() const { return m_dir / "app.db.migrate-lock"; }
    fs::path migrations() const { return m_dir / "migrations"; }
    fs::path migration(const std::string& file) const { return migrations() / file; }

    void use_example_migrations() const { copy_example_migrations(migrations()); }
    // An instance of the app the example's 0004 contract waits for, at the version it needs, so
    // that a test about something else can apply the example through contract. It creates the
    // database and its state store.
    void open_example_gate() const {
        ProcessResult result =
            migrate({"fleet", "register", "--app", "web", "--instance", "web-1", "--version", "2.0.0", "--ttl", "1h"});
        ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    }
    void add_migration(const std::string& file, const std::string& content) const {
        write_file(migration(file), content);
    }
    void write(const std::string& relative, const std::string& content) const { write_file(m_dir / relative, content); }

    // migrate with this project's database and folder given before the command name.
    ProcessResult migrate(const std::vector<std::string>& args, const Env& env = {}) const {
        std::vector<std::string> full = {"--database-url", "sqlite:app.db", "--dir", "migrations"};
        full.insert(full.end(), args.begin(), args.end());
        return run_migrate(full, path(), env);
    }

    // migrate exactly as written, for tests about where the options come from.
    ProcessResult migrate_bare(const std::vector<std::string>& args, const Env& env = {}) const {
        return run_migrate(args, path(), env);
    }

    // A command run with --format json that must succeed; its document.
    json migrate_json(std::vector<std::string> args) const {
        args.insert(args.end(), {"--format", "json"});
        ProcessResult result = migrate(args);
        EXPECT_EQ(result.exit_code, exit_ok) << show(result);
        json document = parse_json(result.out);
        EXPECT_FALSE(document.is_discarded()) << show(result);
        return document;
    }

    // Each migration's phase as `status --format json` reports it, in migration order.
    std::vector<std::string> phases() const {
        json status = migrate_json({"status"});
        std::vector<std::string> out;
        if (status.is_object()) {
            for (const json& entry : status.at("migrations")) {
                out.push_back(entry.at("phase").get<std::string>());
            }
        }
        return out;
    }

    std::string dump() const { return sqlite_dump(db()); }

    bool has_table(const std::string& table) const {
        return sqlite_value(
                   db(), "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'") == "1";
    }
    bool has_column(const std::string& table, const std::string& column) const {
        return sqlite_value(db(), "SELECT count(*) FROM pragma_table_info('" + table + "') WHERE name = '" + column +
                                      "'") == "1";
    }
    // Tables that are not migrate's own state store.
    std::string user_table_count() const {
        return sqlite_value(db(),
                            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                            "'\\_migrate\\_%' ESCAPE '\\'");
    }

  private:
    TempDir m_dir;
};

inline std::vector<std::string> all(const std::string& phase, std::size_t count = example_ids.size()) {
    return std::vector<std::string>(count, phase);
}

// Holds the SQLite runner lock the way a running migrate does: an flock on
// "<database>.migrate-lock", with a description of the holder in the file.
class HeldRunnerLock {
  public:
    HeldRunnerLock(const fs::path& lock_file, const std::string& holder) {
        // O_CLOEXEC: the migrate children this test forks must not inherit the descriptor.
        m_fd = open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (m_fd < 0 || flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
            throw std::runtime_error("cannot take the runner lock " + lock_file.string());
        }
        if (ftruncate(m_fd, 0) != 0 ||
            write(m_fd, holder.data(), holder.size()) != static_cast<ssize_t>(holder.size())) {
            throw std::runtime_error("cannot write the lock holder to " + lock_file.string());
        }
    }
    ~HeldRunnerLock() { release(); }
    HeldRunnerLock(const HeldRunnerLock&) = delete;
    HeldRunnerLock& operator=(const HeldRunnerLock&) = delete;

    void release() {
        if (m_fd >= 0) {
            flock(m_fd, LOCK_UN);
            close(m_fd);
            m_fd = -1;
        }
    }

  private:
    int m_fd = -1;
};

// A small migration of our own, so expected line numbers do not depend on the example project.
constexpr const char* notes_migration = R"toml(description = "Create the notes table"

[[expand]]
up = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, legacy TEXT)"
down = "DROP TABLE notes"
)toml";

}  // namespace migrate::cli_test

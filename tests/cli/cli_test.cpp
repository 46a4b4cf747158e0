// The migrate binary end to end, run as a child process the way a user or a CI pipeline runs it.
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

namespace {

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

const std::vector<std::string> example_ids = {"0001", "0002", "0003", "0004", "0005", "0006"};

// Everything a failed expectation needs to be understood without rerunning the test.
std::string show(const ProcessResult& result) {
    std::string signal = result.signal != 0 ? " (signal " + std::to_string(result.signal) + ")" : "";
    return "exit " + std::to_string(result.exit_code) + signal + "\n--- stdout\n" + result.out + "--- stderr\n" +
           result.err;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

// Index of the first line starting with `prefix`, or -1: diffs are judged line by line.
long line_starting_with(const std::string& text, const std::string& prefix) {
    std::vector<std::string> lines = lines_of(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].starts_with(prefix)) {
            return static_cast<long>(i);
        }
    }
    return -1;
}

bool has_line_matching(const std::string& text, const std::string& pattern) {
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
json parse_json(const std::string& text) {
    return json::parse(text, nullptr, false);
}

// Usage errors: exit 2, the message on stderr naming what was wrong, nothing on stdout (a
// pipeline capturing stdout as JSON must not get half a document).
::testing::AssertionResult refused_as_usage(const ProcessResult& result, const std::vector<std::string>& mentions) {
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
::testing::AssertionResult failed_with(const ProcessResult& result, const std::vector<std::string>& mentions) {
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

std::vector<std::string> all(const std::string& phase, std::size_t count = example_ids.size()) {
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

// ---------------------------------------------------------------------------------------------
// Help and version

TEST(CliHelp, TopLevelHelpListsEveryCommandTheCommonOptionsAndTheExitCodes) {
    Project project;
    ProcessResult result = project.migrate_bare({"--help"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    for (const char* command : {"init", "new", "plan", "apply", "rollback", "status"}) {
        EXPECT_TRUE(has_line_matching(result.out, std::string("^\\s+") + command + "\\s")) << command << "\n"
                                                                                           << result.out;
    }
    for (const char* option : {"--database-url", "--dir", "--config", "--format", "--lock-wait", "--lock-timeout",
                               "MIGRATE_DATABASE_URL", "MIGRATE_DIR"}) {
        EXPECT_TRUE(contains(result.out, option)) << option << "\n" << result.out;
    }
    EXPECT_TRUE(contains(result.out, "Exit codes")) << result.out;
    EXPECT_EQ(result.err, "");
}

TEST(CliHelp, EveryCommandHelpNamesItsOwnOptions) {
    Project project;
    // Help must work where the config file is broken: it is how the user finds out how to fix it.
    project.write("migrate.toml", "this is = = not toml\n");
    const std::vector<std::pair<std::string, std::vector<std::string>>> commands = {
        {"init", {}},
        {"new", {"name", "--sql"}},
        {"plan", {"--phase", "--to"}},
        {"apply", {"--phase", "--to", "--dry-run", "--batch-size"}},
        {"rollback", {"--phase", "--to", "--dry-run"}},
        {"status", {}},
    };
    for (const auto& [command, options] : commands) {
        for (const char* flag : {"--help", "-h"}) {
            SCOPED_TRACE(command + " " + flag);
            ProcessResult result = project.migrate_bare({command, flag});
            ASSERT_EQ(result.exit_code, exit_ok) << show(result);
            EXPECT_TRUE(contains(result.out, "Usage: migrate " + command)) << result.out;
            for (const std::string& option : options) {
                EXPECT_TRUE(contains(result.out, option)) << option << "\n" << result.out;
            }
            // The common options are listed with every command, since they work after its name.
            EXPECT_TRUE(contains(result.out, "--database-url")) << result.out;
            EXPECT_EQ(result.err, "");
        }
    }
}

TEST(CliHelp, VersionPrintsAVersionNumber) {
    Project project;
    ProcessResult result = project.migrate_bare({"--version"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    EXPECT_TRUE(std::regex_search(result.out, std::regex(R"(^\d+\.\d+\.\d+)"))) << result.out;
}

// ---------------------------------------------------------------------------------------------
// Usage errors: exit 2, the option named on stderr

TEST(CliUsage, UnknownOptionIsNamed) {
    Project project;
    project.use_example_migrations();
    EXPECT_TRUE(refused_as_usage(project.migrate({"status", "--bogus"}), {"--bogus"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"--bogus", "status"}), {"--bogus"}));
    // An option of another command is unknown here too.
    EXPECT_TRUE(refused_as_usage(project.migrate({"status", "--dry-run"}), {"--dry-run"}));
}

TEST(CliUsage, MissingCommandPointsAtHelp) {
    Project project;
    EXPECT_TRUE(refused_as_usage(project.migrate_bare({}), {"--help"}));
}

TEST(CliUsage, UnknownCommandIsNamed) {
    Project project;
    // A typo in the command must be named, not reported as if no command had been given.
    EXPECT_TRUE(refused_as_usage(project.migrate_bare({"aply"}), {"aply"}));
}

TEST(CliUsage, PhaseMustBeAKnownPhase) {
    Project project;
    project.use_example_migrations();
    for (const char* command : {"plan", "apply", "rollback"}) {
        SCOPED_TRACE(command);
        EXPECT_TRUE(refused_as_usage(project.migrate({command, "--phase", "sideways"}), {"--phase", "sideways"}));
    }
    // "all" means "through contract" when applying; undoing "all" is spelled --phase expand.
    EXPECT_TRUE(refused_as_usage(project.migrate({"rollback", "--phase", "all"}), {"--phase", "all"}));
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(CliUsage, DurationsNeedAUnit) {
    Project project;
    project.use_example_migrations();
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--lock-wait", "10"}), {"--lock-wait", "10"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"--lock-wait", "10", "apply"}), {"--lock-wait", "10"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--lock-timeout", "5"}), {"--lock-timeout", "5"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"apply"}, {{"MIGRATE_LOCK_WAIT", "10"}}), {"--lock-wait"}));
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(CliUsage, ToMustBeAMigrationId) {
    Project project;
    project.use_example_migrations();
    for (const char* command : {"plan", "apply", "rollback"}) {
        SCOPED_TRACE(command);
        EXPECT_TRUE(refused_as_usage(project.migrate({command, "--to", "abc"}), {"--to", "abc"}));
    }
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(CliUsage, UnknownToIdIsRefusedBeforeTheDatabaseIsTouched) {
    Project project;
    project.use_example_migrations();
    ProcessResult result = project.migrate({"apply", "--to", "0099"});
    EXPECT_EQ(result.exit_code, exit_usage) << show(result);
    EXPECT_TRUE(contains(result.err, "--to")) << show(result);
    // Bad input changes nothing: no database file, no state store, no lock file.
    EXPECT_FALSE(fs::exists(project.db())) << "apply --to 0099 created the database";
    EXPECT_FALSE(fs::exists(project.lock_file()));
}

TEST(CliUsage, UnknownToIdOnRollbackChangesNothing) {
    Project project;
    project.use_example_migrations();
    ASSERT_EQ(project.migrate({"apply"}).exit_code, exit_ok);
    std::string before = project.dump();
    ProcessResult result = project.migrate({"rollback", "--to", "0099"});
    EXPECT_EQ(result.exit_code, exit_usage) << show(result);
    EXPECT_TRUE(contains(result.err, "--to")) << show(result);
    EXPECT_EQ(project.dump(), before);
}

TEST(CliUsage, NoDatabaseGivenAnywhereSaysHowToGiveOne) {
    Project project;
    project.use_example_migrations();
    for (const char* command : {"status", "plan", "apply", "init"}) {
        SCOPED_TRACE(command);
        EXPECT_TRUE(refused_as_usage(project.migrate_bare({command, "--dir", "migrations"}),
                                     {"--database-url", "MIGRATE_DATABASE_URL", "migrate.toml"}));
    }
}

TEST(CliUsage, UnsupportedSchemeIsRefusedWithoutShowingThePassword) {
    Project project;
    project.use_example_migrations();
    const std::string url = "mysqlx://u:pw@h/db";
    std::vector<ProcessResult> results = {
        project.migrate_bare({"status", "--database-url", url, "-d", "migrations"}),
        project.migrate_bare({"apply", "-d", "migrations"}, {{"MIGRATE_DATABASE_URL", url}}),
        project.migrate_bare({"--database-url", url, "plan", "-d", "migrations", "--format", "json"}),
    };
    for (const ProcessResult& result : results) {
        EXPECT_TRUE(refused_as_usage(result, {"mysqlx", "database URL"}));
        EXPECT_FALSE(contains(result.out, "pw")) << show(result);
        EXPECT_FALSE(contains(result.err, "pw")) << show(result);
    }
    // CLI11's own parse errors echo arguments; they must be redacted too.
    ProcessResult stray = project.migrate_bare({"status", url});
    EXPECT_EQ(stray.exit_code, exit_usage) << show(stray);
    EXPECT_FALSE(contains(stray.err + stray.out, "pw")) << show(stray);
}

TEST(CliUsage, PasswordContainingAnAtSignIsNotShownEither) {
    Project project;
    project.use_example_migrations();
    // Users type unencoded '@' in passwords; none of "se@cret" may reach the terminal or a CI log.
    ProcessResult result = project.migrate_bare({"status", "--database-url", "mysqlx://u:se@cret@h/db"});
    EXPECT_EQ(result.exit_code, exit_usage) << show(result);
    EXPECT_FALSE(contains(result.err + result.out, "cret")) << show(result);
}

TEST(CliUsage, FormatMustBeTextOrJson) {
    Project project;
    project.use_example_migrations();
    EXPECT_TRUE(refused_as_usage(project.migrate({"status", "--format", "yaml"}), {"--format", "yaml"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"-f", "yaml", "plan"}), {"--format", "yaml"}));
}

TEST(CliUsage, BatchSizeMustBePositiveAndBounded) {
    Project project;
    project.use_example_migrations();
    for (const char* size : {"0", "-1", "1000001", "lots"}) {
        SCOPED_TRACE(size);
        EXPECT_TRUE(refused_as_usage(project.migrate({"apply", "--batch-size", size}), {"--batch-size"}));
    }
    EXPECT_FALSE(fs::exists(project.db()));
}

// ---------------------------------------------------------------------------------------------
// Where the common options come from: command line, environment, migrate.toml

TEST(CliOptions, CommonOptionsWorkBeforeAndAfterTheCommandName) {
    Project project;
    project.use_example_migrations();
    std::vector<std::vector<std::string>> spellings = {
        {"-u", "sqlite:app.db", "-d", "migrations", "-f", "json", "status"},
        {"status", "-u", "sqlite:app.db", "-d", "migrations", "-f", "json"},
        {"--database-url", "sqlite:app.db", "status", "--format", "json", "--dir", "migrations"},
    };
    std::vector<json> documents;
    for (const auto& args : spellings) {
        ProcessResult result = project.migrate_bare(args);
        ASSERT_EQ(result.exit_code, exit_ok) << show(result);
        documents.push_back(parse_json(result.out));
        ASSERT_FALSE(documents.back().is_discarded()) << show(result);
        EXPECT_EQ(documents.back().at("database"), "sqlite:app.db");
        EXPECT_EQ(documents.back().at("dir"), "migrations");
        EXPECT_EQ(documents.back().at("migrations").size(), example_ids.size());
    }
    EXPECT_EQ(documents[0], documents[1]);
    EXPECT_EQ(documents[0], documents[2]);

    // And they take effect, not just parse: apply with every option after the name.
    ProcessResult applied =
        project.migrate_bare({"apply", "-u", "sqlite:app.db", "-d", "migrations", "--phase", "expand"});
    ASSERT_EQ(applied.exit_code, exit_ok) << show(applied);
    EXPECT_EQ(project.phases(), all("expanded"));
}

TEST(CliOptions, EnvironmentSuppliesDatabaseAndDirectory) {
    Project project;
    copy_example_migrations(project.path() / "from-env");
    Env env = {{"MIGRATE_DATABASE_URL", "sqlite:env.db"}, {"MIGRATE_DIR", "from-env"}};
    ProcessResult result = project.migrate_bare({"status", "--format", "json"}, env);
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    json status = parse_json(result.out);
    ASSERT_FALSE(status.is_discarded()) << show(result);
    EXPECT_EQ(status.at("database"), "sqlite:env.db");
    EXPECT_EQ(status.at("dir"), "from-env");

    ProcessResult applied = project.migrate_bare({"apply", "--phase", "expand"}, env);
    ASSERT_EQ(applied.exit_code, exit_ok) << show(applied);
    EXPECT_TRUE(fs::exists(project.path() / "env.db"));
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(CliOptions, ConfigFileSuppliesDatabaseDirLockWaitAndBatchSize) {
    Project project;
    project.use_example_migrations();
    project.write("migrate.toml", R"toml(database_url = "sqlite:app.db"
dir = "migrations"
lock_wait = "250ms"
batch_size = 4000
)toml");

    {
        // lock_wait shows in the message of a run that gave up waiting.
        HeldRunnerLock lock(project.lock_file(), "pid 1 on config-test");
        ProcessResult waited = project.migrate_bare({"apply"});
        EXPECT_EQ(waited.exit_code, exit_lock) << show(waited);
        EXPECT_TRUE(contains(waited.err, "250ms")) << show(waited);
    }

    ProcessResult applied = project.migrate_bare({"apply"});
    ASSERT_EQ(applied.exit_code, exit_ok) << show(applied);
    ProcessResult result = project.migrate_bare({"status", "--format", "json"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    json status = parse_json(result.out);
    ASSERT_FALSE(status.is_discarded()) << show(result);
    EXPECT_EQ(status.at("database"), "sqlite:app.db");
    for (const json& entry : status.at("migrations")) {
        EXPECT_EQ(entry.at("phase"), "contracted") << entry.dump();
    }
    // 12,000 seeded users in batches of 4,000.
    const json& backfill = status.at("migrations").at(3).at("backfill").at(0);
    EXPECT_EQ(backfill.at("rows_updated"), 12000) << backfill.dump();
    EXPECT_EQ(backfill.at("batches"), 3) << backfill.dump();
}

TEST(CliOptions, CommandLineBeatsEnvironmentBeatsConfigFile) {
    Project project;
    for (const char* source : {"config", "env", "cli"}) {
        write_file(project.path() / (std::string(source) + "-dir") / (std::string("0001_from_") + source + ".toml"),
                   notes_migration);
    }
    project.write("migrate.toml", R"toml(database_url = "sqlite:config.db"
dir = "config-dir"
batch_size = 4000
)toml");
    Env env = {{"MIGRATE_DATABASE_URL", "sqlite:env.db"}, {"MIGRATE_DIR", "env-dir"}};

    auto status_of = [&](const std::vector<std::string>& args, const Env& with) {
        std::vector<std::string> full = {"status", "--format", "json"};
        full.insert(full.end(), args.begin(), args.end());
        ProcessResult result = project.migrate_bare(full, with);
        EXPECT_EQ(result.exit_code, exit_ok) << show(result);
        json document = parse_json(result.out);
        EXPECT_FALSE(document.is_discarded()) << show(result);
        return document.is_discarded() ? json::object() : document;
    };
    auto summary = [](const json& status) {
        return status.value("database", std::string()) + " " +
               (status.contains("migrations") && !status["migrations"].empty()
                    ? status["migrations"][0].value("name", std::string())
                    : std::string("?"));
    };

    EXPECT_EQ(summary(status_of({}, {})), "sqlite:config.db from_config");
    EXPECT_EQ(summary(status_of({}, env)), "sqlite:env.db from_env");
    EXPECT_EQ(summary(status_of({"-u", "sqlite:cli.db", "-d", "cli-dir"}, env)), "sqlite:cli.db from_cli");

    // batch_size has no environment variable: the command line beats the config file.
    auto batch_size_of = [&](const std::vector<std::string>& args) {
        std::vector<std::string> full = {"apply", "--dry-run", "--format", "json", "-d", "migrations"};
        full.insert(full.end(), args.begin(), args.end());
        ProcessResult result = project.migrate_bare(full);
        EXPECT_EQ(result.exit_code, exit_ok) << show(result);
        json plan = parse_json(result.out);
        for (const json& phase : plan.value("phases", json::array())) {
            for (const json& action : phase.at("actions")) {
                if (action.at("kind") == "backfill") {
                    return action.at("batch_size").get<int>();
                }
            }
        }
        ADD_FAILURE() << "no backfill in the plan\n" << show(result);
        return 0;
    };
    project.use_example_migrations();
    EXPECT_EQ(batch_size_of({}), 4000);
    EXPECT_EQ(batch_size_of({"--batch-size", "6000"}), 6000);
}

TEST(CliOptions, LockWaitComesFromCommandLineThenEnvironmentThenConfigFile) {
    Project project;
    project.add_migration("0001_notes.toml", notes_migration);
    project.write("migrate.toml", "lock_wait = \"100ms\"\n");
    HeldRunnerLock lock(project.lock_file(), "pid 1 on precedence-test");
    Env env = {{"MIGRATE_LOCK_WAIT", "200ms"}};

    ProcessResult from_config = project.migrate({"apply"});
    EXPECT_EQ(from_config.exit_code, exit_lock) << show(from_config);
    EXPECT_TRUE(contains(from_config.err, "waiting 100ms")) << show(from_config);

    ProcessResult from_env = project.migrate({"apply"}, env);
    EXPECT_EQ(from_env.exit_code, exit_lock) << show(from_env);
    EXPECT_TRUE(contains(from_env.err, "waiting 200ms")) << show(from_env);

    ProcessResult from_cli = project.migrate({"apply", "--lock-wait", "300ms"}, env);
    EXPECT_EQ(from_cli.exit_code, exit_lock) << show(from_cli);
    EXPECT_TRUE(contains(from_cli.err, "waiting 300ms")) << show(from_cli);
}

TEST(CliOptions, ConfigDirIsRelativeToTheConfigFile) {
    Project project;
    copy_example_migrations(project.path() / "deploy" / "migs");
    project.write("deploy/migrate.toml", "database_url = \"sqlite:app.db\"\ndir = \"migs\"\n");
    std::vector<std::pair<std::vector<std::string>, Env>> ways = {
        {{"--config", "deploy/migrate.toml", "status", "--format", "json"}, {}},
        {{"status", "--format", "json"}, {{"MIGRATE_CONFIG", "deploy/migrate.toml"}}},
    };
    for (const auto& [args, env] : ways) {
        ProcessResult result = project.migrate_bare(args, env);
        ASSERT_EQ(result.exit_code, exit_ok) << show(result);
        json status = parse_json(result.out);
        ASSERT_FALSE(status.is_discarded()) << show(result);
        EXPECT_EQ(fs::path(status.at("dir").get<std::string>()), fs::path("deploy") / "migs");
        EXPECT_EQ(status.at("migrations").size(), example_ids.size());
    }
}

TEST(CliOptions, ConfigFileWithUnknownKeyNamesFileAndLine) {
    Project project;
    project.use_example_migrations();
    project.write("migrate.toml", "database_url = \"sqlite:app.db\"\ncolour = \"red\"\n");
    EXPECT_TRUE(failed_with(project.migrate_bare({"status"}), {"migrate.toml:2", "colour"}));
    // Also when the command line gives everything the file would: a broken file is never ignored.
    EXPECT_TRUE(failed_with(project.migrate({"plan"}), {"migrate.toml:2", "colour"}));
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(CliOptions, ConfigFileWithWrongTypeNamesFileAndLine) {
    Project project;
    project.use_example_migrations();
    project.write("migrate.toml", "database_url = \"sqlite:app.db\"\n\nbatch_size = \"big\"\n");
    EXPECT_TRUE(failed_with(project.migrate_bare({"status"}), {"migrate.toml:3", "batch_size"}));
    project.write("conf/custom.toml", "dir = 5\n");
    EXPECT_TRUE(failed_with(project.migrate({"--config", "conf/custom.toml", "status"}),
                            {(fs::path("conf") / "custom.toml").string() + ":1", "dir"}));
}

TEST(CliOptions, ConfigFileThatIsNotTomlNamesFileAndLine) {
    Project project;
    project.use_example_migrations();
    project.write("migrate.toml", "database_url = \"sqlite:app.db\"\ndir = \"migrations\n");
    ProcessResult result = project.migrate_bare({"status"});
    EXPECT_EQ(result.exit_code, exit_error) << show(result);
    EXPECT_TRUE(std::regex_search(result.err, std::regex(R"(migrate\.toml:2:\d+)"))) << show(result);
}

TEST(CliOptions, ConfigFileWithBadDurationIsAConfigErrorNamingTheLine) {
    Project project;
    project.use_example_migrations();
    project.write("migrate.toml", "database_url = \"sqlite:app.db\"\nlock_wait = \"10\"\n");
    // A bad value in the file is a file error like an unknown key: exit 1 and file:line, so the
    // user can find it. It is not a usage error: the command line was fine.
    EXPECT_TRUE(failed_with(project.migrate_bare({"status"}), {"migrate.toml:2", "lock_wait"}));
}

TEST(CliOptions, ConfigFileWithBatchSizeZeroIsRefused) {
    Project project;
    project.use_example_migrations();
    project.write("migrate.toml", "database_url = \"sqlite:app.db\"\nbatch_size = 0\n");
    // The command line refuses --batch-size 0; the same value in the file must not silently
    // become the default.
    EXPECT_TRUE(failed_with(project.migrate_bare({"plan"}), {"migrate.toml:2", "batch_size"}));
}

TEST(CliOptions, MissingConfigFileGivenExplicitlyIsNamed) {
    Project project;
    project.use_example_migrations();
    EXPECT_TRUE(refused_as_usage(project.migrate({"--config", "nope.toml", "status"}), {"nope.toml"}));
}

// ---------------------------------------------------------------------------------------------
// plan

TEST(CliPlan, JsonListsEveryPhaseInPhaseMajorOrderWithItsSql) {
    Project project;
    project.use_example_migrations();
    json plan = project.migrate_json({"plan"});
    ASSERT_TRUE(plan.is_object());
    EXPECT_EQ(plan.at("version"), 1);
    EXPECT_EQ(plan.at("operation"), "apply");
    EXPECT_EQ(plan.at("database"), "sqlite:app.db");

    // Every expand first, then every backfill, then every contract: the rollout order.
    std::vector<std::pair<std::string, std::string>> expected;
    for (const char* phase : {"expand", "backfill", "contract"}) {
        for (const std::string& id : example_ids) {
            expected.emplace_back(id, phase);
        }
    }
    std::vector<std::pair<std::string, std::string>> actual;
    std::map<std::pair<std::string, std::string>, json> by_key;
    for (const json& phase : plan.at("phases")) {
        std::pair<std::string, std::string> key = {phase.at("migration"), phase.at("phase")};
        actual.push_back(key);
        by_key[key] = phase;
        EXPECT_EQ(phase.at("direction"), "up");
        EXPECT_TRUE(contains(phase.at("file").get<std::string>(), phase.at("migration").get<std::string>() + "_"))
            << phase.dump();
    }
    EXPECT_EQ(actual, expected);

    // Keys in braces hold commas, which the assertion macros would split: name them first.
    const json& create_users = by_key[{"0001", "expand"}].at("actions");
    ASSERT_EQ(create_users.size(), 1u);
    EXPECT_EQ(create_users[0].at("kind"), "sql");
    EXPECT_EQ(create_users[0].at("line"), 3);
    EXPECT_TRUE(contains(create_users[0].at("sql"), "CREATE TABLE users")) << create_users.dump();

    const json& seed = by_key[{"0002", "expand"}].at("actions");
    ASSERT_EQ(seed.size(), 1u);
    EXPECT_TRUE(contains(seed[0].at("sql"), "INSERT INTO users")) << seed.dump();

    const json& backfill = by_key[{"0004", "backfill"}].at("actions");
    ASSERT_EQ(backfill.size(), 1u);
    EXPECT_EQ(backfill[0].at("kind"), "backfill");
    EXPECT_EQ(backfill[0].at("sql"), "UPDATE users SET display_name = username WHERE display_name IS NULL");

    const json& contract = by_key[{"0004", "contract"}].at("actions");
    ASSERT_EQ(contract.size(), 2u);
    EXPECT_TRUE(contains(contract[0].at("sql"), "DROP TRIGGER users_sync_display_name_update")) << contract.dump();
    EXPECT_TRUE(contains(contract[1].at("sql"), "ALTER TABLE users DROP COLUMN username")) << contract.dump();

    const json& no_contract = by_key[{"0001", "contract"}].at("actions");
    EXPECT_TRUE(no_contract.empty()) << no_contract.dump();
}

TEST(CliPlan, TextShowsEachStepWithFileLineAndSql) {
    Project project;
    project.use_example_migrations();
    ProcessResult result = project.migrate({"plan"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    std::string users = (fs::path("migrations") / "0001_create_users.toml").string() + ":3";
    std::string rename = (fs::path("migrations") / "0004_rename_username.toml").string() + ":";
    EXPECT_TRUE(contains(result.out, users)) << result.out;
    EXPECT_TRUE(contains(result.out, rename)) << result.out;
    EXPECT_TRUE(contains(result.out, "CREATE TABLE users")) << result.out;
    EXPECT_TRUE(contains(result.out, "UPDATE users SET display_name = username WHERE display_name IS NULL"))
        << result.out;
    EXPECT_TRUE(contains(result.out, "18 phases.")) << result.out;
    // A heading per migration and phase (the separator between them is not ASCII).
    EXPECT_TRUE(has_line_matching(result.out, "^0004_rename_username .+ contract")) << result.out;
}

TEST(CliPlan, ReadOnlyCommandsCreateNothing) {
    Project project;
    project.use_example_migrations();
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"plan"},
                                               {"plan", "--format", "json"},
                                               {"plan", "--phase", "expand", "--to", "0003"},
                                               {"status"},
                                               {"status", "--format", "json"},
                                               {"apply", "--dry-run"},
                                               {"rollback", "--dry-run"}}) {
        ProcessResult result = project.migrate(args);
        EXPECT_EQ(result.exit_code, exit_ok) << show(result);
    }
    // Not even an empty database file or a lock file.
    EXPECT_FALSE(fs::exists(project.db()));
    EXPECT_FALSE(fs::exists(project.lock_file()));
}

TEST(CliPlan, AfterExpandListsOnlyWhatIsLeftAndWritesNothing) {
    Project project;
    project.use_example_migrations();
    ASSERT_EQ(project.migrate({"apply", "--phase", "expand"}).exit_code, exit_ok);
    std::string before = project.dump();
    json plan = project.migrate_json({"plan"});
    ASSERT_TRUE(plan.is_object());
    ASSERT_EQ(plan.at("phases").size(), 12u);
    EXPECT_EQ(plan.at("phases")[0].at("phase"), "backfill");
    EXPECT_EQ(plan.at("phases")[11].at("phase"), "contract");
    EXPECT_EQ(project.dump(), before);
}

// ---------------------------------------------------------------------------------------------
// apply, status and rollback through a rollout

TEST(CliApply, ExpandThenStatusThenTheRest) {
    Project project;
    project.use_example_migrations();
    ProcessResult expand = project.migrate({"apply", "--phase", "expand"});
    ASSERT_EQ(expand.exit_code, exit_ok) << show(expand);
    EXPECT_TRUE(contains(expand.out, "Applied 6 phases.")) << expand.out;
    EXPECT_EQ(project.phases(), all("expanded"));
    // The old and the new column both exist while both app versions run.
    EXPECT_TRUE(project.has_column("users", "username"));
    EXPECT_TRUE(project.has_column("users", "display_name"));
    EXPECT_EQ(sqlite_value(project.db(), "SELECT count(*) FROM users"), "12000");

    ProcessResult text = project.migrate({"status"});
    ASSERT_EQ(text.exit_code, exit_ok) << show(text);
    EXPECT_TRUE(has_line_matching(text.out, R"(^0004\s+rename_username\s+expanded\s+ok)")) << text.out;

    ProcessResult rest = project.migrate({"apply"});
    ASSERT_EQ(rest.exit_code, exit_ok) << show(rest);
    EXPECT_TRUE(contains(rest.out, "Applied 12 phases.")) << rest.out;
    EXPECT_EQ(project.phases(), all("contracted"));
    EXPECT_FALSE(project.has_column("users", "username"));
    EXPECT_EQ(sqlite_value(project.db(), "SELECT count(*) FROM users WHERE display_name IS NULL"), "0");
    EXPECT_TRUE(project.has_column("orders", "status"));
}

TEST(CliApply, SecondApplySaysThereIsNothingToDo) {
    Project project;
    project.use_example_migrations();
    ASSERT_EQ(project.migrate({"apply"}).exit_code, exit_ok);
    std::string before = sqlite_dump(project.db(), {"_migrate_events"});
    ProcessResult again = project.migrate({"apply"});
    ASSERT_EQ(again.exit_code, exit_ok) << show(again);
    EXPECT_TRUE(contains(again.out, "Nothing to apply")) << again.out;
    EXPECT_EQ(sqlite_dump(project.db(), {"_migrate_events"}), before);
}

TEST(CliApply, JsonIsOneDocumentListingThePhasesRun) {
    Project project;
    project.use_example_migrations();
    ProcessResult result = project.migrate({"apply", "--format", "json"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    // The whole of stdout is one document: no progress lines mixed in.
    json document = parse_json(result.out);
    ASSERT_FALSE(document.is_discarded()) << show(result);
    EXPECT_EQ(document.at("version"), 1);
    EXPECT_EQ(document.at("operation"), "apply");
    const json& phases = document.at("phases");
    ASSERT_EQ(phases.size(), 18u);
    EXPECT_EQ(phases[0].at("migration"), "0001");
    EXPECT_EQ(phases[0].at("phase"), "expand");
    EXPECT_EQ(phases[17].at("migration"), "0006");
    EXPECT_EQ(phases[17].at("phase"), "contract");
    bool saw_backfill = false;
    for (const json& phase : phases) {
        EXPECT_EQ(phase.at("direction"), "up");
        if (phase.at("migration") == "0004" && phase.at("phase") == "backfill") {
            saw_backfill = true;
            EXPECT_EQ(phase.at("backfill").at(0).at("rows_updated"), 12000) << phase.dump();
        }
    }
    EXPECT_TRUE(saw_backfill) << result.out;
    EXPECT_EQ(project.phases(), all("contracted"));
}

TEST(CliApply, ToStopsAtTheGivenMigration) {
    Project project;
    project.use_example_migrations();
    ProcessResult result = project.migrate({"apply", "--to", "0003"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    EXPECT_EQ(project.phases(),
              (std::vector<std::string>{"contracted", "contracted", "contracted", "pending", "pending", "pending"}));
    EXPECT_TRUE(project.has_table("orders"));
    EXPECT_FALSE(project.has_column("users", "display_name"));

    ASSERT_EQ(project.migrate({"apply"}).exit_code, exit_ok);
    EXPECT_EQ(project.phases(), all("contracted"));
}

TEST(CliApply, BatchSizeOptionSetsTheBackfillBatches) {
    Project project;
    project.use_example_migrations();
    ProcessResult result = project.migrate({"apply", "--phase", "backfill", "--batch-size", "5000"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    EXPECT_EQ(project.phases(), all("backfilled"));
    json status = project.migrate_json({"status"});
    const json& backfill = status.at("migrations").at(3).at("backfill").at(0);
    EXPECT_EQ(backfill.at("rows_updated"), 12000) << backfill.dump();
    EXPECT_EQ(backfill.at("batches"), 3) << backfill.dump();
    EXPECT_EQ(backfill.at("completed"), true) << backfill.dump();
}

TEST(CliRollback, UndoesTheLatestPhaseThatChangedSomething) {
    Project project;
    project.use_example_migrations();
    ASSERT_EQ(project.migrate({"apply"}).exit_code, exit_ok);
    ProcessResult result = project.migrate({"rollback"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    // 0004's contract, with the empty contracts of 0005 and 0006 applied after it.
    EXPECT_TRUE(contains(result.out, "Rolled back 3 phases.")) << result.out;
    EXPECT_EQ(project.phases(), (std::vector<std::string>{"contracted", "contracted", "contracted", "backfilled",
                                                          "backfilled", "backfilled"}));
    EXPECT_TRUE(project.has_column("users", "username"));
    EXPECT_EQ(sqlite_value(project.db(), "SELECT count(*) FROM users WHERE username = display_name"), "12000");
}

TEST(CliRollback, DryRunShowsTheDownsAndChangesNothing) {
    Project project;
    project.use_example_migrations();
    ASSERT_EQ(project.migrate({"apply"}).exit_code, exit_ok);
    std::string before = project.dump();

    ProcessResult text = project.migrate({"rollback", "--dry-run"});
    ASSERT_EQ(text.exit_code, exit_ok) << show(text);
    EXPECT_TRUE(contains(text.out, "dry run")) << text.out;
    EXPECT_TRUE(contains(text.out, "ALTER TABLE users ADD COLUMN username TEXT")) << text.out;
    EXPECT_EQ(project.dump(), before);

    json plan = project.migrate_json({"rollback", "--dry-run"});
    ASSERT_TRUE(plan.is_object());
    EXPECT_EQ(plan.at("operation"), "rollback");
    EXPECT_EQ(plan.at("dry_run"), true);
    ASSERT_EQ(plan.at("phases").size(), 3u);
    for (const json& phase : plan.at("phases")) {
        EXPECT_EQ(phase.at("direction"), "down");
        EXPECT_EQ(phase.at("phase"), "contract");
    }
    EXPECT_EQ(project.dump(), before);
    EXPECT_EQ(project.phases(), all("contracted"));
}

TEST(CliRollback, ToZeroUndoesEverythingAndApplyRedoesIt) {
    Project project;
    project.use_example_migrations();
    ASSERT_EQ(project.migrate({"apply"}).exit_code, exit_ok);
    ProcessResult result = project.migrate({"rollback", "--to", "0"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    EXPECT_EQ(project.phases(), all("pending"));
    // Only the state store is left.
    EXPECT_EQ(project.user_table_count(), "0");

    ProcessResult again = project.migrate({"apply"});
    ASSERT_EQ(again.exit_code, exit_ok) << show(again);
    EXPECT_EQ(project.phases(), all("contracted"));
    EXPECT_EQ(sqlite_value(project.db(), "SELECT count(*) FROM users"), "12000");
}

TEST(CliRollback, NothingAppliedIsNotAnError) {
    Project project;
    project.use_example_migrations();
    ASSERT_EQ(project.migrate({"init"}).exit_code, exit_ok);
    ProcessResult result = project.migrate({"rollback"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    EXPECT_TRUE(contains(result.out, "Nothing to roll back")) << result.out;
}

TEST(CliRollback, OnAMissingDatabaseCreatesNothing) {
    Project project;
    project.use_example_migrations();
    // A typo in the URL must not leave a new, empty database with a state store behind: there
    // is nothing to undo, so nothing needs writing.
    ProcessResult result = project.migrate({"rollback"});
    EXPECT_EQ(result.exit_code, exit_ok) << show(result);
    EXPECT_FALSE(fs::exists(project.db())) << "rollback created " << project.db();
}

// ---------------------------------------------------------------------------------------------
// Files that disagree with the state store

class CliDrift : public ::testing::Test {
  protected:
    void SetUp() override {
        m_project.use_example_migrations();
        ASSERT_EQ(m_project.migrate({"apply"}).exit_code, exit_ok);
    }

    // Changes the applied 0006 the way a careless edit would.
    void edit_applied_migration() {
        std::string text = migrate::testing::read_file(m_project.migration(m_file));
        std::string from = "ON users (email)\"";
        ASSERT_NE(text.find(from), std::string::npos) << text;
        text.replace(text.find(from), from.size(), "ON users (email, id)\"");
        write_file(m_project.migration(m_file), text);
    }

    Project m_project;
    const std::string m_file = "0006_index_users_email.toml";
    const std::string m_removed = "-up = \"CREATE INDEX users_email_idx ON users (email)\"";
    const std::string m_added = "+up = \"CREATE INDEX users_email_idx ON users (email, id)\"";
};

TEST_F(CliDrift, EditedAppliedMigrationIsRefusedWithItsDiff) {
    edit_applied_migration();
    std::string before = m_project.dump();
    for (const char* command : {"apply", "plan", "rollback"}) {
        SCOPED_TRACE(command);
        ProcessResult result = m_project.migrate({command});
        EXPECT_TRUE(failed_with(result, {m_file, "edited after it was applied"}));
        EXPECT_GE(line_starting_with(result.err, m_removed), 0) << show(result);
        EXPECT_GE(line_starting_with(result.err, m_added), 0) << show(result);
    }
    EXPECT_EQ(m_project.dump(), before);
}

TEST_F(CliDrift, DiffListsRemovedLinesBeforeAddedOnes) {
    edit_applied_migration();
    ProcessResult result = m_project.migrate({"apply"});
    long removed = line_starting_with(result.err, m_removed);
    long added = line_starting_with(result.err, m_added);
    ASSERT_GE(removed, 0) << show(result);
    ASSERT_GE(added, 0) << show(result);
    // As diff -u and git diff print a changed line: the old text, then the new.
    EXPECT_LT(removed, added) << show(result);
}

TEST_F(CliDrift, StatusFlagsTheEditedMigration) {
    edit_applied_migration();
    ProcessResult text = m_project.migrate({"status"});
    ASSERT_EQ(text.exit_code, exit_ok) << show(text);
    EXPECT_TRUE(has_line_matching(text.out, "^0006 .*MODIFIED")) << text.out;
    EXPECT_TRUE(contains(text.out, m_added)) << text.out;

    json status = m_project.migrate_json({"status"});
    ASSERT_TRUE(status.is_object());
    EXPECT_EQ(status.at("migrations").at(5).at("problems"), json::array({"modified"}));
    EXPECT_EQ(status.at("migrations").at(4).at("problems"), json::array());
    ASSERT_EQ(status.at("problems").size(), 1u);
    const json& problem = status.at("problems")[0];
    EXPECT_EQ(problem.at("kind"), "modified");
    EXPECT_EQ(problem.at("migration"), "0006");
    EXPECT_TRUE(contains(problem.value("diff", std::string()), m_added)) << problem.dump();

    // Undoing the edit, as the message advises, makes everything agree again.
    copy_example_migrations(m_project.migrations());
    ProcessResult apply = m_project.migrate({"apply"});
    EXPECT_EQ(apply.exit_code, exit_ok) << show(apply);
    EXPECT_EQ(m_project.migrate_json({"status"}).at("problems"), json::array());
}

TEST(CliDriftOrder, NewMigrationNumberedBelowAnAppliedOneIsRefused) {
    Project project;
    project.use_example_migrations();
    // Leave a gap below the last applied migration, as two branches merged late would.
    fs::rename(project.migration("0006_index_users_email.toml"), project.migration("0008_index_users_email.toml"));
    ASSERT_EQ(project.migrate({"apply"}).exit_code, exit_ok);
    project.add_migration("0007_late.toml", notes_migration);
    std::string before = project.dump();

    ProcessResult apply = project.migrate({"apply"});
    EXPECT_TRUE(failed_with(apply, {"0007_late", "0008_index_users_email"}));
    EXPECT_FALSE(project.has_table("notes"));
    EXPECT_EQ(project.dump(), before);

    ProcessResult text = project.migrate({"status"});
    ASSERT_EQ(text.exit_code, exit_ok) << show(text);
    EXPECT_TRUE(has_line_matching(text.out, "^0007 .*OUT OF ORDER")) << text.out;
    json status = project.migrate_json({"status"});
    ASSERT_TRUE(status.is_object());
    ASSERT_EQ(status.at("problems").size(), 1u);
    EXPECT_EQ(status.at("problems")[0].at("kind"), "out_of_order");
    EXPECT_EQ(status.at("problems")[0].at("migration"), "0007");
}

// ---------------------------------------------------------------------------------------------
// Broken migration files

TEST(CliBadFile, UnknownTomlKeyIsReportedAtFileLineColumnAndNothingRuns) {
    Project project;
    project.use_example_migrations();
    ASSERT_EQ(project.migrate({"apply", "--to", "0003"}).exit_code, exit_ok);
    project.add_migration("0007_broken.toml", R"toml(description = "A typo in a key"

[[expand]]
up = "CREATE TABLE broken (id INTEGER PRIMARY KEY)"
down = "DROP TABLE broken"
dwon = "DROP TABLE broken"
)toml");
    std::string before = project.dump();
    std::string where = (fs::path("migrations") / "0007_broken.toml").string() + ":6:1";
    EXPECT_TRUE(failed_with(project.migrate({"plan"}), {where, "dwon"}));
    EXPECT_TRUE(failed_with(project.migrate({"apply"}), {where, "dwon"}));
    EXPECT_TRUE(failed_with(project.migrate({"apply", "--to", "0004"}), {where}));
    // Not even the migrations before the broken one ran.
    EXPECT_EQ(project.dump(), before);
}

TEST(CliBadFile, UnknownSqlMarkerIsReportedAndNoDatabaseIsCreated) {
    Project project;
    project.use_example_migrations();
    project.add_migration("0007_broken.sql",
                          "-- migrate:expand\nCREATE TABLE broken (id INTEGER);\n"
                          "-- migrate:contarct\nDROP TABLE nothing;\n");
    std::string where = (fs::path("migrations") / "0007_broken.sql").string() + ":3:1";
    EXPECT_TRUE(failed_with(project.migrate({"plan"}), {where, "contarct"}));
    EXPECT_TRUE(failed_with(project.migrate({"apply"}), {where, "contarct"}));
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(CliBadFile, InvalidTomlSyntaxIsReportedAtFileLineColumn) {
    Project project;
    project.use_example_migrations();
    project.add_migration("0007_broken.toml", "description = \"unterminated\n\n[[expand]]\nup = \"x\"\ndown = \"y\"\n");
    ProcessResult result = project.migrate({"apply"});
    EXPECT_EQ(result.exit_code, exit_error) << show(result);
    EXPECT_TRUE(std::regex_search(result.err, std::regex(R"(0007_broken\.toml:1:\d+: )"))) << show(result);
    EXPECT_FALSE(fs::exists(project.db()));
}

// ---------------------------------------------------------------------------------------------
// new and init

TEST(CliNew, CreatesTheNextNumberedTomlFile) {
    Project project;
    project.use_example_migrations();
    // No database is needed to write a file.
    ProcessResult result = project.migrate_bare({"new", "add_email", "-d", "migrations"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    fs::path created = project.migration("0007_add_email.toml");
    ASSERT_TRUE(fs::exists(created)) << show(result);
    EXPECT_TRUE(contains(result.out, "0007_add_email.toml")) << result.out;
    std::string text = migrate::testing::read_file(created);
    EXPECT_TRUE(contains(text, "description = \"add email\"")) << text;
    EXPECT_TRUE(contains(text, "[[expand]]")) << text;
}

TEST(CliNew, SqlFlagCreatesASqlFileWithPhaseMarkers) {
    Project project;
    project.use_example_migrations();
    ProcessResult result = project.migrate({"new", "--sql", "add_phone"});
    ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    fs::path created = project.migration("0007_add_phone.sql");
    ASSERT_TRUE(fs::exists(created)) << show(result);
    EXPECT_TRUE(contains(migrate::testing::read_file(created), "-- migrate:expand")) << created;
    EXPECT_FALSE(fs::exists(project.migration("0007_add_phone.toml")));
}

TEST(CliNew, CreatesTheFolderForTheFirstMigration) {
    Project project;
    json created = project.migrate_json({"new", "create_accounts"});
    ASSERT_TRUE(created.is_object());
    EXPECT_EQ(created.at("id"), "0001");
    EXPECT_EQ(created.at("created_dir"), true);
    EXPECT_TRUE(fs::exists(project.migration("0001_create_accounts.toml")));
}

TEST(CliNew, InvalidNameIsAUsageError) {
    Project project;
    project.use_example_migrations();
    for (const char* name : {"add email", "add/email", "_leading", "add.email"}) {
        SCOPED_TRACE(name);
        EXPECT_TRUE(refused_as_usage(project.migrate({"new", name}), {name}));
    }
    EXPECT_TRUE(refused_as_usage(project.migrate({"new"}), {"name"}));
    // Only the six example files are there.
    EXPECT_EQ(std::distance(fs::directory_iterator(project.migrations()), fs::directory_iterator()), 6);
}

TEST(CliInit, CreatesTheStateStoreOnceAndSaysSoTheSecondTime) {
    Project project;
    // init needs no migrations folder.
    ProcessResult first = project.migrate({"init"});
    ASSERT_EQ(first.exit_code, exit_ok) << show(first);
    EXPECT_TRUE(contains(first.out, "Created")) << first.out;
    std::string tables = sqlite_value(
        project.db(),
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE '\\_migrate\\_%' ESCAPE '\\'");
    EXPECT_NE(tables, "0");
    EXPECT_EQ(project.user_table_count(), "0");
    std::string before = project.dump();

    ProcessResult second = project.migrate({"init"});
    ASSERT_EQ(second.exit_code, exit_ok) << show(second);
    EXPECT_TRUE(contains(second.out, "already exists")) << second.out;
    EXPECT_EQ(project.dump(), before);

    json again = project.migrate_json({"init"});
    ASSERT_TRUE(again.is_object());
    EXPECT_EQ(again.at("created"), false);
}

// ---------------------------------------------------------------------------------------------
// status on its own

TEST(CliStatus, MissingDatabaseIsReportedNotCreated) {
    Project project;
    project.use_example_migrations();
    ProcessResult text = project.migrate({"status"});
    ASSERT_EQ(text.exit_code, exit_ok) << show(text);
    EXPECT_TRUE(contains(text.out, "does not exist yet")) << text.out;
    json status = project.migrate_json({"status"});
    ASSERT_TRUE(status.is_object());
    EXPECT_EQ(status.at("database_exists"), false);
    EXPECT_EQ(status.at("initialized"), false);
    EXPECT_EQ(project.phases(), all("pending"));
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(CliStatus, MissingMigrationsFolderIsNamed) {
    Project project;
    EXPECT_TRUE(failed_with(project.migrate_bare({"status", "-u", "sqlite:app.db", "-d", "nowhere"}), {"nowhere"}));
}

// ---------------------------------------------------------------------------------------------
// The runner lock: one migrate at a time per database

TEST(CliLock, ApplyGivesUpWithExit5WhileAnotherRunnerHoldsTheLock) {
    Project project;
    project.use_example_migrations();
    HeldRunnerLock lock(project.lock_file(), "pid 4242 on deploy-box");

    auto started = std::chrono::steady_clock::now();
    ProcessResult blocked = project.migrate({"apply", "--lock-wait", "1s"});
    auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(blocked.exit_code, exit_lock) << show(blocked);
    EXPECT_TRUE(contains(blocked.err, "another migrate")) << show(blocked);
    // The holder's description is what lets an operator find the other run.
    EXPECT_TRUE(contains(blocked.err, "pid 4242 on deploy-box")) << show(blocked);
    EXPECT_GE(waited, std::chrono::milliseconds(900));
    EXPECT_LT(waited, std::chrono::seconds(8));
    if (fs::exists(project.db())) {
        EXPECT_EQ(project.user_table_count(), "0");
    }

    lock.release();
    ProcessResult unblocked = project.migrate({"apply", "--lock-wait", "1s"});
    ASSERT_EQ(unblocked.exit_code, exit_ok) << show(unblocked);
    EXPECT_EQ(project.phases(), all("contracted"));
}

TEST(CliLock, RollbackAndInitAlsoWaitButReadersDoNot) {
    Project project;
    project.use_example_migrations();
    ASSERT_EQ(project.migrate({"apply", "--phase", "expand"}).exit_code, exit_ok);
    std::string before = project.dump();
    HeldRunnerLock lock(project.lock_file(), "pid 4242 on deploy-box");

    for (const char* command : {"rollback", "init", "apply"}) {
        SCOPED_TRACE(command);
        ProcessResult result = project.migrate({command, "--lock-wait", "0s"});
        EXPECT_EQ(result.exit_code, exit_lock) << show(result);
    }
    // plan and status only read, so a long backfill does not hide the state from the operator.
    for (const char* command : {"plan", "status"}) {
        SCOPED_TRACE(command);
        ProcessResult result = project.migrate({command, "--lock-wait", "0s"});
        EXPECT_EQ(result.exit_code, exit_ok) << show(result);
    }
    EXPECT_EQ(project.dump(), before);
}

// ---------------------------------------------------------------------------------------------
// Steps that cannot be undone, and steps that fail

TEST(CliIrreversible, RollbackRefusesNamingMigrationPhaseAndStepAndChangesNothing) {
    Project project;
    project.add_migration("0001_notes.toml", R"toml(description = "Notes, then drop the legacy column for good"

[[expand]]
up = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, legacy TEXT)"
down = "DROP TABLE notes"

[[contract]]
up = "ALTER TABLE notes DROP COLUMN legacy"
irreversible = true
)toml");
    ASSERT_EQ(project.migrate({"apply", "--phase", "expand"}).exit_code, exit_ok);
    // Before the contract runs, undoing the expand is still possible.
    ProcessResult early = project.migrate({"rollback"});
    ASSERT_EQ(early.exit_code, exit_ok) << show(early);
    EXPECT_FALSE(project.has_table("notes"));

    ASSERT_EQ(project.migrate({"apply"}).exit_code, exit_ok);
    ASSERT_FALSE(project.has_column("notes", "legacy"));
    std::string before = project.dump();
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"rollback"}, {"rollback", "--to", "0"}}) {
        ProcessResult result = project.migrate(args);
        std::string where = (fs::path("migrations") / "0001_notes.toml").string() + ":7";
        EXPECT_TRUE(failed_with(result, {"0001_notes", "contract", "step 1", where, "irreversible"}));
    }
    EXPECT_EQ(project.dump(), before);
    EXPECT_EQ(project.phases(), std::vector<std::string>{"contracted"});
}

class CliFailingStep : public ::testing::Test {
  protected:
    void SetUp() override {
        m_project.add_migration("0001_notes.toml", notes_migration);
        m_project.add_migration("0002_tags.sql", R"sql(-- migrate:description Tags, with a statement that fails

-- migrate:expand
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO no_such_table VALUES (1);

-- migrate:expand:down
DROP TABLE tags;
)sql");
    }

    Project m_project;
    const std::string m_where = (fs::path("migrations") / "0002_tags.sql").string() + ":3";
};

TEST_F(CliFailingStep, ApplyExitsWithWhereAndTheDatabaseError) {
    ProcessResult result = m_project.migrate({"apply"});
    EXPECT_TRUE(failed_with(result, {"0002_tags", "expand", "step 1", m_where, "no such table: no_such_table"}));
    EXPECT_TRUE(has_line_matching(result.out, "0002_tags .*FAILED")) << show(result);
    // The phase before it committed; the failed phase rolled back as a whole.
    EXPECT_TRUE(m_project.has_table("notes"));
    EXPECT_FALSE(m_project.has_table("tags"));
    EXPECT_EQ(m_project.phases(), (std::vector<std::string>{"expanded", "pending"}));

    ProcessResult text = m_project.migrate({"status"});
    ASSERT_EQ(text.exit_code, exit_ok) << show(text);
    EXPECT_TRUE(has_line_matching(text.out, "^0002 .*FAILED")) << text.out;
    EXPECT_TRUE(contains(text.out, "no such table: no_such_table")) << text.out;

    json status = m_project.migrate_json({"status"});
    ASSERT_TRUE(status.is_object());
    const json& entry = status.at("migrations").at(1);
    ASSERT_TRUE(entry.contains("last_failure")) << entry.dump();
    EXPECT_EQ(entry.at("last_failure").at("phase"), "expand");
    EXPECT_TRUE(contains(entry.at("last_failure").at("message"), "no such table")) << entry.dump();
    EXPECT_FALSE(status.at("migrations").at(0).contains("last_failure"));
}

TEST_F(CliFailingStep, JsonApplyStillPrintsOneDocumentWithTheError) {
    ProcessResult result = m_project.migrate({"apply", "--format", "json"});
    EXPECT_EQ(result.exit_code, exit_error) << show(result);
    json document = parse_json(result.out);
    ASSERT_FALSE(document.is_discarded()) << show(result);
    // What did run before the failure is listed, so a pipeline knows where it stopped.
    ASSERT_EQ(document.at("phases").size(), 1u) << document.dump(2);
    EXPECT_EQ(document.at("phases")[0].at("migration"), "0001");
    EXPECT_TRUE(contains(document.at("error").at("message"), "no such table")) << document.dump(2);
    EXPECT_TRUE(contains(result.err, "no such table")) << show(result);
}

}  // namespace

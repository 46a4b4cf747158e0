// new, init and status on their own; the runner lock; irreversible and failing steps.
#include "cli_fixture.hpp"

namespace migrate::cli_test {
namespace {

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

TEST(CliStatus, BrokenFileStillShowsTheDatabaseStateAndExits1) {
    Project project;
    project.use_example_migrations();
    ASSERT_EQ(project.migrate({"apply", "--phase", "expand"}).exit_code, exit_ok);
    project.add_migration("0007_broken.toml", "[[expand]]\nup = \"SELECT 1\"\n");

    ProcessResult text = project.migrate({"status"});
    EXPECT_EQ(text.exit_code, exit_error) << show(text);
    EXPECT_TRUE(contains(text.out, "Unreadable migration files")) << text.out;
    EXPECT_TRUE(contains(text.out, "0007_broken.toml:1:1")) << text.out;
    EXPECT_TRUE(has_line_matching(text.out, "^0004 +rename_username +expanded")) << text.out;

    ProcessResult as_json = project.migrate({"status", "--format", "json"});
    EXPECT_EQ(as_json.exit_code, exit_error) << show(as_json);
    json status = parse_json(as_json.out);
    ASSERT_TRUE(status.is_object()) << show(as_json);
    ASSERT_EQ(status.at("file_errors").size(), 1u);
    EXPECT_TRUE(contains(status.at("file_errors")[0].get<std::string>(), "missing 'down'"));
    EXPECT_EQ(status.at("migrations").size(), example_ids.size());
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
    project.open_example_gate();
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

    // The migration names no app version for its contract: applying it is a deliberate --no-gate.
    ASSERT_EQ(project.migrate({"apply", "--no-gate"}).exit_code, exit_ok);
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
}  // namespace migrate::cli_test

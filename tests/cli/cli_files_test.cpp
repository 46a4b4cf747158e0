// Migration files that are broken, edited after they ran, or numbered out of order.
#include "cli_fixture.hpp"

namespace migrate::cli_test {
namespace {

// ---------------------------------------------------------------------------------------------
// Files that disagree with the state store

class CliDrift : public ::testing::Test {
  protected:
    void SetUp() override {
        m_project.use_example_migrations();
        m_project.open_example_gate();
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
    const std::string m_removed = "-up.sqlite = \"CREATE INDEX users_email_idx ON users (email)\"";
    const std::string m_added = "+up.sqlite = \"CREATE INDEX users_email_idx ON users (email, id)\"";
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
    project.open_example_gate();
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

}  // namespace
}  // namespace migrate::cli_test

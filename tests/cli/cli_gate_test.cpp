// fleet and gate through the binary on SQLite, as a pipeline author meets them: bad options
// refused with exit 2 before anything is created, the fleet listed as text and JSON, the
// heartbeat statement printed, apply's exit 4 (also as JSON) and its --force / --no-gate rules,
// and status showing the gate and the fleet.
#include "cli_fixture.hpp"

namespace migrate::cli_test {
namespace {

constexpr int exit_gate = 4;

// The example applied through backfill: 0004's contract waits for web >= 2.0.0.
class CliGate : public ::testing::Test {
  protected:
    void SetUp() override {
        m_project.use_example_migrations();
        ProcessResult result = m_project.migrate({"apply", "--phase", "backfill"});
        ASSERT_EQ(result.exit_code, exit_ok) << show(result);
    }

    ProcessResult heartbeat(const std::string& instance, const std::string& version) {
        return m_project.migrate({"fleet", "register", "--app", "web", "--instance", instance, "--version", version});
    }

    Project m_project;
};

TEST(CliFleet, RegisterRefusesBadValuesNamingTheOptionAndCreatesNothing) {
    Project project;
    std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--app", "web", "--instance", "a", "--version", "two"}, "--version"},
        {{"--app", "web", "--instance", "a", "--version", "2.0.0", "--ttl", "60"}, "--ttl"},
        {{"--app", "web", "--instance", "a", "--version", "2.0.0", "--ttl", "500ms"}, "--ttl"},
        {{"--app", "", "--instance", "a", "--version", "2.0.0"}, "--app"},
        {{"--app", "web", "--instance", std::string(200, 'x'), "--version", "2.0.0"}, "--instance"},
        {{"--instance", "a", "--version", "2.0.0"}, "--app"},
        {{"--app", "web", "--version", "2.0.0"}, "--instance"},
    };
    for (const auto& [options, named] : cases) {
        std::vector<std::string> args = {"fleet", "register"};
        args.insert(args.end(), options.begin(), options.end());
        EXPECT_TRUE(refused_as_usage(project.migrate(args), {named}));
    }
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(CliFleet, ListShowsEveryInstanceLiveOrStaleAsTextAndJson) {
    Project project;
    ASSERT_EQ(project.migrate({"fleet", "list"}).exit_code, exit_ok);
    ProcessResult first =
        project.migrate({"fleet", "register", "--app", "web", "--instance", "web-1", "--version", "1.2.0"});
    ASSERT_EQ(first.exit_code, exit_ok) << show(first);
    EXPECT_TRUE(contains(first.out, "Registered web/web-1 at 1.2.0")) << show(first);
    ProcessResult upgraded = project.migrate(
        {"fleet", "register", "--app", "web", "--instance", "web-1", "--version", "1.3.0", "--ttl", "2m"});
    EXPECT_TRUE(contains(upgraded.out, "now runs 1.3.0 (was 1.2.0)")) << show(upgraded);
    ASSERT_EQ(
        project.migrate({"fleet", "register", "--app", "worker", "--instance", "w-1", "--version", "7.0.0"}).exit_code,
        exit_ok);
    // An instance that stopped heartbeating an hour ago.
    migrate::testing::sqlite_exec(project.db(),
                                  "UPDATE _migrate_fleet SET last_seen = last_seen - 3600 WHERE app = 'worker'");

    ProcessResult text = project.migrate({"fleet", "list"});
    EXPECT_TRUE(has_line_matching(text.out, R"(^web\s+web-1\s+1\.3\.0\s+live\s)")) << show(text);
    EXPECT_TRUE(has_line_matching(text.out, R"(^worker\s+w-1\s+7\.0\.0\s+stale\s)")) << show(text);

    json list = project.migrate_json({"fleet", "list", "--app", "web"});
    ASSERT_EQ(list.at("instances").size(), 1u) << list.dump();
    const json& web = list.at("instances")[0];
    EXPECT_EQ(web.at("version"), "1.3.0");
    EXPECT_EQ(web.at("ttl_seconds"), 120);
    EXPECT_EQ(web.at("state"), "live");

    ProcessResult gone = project.migrate({"fleet", "deregister", "--app", "web", "--instance", "web-1"});
    EXPECT_TRUE(contains(gone.out, "Deregistered web/web-1")) << show(gone);
    gone = project.migrate({"fleet", "deregister", "--app", "web", "--instance", "web-1"});
    EXPECT_EQ(gone.exit_code, exit_ok);
    EXPECT_TRUE(contains(gone.out, "was not registered")) << show(gone);
    // The log keeps registrations and version changes, not every heartbeat.
    EXPECT_EQ(sqlite_value(project.db(), "SELECT group_concat(detail, '|') FROM _migrate_events ORDER BY seq"),
              "web/web-1 runs 1.2.0|web/web-1 runs 1.3.0 (was 1.2.0)|worker/w-1 runs 7.0.0|web/web-1");
}

TEST(CliFleet, PruneRemovesInstancesLongStaleAndSaysHowMany) {
    Project project;
    EXPECT_TRUE(refused_as_usage(project.migrate({"fleet", "prune", "--stale-for", "10"}), {"--stale-for"}));
    for (const char* instance : {"web-1", "web-2"}) {
        ASSERT_EQ(project.migrate({"fleet", "register", "--app", "web", "--instance", instance, "--version", "1.0.0"})
                      .exit_code,
                  exit_ok);
    }
    migrate::testing::sqlite_exec(project.db(),
                                  "UPDATE _migrate_fleet SET last_seen = last_seen - 7200 WHERE instance = 'web-2'");
    ProcessResult pruned = project.migrate({"fleet", "prune", "--stale-for", "30m"});
    EXPECT_EQ(pruned.exit_code, exit_ok) << show(pruned);
    EXPECT_TRUE(contains(pruned.out, "Removed 1 instance stale for over 30m")) << show(pruned);
    EXPECT_EQ(sqlite_value(project.db(), "SELECT group_concat(instance) FROM _migrate_fleet"), "web-1");
    EXPECT_EQ(project.migrate_json({"fleet", "prune"}).at("pruned"), 0);
}

TEST(CliFleet, DeregisterAndPruneOnADatabaseWithoutStateSayThereIsNothingThere) {
    Project project;
    project.write("app.db", "");
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"fleet", "deregister", "--app", "web", "--instance", "a"}, {"fleet", "prune"}, {"backfill", "pause"}}) {
        EXPECT_TRUE(failed_with(project.migrate(args), {"sqlite:app.db has no migrate state yet"}));
    }
    EXPECT_EQ(project.user_table_count(), "0");
}

TEST(CliFleet, SqlPrintsTheHeartbeatStatementOfTheTargetDatabase) {
    Project project;
    ProcessResult sqlite = project.migrate({"fleet", "sql"});
    EXPECT_TRUE(contains(sqlite.out, "INSERT INTO \"_migrate_fleet\"")) << show(sqlite);
    EXPECT_TRUE(contains(sqlite.out, "ON CONFLICT (app, instance)")) << show(sqlite);
    ProcessResult postgres = project.migrate_bare({"fleet", "sql", "-u", "postgres://app:secret@db/app"});
    EXPECT_TRUE(contains(postgres.out, "INSERT INTO \"migrate\".\"fleet\"")) << show(postgres);
    EXPECT_TRUE(contains(postgres.out, "$4")) << show(postgres);
    ProcessResult mysql = project.migrate_bare({"fleet", "sql", "-u", "mysql://app:secret@db/app"});
    EXPECT_TRUE(contains(mysql.out, "ON DUPLICATE KEY UPDATE")) << show(mysql);
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST_F(CliGate, ApplyRefusesAClosedContractWithExit4ListingTheOldInstanceAndChangesNothing) {
    ASSERT_EQ(heartbeat("web-old", "1.9.0").exit_code, exit_ok);
    ASSERT_EQ(heartbeat("web-new", "2.0.0").exit_code, exit_ok);
    std::string before = sqlite_dump(m_project.db(), {"_migrate_events"});
    ProcessResult refused = m_project.migrate({"apply"});
    EXPECT_EQ(refused.exit_code, exit_gate) << show(refused);
    EXPECT_TRUE(contains(refused.err, "0004_rename_username contract gate closed")) << show(refused);
    EXPECT_TRUE(contains(refused.err, "web-old 1.9.0")) << show(refused);
    EXPECT_TRUE(contains(refused.err, "--force")) << show(refused);
    EXPECT_EQ(sqlite_dump(m_project.db(), {"_migrate_events"}), before);

    ProcessResult as_json = m_project.migrate({"apply", "--format", "json"});
    EXPECT_EQ(as_json.exit_code, exit_gate) << show(as_json);
    json document = parse_json(as_json.out);
    ASSERT_FALSE(document.is_discarded()) << show(as_json);
    EXPECT_EQ(document.at("error").at("kind"), "gate") << document.dump();

    ProcessResult gate = m_project.migrate({"gate", "contract", "--format", "json"});
    EXPECT_EQ(gate.exit_code, exit_gate) << show(gate);
    json verdict = parse_json(gate.out);
    ASSERT_FALSE(verdict.is_discarded()) << show(gate);
    EXPECT_EQ(verdict.at("open"), false);
    ASSERT_EQ(verdict.at("contracts").size(), 1u) << verdict.dump();
    EXPECT_EQ(verdict.at("contracts")[0].at("id"), "0004");
    EXPECT_EQ(verdict.at("contracts")[0].at("state"), "closed");
    EXPECT_EQ(verdict.at("contracts")[0].at("blocking")[0].at("instance"), "web-old");
}

TEST_F(CliGate, ForceNeedsAReasonAndTheReasonNeedsForce) {
    EXPECT_TRUE(refused_as_usage(m_project.migrate({"apply", "--force"}), {"--force", "--reason"}));
    EXPECT_TRUE(refused_as_usage(m_project.migrate({"apply", "--force", "--reason", "  "}), {"--reason"}));
    EXPECT_TRUE(refused_as_usage(m_project.migrate({"apply", "--reason", "because"}), {"--reason", "--force"}));
    ProcessResult forced = m_project.migrate({"apply", "--force", "--reason", "INC-9: old pods are drained"});
    EXPECT_EQ(forced.exit_code, exit_ok) << show(forced);
    EXPECT_TRUE(contains(forced.err, "--force")) << show(forced);
    EXPECT_EQ(sqlite_value(m_project.db(),
                           "SELECT count(*) FROM _migrate_events WHERE outcome = 'gate_forced' AND migration_id = "
                           "'0004' AND detail LIKE '%INC-9: old pods are drained%'"),
              "1");
}

TEST_F(CliGate, StatusShowsTheGateOfThePendingContractAndTheFleet) {
    ASSERT_EQ(heartbeat("web-old", "1.9.0").exit_code, exit_ok);
    ProcessResult status = m_project.migrate({"status"});
    EXPECT_EQ(status.exit_code, exit_ok) << show(status);
    EXPECT_TRUE(has_line_matching(status.out, R"(^0004 .*contract gate closed: 1 live instance of web below 2\.0\.0)"))
        << show(status);
    EXPECT_TRUE(contains(status.out, "web: live 1.9.0 x1")) << show(status);
}

TEST_F(CliGate, PlanAndDryRunShowEachContractsGateAsTheFleetStandsNow) {
    ASSERT_EQ(heartbeat("web-old", "1.9.0").exit_code, exit_ok);
    ProcessResult plan = m_project.migrate({"plan"});
    EXPECT_TRUE(contains(plan.out, "-- gate (web >= 2.0.0): closed: 1 live instance of web below 2.0.0")) << show(plan);
    ProcessResult dry_run = m_project.migrate({"apply", "--dry-run"});
    EXPECT_EQ(dry_run.exit_code, exit_ok) << show(dry_run);
    EXPECT_TRUE(contains(dry_run.out, "-- gate (web >= 2.0.0): closed")) << show(dry_run);

    ASSERT_EQ(heartbeat("web-old", "2.0.0").exit_code, exit_ok);
    json document = m_project.migrate_json({"plan"});
    bool seen = false;
    for (const json& phase : document.at("phases")) {
        if (phase.at("migration") == "0004" && phase.at("phase") == "contract") {
            EXPECT_EQ(phase.at("gate").at("open"), true) << phase.dump();
            seen = true;
        } else {
            EXPECT_FALSE(phase.contains("gate")) << phase.dump();
        }
    }
    EXPECT_TRUE(seen) << document.dump();
}

TEST(CliGateless, AContractThatNamesNoVersionNeedsNoGateAndIsRefusedWithExit2NamingItsLine) {
    Project project;
    project.add_migration("0001_notes.toml", R"toml(description = "Notes without their legacy column"

[[expand]]
up = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, legacy TEXT)"
down = "DROP TABLE notes"

[[contract]]
up = "ALTER TABLE notes DROP COLUMN legacy"
down = "ALTER TABLE notes ADD COLUMN legacy TEXT"
)toml");
    ASSERT_EQ(project.migrate({"apply", "--phase", "backfill"}).exit_code, exit_ok);
    std::string before = project.dump();
    ProcessResult refused = project.migrate({"apply"});
    std::string where = (fs::path("migrations") / "0001_notes.toml").string() + ":7";
    EXPECT_TRUE(refused_as_usage(refused, {where, "--no-gate", "[contract.requires]"}));
    EXPECT_EQ(project.dump(), before);
    // gate contract counts it as open, saying that apply needs --no-gate.
    ProcessResult gate = project.migrate({"gate", "contract"});
    EXPECT_EQ(gate.exit_code, exit_ok) << show(gate);
    EXPECT_TRUE(contains(gate.out, "ungated")) << show(gate);

    ASSERT_EQ(project.migrate({"apply", "--no-gate"}).exit_code, exit_ok);
    EXPECT_FALSE(project.has_column("notes", "legacy"));
}

TEST(CliGateless, GateOptionsAreCheckedAndAnUnknownMigrationIsNamed) {
    Project project;
    project.use_example_migrations();
    EXPECT_TRUE(refused_as_usage(project.migrate({"gate", "contract", "--timeout", "10"}), {"--timeout"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"gate", "contract", "--interval", "0s"}), {"--interval"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"gate", "contract", "99"}), {"99"}));
    EXPECT_TRUE(refused_as_usage(project.migrate({"gate", "expand"}), {"expand"}));
    // Nothing applied yet: the example's contract waits for its expand.
    ProcessResult waiting = project.migrate({"gate", "contract"});
    EXPECT_EQ(waiting.exit_code, exit_gate) << show(waiting);
    EXPECT_TRUE(contains(waiting.out, "0004_rename_username  waiting: its expand has not run yet")) << show(waiting);
    EXPECT_FALSE(fs::exists(project.db()));
}

}  // namespace
}  // namespace migrate::cli_test

// The contract gate against real databases, on every dialect: a contract blocked by one old app
// instance, opened when it re-registers with the new version, when it goes stale or when it
// deregisters, forced with a reason the event log keeps, the heartbeat statement an app runs
// itself, and `migrate gate contract --wait` returning once a background process upgrades the
// last instance.
#include <chrono>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "engine/project.hpp"
#include "recording_observer.hpp"
#include "support/error.hpp"
#include "test_database.hpp"
#include "test_support.hpp"

namespace migrate {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

// The contract drops the column app 1.x still reads; app 2.0.0 no longer does.
constexpr const char* profiles_migration = R"toml(description = "Drop profiles.legacy_name once web 2.x runs everywhere"

[[expand]]
up = "CREATE TABLE profiles (id INTEGER PRIMARY KEY, nickname TEXT, legacy_name TEXT)"
down = "DROP TABLE profiles"

[[contract]]
up = "ALTER TABLE profiles DROP COLUMN legacy_name"
down = "ALTER TABLE profiles ADD COLUMN legacy_name TEXT"

[contract.requires]
app = "web"
min_version = "2.0.0"
)toml";

class ContractGate : public testing::DialectTest {
  protected:
    void SetUp() override {
        DialectTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        testing::write_file(m_dir / "migrations" / "0001_profiles.toml", profiles_migration);
    }

    Project project(GatePolicy gate = {}) {
        ProjectSettings settings;
        settings.url = parse_database_url(db().url());
        settings.dir = m_dir / "migrations";
        settings.run.command = "test";
        settings.run.run_by = "tester";
        settings.run.run_on = "testhost";
        settings.run.gate = std::move(gate);
        return Project(settings);
    }

    void run_up_to_contract() { project().apply({Phase::backfill, std::nullopt}, m_quiet); }

    void heartbeat(const std::string& instance, const std::string& version, std::int64_t ttl_seconds = 3600) {
        project().register_instance({"web", instance, version, ttl_seconds});
    }

    // The refusal of `apply --phase contract`, which must change nothing.
    Error contract_refusal() {
        std::string before = db().dump({db().state_table("events")});
        try {
            project().apply({Phase::contract, std::nullopt}, m_quiet);
        } catch (const Error& e) {
            EXPECT_EQ(db().dump({db().state_table("events")}), before);
            return e;
        }
        ADD_FAILURE() << "the contract ran";
        return Error(ErrorKind::internal, "");
    }

    std::string phase() {
        return db().value("SELECT phase FROM " + db().state_table("migrations") + " WHERE id = '0001'");
    }

    std::vector<std::string> cli(const std::vector<std::string>& args) {
        std::vector<std::string> full = {"-u", db().url(), "-d", (m_dir / "migrations").string()};
        full.insert(full.begin(), args.begin(), args.end());
        return full;
    }

    TempDir m_dir;
    testing::RecordingObserver m_quiet;
};

TEST_P(ContractGate, OneOldInstanceBlocksTheContractUntilItReregistersWithTheNewVersion) {
    run_up_to_contract();
    heartbeat("web-a", "2.0.0");
    heartbeat("web-b", "1.9.0");

    Error refused = contract_refusal();
    EXPECT_EQ(refused.kind(), ErrorKind::gate_closed);
    std::string message = refused.what();
    EXPECT_NE(message.find("0001_profiles contract gate closed"), std::string::npos) << message;
    EXPECT_NE(message.find("web-b 1.9.0"), std::string::npos) << message;
    EXPECT_EQ(message.find("web-a"), std::string::npos) << message;
    EXPECT_TRUE(db().has_column("profiles", "legacy_name"));
    EXPECT_EQ(phase(), "backfilled");

    heartbeat("web-b", "2.0.0");
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    EXPECT_FALSE(db().has_column("profiles", "legacy_name"));
    EXPECT_EQ(phase(), "contracted");
}

TEST_P(ContractGate, AnOldInstanceThatAppearsWhileEarlierPhasesRunStopsTheContractWhichTheLogCallsGateClosed) {
    heartbeat("web-a", "2.0.0");
    // The gate is open when apply plans the run; an old instance registers while the expand
    // runs, and the runner's second look, right before the contract, must see it.
    testing::RecordingObserver observer;
    observer.on_phase_started = [&](const PhaseRun& run) {
        if (run.phase == Phase::expand) {
            heartbeat("web-b", "1.9.0");
        }
    };
    try {
        project().apply({Phase::contract, std::nullopt}, observer);
        ADD_FAILURE() << "the contract ran";
    } catch (const Error& refused) {
        EXPECT_EQ(refused.kind(), ErrorKind::gate_closed) << refused.what();
        EXPECT_NE(std::string(refused.what()).find("web-b 1.9.0"), std::string::npos) << refused.what();
    }
    EXPECT_TRUE(db().has_column("profiles", "legacy_name"));
    EXPECT_EQ(phase(), "backfilled");
    std::string events = db().state_table("events");
    EXPECT_EQ(db().value("SELECT outcome FROM " + events + " WHERE phase = 'contract'"), "gate_closed");
    EXPECT_EQ(db().value("SELECT count(*) FROM " + events + " WHERE outcome = 'failed'"), "0");
}

TEST_P(ContractGate, AnInstanceThatStopsHeartbeatingGoesStaleAndNoLongerBlocks) {
    run_up_to_contract();
    heartbeat("web-new", "2.0.0");
    heartbeat("web-old", "1.4.2", 1);
    EXPECT_EQ(contract_refusal().kind(), ErrorKind::gate_closed);

    // The TTL counts by the database's clock: wait until the database calls it stale.
    auto deadline = std::chrono::steady_clock::now() + 15s;
    auto old_is_live = [&] {
        Fleet fleet = project().read_fleet("web");
        for (const FleetMember& member : fleet.members) {
            if (member.instance == "web-old") {
                return fleet.now - member.last_seen <= member.ttl_seconds;
            }
        }
        return false;
    };
    while (old_is_live()) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "web-old never went stale";
        std::this_thread::sleep_for(200ms);
    }
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    EXPECT_EQ(phase(), "contracted");
    // Still listed, as stale.
    EXPECT_EQ(project().read_fleet("web").members.size(), 2u);
}

TEST_P(ContractGate, ADeregisteredInstanceNoLongerCounts) {
    run_up_to_contract();
    heartbeat("web-new", "2.0.0");
    heartbeat("web-old", "1.0.0");
    EXPECT_EQ(contract_refusal().kind(), ErrorKind::gate_closed);
    EXPECT_TRUE(project().deregister_instance("web", "web-old"));
    EXPECT_FALSE(project().deregister_instance("web", "web-old"));
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    EXPECT_EQ(phase(), "contracted");
}

TEST_P(ContractGate, NoInstanceAtAllKeepsTheGateClosed) {
    run_up_to_contract();
    Error refused = contract_refusal();
    EXPECT_EQ(refused.kind(), ErrorKind::gate_closed);
    EXPECT_NE(std::string(refused.what()).find("no live instance of web"), std::string::npos) << refused.what();
}

TEST_P(ContractGate, ForceWithAReasonRunsTheContractAndTheEventLogKeepsWhyAndWho) {
    run_up_to_contract();
    heartbeat("web-b", "1.9.0");
    project({false, true, "INC-4711: column breaks replication"}).apply({Phase::contract, std::nullopt}, m_quiet);
    EXPECT_EQ(phase(), "contracted");
    testing::Rows forced = db().rows("SELECT run_by, run_on, migration_id, phase, detail FROM " +
                                     db().state_table("events") + " WHERE outcome = 'gate_forced'");
    ASSERT_EQ(forced.size(), 1u);
    EXPECT_EQ(forced[0][0], "tester");
    EXPECT_EQ(forced[0][1], "testhost");
    EXPECT_EQ(forced[0][2], "0001");
    EXPECT_EQ(forced[0][3], "contract");
    EXPECT_NE(forced[0][4].find("INC-4711: column breaks replication"), std::string::npos) << forced[0][4];
    EXPECT_NE(forced[0][4].find("web-b 1.9.0"), std::string::npos) << forced[0][4];
}

TEST_P(ContractGate, TheHeartbeatStatementAnAppRunsItselfRegistersAndThenRefreshes) {
    project().init();
    // As an app would run it through its own driver, with its values bound; here written in.
    auto statement = [&](const std::string& version) {
        std::string sql = project().heartbeat_sql();
        std::vector<std::string> values = {"'web'", "'pod-7'", "'" + version + "'", "45"};
        for (std::size_t i = 0; i < values.size(); ++i) {
            std::string placeholder = is_postgres() ? "$" + std::to_string(i + 1) : "?";
            sql.replace(sql.find(placeholder), placeholder.size(), values[i]);
        }
        return sql;
    };
    db().exec(statement("1.9.0"));
    Fleet first = project().read_fleet("web");
    ASSERT_EQ(first.members.size(), 1u);
    EXPECT_EQ(first.members[0].version, "1.9.0");
    EXPECT_EQ(first.members[0].ttl_seconds, 45);
    EXPECT_LE(first.now - first.members[0].last_seen, 1);

    db().exec(statement("2.0.0"));
    Fleet second = project().read_fleet("web");
    ASSERT_EQ(second.members.size(), 1u);
    EXPECT_EQ(second.members[0].version, "2.0.0");
    EXPECT_EQ(second.members[0].first_seen, first.members[0].first_seen);
    EXPECT_GE(second.members[0].last_seen, first.members[0].last_seen);
}

TEST_P(ContractGate, GateWaitReturnsOnceABackgroundProcessUpgradesTheLastInstance) {
    run_up_to_contract();
    heartbeat("web-a", "2.0.0");
    heartbeat("web-b", "1.9.0");
    testing::ProcessResult closed = testing::run_migrate(cli({"gate", "contract"}));
    EXPECT_EQ(closed.exit_code, 4) << closed.out << closed.err;
    EXPECT_NE(closed.out.find("web-b 1.9.0"), std::string::npos) << closed.out;

    auto started = std::chrono::steady_clock::now();
    pid_t waiting = testing::spawn_migrate(
        cli({"gate", "contract", "--wait", "--timeout", "2m", "--interval", "200ms"}), m_dir.path(), "gate");
    std::this_thread::sleep_for(1s);
    pid_t upgrade =
        testing::spawn_migrate(cli({"fleet", "register", "--app", "web", "--instance", "web-b", "--version", "2.0.0"}),
                               m_dir.path(), "upgrade");
    EXPECT_EQ(testing::wait_for(upgrade), 0) << testing::read_file(m_dir / "upgrade.err");
    EXPECT_EQ(testing::wait_for(waiting), 0) << testing::read_file(m_dir / "gate.err");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 60s);
    std::string said = testing::read_file(m_dir / "gate.out");
    EXPECT_NE(said.find("Contract gate open"), std::string::npos) << said;
    // While it waited, it said once why.
    EXPECT_NE(testing::read_file(m_dir / "gate.err").find("web-b 1.9.0"), std::string::npos);
}

TEST_P(ContractGate, GateWaitGivesUpWithExit4AfterItsTimeout) {
    run_up_to_contract();
    heartbeat("web-b", "1.9.0");
    auto started = std::chrono::steady_clock::now();
    testing::ProcessResult result =
        testing::run_migrate(cli({"gate", "contract", "--wait", "--timeout", "1500ms", "--interval", "300ms"}));
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(result.exit_code, 4) << result.err;
    EXPECT_NE(result.err.find("still closed after"), std::string::npos) << result.err;
    EXPECT_GE(took, 1500ms);
    EXPECT_LT(took, 30s);
}

TEST_P(ContractGate, VersionsCompareAsSemverDoesNotAsText) {
    // As text "1.9.0" > "1.10.0" and "2.0.0-rc.1" > "2.0.0"; as versions neither is.
    std::string migration = profiles_migration;
    migration.replace(migration.find("\"2.0.0\""), 7, "\"1.10.0\"");
    testing::write_file(m_dir / "migrations" / "0001_profiles.toml", migration);
    run_up_to_contract();
    heartbeat("web-a", "1.9.0");
    EXPECT_EQ(contract_refusal().kind(), ErrorKind::gate_closed);
    heartbeat("web-a", "1.10.0-rc.1");
    EXPECT_EQ(contract_refusal().kind(), ErrorKind::gate_closed);
    heartbeat("web-a", "1.10.0");
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    EXPECT_EQ(phase(), "contracted");
}

TEST_P(ContractGate, PruneRemovesOnlyInstancesStaleForLongerThanAsked) {
    project().register_instance({"web", "live", "2.0.0", 60});
    project().register_instance({"web", "crashed-yesterday", "1.0.0", 60});
    project().register_instance({"web", "stale-a-minute", "1.0.0", 60});
    project().register_instance({"worker", "crashed-too", "1.0.0", 60});
    std::string fleet = db().state_table("fleet");
    db().exec("UPDATE " + fleet + " SET last_seen = last_seen - 86400 WHERE instance LIKE 'crashed%'");
    db().exec("UPDATE " + fleet + " SET last_seen = last_seen - 120 WHERE instance = 'stale-a-minute'");

    EXPECT_EQ(project().prune_fleet("web", 3600), 1);
    EXPECT_EQ(testing::joined(db().rows("SELECT instance FROM " + fleet + " ORDER BY instance")),
              "crashed-too,live,stale-a-minute");
    EXPECT_EQ(project().prune_fleet("", 30), 2);
    EXPECT_EQ(testing::joined(db().rows("SELECT instance FROM " + fleet)), "live");
}

TEST_P(ContractGate, AStoreFromBeforeTheFleetIsReadAsItIsAndUpgradedByTheFirstRegistration) {
    run_up_to_contract();
    // What a migrate from before the fleet left: layout 2, no fleet table.
    db().exec("DROP TABLE " + db().state_table("fleet"));
    db().exec("UPDATE " + db().state_table("meta") + " SET value = '2' WHERE name = 'schema_version'");
    EXPECT_TRUE(project().read_fleet("web").members.empty());
    EXPECT_TRUE(project().read_state().fleet.members.empty());

    heartbeat("web-a", "2.0.0");
    EXPECT_EQ(db().value("SELECT value FROM " + db().state_table("meta") + " WHERE name = 'schema_version'"), "3");
    project().apply({Phase::contract, std::nullopt}, m_quiet);
    EXPECT_EQ(phase(), "contracted");
}

INSTANTIATE_TEST_SUITE_P(Dialects, ContractGate, ::testing::ValuesIn(testing::test_dialects()),
                         testing::dialect_param_name);

}  // namespace
}  // namespace migrate

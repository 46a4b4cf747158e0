// A whole rollout played through the CLI on PostgreSQL, as a pipeline would run it: expand before
// the new app version, two v1 instances heartbeating, the backfill, a v2 canary, the contract
// gate closed (and `apply --phase contract` refused with exit 4, changing nothing), the v1
// instances upgrading, the gate open, contract, and rollbacks of contract allowed or refused
// exactly as each migration says. `status --format json` is checked against its published schema
// at every step.
#include <cstdio>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "postgres_fixture.hpp"

namespace migrate {
namespace {

using nlohmann::json;
using testing::contains;

class PostgresRollout : public testing::PostgresTest {
  protected:
    void SetUp() override {
        PostgresTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        testing::copy_example_migrations(m_dir / "migrations");
    }

    // Exit 0 expected; the output for the next assertions.
    testing::ProcessResult ok(std::vector<std::string> args) {
        testing::ProcessResult result = migrate(std::move(args));
        EXPECT_EQ(result.exit_code, 0) << show(result);
        return result;
    }

    void heartbeat(const std::string& instance, const std::string& version) {
        ok({"fleet", "register", "--app", "web", "--instance", instance, "--version", version, "--ttl", "5m"});
    }

    // `status --format json`, valid against docs/status.schema.json.
    json status() {
        testing::ProcessResult result = ok({"status", "--format", "json"});
        std::filesystem::path document = m_dir / "status.json";
        testing::write_file(document, result.out);
        std::string command = std::string("'") + MIGRATE_TEST_PYTHON + "' '" + MIGRATE_JSON_VALIDATOR + "' '" +
                              MIGRATE_STATUS_SCHEMA + "' '" + document.string() + "' 2>&1";
        std::string said;
        FILE* pipe = popen(command.c_str(), "r");
        char buffer[4096];
        while (std::size_t read = std::fread(buffer, 1, sizeof buffer, pipe)) {
            said.append(buffer, read);
        }
        int rc = pclose(pipe);
        EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << said << "\n" << result.out;
        return json::parse(result.out);
    }

    static const json& entry(const json& status, const std::string& id) {
        for (const json& migration : status.at("migrations")) {
            if (migration.at("id") == id) {
                return migration;
            }
        }
        throw std::runtime_error("no migration " + id + " in status");
    }

    static std::vector<std::string> instances(const json& list) {
        std::vector<std::string> out;
        for (const json& instance : list) {
            out.push_back(instance.at("instance").get<std::string>() + " " + instance.at("version").get<std::string>());
        }
        return out;
    }
};

// Its contract is one statement the migration marks irreversible: no rollback can bring the
// column back.
constexpr const char* audit_migration = R"toml(description = "Drop users.legacy_flags for good"

[[expand]]
up = "ALTER TABLE users ADD COLUMN legacy_flags TEXT"
down = "ALTER TABLE users DROP COLUMN legacy_flags"

[[contract]]
up = "ALTER TABLE users DROP COLUMN legacy_flags"
irreversible = true

[contract.requires]
app = "web"
min_version = "2.1.0"
)toml";

TEST_P(PostgresRollout, ExpandHeartbeatsBackfillCanaryGateUpgradeContractAndRollback) {
    // 1. Before the new version ships: expand. Nothing destructive has run.
    ok({"apply", "--phase", "expand"});
    EXPECT_TRUE(db().has_column("users", "username"));
    EXPECT_TRUE(db().has_column("users", "display_name"));

    // 2. The running fleet: two instances of web 1.x.
    heartbeat("web-v1-a", "1.9.0");
    heartbeat("web-v1-b", "1.10.2");

    // 3. The backfill, while both versions may run.
    ok({"apply", "--phase", "backfill"});
    EXPECT_EQ(db().value("SELECT COUNT(*) FROM users WHERE display_name IS NULL"), "0");

    // 4. The canary: one instance of 2.0.0.
    heartbeat("web-v2-canary", "2.0.0");

    // 5. The gate is closed: both v1 instances are named, the canary is not.
    testing::ProcessResult closed = migrate({"gate", "contract"});
    EXPECT_EQ(closed.exit_code, 4) << show(closed);
    EXPECT_TRUE(contains(closed.out, "web-v1-a 1.9.0")) << show(closed);
    EXPECT_TRUE(contains(closed.out, "web-v1-b 1.10.2")) << show(closed);
    EXPECT_FALSE(contains(closed.out, "web-v2-canary")) << show(closed);
    json gate = entry(status(), "0004").at("gate");
    EXPECT_EQ(gate.at("state"), "closed");
    EXPECT_EQ(gate.at("requires").at("min_version"), "2.0.0");
    EXPECT_EQ(instances(gate.at("blocking")), (std::vector<std::string>{"web-v1-a 1.9.0", "web-v1-b 1.10.2"}));
    EXPECT_EQ(instances(gate.at("ready")), std::vector<std::string>{"web-v2-canary 2.0.0"});

    // A pipeline that runs contract anyway is refused with exit 4, and nothing changes.
    std::string before = db().dump({state("events")});
    testing::ProcessResult refused = migrate({"apply", "--phase", "contract"});
    EXPECT_EQ(refused.exit_code, 4) << show(refused);
    EXPECT_TRUE(contains(refused.err, "web-v1-a 1.9.0")) << show(refused);
    EXPECT_EQ(db().dump({state("events")}), before);
    EXPECT_TRUE(db().has_column("users", "username"));

    // 6. The rollout completes: the v1 instances come back as 2.0.0.
    heartbeat("web-v1-a", "2.0.0");
    heartbeat("web-v1-b", "2.0.1");

    // 7. The gate opens, and contract runs.
    testing::ProcessResult open = ok({"gate", "contract", "--wait", "--timeout", "30s"});
    EXPECT_TRUE(contains(open.out, "Contract gate open")) << show(open);
    ok({"apply", "--phase", "contract"});
    EXPECT_FALSE(db().has_column("users", "username"));
    json after = status();
    for (const json& migration : after.at("migrations")) {
        EXPECT_EQ(migration.at("phase"), "contracted") << migration.dump();
    }
    EXPECT_EQ(entry(after, "0004").at("gate").at("state"), "done");
    EXPECT_EQ(after.at("fleet").size(), 3u);

    // 8. 0004 says how to undo its contract: the rollback brings username back, values and all.
    ok({"rollback"});
    EXPECT_EQ(db().value("SELECT username FROM users WHERE id = 42"), "user42");
    EXPECT_EQ(entry(status(), "0004").at("phase"), "backfilled");
    ok({"apply", "--phase", "contract"});

    // 9. A migration whose contract is irreversible: gated on 2.1.0, which the fleet does not
    //    run yet; once it does, contract runs, and its rollback is refused, changing nothing.
    add_migration("0007_drop_legacy_flags.toml", audit_migration);
    ok({"apply", "--phase", "backfill"});
    EXPECT_EQ(migrate({"gate", "contract", "7"}).exit_code, 4);
    for (const char* instance : {"web-v1-a", "web-v1-b", "web-v2-canary"}) {
        heartbeat(instance, "2.1.0");
    }
    ok({"gate", "contract", "7"});
    ok({"apply", "--phase", "contract"});
    EXPECT_FALSE(db().has_column("users", "legacy_flags"));
    before = db().dump({state("events")});
    testing::ProcessResult irreversible = migrate({"rollback"});
    EXPECT_EQ(irreversible.exit_code, 1) << show(irreversible);
    EXPECT_TRUE(contains(irreversible.err, "0007_drop_legacy_flags")) << show(irreversible);
    EXPECT_TRUE(contains(irreversible.err, "irreversible")) << show(irreversible);
    EXPECT_EQ(db().dump({state("events")}), before);

    // The event log has the whole story, fleet changes included.
    std::string outcomes = testing::joined(db().rows("SELECT outcome FROM " + state("events") +
                                                     " WHERE outcome IN ('registered', 'applied') ORDER BY seq"));
    EXPECT_TRUE(contains(outcomes, "registered")) << outcomes;
    std::string password = testing::postgres_test_password();
    if (!password.empty()) {
        EXPECT_FALSE(contains(refused.err + closed.out + open.out, password));
    }
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresRollout, ::testing::Values("postgres"), testing::dialect_param_name);

}  // namespace
}  // namespace migrate

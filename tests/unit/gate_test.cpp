// The contract gate's decision from a fleet, without a database: who blocks, who is stale, and
// the version comparisons semver.org defines (1.10 > 1.9, 2.0.0-rc.1 < 2.0.0).
#include "engine/gate.hpp"

#include <gtest/gtest.h>

#include "support/error.hpp"

namespace migrate {
namespace {

constexpr std::int64_t now = 1'800'000'000;

Migration contract_requiring(const std::string& app, const std::string& min_version) {
    Migration migration;
    migration.id = "0007";
    migration.number = 7;
    migration.name = "drop_username";
    migration.path = "migrations/0007_drop_username.toml";
    SqlStep step;
    step.location.line = 12;
    migration.contract.push_back(step);
    if (!app.empty()) {
        migration.requirement = ContractRequirement{app, *parse_semver(min_version), {}};
    }
    return migration;
}

// An instance that last reported `seconds_ago` with a TTL of 60s.
FleetMember instance(const std::string& name, const std::string& version, std::int64_t seconds_ago = 0,
                     const std::string& app = "web") {
    return {app, name, version, 60, now - 3600, now - seconds_ago};
}

Fleet fleet_of(std::vector<FleetMember> members) {
    return {now, std::move(members)};
}

std::vector<std::string> names(const std::vector<FleetInstanceView>& views) {
    std::vector<std::string> out;
    for (const FleetInstanceView& view : views) {
        out.push_back(view.member.instance);
    }
    return out;
}

TEST(Gate, OneLiveOldInstanceKeepsItClosedAndIsNamed) {
    Migration migration = contract_requiring("web", "2.0.0");
    GateDecision decision = decide_gate(migration, fleet_of({instance("a", "2.0.0"), instance("b", "1.9.3")}));
    EXPECT_FALSE(decision.open);
    EXPECT_EQ(names(decision.blocking), std::vector<std::string>{"b"});
    EXPECT_EQ(names(decision.ready), std::vector<std::string>{"a"});
    std::string explained = explain_gate(decision);
    EXPECT_NE(explained.find("0007_drop_username contract gate closed"), std::string::npos) << explained;
    EXPECT_NE(explained.find("b 1.9.3"), std::string::npos) << explained;
}

TEST(Gate, OpensWhenEveryLiveInstanceIsAtOrAboveTheVersion) {
    Migration migration = contract_requiring("web", "2.0.0");
    EXPECT_TRUE(decide_gate(migration, fleet_of({instance("a", "2.0.0"), instance("b", "2.1.0")})).open);
}

TEST(Gate, StaleInstancesAreListedButDoNotBlock) {
    Migration migration = contract_requiring("web", "2.0.0");
    // Heard from 61s ago with a TTL of 60s: stale. Exactly 60s ago: still live.
    GateDecision decision = decide_gate(
        migration, fleet_of({instance("new", "2.0.0"), instance("gone", "1.0.0", 61), instance("edge", "1.0.0", 60)}));
    EXPECT_FALSE(decision.open);
    EXPECT_EQ(names(decision.stale), std::vector<std::string>{"gone"});
    EXPECT_EQ(names(decision.blocking), std::vector<std::string>{"edge"});

    decision = decide_gate(migration, fleet_of({instance("new", "2.0.0"), instance("gone", "1.0.0", 61)}));
    EXPECT_TRUE(decision.open);
    EXPECT_EQ(names(decision.stale), std::vector<std::string>{"gone"});
}

TEST(Gate, NoLiveInstanceOfTheAppKeepsItClosed) {
    Migration migration = contract_requiring("web", "2.0.0");
    for (const Fleet& fleet : {fleet_of({}), fleet_of({instance("gone", "2.0.0", 600)}),
                               fleet_of({instance("worker-1", "9.0.0", 0, "worker")})}) {
        GateDecision decision = decide_gate(migration, fleet);
        EXPECT_FALSE(decision.open);
        EXPECT_NE(decision.summary.find("no live instance of web"), std::string::npos) << decision.summary;
    }
}

TEST(Gate, OtherAppsInstancesAreIgnored) {
    Migration migration = contract_requiring("web", "2.0.0");
    GateDecision decision =
        decide_gate(migration, fleet_of({instance("a", "2.0.0"), instance("worker-1", "1.0.0", 0, "worker")}));
    EXPECT_TRUE(decision.open);
    EXPECT_TRUE(decision.blocking.empty());
}

TEST(Gate, AVersionThatIsNotSemanticBlocks) {
    // An app that writes the fleet table itself may report anything; it cannot be shown to be new.
    Migration migration = contract_requiring("web", "2.0.0");
    GateDecision decision = decide_gate(migration, fleet_of({instance("a", "2.0.0"), instance("b", "latest")}));
    EXPECT_FALSE(decision.open);
    EXPECT_EQ(names(decision.blocking), std::vector<std::string>{"b"});
}

struct VersionCase {
    const char* running;
    const char* required;
    bool open;
};

TEST(Gate, ComparesVersionsAsSemverDoes) {
    for (const VersionCase& c : {
             VersionCase{"1.10.0", "1.9.0", true},
             VersionCase{"1.9.0", "1.10.0", false},
             VersionCase{"2.0.0-rc.1", "2.0.0", false},
             VersionCase{"2.0.0", "2.0.0-rc.1", true},
             VersionCase{"2.0.0-rc.2", "2.0.0-rc.10", false},
             VersionCase{"2.0.0-rc.10", "2.0.0-rc.2", true},
             VersionCase{"2.0.0-alpha", "2.0.0-alpha.1", false},
             VersionCase{"2.0.0+build.7", "2.0.0", true},
             VersionCase{"v2.0.0", "2.0.0", true},
             VersionCase{"2.0", "2.0.0", true},
             VersionCase{"10.0.0", "9.99.99", true},
         }) {
        SCOPED_TRACE(std::string(c.running) + " vs required " + c.required);
        Migration migration = contract_requiring("web", c.required);
        EXPECT_EQ(decide_gate(migration, fleet_of({instance("a", c.running)})).open, c.open);
    }
}

TEST(Gate, AContractWithoutRequirementNeedsNoGateOrForce) {
    Migration migration = contract_requiring("", "");
    try {
        pass_gate(migration, fleet_of({}), {});
        FAIL() << "an ungated contract ran without --no-gate";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::usage);
        std::string message = e.what();
        EXPECT_NE(message.find("migrations/0007_drop_username.toml:12"), std::string::npos) << message;
        EXPECT_NE(e.hint().find("--no-gate"), std::string::npos) << e.hint();
    }
    EXPECT_EQ(pass_gate(migration, fleet_of({}), {true, false, ""}), std::nullopt);
}

TEST(Gate, PassRefusesAClosedGateUnlessForcedAndSaysWhatWasOverridden) {
    Migration migration = contract_requiring("web", "2.0.0");
    Fleet fleet = fleet_of({instance("b", "1.9.0")});
    try {
        pass_gate(migration, fleet, {});
        FAIL() << "a closed gate let the contract run";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::gate_closed);
    }
    // --no-gate never opens a gate that a requirement closes.
    EXPECT_THROW(pass_gate(migration, fleet, {true, false, ""}), Error);
    std::optional<std::string> forced = pass_gate(migration, fleet, {false, true, "hotfix INC-42"});
    ASSERT_TRUE(forced.has_value());
    EXPECT_NE(forced->find("hotfix INC-42"), std::string::npos) << *forced;
    EXPECT_NE(forced->find("b 1.9.0"), std::string::npos) << *forced;
    // Nothing to override when the gate is open.
    EXPECT_EQ(pass_gate(migration, fleet_of({instance("a", "2.0.0")}), {false, true, "x"}), std::nullopt);
}

}  // namespace
}  // namespace migrate

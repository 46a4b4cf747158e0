// The rules whose verdict depends on [lint] settings rather than on the SQL alone: the rule
// examples run with default settings, so the PostgreSQL version cut-offs are tested here.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lint/lint_inputs.hpp"
#include "lint/linter.hpp"
#include "test_support.hpp"

namespace migrate::lint {
namespace {

LintConfig postgres(int pg_version) {
    LintConfig config;
    config.settings.dialect = "postgres";
    config.settings.pg_version = pg_version;
    return config;
}

std::vector<std::string> rules_of(const std::vector<Finding>& findings) {
    std::vector<std::string> out;
    for (const Finding& finding : findings) {
        out.push_back(finding.rule);
    }
    return out;
}

std::vector<std::string> rules_raised(std::string_view sql, int pg_version) {
    return rules_of(Linter(postgres(pg_version)).lint_sql(sql, Phase::expand, "example.sql").findings);
}

// A migration file, for sequences that must span steps.
std::vector<std::string> rules_raised_by_file(const std::string& content, int pg_version) {
    testing::TempDir dir;
    testing::write_file(dir.path() / "0001_example.toml", content);
    return rules_of(lint_targets(find_lint_targets({dir.path()}), Linter(postgres(pg_version))).findings);
}

using Rules = std::vector<std::string>;

// Validating in its own step, so the NOT VALID constraint's lock is not held during the scan.
const std::string validated_then_set = R"(
[[expand]]
up = "ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;"
down = "ALTER TABLE users DROP CONSTRAINT users_email_not_null;"

[[expand]]
up = """
ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
"""
down = "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;"
)";

TEST(SettingNotNull, AValidatedCheckAvoidsTheScanFromPostgres12) {
    EXPECT_EQ(rules_raised_by_file(validated_then_set, 12), Rules{});
    EXPECT_EQ(rules_raised_by_file(validated_then_set, 15), Rules{});
}

TEST(SettingNotNull, BeforePostgres12TheScanHappensAnyway) {
    EXPECT_EQ(rules_raised_by_file(validated_then_set, 11), Rules{"setting-not-null"});
    EXPECT_EQ(rules_raised_by_file(validated_then_set, 10), Rules{"setting-not-null"});
}

TEST(SettingNotNull, WithoutValidationEveryVersionScans) {
    EXPECT_EQ(rules_raised("ALTER TABLE users ALTER COLUMN email SET NOT NULL;", 15), Rules{"setting-not-null"});
}

constexpr std::string_view constant_default = "ALTER TABLE orders ADD COLUMN currency CHAR(3) NOT NULL DEFAULT 'EUR';";

TEST(VolatileDefault, AConstantDefaultIsInstantFromPostgres11) {
    EXPECT_EQ(rules_raised(constant_default, 11), Rules{});
    EXPECT_EQ(rules_raised(constant_default, 15), Rules{});
}

TEST(VolatileDefault, BeforePostgres11AnyDefaultRewrites) {
    EXPECT_EQ(rules_raised(constant_default, 10), Rules{"volatile-default"});
    EXPECT_EQ(rules_raised("ALTER TABLE events ADD COLUMN seen_at TIMESTAMPTZ DEFAULT now();", 10),
              Rules{"volatile-default"});
}

TEST(VolatileDefault, AVolatileDefaultRewritesOnEveryVersion) {
    constexpr std::string_view sql = "ALTER TABLE users ADD COLUMN api_token UUID DEFAULT gen_random_uuid();";
    EXPECT_EQ(rules_raised(sql, 10), Rules{"volatile-default"});
    EXPECT_EQ(rules_raised(sql, 15), Rules{"volatile-default"});
}

TEST(VolatileDefault, AColumnWithoutDefaultNeverRewrites) {
    EXPECT_EQ(rules_raised("ALTER TABLE users ADD COLUMN nickname TEXT;", 10), Rules{});
}

}  // namespace
}  // namespace migrate::lint

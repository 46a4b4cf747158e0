// Unit tests of src/support: durations, secret redaction, semver, SHA-256, line diffs, SQL lexer.
#include <cstdio>
#include <random>
#include <string>
#include <typeinfo>
#include <vector>

#include <gtest/gtest.h>

#include "support/duration.hpp"
#include "support/error.hpp"
#include "support/line_diff.hpp"
#include "support/redact.hpp"
#include "support/semver.hpp"
#include "support/sha256.hpp"
#include "support/sql_lexer.hpp"

namespace migrate {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// Durations

TEST(SupportDuration, ParsesNumbersWithUnits) {
    struct Case {
        const char* text;
        Duration expected;
    };
    const std::vector<Case> cases = {
        {"500ms", 500ms},    {"2s", 2000ms}, {"1m30s", 90'000ms},     {"1.5s", 1500ms},
        {"1h", 3'600'000ms}, {"0ms", 0ms},   {"1h2m3s", 3'723'000ms}, {"0.5m", 30'000ms},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_EQ(parse_duration(c.text, "--lock-wait"), c.expected);
    }
}

TEST(SupportDuration, RefusesTextThatIsNotADurationAsUsageErrorNamingTheOption) {
    // A bare number is refused on purpose: "--lock-wait 10" could mean seconds or milliseconds.
    for (const char* text : {"10", "", "5x", "s", "-1s", "1.5", "ms10", "1s 2s", "9000h"}) {
        SCOPED_TRACE(text);
        try {
            parse_duration(text, "--lock-wait");
            ADD_FAILURE() << "accepted '" << text << "'";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::usage);
            EXPECT_NE(std::string(e.what()).find("--lock-wait"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("'" + std::string(text) + "'"), std::string::npos) << e.what();
        }
    }
}

TEST(SupportDuration, HugeNumberIsAUsageErrorNotAnotherException) {
    // Main maps only migrate::Error to exit code 2; anything else would surface as a crash-like
    // exit 1 for what is plainly a typo in an option value.
    std::string text(400, '9');
    text += "s";
    try {
        parse_duration(text, "--timeout");
        ADD_FAILURE() << "accepted a 400-digit duration";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::usage);
        EXPECT_NE(std::string(e.what()).find("--timeout"), std::string::npos);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "threw " << typeid(e).name() << " (" << e.what() << ") instead of Error(usage)";
    }
}

TEST(SupportDuration, FormatsShortSpellings) {
    EXPECT_EQ(format_duration(0ms), "0ms");
    EXPECT_EQ(format_duration(500ms), "500ms");
    EXPECT_EQ(format_duration(2000ms), "2s");
    EXPECT_EQ(format_duration(1500ms), "1.5s");
    EXPECT_EQ(format_duration(60'000ms), "1m");
    EXPECT_EQ(format_duration(90'000ms), "1m30s");
    EXPECT_EQ(format_duration(3'600'000ms), "1h");
    EXPECT_EQ(format_duration(3'723'000ms), "1h2m3s");
}

TEST(SupportDuration, FormattedDurationsParseBack) {
    for (Duration d : {1ms, 999ms, 1000ms, 2500ms, 45'000ms, 61'000ms, 7'200'000ms}) {
        SCOPED_TRACE(d.count());
        EXPECT_EQ(parse_duration(format_duration(d), "x"), d);
    }
}

// ---------------------------------------------------------------------------------------------
// Redaction

TEST(SupportRedact, HidesUrlPasswordButKeepsUserAndHost) {
    std::string out = redact_secrets("connecting to postgres://app_user:s3cr3t@db.internal:5432/shop");
    EXPECT_FALSE(contains(out, "s3cr3t")) << out;
    EXPECT_TRUE(contains(out, "app_user")) << out;
    EXPECT_TRUE(contains(out, "db.internal:5432/shop")) << out;
    EXPECT_EQ(out, "connecting to postgres://app_user:***@db.internal:5432/shop");
}

TEST(SupportRedact, HidesPercentEncodedMysqlPassword) {
    std::string out = redact_secrets("mysql://u:p%40ss@h/db");
    EXPECT_FALSE(contains(out, "p%40ss")) << out;
    EXPECT_EQ(out, "mysql://u:***@h/db");
}

TEST(SupportRedact, HidesPasswordHoldingColonAndSlash) {
    std::string out = redact_secrets("postgres://u:pa:ss/wd@h/db");
    EXPECT_EQ(out, "postgres://u:***@h/db");
}

TEST(SupportRedact, HidesAllOfAPasswordHoldingAnUnencodedAt) {
    // Users do type "p@ss" unencoded; none of it may reach a log.
    std::string out = redact_secrets("postgres://u:p@ss@db.internal/shop");
    EXPECT_FALSE(contains(out, "ss@db")) << "part of the password leaked: " << out;
    EXPECT_EQ(out, "postgres://u:***@db.internal/shop");
}

TEST(SupportRedact, HidesKeywordPasswords) {
    EXPECT_EQ(redact_secrets("host=db user=app password=s3cr3t dbname=shop"),
              "host=db user=app password=*** dbname=shop");
    EXPECT_EQ(redact_secrets("host=db PASSWORD = 's3 cr3t' dbname=shop"), "host=db PASSWORD = *** dbname=shop");
    EXPECT_EQ(redact_secrets("postgres://db/shop?sslmode=require&password=s3cr3t&x=1"),
              "postgres://db/shop?sslmode=require&password=***&x=1");
    EXPECT_EQ(redact_secrets("Server=db;Uid=app;Pwd=s3cr3t;"), "Server=db;Uid=app;Pwd=***;");
}

TEST(SupportRedact, HidesQuotedKeywordPasswordWithEscapedQuote) {
    // libpq keyword values escape a quote with a backslash: password='it\'s secret'.
    std::string out = redact_secrets(R"(host=db password='it\'s secret' dbname=shop)");
    EXPECT_FALSE(contains(out, "secret")) << "part of the password leaked: " << out;
    EXPECT_TRUE(contains(out, "dbname=shop")) << out;
}

TEST(SupportRedact, LeavesTextWithoutSecretsUnchanged) {
    for (const char* text : {"postgres://app@db/shop", "sqlite:app.db", "https://example.com:8080/path",
                             "no secrets here; user=app host=db", "", "passwords are not set"}) {
        SCOPED_TRACE(text);
        EXPECT_EQ(redact_secrets(text), text);
    }
}

// ---------------------------------------------------------------------------------------------
// Semantic versions

SemVer version(const char* text) {
    auto parsed = parse_semver(text);
    if (!parsed) {
        ADD_FAILURE() << "rejected '" << text << "'";
        return {};
    }
    return *parsed;
}

TEST(SupportSemver, ParsesPartsPrereleaseAndBuild) {
    SemVer v = version("1.2.3-rc.1+build.5");
    EXPECT_EQ(v.major, 1u);
    EXPECT_EQ(v.minor, 2u);
    EXPECT_EQ(v.patch, 3u);
    EXPECT_EQ(v.prerelease, (std::vector<std::string>{"rc", "1"}));
    EXPECT_EQ(v.build, "build.5");
    EXPECT_EQ(v.to_string(), "1.2.3-rc.1+build.5");
}

TEST(SupportSemver, AcceptsShortFormsAndLeadingV) {
    EXPECT_EQ(version("v2").to_string(), "2.0.0");
    EXPECT_EQ(version("1.4").to_string(), "1.4.0");
    EXPECT_EQ(version("V3.1.4").to_string(), "3.1.4");
}

TEST(SupportSemver, RejectsInvalidVersions) {
    for (const char* text : {"01.2.3", "1.02.3", "1.2.3.4", "abc", "1.2.3-", "1.2.3+", "", "v", "1..3", "1.2.3-01",
                             "1.2.3-a..b", "1.2.3-a_b", " 1.2.3", "1.2.x", "-1.2.3"}) {
        SCOPED_TRACE(text);
        EXPECT_FALSE(parse_semver(text).has_value());
    }
}

TEST(SupportSemver, OrdersNumericPartsNumerically) {
    EXPECT_EQ(compare(version("1.10.0"), version("1.9.0")), std::strong_ordering::greater);
    EXPECT_EQ(compare(version("2.0.0"), version("10.0.0")), std::strong_ordering::less);
    EXPECT_EQ(compare(version("1.2.10"), version("1.2.9")), std::strong_ordering::greater);
}

TEST(SupportSemver, PrereleaseRanksBelowRelease) {
    EXPECT_EQ(compare(version("2.0.0-rc.1"), version("2.0.0")), std::strong_ordering::less);
    EXPECT_EQ(compare(version("2.0.0"), version("2.0.0-rc.1")), std::strong_ordering::greater);
    EXPECT_EQ(compare(version("2.0.0-rc.1"), version("1.9.9")), std::strong_ordering::greater);
}

TEST(SupportSemver, FollowsTheSemverOrgPrecedenceChain) {
    const std::vector<const char*> chain = {"1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                                            "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0"};
    for (std::size_t i = 0; i < chain.size(); ++i) {
        for (std::size_t j = 0; j < chain.size(); ++j) {
            SCOPED_TRACE(std::string(chain[i]) + " vs " + chain[j]);
            EXPECT_EQ(compare(version(chain[i]), version(chain[j])), i <=> j);
        }
    }
}

TEST(SupportSemver, IgnoresBuildMetadataWhenComparing) {
    EXPECT_EQ(compare(version("1.0.0+a"), version("1.0.0+b")), std::strong_ordering::equal);
    EXPECT_EQ(compare(version("1.0.0+zzz"), version("1.0.0")), std::strong_ordering::equal);
    EXPECT_EQ(compare(version("1.0.0-rc.1+x"), version("1.0.0")), std::strong_ordering::less);
}

// ---------------------------------------------------------------------------------------------
// SHA-256

TEST(SupportSha256, MatchesKnownVectors) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(SupportSha256, HandlesEmbeddedNulBytes) {
    std::string with_nul("a\0b", 3);
    EXPECT_NE(sha256_hex(with_nul), sha256_hex("a"));
    EXPECT_EQ(sha256_hex(with_nul).size(), 64u);
}

// ---------------------------------------------------------------------------------------------
// Unified diff

TEST(SupportDiff, EqualTextsGiveNoDiff) {
    EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "before", "after"), "");
    EXPECT_EQ(unified_diff("", "", "before", "after"), "");
}

TEST(SupportDiff, ChangedLineShowsRemovedAndAddedLinesUnderAHunkHeader) {
    std::string diff = unified_diff("a\nold\nc\n", "a\nnew\nc\n", "as applied", "0001_x.toml");
    EXPECT_NE(diff.find("--- as applied\n"), std::string::npos) << diff;
    EXPECT_NE(diff.find("+++ 0001_x.toml\n"), std::string::npos) << diff;
    EXPECT_NE(diff.find("@@ -1,3 +1,3 @@\n"), std::string::npos) << diff;
    EXPECT_NE(diff.find("\n-old\n"), std::string::npos) << diff;
    EXPECT_NE(diff.find("\n+new\n"), std::string::npos) << diff;
    EXPECT_NE(diff.find("\n a\n"), std::string::npos) << diff;
}

TEST(SupportDiff, RemovedLineComesBeforeItsReplacementLikeDiffAndGit) {
    std::string diff = unified_diff("a\nold\nc\n", "a\nnew\nc\n", "before", "after");
    EXPECT_EQ(diff, "--- before\n+++ after\n@@ -1,3 +1,3 @@\n a\n-old\n+new\n c\n");
}

TEST(SupportDiff, DistantChangesGetSeparateHunks) {
    std::string before;
    std::string after;
    for (int i = 1; i <= 20; ++i) {
        before += "line " + std::to_string(i) + "\n";
        after += (i == 2 || i == 18 ? "CHANGED " : "line ") + std::to_string(i) + "\n";
    }
    std::string diff = unified_diff(before, after, "before", "after", 2);
    std::size_t hunks = 0;
    for (std::size_t at = diff.find("@@ -"); at != std::string::npos; at = diff.find("@@ -", at + 1)) {
        ++hunks;
    }
    EXPECT_EQ(hunks, 2u) << diff;
    EXPECT_NE(diff.find("-line 18\n"), std::string::npos) << diff;
    EXPECT_NE(diff.find("+CHANGED 18\n"), std::string::npos) << diff;
    // Unchanged lines far from any change stay out of the diff.
    EXPECT_EQ(diff.find("line 10\n"), std::string::npos) << diff;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// Applies a unified diff the way patch(1) would without fuzz: every hunk header must match its
// body, and every context and removed line must be found where the header says.
std::vector<std::string> apply_diff(const std::vector<std::string>& before, const std::string& diff) {
    std::vector<std::string> diff_lines = lines_of(diff);
    EXPECT_GE(diff_lines.size(), 2u);
    std::vector<std::string> after;
    std::size_t pos = 0;  // next line of `before` to copy
    for (std::size_t i = 2; i < diff_lines.size();) {
        int old_start = 0;
        int old_count = 0;
        int new_start = 0;
        int new_count = 0;
        if (std::sscanf(diff_lines[i].c_str(), "@@ -%d,%d +%d,%d @@", &old_start, &old_count, &new_start, &new_count) !=
            4) {
            ADD_FAILURE() << "not a hunk header: " << diff_lines[i];
            return {};
        }
        EXPECT_GE(static_cast<std::size_t>(old_start - 1), pos) << "hunks overlap or go backwards";
        while (pos < static_cast<std::size_t>(old_start - 1) && pos < before.size()) {
            after.push_back(before[pos++]);
        }
        EXPECT_EQ(static_cast<int>(after.size()) + 1, new_start) << diff_lines[i];
        int seen_old = 0;
        int seen_new = 0;
        for (++i; i < diff_lines.size() && !diff_lines[i].starts_with("@@"); ++i) {
            char op = diff_lines[i].empty() ? '?' : diff_lines[i][0];
            std::string text = diff_lines[i].substr(1);
            if (op == ' ' || op == '-') {
                ++seen_old;
                if (pos >= before.size() || before[pos] != text) {
                    ADD_FAILURE() << "line " << pos + 1 << " does not match: " << diff_lines[i];
                    return {};
                }
                ++pos;
            }
            if (op == ' ' || op == '+') {
                ++seen_new;
                after.push_back(text);
            }
            EXPECT_TRUE(op == ' ' || op == '-' || op == '+') << diff_lines[i];
        }
        EXPECT_EQ(seen_old, old_count);
        EXPECT_EQ(seen_new, new_count);
    }
    while (pos < before.size()) {
        after.push_back(before[pos++]);
    }
    return after;
}

TEST(SupportDiff, ApplyingTheDiffTurnsBeforeIntoAfter) {
    std::mt19937 random(7);
    std::uniform_int_distribution<int> length(1, 14);
    std::uniform_int_distribution<int> word(0, 4);
    auto text = [&]() {
        std::string out;
        for (int n = length(random); n > 0; --n) {
            out += "line " + std::to_string(word(random)) + "\n";
        }
        return out;
    };
    for (int round = 0; round < 400; ++round) {
        std::string before = text();
        std::string after = text();
        int context = 1 + round % 3;
        std::string diff = unified_diff(before, after, "a", "b", context);
        SCOPED_TRACE("before:\n" + before + "after:\n" + after + "diff:\n" + diff);
        if (before == after) {
            EXPECT_EQ(diff, "");
            continue;
        }
        ASSERT_EQ(apply_diff(lines_of(before), diff), lines_of(after));
    }
}

// ---------------------------------------------------------------------------------------------
// SQL lexer

std::vector<std::string> texts(const std::vector<Token>& tokens) {
    std::vector<std::string> out;
    for (const Token& token : tokens) {
        out.emplace_back(token.text);
    }
    return out;
}

std::vector<std::string> statement_texts(std::string_view sql) {
    SplitResult split = split_statements(sql);
    EXPECT_FALSE(split.error.has_value()) << (split.error ? split.error->message : "");
    std::vector<std::string> out;
    for (const Statement& statement : split.statements) {
        out.emplace_back(statement.text);
    }
    return out;
}

TEST(SupportSqlLexer, TokenizesQuotesOfEveryDialect) {
    LexResult lexed = tokenize(R"(SELECT 'it''s', "a""b", `x`, [y z] FROM t)");
    ASSERT_FALSE(lexed.error.has_value());
    EXPECT_EQ(texts(lexed.tokens),
              (std::vector<std::string>{"SELECT", "'it''s'", ",", R"("a""b")", ",", "`x`", ",", "[y z]", "FROM", "t"}));
    EXPECT_EQ(lexed.tokens[1].kind, TokenKind::string);
    EXPECT_EQ(lexed.tokens[3].kind, TokenKind::quoted_identifier);
    EXPECT_EQ(lexed.tokens[3].identifier(), "a\"b");
    EXPECT_EQ(lexed.tokens[5].identifier(), "x");
    EXPECT_EQ(lexed.tokens[7].identifier(), "y z");
    EXPECT_EQ(lexed.tokens[8].kind, TokenKind::word);
    EXPECT_TRUE(lexed.tokens[8].is_word("from"));
}

TEST(SupportSqlLexer, SkipsCommentsAndKeepsPositions) {
    LexResult lexed = tokenize("-- a comment; with a semicolon\n/* block\n ; */  SELECT 1");
    ASSERT_FALSE(lexed.error.has_value());
    ASSERT_EQ(texts(lexed.tokens), (std::vector<std::string>{"SELECT", "1"}));
    EXPECT_EQ(lexed.tokens[0].line, 3);
    EXPECT_EQ(lexed.tokens[0].column, 8);
    EXPECT_EQ(lexed.tokens[1].column, 15);
}

TEST(SupportSqlLexer, SplitsOnTopLevelSemicolonsOnly) {
    EXPECT_EQ(statement_texts("SELECT 'a;b'; SELECT \"c;d\" -- x;y\n; /* ; */ SELECT 3"),
              (std::vector<std::string>{"SELECT 'a;b'", "SELECT \"c;d\"", "SELECT 3"}));
    EXPECT_EQ(statement_texts(" ;; \n"), (std::vector<std::string>{}));
}

TEST(SupportSqlLexer, StatementsKnowWhereTheyStart) {
    SplitResult split = split_statements("SELECT 1;\n\n   UPDATE t SET a = 1;");
    ASSERT_EQ(split.statements.size(), 2u);
    EXPECT_EQ(split.statements[1].line, 3);
    EXPECT_EQ(split.statements[1].column, 4);
    EXPECT_EQ(split.statements[1].text, "UPDATE t SET a = 1");
}

TEST(SupportSqlLexer, DollarQuotedBodiesDoNotSplit) {
    std::string function =
        "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.a := 1; RETURN NEW; END $$ "
        "LANGUAGE plpgsql";
    EXPECT_EQ(statement_texts(function + "; SELECT 1;"), (std::vector<std::string>{function, "SELECT 1"}));

    std::string tagged = "DO $body$ BEGIN PERFORM 1; RAISE NOTICE '$$;'; END $body$";
    EXPECT_EQ(statement_texts(tagged + ";SELECT 2"), (std::vector<std::string>{tagged, "SELECT 2"}));
}

TEST(SupportSqlLexer, PositionalParametersAreNotDollarQuotes) {
    LexResult lexed = tokenize("SELECT $1, $2 FROM t");
    ASSERT_FALSE(lexed.error.has_value());
    EXPECT_EQ(texts(lexed.tokens), (std::vector<std::string>{"SELECT", "$1", ",", "$2", "FROM", "t"}));
}

TEST(SupportSqlLexer, TriggerBodyStaysOneStatement) {
    std::string trigger =
        "CREATE TRIGGER users_sync AFTER UPDATE ON users FOR EACH ROW BEGIN\n"
        "  UPDATE users SET display_name = NEW.username WHERE id = NEW.id;\n"
        "  INSERT INTO audit VALUES (CASE WHEN NEW.a THEN 1 ELSE 0 END);\n"
        "END";
    EXPECT_EQ(statement_texts(trigger + ";\nSELECT 1;"), (std::vector<std::string>{trigger, "SELECT 1"}));
}

TEST(SupportSqlLexer, MysqlTriggerWithIfBlockStaysOneStatement) {
    // END IF closes the IF, not the BEGIN: the body's later statements must stay inside.
    std::string trigger =
        "CREATE TRIGGER users_sync BEFORE INSERT ON users FOR EACH ROW BEGIN\n"
        "  IF NEW.display_name IS NULL THEN\n"
        "    SET NEW.display_name = NEW.username;\n"
        "  END IF;\n"
        "  SET NEW.updated = 1;\n"
        "END";
    EXPECT_EQ(statement_texts(trigger + ";\nSELECT 1;"), (std::vector<std::string>{trigger, "SELECT 1"}));
}

TEST(SupportSqlLexer, BeginTransactionIsItsOwnStatement) {
    // Only CREATE ... BEGIN opens a body; a transaction BEGIN must not swallow what follows.
    EXPECT_EQ(statement_texts("BEGIN; UPDATE t SET a = 1; COMMIT;"),
              (std::vector<std::string>{"BEGIN", "UPDATE t SET a = 1", "COMMIT"}));
}

TEST(SupportSqlLexer, UnterminatedTextIsReportedWhereItStarts) {
    struct Case {
        const char* sql;
        int line;
        int column;
        const char* message;
    };
    const std::vector<Case> cases = {
        {"SELECT 'abc", 1, 8, "string"},
        {"SELECT 1;\n  /* never closed\n", 2, 3, "comment"},
        {"SELECT 1;\nSELECT \"abc", 2, 8, "identifier"},
        {"SELECT `abc", 1, 8, "identifier"},
        {"SELECT [abc", 1, 8, "identifier"},
        {"SELECT 1;\n\nDO $x$ BEGIN END $y$", 3, 4, "$x$"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.sql);
        LexResult lexed = tokenize(c.sql);
        ASSERT_TRUE(lexed.error.has_value());
        EXPECT_EQ(lexed.error->line, c.line);
        EXPECT_EQ(lexed.error->column, c.column);
        EXPECT_NE(lexed.error->message.find(c.message), std::string::npos) << lexed.error->message;
        EXPECT_NE(lexed.error->message.find("unterminated"), std::string::npos) << lexed.error->message;

        SplitResult split = split_statements(c.sql);
        ASSERT_TRUE(split.error.has_value());
        EXPECT_EQ(split.error->line, c.line);
    }
}

TEST(SupportSqlLexer, ErrorsKnowTheirOffset) {
    LexResult lexed = tokenize("SELECT 1;\nSELECT 'abc");
    ASSERT_TRUE(lexed.error.has_value());
    EXPECT_EQ(lexed.error->offset, 17u);
}

TEST(SupportSqlLexer, StatementsKnowWhetherASemicolonClosedThem) {
    SplitResult split = split_statements("SELECT 1; SELECT 2");
    ASSERT_EQ(split.statements.size(), 2u);
    EXPECT_TRUE(split.statements[0].terminated);
    EXPECT_FALSE(split.statements[1].terminated);
}

TEST(SupportSqlLexer, SkipsAByteOrderMarkWithoutTakingAColumn) {
    LexResult lexed = tokenize("\xEF\xBB\xBFSELECT 1");
    ASSERT_FALSE(lexed.error.has_value());
    ASSERT_EQ(texts(lexed.tokens), (std::vector<std::string>{"SELECT", "1"}));
    EXPECT_EQ(lexed.tokens[0].offset, 3u);
    EXPECT_EQ(lexed.tokens[0].column, 1);
}

TEST(SupportSqlLexer, BeginAsAColumnNameOpensNoBlock) {
    EXPECT_EQ(statement_texts("CREATE TABLE p (id INT, begin DATE, end DATE); SELECT 1"),
              (std::vector<std::string>{"CREATE TABLE p (id INT, begin DATE, end DATE)", "SELECT 1"}));
    std::string procedure = "CREATE DEFINER=`u`@`%` PROCEDURE p() BEGIN SELECT 1; SELECT 2; END";
    EXPECT_EQ(statement_texts(procedure + "; SELECT 3"), (std::vector<std::string>{procedure, "SELECT 3"}));
}

TEST(SupportSqlLexer, MysqlFlavourEscapesWithBackslashesAndCommentsWithHash) {
    std::string_view sql = "SELECT 'a\\'b', \"c\\\"d\", `e\\` # comment 'x\nSELECT 1--1, 2 -- comment\nSELECT $$";
    SplitResult split = split_statements(sql, LexFlavor::mysql);
    ASSERT_FALSE(split.error.has_value()) << split.error->message;
    ASSERT_EQ(split.statements.size(), 1u);
    EXPECT_EQ(texts(split.statements[0].tokens),
              (std::vector<std::string>{"SELECT", "'a\\'b'", ",", "\"c\\\"d\"", ",", "`e\\`", "SELECT", "1", "-", "-",
                                        "1", ",", "2", "SELECT", "$", "$"}));
    // Standard SQL reads the same text differently: 'a\' is a whole string there.
    EXPECT_EQ(tokenize("SELECT 'a\\' # x").tokens.size(), 4u);
    EXPECT_TRUE(tokenize("SELECT 'a\\'b'").error.has_value());
}

TEST(SupportSqlLexer, HexadecimalNumbersAreOneToken) {
    LexResult lexed = tokenize("SELECT 0x1F, 0XaB, 0xg");
    ASSERT_FALSE(lexed.error.has_value());
    EXPECT_EQ(texts(lexed.tokens), (std::vector<std::string>{"SELECT", "0x1F", ",", "0XaB", ",", "0", "xg"}));
    EXPECT_EQ(lexed.tokens[1].kind, TokenKind::number);
}

TEST(SupportSqlLexer, KeepsTokensBeforeAnError) {
    LexResult lexed = tokenize("SELECT 1, 'oops");
    ASSERT_TRUE(lexed.error.has_value());
    EXPECT_EQ(texts(lexed.tokens), (std::vector<std::string>{"SELECT", "1", ","}));
}

// Checks what every caller relies on: tokens are slices of the input at the offset, line and
// column they claim, and errors point inside the input.
void expect_consistent(std::string_view sql) {
    LexResult lexed = tokenize(sql);
    for (const Token& token : lexed.tokens) {
        ASSERT_LE(token.offset + token.text.size(), sql.size());
        ASSERT_EQ(sql.substr(token.offset, token.text.size()), token.text);
        ASSERT_FALSE(token.text.empty());
        int line = 1;
        int column = 1;
        for (std::size_t i = 0; i < token.offset; ++i) {
            if (sql[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        ASSERT_EQ(token.line, line);
        ASSERT_EQ(token.column, column);
    }
    if (lexed.error) {
        ASSERT_GE(lexed.error->line, 1);
        ASSERT_GE(lexed.error->column, 1);
    }
    SplitResult split = split_statements(sql);
    for (const Statement& statement : split.statements) {
        ASSERT_FALSE(statement.tokens.empty());
        ASSERT_EQ(statement.text.data(), statement.tokens.front().text.data());
    }
}

TEST(SupportSqlLexer, NeverCrashesOnTruncatedOrRandomInput) {
    const std::string script =
        "CREATE TRIGGER t AFTER INSERT ON x BEGIN UPDATE y SET a = 'it''s'; END;\n"
        "/* c */ SELECT E'\\'', \"q\"\"q\", `b`, [s], $1, $$ ; $$, $t$x$t$, x'0A', 1.5e-3 -- end\n";
    for (std::size_t n = 0; n <= script.size(); ++n) {
        SCOPED_TRACE(n);
        ASSERT_NO_FATAL_FAILURE(expect_consistent(std::string_view(script).substr(0, n)));
        ASSERT_NO_FATAL_FAILURE(expect_consistent(std::string_view(script).substr(n)));
    }
    const std::string alphabet = "'\"`[]$-/*;\n\\eEN1. aB(";
    std::mt19937 random(12345);
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::uniform_int_distribution<int> length(0, 40);
    for (int i = 0; i < 3000; ++i) {
        std::string sql;
        for (int k = length(random); k > 0; --k) {
            sql += alphabet[pick(random)];
        }
        SCOPED_TRACE(sql);
        ASSERT_NO_FATAL_FAILURE(expect_consistent(sql));
    }
}

}  // namespace
}  // namespace migrate

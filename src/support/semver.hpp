// Semantic versions (semver.org 2.0.0) for the versions an app fleet reports and a contract
// phase requires: "2.0.0-rc.1 < 2.0.0" and "1.10.0 > 1.9.0" must come out right.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrate {

struct SemVer {
    std::uint64_t major = 0;
    std::uint64_t minor = 0;
    std::uint64_t patch = 0;
    std::vector<std::string> prerelease;  // dot-separated identifiers after '-'
    std::string build;                    // after '+', ignored when comparing

    std::string to_string() const;
};

// Accepts "1", "1.2" and "1.2.3" (missing parts are 0), an optional leading 'v', a pre-release
// and build metadata. Returns nullopt when `text` is not a version.
std::optional<SemVer> parse_semver(std::string_view text);

// Precedence as semver.org defines it; build metadata does not count.
std::strong_ordering compare(const SemVer& a, const SemVer& b);

}  // namespace migrate

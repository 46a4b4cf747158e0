#include "support/semver.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <tuple>

#include <fmt/format.h>

namespace migrate {

namespace {

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

bool valid_identifier(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(),
                                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
}

std::optional<std::uint64_t> parse_number(std::string_view s) {
    if (!all_digits(s) || (s.size() > 1 && s[0] == '0')) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || ptr != s.data() + s.size()) {
        return std::nullopt;
    }
    return value;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        std::size_t end = s.find(sep, start);
        parts.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) {
            return parts;
        }
        start = end + 1;
    }
}

}  // namespace

std::string SemVer::to_string() const {
    std::string out = fmt::format("{}.{}.{}", major, minor, patch);
    if (!prerelease.empty()) {
        out += '-';
        for (std::size_t i = 0; i < prerelease.size(); ++i) {
            out += (i ? "." : "") + prerelease[i];
        }
    }
    if (!build.empty()) {
        out += '+' + build;
    }
    return out;
}

std::optional<SemVer> parse_semver(std::string_view text) {
    if (!text.empty() && (text[0] == 'v' || text[0] == 'V')) {
        text.remove_prefix(1);
    }
    SemVer version;
    if (auto plus = text.find('+'); plus != std::string_view::npos) {
        std::string_view build = text.substr(plus + 1);
        for (std::string_view id : split(build, '.')) {
            if (!valid_identifier(id)) {
                return std::nullopt;
            }
        }
        version.build = std::string(build);
        text = text.substr(0, plus);
    }
    if (auto dash = text.find('-'); dash != std::string_view::npos) {
        for (std::string_view id : split(text.substr(dash + 1), '.')) {
            if (!valid_identifier(id) || (all_digits(id) && id.size() > 1 && id[0] == '0')) {
                return std::nullopt;
            }
            version.prerelease.emplace_back(id);
        }
        text = text.substr(0, dash);
    }
    std::vector<std::string_view> core = split(text, '.');
    if (core.empty() || core.size() > 3) {
        return std::nullopt;
    }
    std::uint64_t* fields[] = {&version.major, &version.minor, &version.patch};
    for (std::size_t i = 0; i < core.size(); ++i) {
        auto number = parse_number(core[i]);
        if (!number) {
            return std::nullopt;
        }
        *fields[i] = *number;
    }
    return version;
}

std::strong_ordering compare(const SemVer& a, const SemVer& b) {
    if (auto c = std::tie(a.major, a.minor, a.patch) <=> std::tie(b.major, b.minor, b.patch); c != 0) {
        return c;
    }
    // A version without a pre-release ranks above any pre-release of it.
    if (a.prerelease.empty() || b.prerelease.empty()) {
        return a.prerelease.empty() <=> b.prerelease.empty();
    }
    std::size_t n = std::min(a.prerelease.size(), b.prerelease.size());
    for (std::size_t i = 0; i < n; ++i) {
        const std::string& x = a.prerelease[i];
        const std::string& y = b.prerelease[i];
        bool x_num = all_digits(x);
        bool y_num = all_digits(y);
        if (x_num && y_num) {
            if (auto c = (x.size() <=> y.size()); c != 0) {
                return c;
            }
            if (auto c = x.compare(y) <=> 0; c != 0) {
                return c;
            }
        } else if (x_num != y_num) {
            // Numeric identifiers rank below alphanumeric ones.
            return x_num ? std::strong_ordering::less : std::strong_ordering::greater;
        } else if (auto c = x.compare(y) <=> 0; c != 0) {
            return c;
        }
    }
    return a.prerelease.size() <=> b.prerelease.size();
}

}  // namespace migrate

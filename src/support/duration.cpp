#include "support/duration.hpp"

#include <cctype>
#include <cstdint>

#include <fmt/format.h>

#include "support/error.hpp"

namespace migrate {

namespace {

std::int64_t unit_milliseconds(std::string_view unit) {
    if (unit == "ms") {
        return 1;
    }
    if (unit == "s") {
        return 1000;
    }
    if (unit == "m") {
        return 60'000;
    }
    if (unit == "h") {
        return 3'600'000;
    }
    return 0;
}

Error bad_duration(std::string_view text, std::string_view what, std::string_view why) {
    return Error(ErrorKind::usage, fmt::format("{}: invalid duration '{}': {}", what, text, why), {},
                 "write a number with a unit, e.g. 500ms, 2s, 1m30s or 1h");
}

}  // namespace

Duration parse_duration(std::string_view text, std::string_view what) {
    if (text.empty()) {
        throw bad_duration(text, what, "it is empty");
    }
    double total = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t start = pos;
        bool seen_dot = false;
        while (pos < text.size() &&
               (std::isdigit(static_cast<unsigned char>(text[pos])) || (text[pos] == '.' && !seen_dot))) {
            seen_dot = seen_dot || text[pos] == '.';
            ++pos;
        }
        std::string_view number = text.substr(start, pos - start);
        if (number.empty() || number == ".") {
            throw bad_duration(text, what, "expected a number");
        }
        std::size_t unit_start = pos;
        while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) {
            ++pos;
        }
        std::string_view unit = text.substr(unit_start, pos - unit_start);
        if (unit.empty()) {
            throw bad_duration(text, what, fmt::format("'{}' has no unit", number));
        }
        std::int64_t factor = unit_milliseconds(unit);
        if (factor == 0) {
            throw bad_duration(text, what, fmt::format("unknown unit '{}' (use ms, s, m or h)", unit));
        }
        if (number.size() > 15) {
            throw bad_duration(text, what, "the number is too long");
        }
        total += std::stod(std::string(number)) * static_cast<double>(factor);
    }
    if (total > 365.0 * 24 * 3'600'000) {
        throw bad_duration(text, what, "longer than a year");
    }
    return Duration(static_cast<std::int64_t>(total + 0.5));
}

std::string format_duration(Duration duration) {
    std::int64_t ms = duration.count();
    if (ms < 1000) {
        return fmt::format("{}ms", ms);
    }
    if (ms < 60'000) {
        std::string seconds = fmt::format("{}.{:03}", ms / 1000, ms % 1000);
        while (seconds.back() == '0') {
            seconds.pop_back();
        }
        if (seconds.back() == '.') {
            seconds.pop_back();
        }
        return seconds + "s";
    }
    std::string out;
    if (ms >= 3'600'000) {
        out += fmt::format("{}h", ms / 3'600'000);
        ms %= 3'600'000;
    }
    if (ms >= 60'000) {
        out += fmt::format("{}m", ms / 60'000);
        ms %= 60'000;
    }
    if (ms >= 1000) {
        out += fmt::format("{}s", ms / 1000);
    }
    return out;
}

}  // namespace migrate

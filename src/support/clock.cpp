#include "support/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

namespace migrate {

namespace {

std::string format_utc(std::time_t seconds, long long ms) {
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                       utc.tm_hour, utc.tm_min, utc.tm_sec, ms);
}

}  // namespace

std::string utc_timestamp() {
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    return format_utc(std::chrono::system_clock::to_time_t(now), ms);
}

std::string utc_timestamp_of_epoch(std::int64_t seconds) {
    return format_utc(static_cast<std::time_t>(seconds), 0);
}

std::optional<std::chrono::system_clock::time_point> parse_utc_timestamp(const std::string& text) {
    std::tm utc{};
    int ms = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &utc.tm_year, &utc.tm_mon, &utc.tm_mday, &utc.tm_hour,
                    &utc.tm_min, &utc.tm_sec, &ms) != 7) {
        return std::nullopt;
    }
    utc.tm_year -= 1900;
    utc.tm_mon -= 1;
    return std::chrono::system_clock::from_time_t(timegm(&utc)) + std::chrono::milliseconds(ms);
}

}  // namespace migrate

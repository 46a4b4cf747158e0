// Wall-clock timestamps for the state store, as ISO 8601 UTC text: every dialect stores and
// orders them the same way, whatever its time zone settings.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace migrate {

// "2026-11-26T02:49:08.123Z"
std::string utc_timestamp();
// The same for a time given as seconds since the Unix epoch, as the fleet's heartbeats are kept.
std::string utc_timestamp_of_epoch(std::int64_t seconds);

// The time utc_timestamp() wrote; nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_utc_timestamp(const std::string& text);

}  // namespace migrate

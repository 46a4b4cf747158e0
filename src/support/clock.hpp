// Wall-clock timestamps for the state store, as ISO 8601 UTC text: every dialect stores and
// orders them the same way, whatever its time zone settings.
#pragma once

#include <string>

namespace migrate {

// "2026-11-26T02:49:08.123Z"
std::string utc_timestamp();

}  // namespace migrate

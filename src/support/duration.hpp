// Durations as users write them: a number with a unit ("500ms", "2s", "1m30s", "1h").
// A bare number is refused everywhere, because "--lock-wait 10" is ambiguous.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace migrate {

using Duration = std::chrono::milliseconds;

// Throws Error(usage) naming `what` (the option or key) when `text` is not a duration.
Duration parse_duration(std::string_view text, std::string_view what);

// A short spelling for messages: 1500ms -> "1.5s", 90000ms -> "1m30s" (whole seconds above a minute).
std::string format_duration(Duration duration);

}  // namespace migrate

// A unified line diff, so that "this applied migration was edited" can show what was edited.
#pragma once

#include <string>
#include <string_view>

namespace migrate {

// Unified diff of `before` against `after` with `context` lines around each change; empty when
// they are equal. Inputs longer than a few thousand lines get a one-line summary instead.
std::string unified_diff(std::string_view before, std::string_view after, std::string_view before_label,
                         std::string_view after_label, int context = 2);

}  // namespace migrate

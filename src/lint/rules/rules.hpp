// The factories of the rules under src/lint/rules/, one per file; rule_registry.cpp lists them.
#pragma once

#include <memory>

#include "lint/rule.hpp"

namespace migrate::lint {

std::unique_ptr<Rule> make_missing_down_rule();
std::unique_ptr<Rule> make_renaming_column_rule();

}  // namespace migrate::lint

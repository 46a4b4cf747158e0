// The TOML migration format (DESIGN.md, "The migration file"): [[expand]], [[backfill]] and
// [[contract]] steps, [contract.requires], strict about unknown keys and types.
#pragma once

#include <string>

#include "model/migration.hpp"

namespace migrate {

// Fills description, steps and requirement of `migration` from TOML `content`.
// Throws Error(input) with "file:line:col".
void parse_toml_migration(const std::string& file, const std::string& content, Migration& migration,
                          DownPolicy downs = DownPolicy::required);

}  // namespace migrate

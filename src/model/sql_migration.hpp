// The plain-SQL migration format: one file split into phases by "-- migrate:" marker comments,
// for projects that prefer writing SQL files. The README documents the markers.
#pragma once

#include <string>

#include "model/migration.hpp"

namespace migrate {

// Fills description, steps and requirement of `migration` from SQL `content`.
// Throws Error(input) with "file:line:col".
void parse_sql_migration(const std::string& file, const std::string& content, Migration& migration,
                         DownPolicy downs = DownPolicy::required);

}  // namespace migrate

// Who runs migrate and where: recorded with every event in the state store's log.
#pragma once

#include <string>

namespace migrate {

// $MIGRATE_USER, else the login name of the effective user, else "unknown".
std::string current_user();
// The host name, else "unknown".
std::string current_host();

}  // namespace migrate

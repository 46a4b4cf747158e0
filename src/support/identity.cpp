#include "support/identity.hpp"

#include <array>
#include <cstdlib>

#include <pwd.h>
#include <unistd.h>

namespace migrate {

std::string current_user() {
    // Pipelines run as a service account; MIGRATE_USER lets them record the human or job instead.
    if (const char* user = std::getenv("MIGRATE_USER"); user != nullptr && *user != '\0') {
        return user;
    }
    if (const passwd* pw = getpwuid(geteuid()); pw != nullptr && pw->pw_name != nullptr) {
        return pw->pw_name;
    }
    if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') {
        return user;
    }
    return "unknown";
}

std::string current_host() {
    std::array<char, 256> name{};
    if (gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') {
        return "unknown";
    }
    return name.data();
}

}  // namespace migrate

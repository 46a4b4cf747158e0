// SHA-256 of migration files, through OpenSSL: the checksum that detects an applied migration
// whose file was edited afterwards.
#pragma once

#include <string>
#include <string_view>

namespace migrate {

// Lower-case hex digest of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace migrate

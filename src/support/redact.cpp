#include "support/redact.hpp"

#include <regex>

namespace migrate {

std::string redact_secrets(std::string_view text) {
    // The password of a URL runs to the last '@' before the host: users do type unencoded '@',
    // ':' and '/' in passwords. Hiding too much is the safe way to be wrong.
    static const std::regex url_password(R"(([A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*):\S*@)");
    // A keyword value ends at whitespace, '&', ';' or a quote; a quoted one may hold escaped quotes.
    static const std::regex keyword_password(
        R"(((?:^|[\s?&;'"])(?:password|passwd|pwd|sslpassword)\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&;'"]*))",
        std::regex::icase);
    std::string out = std::regex_replace(std::string(text), url_password, "$1:***@");
    out = std::regex_replace(out, keyword_password, "$1***");
    return out;
}

}  // namespace migrate

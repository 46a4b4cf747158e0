#include "support/redact.hpp"

#include <regex>

namespace migrate {

std::string redact_secrets(std::string_view text) {
    // userinfo in a URL: the password runs to the last '@' before the host, so passwords that
    // contain ':' or '/' (unencoded, as users do type them) are still covered.
    static const std::regex url_password(R"(([A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*):[^@\s]*@)");
    static const std::regex keyword_password(
        R"(((?:^|[\s?&;])(?:password|passwd|pwd|sslpassword)\s*=\s*)('[^']*'|[^\s&;]*))",
        std::regex::icase);
    std::string out = std::regex_replace(std::string(text), url_password, "$1:***@");
    out = std::regex_replace(out, keyword_password, "$1***");
    return out;
}

}  // namespace migrate

#include <fmt/format.h>

#include "dialects/dialect.hpp"
#include "support/error.hpp"
#include "support/redact.hpp"

namespace migrate {

std::string DatabaseUrl::redacted() const {
    // A URL mistyped without "//" still hides whatever stands before its last '@'.
    std::size_t colon = text.find(':');
    std::size_t at = text.rfind('@');
    if (text.find("://") == std::string::npos && colon != std::string::npos && at != std::string::npos && at > colon) {
        return redact_secrets(text.substr(0, colon + 1) + "***" + text.substr(at));
    }
    return redact_secrets(text);
}

DatabaseUrl parse_database_url(std::string_view text) {
    std::size_t colon = text.find(':');
    bool valid = colon != std::string_view::npos && colon > 0;
    for (std::size_t i = 0; valid && i < colon; ++i) {
        char c = text[i];
        valid = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
    }
    if (!valid) {
        throw Error(ErrorKind::usage, fmt::format("database URL '{}' has no scheme", redact_secrets(text)), {},
                    "write it as sqlite:PATH (e.g. sqlite:app.db)");
    }
    DatabaseUrl url;
    url.text = std::string(text);
    url.scheme = std::string(text.substr(0, colon));
    for (char& c : url.scheme) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return url;
}

}  // namespace migrate

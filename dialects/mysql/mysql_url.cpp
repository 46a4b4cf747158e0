#include "dialects/mysql/mysql_url.hpp"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "support/error.hpp"

namespace migrate {

namespace {

Error bad_url(const DatabaseUrl& url, const std::string& why) {
    return Error(ErrorKind::usage, fmt::format("database URL '{}': {}", url.redacted(), why), {},
                 "write mysql://user:password@host:port/database (or ?socket=/path/to/mysqld.sock)");
}

std::string percent_decode(const DatabaseUrl& url, std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        int value = 0;
        if (i + 2 >= text.size() ||
            std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr != text.data() + i + 3) {
            throw bad_url(url, "a '%' is not followed by two hex digits");
        }
        out += static_cast<char>(value);
        i += 2;
    }
    return out;
}

}  // namespace

MysqlTarget parse_mysql_url(const DatabaseUrl& url) {
    std::string_view rest = std::string_view(url.text).substr(url.scheme.size() + 1);
    if (!rest.starts_with("//")) {
        throw bad_url(url, "expected '//' after the scheme");
    }
    rest.remove_prefix(2);
    MysqlTarget target;
    std::string_view query;
    if (auto question = rest.find('?'); question != std::string_view::npos) {
        query = rest.substr(question + 1);
        rest = rest.substr(0, question);
    }
    std::string_view path;
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        path = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
    }
    // The password may hold '@' (typed unencoded): the host starts after the last one.
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view userinfo = rest.substr(0, at);
        rest = rest.substr(at + 1);
        auto colon = userinfo.find(':');
        target.user = percent_decode(url, userinfo.substr(0, colon));
        if (colon != std::string_view::npos) {
            target.password = percent_decode(url, userinfo.substr(colon + 1));
        }
    }
    if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        std::string_view port = rest.substr(colon + 1);
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), target.port);
        if (ec != std::errc() || end != port.data() + port.size() || target.port <= 0 || target.port > 65535) {
            throw bad_url(url, fmt::format("'{}' is not a port number", port));
        }
        rest = rest.substr(0, colon);
    }
    if (!rest.empty()) {
        target.host = percent_decode(url, rest);
    }
    target.database = percent_decode(url, path);
    if (target.database.empty()) {
        throw bad_url(url, "it names no database");
    }
    while (!query.empty()) {
        std::string_view pair = query.substr(0, query.find('&'));
        query = pair.size() < query.size() ? query.substr(pair.size() + 1) : std::string_view();
        auto eq = pair.find('=');
        std::string_view key = pair.substr(0, eq);
        std::string value = eq == std::string_view::npos ? "" : percent_decode(url, pair.substr(eq + 1));
        if (key == "socket" && !value.empty()) {
            target.socket = value;
        } else {
            throw bad_url(url, fmt::format("unknown parameter '{}' (supported: socket)", key));
        }
    }
    return target;
}

}  // namespace migrate

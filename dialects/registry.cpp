// The compiled-in back-ends by URL scheme. A new dialect adds its schemes here and nowhere else
// outside its own folder.
#include <fmt/format.h>

#include "dialects/dialect.hpp"
#include "dialects/sqlite/sqlite_dialect.hpp"
#include "support/error.hpp"

namespace migrate {

namespace {

struct Registration {
    std::string_view scheme;
    std::unique_ptr<Dialect> (*make)(const DialectOptions&);
};

constexpr Registration registrations[] = {
    {"sqlite", [](const DialectOptions&) -> std::unique_ptr<Dialect> { return std::make_unique<SqliteDialect>(); }},
};

}  // namespace

std::unique_ptr<Dialect> make_dialect(const DatabaseUrl& url, const DialectOptions& options) {
    std::string supported;
    for (const Registration& registration : registrations) {
        if (registration.scheme == url.scheme) {
            return registration.make(options);
        }
        supported += fmt::format("{}{}:", supported.empty() ? "" : ", ", registration.scheme);
    }
    throw Error(ErrorKind::usage,
                fmt::format("unsupported database URL scheme '{}:' in '{}'", url.scheme, url.redacted()), {},
                fmt::format("this build of migrate supports {}", supported));
}

std::string placeholders(const Dialect& dialect, std::size_t count, std::size_t first) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) {
        out += (i ? ", " : "") + dialect.placeholder(first + i);
    }
    return out;
}

}  // namespace migrate

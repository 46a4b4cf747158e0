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
    const Dialect& (*get)();
};

const Dialect& sqlite() {
    static const SqliteDialect dialect;
    return dialect;
}

constexpr Registration registrations[] = {
    {"sqlite", &sqlite},
};

}  // namespace

const Dialect& dialect_for(const DatabaseUrl& url) {
    std::string supported;
    for (const Registration& registration : registrations) {
        if (registration.scheme == url.scheme) {
            return registration.get();
        }
        supported += fmt::format("{}{}:", supported.empty() ? "" : ", ", registration.scheme);
    }
    throw Error(ErrorKind::usage,
                fmt::format("unsupported database URL scheme '{}:' in '{}'", url.scheme, url.redacted()), {},
                fmt::format("this build of migrate supports {}", supported));
}

}  // namespace migrate

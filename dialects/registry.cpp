// The compiled-in back-ends by URL scheme. A new dialect adds its schemes here and nowhere else
// outside its own folder.
#include <fmt/format.h>

#include "dialects/dialect.hpp"
#include "dialects/sqlite/sqlite_dialect.hpp"
#ifdef MIGRATE_WITH_POSTGRES
#include "dialects/postgres/postgres_dialect.hpp"
#endif
#ifdef MIGRATE_WITH_MYSQL
#include "dialects/mysql/mysql_dialect.hpp"
#endif
#include "support/error.hpp"

namespace migrate {

namespace {

struct Registration {
    std::string_view scheme;
    std::unique_ptr<Dialect> (*make)(const DialectOptions&);
};

std::unique_ptr<Dialect> make_sqlite(const DialectOptions&) {
    return std::make_unique<SqliteDialect>();
}
#ifdef MIGRATE_WITH_POSTGRES
std::unique_ptr<Dialect> make_postgres(const DialectOptions& options) {
    return std::make_unique<PostgresDialect>(options);
}
#endif
#ifdef MIGRATE_WITH_MYSQL
std::unique_ptr<Dialect> make_mysql(const DialectOptions& options) {
    return std::make_unique<MysqlDialect>(options);
}
#endif

constexpr Registration registrations[] = {
    {"sqlite", &make_sqlite},
#ifdef MIGRATE_WITH_POSTGRES
    {"postgres", &make_postgres}, {"postgresql", &make_postgres},
#endif
#ifdef MIGRATE_WITH_MYSQL
    {"mysql", &make_mysql},       {"mariadb", &make_mysql},
#endif
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

}  // namespace migrate

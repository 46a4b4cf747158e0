#include "dialects/dialect.hpp"

#include <chrono>
#include <thread>

#include <fmt/format.h>

namespace migrate {

std::string placeholders(const Dialect& dialect, std::size_t count, std::size_t first) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) {
        out += (i ? ", " : "") + dialect.placeholder(first + i);
    }
    return out;
}

namespace {

std::string joined(const std::vector<std::string>& items, const std::string& format) {
    std::string out;
    for (const std::string& item : items) {
        out += (out.empty() ? "" : ", ") + fmt::format(fmt::runtime(format), item);
    }
    return out;
}

}  // namespace

std::pair<std::string, std::string> split_table_name(std::string_view table, LexFlavor flavor) {
    LexResult lexed = tokenize(table, flavor);
    std::vector<std::string> parts;
    for (const Token& token : lexed.tokens) {
        if (token.kind == TokenKind::word || token.kind == TokenKind::quoted_identifier) {
            parts.push_back(token.identifier());
        }
    }
    if (lexed.error || parts.empty() || parts.size() > 2) {
        throw Error(ErrorKind::input, fmt::format("backfill table '{}' is not a table name", table));
    }
    return parts.size() == 2 ? std::make_pair(parts[0], parts[1]) : std::make_pair(std::string(), parts[0]);
}

std::string Dialect::upsert_sql(std::string_view table, const std::vector<std::string>& columns,
                                const std::vector<std::string>& values, const std::vector<std::string>& key_columns,
                                const std::vector<std::string>& update_columns) const {
    return fmt::format("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}", table,
                       joined(columns, "{}"), joined(values, "{}"), joined(key_columns, "{}"),
                       joined(update_columns, "{0} = excluded.{0}"));
}

std::string Dialect::key_compare(const std::vector<std::string>& columns, std::string_view op, const Row& key,
                                 std::vector<Value>& params) const {
    std::string values = placeholders(*this, key.size(), params.size() + 1);
    params.insert(params.end(), key.begin(), key.end());
    if (columns.size() == 1) {
        return fmt::format("{} {} {}", columns[0], op, values);
    }
    std::string list;
    for (const std::string& column : columns) {
        list += (list.empty() ? "" : ", ") + column;
    }
    return fmt::format("({}) {} ({})", list, op, values);
}

std::optional<Duration> Dialect::replica_lag(Connection&) const {
    throw Error(ErrorKind::usage,
                fmt::format("{} has no replicas to watch; --replica is for PostgreSQL and MySQL", name()));
}

std::optional<std::int64_t> Dialect::server_load(Connection&) const {
    return std::nullopt;
}

std::optional<std::int64_t> Dialect::table_size(Connection&, std::string_view) const {
    return std::nullopt;
}

std::optional<std::int64_t> Dialect::estimated_rows(Connection&, std::string_view) const {
    return std::nullopt;
}

std::optional<std::int64_t> Dialect::table_pages(Connection&, std::string_view) const {
    return std::nullopt;
}

std::string Dialect::page_range(std::int64_t, std::optional<std::int64_t>) const {
    throw Error(ErrorKind::internal, fmt::format("{} cannot select rows by storage page", name()));
}

void Dialect::vacuum_table(Connection&, std::string_view) const {
    throw Error(ErrorKind::usage,
                fmt::format("{} has no VACUUM for a backfill to run; --vacuum-every is for PostgreSQL", name()));
}

bool poll_runner_lock(Duration wait, const std::function<bool()>& try_take) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (!try_take()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
}

Error runner_lock_busy(const DatabaseUrl& url, const std::string& holder, Duration wait) {
    return Error(ErrorKind::lock_timeout,
                 fmt::format("another migrate is running on {} ({}); gave up after waiting {}", url.redacted(),
                             holder.empty() ? "holder unknown" : holder, format_duration(wait)),
                 {}, "wait for it to finish, or raise --lock-wait");
}

}  // namespace migrate

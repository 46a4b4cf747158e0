#include <charconv>

#include <fmt/format.h>

#include "dialects/dialect.hpp"
#include "support/error.hpp"

namespace migrate {

bool is_null(const Value& value) {
    return std::holds_alternative<std::nullptr_t>(value);
}

std::string value_to_string(const Value& value) {
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
                return {};
            } else if constexpr (std::is_same_v<T, std::string>) {
                return v;
            } else {
                return fmt::format("{}", v);
            }
        },
        value);
}

std::int64_t value_to_int(const Value& value) {
    if (const auto* i = std::get_if<std::int64_t>(&value)) {
        return *i;
    }
    if (const auto* d = std::get_if<double>(&value)) {
        return static_cast<std::int64_t>(*d);
    }
    if (const auto* s = std::get_if<std::string>(&value)) {
        std::int64_t out = 0;
        auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
        if (ec != std::errc() || ptr != s->data() + s->size()) {
            throw Error(ErrorKind::internal, fmt::format("expected an integer from the database, got '{}'", *s));
        }
        return out;
    }
    return 0;
}

}  // namespace migrate

#include "dialects/dialect.hpp"

#include <fmt/format.h>

namespace migrate {

std::string placeholders(const Dialect& dialect, std::size_t count, std::size_t first) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) {
        out += (i ? ", " : "") + dialect.placeholder(first + i);
    }
    return out;
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

}  // namespace migrate

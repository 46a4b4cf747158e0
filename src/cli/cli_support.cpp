#include "cli/cli_support.hpp"

#include <charconv>
#include <iostream>

#include <fmt/format.h>

#include "support/error.hpp"

namespace migrate {

std::optional<std::uint64_t> parse_migration_id(const std::string& text, const char* option) {
    if (text.empty()) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
        throw Error(ErrorKind::usage,
                    fmt::format("{}: '{}' is not a migration id (the number a file name starts with)", option, text));
    }
    return value;
}

Phase parse_phase_option(const std::string& text, const char* option, bool allow_all) {
    if (allow_all && text == "all") {
        return Phase::contract;
    }
    if (auto phase = parse_phase(text)) {
        return *phase;
    }
    throw Error(ErrorKind::usage, fmt::format("{}: '{}' is not one of expand, backfill, contract{}", option, text,
                                              allow_all ? ", all" : ""));
}

void print_json(const nlohmann::json& document) {
    std::cout << document.dump(2) << std::endl;
}

}  // namespace migrate

// Small helpers the subcommands share: option parsing that names the option in its error, and
// printing JSON documents.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "model/phase.hpp"

namespace migrate {

// "--to 0004" -> 4; empty -> nullopt. Throws Error(usage) naming `option`.
std::optional<std::uint64_t> parse_migration_id(const std::string& text, const char* option);

// "expand" | "backfill" | "contract" | "all" (all = contract). Throws Error(usage).
Phase parse_phase_option(const std::string& text, const char* option, bool allow_all);

void print_json(const nlohmann::json& document);

}  // namespace migrate

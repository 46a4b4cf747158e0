// Reading, writing and applying baseline files.
#include "lint/baseline.hpp"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>
#include <tuple>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/error.hpp"

namespace migrate::lint {

namespace {

constexpr int baseline_version = 1;

Error baseline_error(const std::filesystem::path& path, const std::string& message) {
    return input_error(path.string(), 0, 0, message);
}

// nlohmann reports how many bytes it had read when it stopped; editors want a line and column.
std::pair<int, int> line_and_column(std::string_view text, std::size_t bytes_read) {
    const std::string_view before = text.substr(0, bytes_read > 0 ? std::min(bytes_read - 1, text.size()) : 0);
    const auto line = 1 + std::count(before.begin(), before.end(), '\n');
    const std::size_t last_newline = before.rfind('\n');
    const std::size_t column =
        last_newline == std::string_view::npos ? before.size() + 1 : before.size() - last_newline;
    return {static_cast<int>(line), static_cast<int>(column)};
}

// "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..." -> the part
// after the position, which input_error states in the project's own form.
std::string parse_error_detail(const nlohmann::json::parse_error& error) {
    const std::string what = error.what();
    const std::size_t colon = what.find(": ");
    return colon == std::string::npos ? what : what.substr(colon + 2);
}

std::string read_text(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw baseline_error(path, "is a folder, not a baseline file");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw baseline_error(path, fmt::format("cannot read the baseline: {}", std::strerror(errno)));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw baseline_error(path, fmt::format("cannot read the baseline: {}", std::strerror(errno)));
    }
    return text.str();
}

std::string string_field(const std::filesystem::path& path, const nlohmann::json& entry, std::size_t index,
                         const char* key) {
    const auto found = entry.find(key);
    if (found == entry.end() || !found->is_string()) {
        throw baseline_error(path, fmt::format("findings[{}]: \"{}\" must be a string", index, key));
    }
    return found->get<std::string>();
}

}  // namespace

Baseline read_baseline(const std::filesystem::path& path) {
    const std::string text = read_text(path);
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& error) {
        const auto [line, column] = line_and_column(text, error.byte);
        throw input_error(path.string(), line, column, "not valid JSON: " + parse_error_detail(error));
    }
    if (!document.is_object()) {
        throw baseline_error(path, "not a baseline file: expected a JSON object");
    }
    const auto version = document.find("version");
    if (version == document.end() || !version->is_number_integer()) {
        throw baseline_error(path, "not a baseline file: \"version\" is missing or not a number");
    }
    if (*version != baseline_version) {
        throw baseline_error(path, fmt::format("unsupported baseline version {} (this migrate reads version {})",
                                               version->dump(), baseline_version));
    }
    const auto findings = document.find("findings");
    if (findings == document.end() || !findings->is_array()) {
        throw baseline_error(path, "not a baseline file: \"findings\" is missing or not an array");
    }
    Baseline baseline;
    for (std::size_t i = 0; i < findings->size(); ++i) {
        const nlohmann::json& entry = (*findings)[i];
        if (!entry.is_object()) {
            throw baseline_error(path, fmt::format("findings[{}]: expected an object", i));
        }
        baseline.entries.insert({string_field(path, entry, i, "rule"), string_field(path, entry, i, "file"),
                                 string_field(path, entry, i, "fingerprint")});
    }
    return baseline;
}

void write_baseline(const std::filesystem::path& path, const std::vector<Finding>& findings) {
    std::vector<const Finding*> sorted;
    std::transform(findings.begin(), findings.end(), std::back_inserter(sorted), [](const Finding& f) { return &f; });
    // Not by line: a baseline regenerated after an edit that only moved statements stays the same.
    std::sort(sorted.begin(), sorted.end(), [](const Finding* a, const Finding* b) {
        return std::tie(a->file, a->rule, a->fingerprint, a->message) <
               std::tie(b->file, b->rule, b->fingerprint, b->message);
    });
    nlohmann::ordered_json entries = nlohmann::ordered_json::array();
    for (const Finding* finding : sorted) {
        entries.push_back({{"rule", finding->rule},
                           {"file", finding->file},
                           {"fingerprint", finding->fingerprint},
                           {"message", finding->message}});
    }
    const nlohmann::ordered_json document = {{"version", baseline_version}, {"findings", entries}};
    const std::string text = document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";

    // Written beside the target and renamed over it, so an interrupted run leaves the old baseline
    // whole rather than a truncated one that fails every later lint.
    std::filesystem::path temporary = path;
    temporary += ".tmp";
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
        throw baseline_error(path, fmt::format("cannot write the baseline: {}", std::strerror(errno)));
    }
    out << text;
    out.close();
    std::error_code ec;
    if (!out) {
        const std::string reason = std::strerror(errno);
        std::filesystem::remove(temporary, ec);
        throw baseline_error(path, "cannot write the baseline: " + reason);
    }
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        const std::string reason = ec.message();
        std::filesystem::remove(temporary, ec);
        throw baseline_error(path, "cannot write the baseline: " + reason);
    }
}

int apply_baseline(const Baseline& baseline, std::vector<Finding>& findings) {
    std::multiset<BaselineEntry> unused = baseline.entries;
    std::vector<Finding> kept;
    for (Finding& finding : findings) {
        const auto entry = unused.find(BaselineEntry{finding.rule, finding.file, finding.fingerprint});
        if (entry == unused.end()) {
            kept.push_back(std::move(finding));
        } else {
            unused.erase(entry);
        }
    }
    const int removed = static_cast<int>(findings.size() - kept.size());
    findings = std::move(kept);
    return removed;
}

}  // namespace migrate::lint

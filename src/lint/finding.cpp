// Severity names and the order findings are reported in.
#include "lint/finding.hpp"

#include <algorithm>
#include <tuple>

namespace migrate::lint {

std::string_view to_string(Severity severity) {
    switch (severity) {
        case Severity::info:
            return "info";
        case Severity::warning:
            return "warning";
        case Severity::error:
            return "error";
    }
    return "error";
}

std::optional<Severity> parse_severity(std::string_view text) {
    if (text == "info")
        return Severity::info;
    if (text == "warning")
        return Severity::warning;
    if (text == "error")
        return Severity::error;
    return std::nullopt;
}

void sort_findings(std::vector<Finding>& findings) {
    std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
        return std::tie(a.file, a.line, a.column, a.rule) < std::tie(b.file, b.line, b.column, b.rule);
    });
}

}  // namespace migrate::lint

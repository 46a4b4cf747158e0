#include "support/line_diff.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace migrate {

namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

struct Edit {
    char op;  // ' ', '-', '+'
    std::size_t before_line;
    std::size_t after_line;
    std::string_view text;
};

// Longest-common-subsequence edit script; migration files are small, so O(n*m) is fine.
std::vector<Edit> edit_script(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
    std::size_t n = a.size();
    std::size_t m = b.size();
    std::vector<std::vector<std::uint32_t>> lcs(n + 1, std::vector<std::uint32_t>(m + 1, 0));
    for (std::size_t i = n; i-- > 0;) {
        for (std::size_t j = m; j-- > 0;) {
            lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    std::vector<Edit> edits;
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] == b[j]) {
            edits.push_back({' ', i, j, a[i]});
            ++i;
            ++j;
        } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
            // On a tie the removal goes first, as diff and git print a changed line.
            edits.push_back({'-', i, j, a[i]});
            ++i;
        } else {
            edits.push_back({'+', i, j, b[j]});
            ++j;
        }
    }
    return edits;
}

}  // namespace

std::string unified_diff(std::string_view before, std::string_view after, std::string_view before_label,
                         std::string_view after_label, int context) {
    if (before == after) {
        return {};
    }
    std::vector<std::string_view> a = split_lines(before);
    std::vector<std::string_view> b = split_lines(after);
    if (a.size() > 4000 || b.size() > 4000) {
        return fmt::format("--- {}\n+++ {}\n(files differ; too long to diff: {} and {} lines)\n", before_label,
                           after_label, a.size(), b.size());
    }
    std::vector<Edit> edits = edit_script(a, b);
    std::string out = fmt::format("--- {}\n+++ {}\n", before_label, after_label);
    auto ctx = static_cast<std::size_t>(std::max(context, 0));
    std::size_t k = 0;
    std::size_t printed = 0;  // edits before this index are already in a hunk
    while (k < edits.size()) {
        if (edits[k].op == ' ') {
            ++k;
            continue;
        }
        // A hunk runs from `context` lines before this change to `context` lines after the last
        // change that is no more than 2*context unchanged lines away.
        std::size_t start = std::max(k >= ctx ? k - ctx : 0, printed);
        std::size_t end = k;
        std::size_t unchanged = 0;
        for (std::size_t t = k; t < edits.size(); ++t) {
            if (edits[t].op == ' ') {
                if (++unchanged > 2 * ctx) {
                    break;
                }
            } else {
                unchanged = 0;
                end = t;
            }
        }
        std::size_t stop = std::min(edits.size(), end + 1 + ctx);
        std::size_t before_count = 0;
        std::size_t after_count = 0;
        for (std::size_t t = start; t < stop; ++t) {
            before_count += edits[t].op != '+';
            after_count += edits[t].op != '-';
        }
        // An empty side is numbered by the line before it, as diff -u does.
        out += fmt::format("@@ -{},{} +{},{} @@\n", edits[start].before_line + (before_count > 0 ? 1 : 0), before_count,
                           edits[start].after_line + (after_count > 0 ? 1 : 0), after_count);
        for (std::size_t t = start; t < stop; ++t) {
            out += fmt::format("{}{}\n", edits[t].op, edits[t].text);
        }
        k = stop;
        printed = stop;
    }
    return out;
}

}  // namespace migrate

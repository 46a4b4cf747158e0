// Baseline files: the findings a team has accepted, so the lint gate can be adopted on an old
// repository and fail only on findings that are new.
#pragma once

#include <compare>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "lint/finding.hpp"

namespace migrate::lint {

// What identifies an accepted finding. Not the line: the baseline must survive edits that move a
// statement.
struct BaselineEntry {
    std::string rule;
    std::string file;
    std::string fingerprint;

    auto operator<=>(const BaselineEntry&) const = default;
};

struct Baseline {
    // A multiset: a file may hold the same statement twice, and each copy needs its own entry.
    std::multiset<BaselineEntry> entries;
};

// Throws Error(input) naming the file (and the line and column of a JSON syntax error) when it
// cannot be read, is not a baseline, or has a version this migrate does not know.
Baseline read_baseline(const std::filesystem::path& path);

// Writes {"version": 1, "findings": [{"rule", "file", "fingerprint", "message"}]}, sorted so that
// regenerating an unchanged baseline changes no byte. Throws Error(input) if it cannot write.
void write_baseline(const std::filesystem::path& path, const std::vector<Finding>& findings);

// Removes the findings the baseline accepts, keeping the others in order, and returns how many it
// removed. Each entry accepts one finding: a second identical finding is new.
int apply_baseline(const Baseline& baseline, std::vector<Finding>& findings);

}  // namespace migrate::lint

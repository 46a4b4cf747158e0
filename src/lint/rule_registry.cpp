// Every rule by id. A new rule adds its factory here, its class under src/lint/rules/ and its
// documentation in lint-rules/<id>.toml; a test checks the three agree.
#include <algorithm>

#include "lint/rule.hpp"
#include "lint/rules/rules.hpp"

namespace migrate::lint {

const std::vector<std::unique_ptr<Rule>>& all_rules() {
    static const std::vector<std::unique_ptr<Rule>> rules = [] {
        std::vector<std::unique_ptr<Rule>> out;
        out.push_back(make_missing_down_rule());
        out.push_back(make_renaming_column_rule());
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->id() < b->id(); });
        return out;
    }();
    return rules;
}

}  // namespace migrate::lint

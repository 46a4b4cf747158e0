// Every rule by id. A new rule adds its factory here, its class under src/lint/rules/ and its
// documentation in lint-rules/<id>.toml; a test checks the three agree.
#include <algorithm>

#include "lint/rule.hpp"
#include "lint/rules/rules.hpp"

namespace migrate::lint {

const std::vector<std::unique_ptr<Rule>>& all_rules() {
    static const std::vector<std::unique_ptr<Rule>> rules = [] {
        std::vector<std::unique_ptr<Rule>> out;
        out.push_back(make_adding_stored_generated_column_rule());
        out.push_back(make_changing_column_type_rule());
        out.push_back(make_concurrently_in_transaction_rule());
        out.push_back(make_constraint_without_not_valid_rule());
        out.push_back(make_contract_without_gate_rule());
        out.push_back(make_ddl_in_backfill_rule());
        out.push_back(make_destructive_outside_contract_rule());
        out.push_back(make_dropping_database_rule());
        out.push_back(make_missing_down_rule());
        out.push_back(make_mysql_table_copy_rule());
        out.push_back(make_non_concurrent_index_rule());
        out.push_back(make_not_null_column_without_default_rule());
        out.push_back(make_prefer_bigint_ids_rule());
        out.push_back(make_prefer_text_over_varchar_rule());
        out.push_back(make_prefer_timestamptz_rule());
        out.push_back(make_renaming_column_rule());
        out.push_back(make_renaming_table_rule());
        out.push_back(make_serial_primary_key_column_rule());
        out.push_back(make_setting_not_null_rule());
        out.push_back(make_sqlite_add_column_needs_rebuild_rule());
        out.push_back(make_unbatched_data_change_rule());
        out.push_back(make_unique_constraint_builds_index_rule());
        out.push_back(make_volatile_default_rule());
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->id() < b->id(); });
        return out;
    }();
    return rules;
}

}  // namespace migrate::lint

# The rules whose verdict depends on [lint] settings (tests/lint/rule_settings_test.cpp).
migrate_test(lint_rule_settings_tests lint/rule_settings_test.cpp)

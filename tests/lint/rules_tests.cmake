# The rule examples and registry checks (tests/lint/rules_test.cpp).
migrate_test(lint_rules_tests lint/rules_test.cpp)

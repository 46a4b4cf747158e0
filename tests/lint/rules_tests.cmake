# The rule examples and registry checks (tests/lint/rules_test.cpp).
migrate_test(lint_rules_tests ${CMAKE_CURRENT_LIST_DIR}/rules_test.cpp)

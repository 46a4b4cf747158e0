# The lint engine: positions, suppression, inputs (tests/lint/linter_test.cpp).
migrate_test(lint_engine_tests lint/linter_test.cpp)

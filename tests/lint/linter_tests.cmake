# The lint engine: positions, suppression, inputs (tests/lint/linter_test.cpp).
migrate_test(lint_engine_tests ${CMAKE_CURRENT_LIST_DIR}/linter_test.cpp)

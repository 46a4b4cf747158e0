# The MySQL/MariaDB and SQLite lint parser's tests: SQL in, lint IR out, no database needed.
migrate_test(lint_token_tests ${CMAKE_CURRENT_LIST_DIR}/token_parser_test.cpp)

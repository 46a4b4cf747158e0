# The linter's output formats and baselines. Included from tests/CMakeLists.txt, so source paths
# are spelled from this file's folder.
migrate_test(lint_output_tests ${CMAKE_CURRENT_LIST_DIR}/output_test.cpp)
# Debian's interpreter, not whichever python3 comes first on PATH: python3-jsonschema (and
# python3-rfc3987, which checks the "uri-reference" format) are installed for it.
set(MIGRATE_TEST_PYTHON /usr/bin/python3 CACHE FILEPATH "Python with jsonschema, for validating SARIF output")
target_compile_definitions(lint_output_tests PRIVATE
    MIGRATE_TEST_PYTHON="${MIGRATE_TEST_PYTHON}"
    MIGRATE_SARIF_VALIDATOR="${CMAKE_CURRENT_LIST_DIR}/validate_sarif.py"
    MIGRATE_SARIF_SCHEMA="${CMAKE_CURRENT_LIST_DIR}/sarif-schema-2.1.0.json"
    MIGRATE_LINT_GOLDEN_DIR="${CMAKE_CURRENT_LIST_DIR}/golden")

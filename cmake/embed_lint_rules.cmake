# Writes OUTPUT, a C++ file holding the text of every lint-rules/*.toml file in SOURCE_DIR, so the
# rule documentation travels inside the binary. Run at build time by the top-level CMakeLists.txt.
file(GLOB rule_files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/lint-rules/*.toml")
list(SORT rule_files)
set(body "")
foreach(rule_file IN LISTS rule_files)
    file(READ "${SOURCE_DIR}/${rule_file}" content)
    string(FIND "${content}" ")migrate_rule\"" clash)
    if(NOT clash EQUAL -1)
        message(FATAL_ERROR "${rule_file} contains the raw-string delimiter )migrate_rule\"")
    endif()
    string(APPEND body "        {\"${rule_file}\", R\"migrate_rule(${content})migrate_rule\"},\n")
endforeach()
set(text "// Generated from lint-rules/*.toml by cmake/embed_lint_rules.cmake; edit those files instead.
#include \"lint/embedded_rules.hpp\"

namespace migrate::lint {

const std::vector<EmbeddedFile>& embedded_rule_files() {
    static const std::vector<EmbeddedFile> files = {
${body}    };
    return files;
}

}  // namespace migrate::lint
")
# Rewrite only on change, so an unchanged rule set does not relink everything.
if(EXISTS "${OUTPUT}")
    file(READ "${OUTPUT}" old)
endif()
if(NOT old STREQUAL text)
    file(WRITE "${OUTPUT}" "${text}")
endif()

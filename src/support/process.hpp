// Running a helper program (git, for `lint --changed-since`) without a shell, so its arguments
// are never interpreted, and capturing what it prints.
#pragma once

#include <string>
#include <vector>

namespace migrate {

struct ProgramResult {
    int exit_code = -1;  // -1 when it could not be started or was killed by a signal
    std::string output;  // standard output
    std::string errors;  // standard error
};

// Runs argv[0] (looked up in PATH) with the rest as its arguments, in `dir` if not empty.
ProgramResult run_program(const std::vector<std::string>& argv, const std::string& dir = {});

}  // namespace migrate

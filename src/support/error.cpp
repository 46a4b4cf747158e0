#include "support/error.hpp"

#include <fmt/format.h>

namespace migrate {

Error input_error(const std::string& file, int line, int column, const std::string& message) {
    if (line <= 0) {
        return Error(ErrorKind::input, fmt::format("{}: {}", file, message));
    }
    if (column <= 0) {
        return Error(ErrorKind::input, fmt::format("{}:{}: {}", file, line, message));
    }
    return Error(ErrorKind::input, fmt::format("{}:{}:{}: {}", file, line, column, message));
}

const char* to_string(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::usage:
            return "usage";
        case ErrorKind::input:
            return "input";
        case ErrorKind::database:
            return "database";
        case ErrorKind::state:
            return "state";
        case ErrorKind::lint:
            return "lint";
        case ErrorKind::gate_closed:
            return "gate";
        case ErrorKind::lock_timeout:
            return "lock_timeout";
        case ErrorKind::interrupted:
            return "interrupted";
        case ErrorKind::internal:
            return "internal";
    }
    return "internal";
}

}  // namespace migrate

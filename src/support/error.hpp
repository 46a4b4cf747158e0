// The project's one error type. Every failure that reaches the user travels as an Error whose kind
// decides the exit code in main (and nowhere else), so pipelines can script against it.
#pragma once

#include <stdexcept>
#include <string>

namespace migrate {

enum class ErrorKind {
    usage,         // bad command line or option value                          -> exit 2
    input,         // a migration file or the config file is wrong               -> exit 1
    database,      // the database refused something; code holds its SQLSTATE   -> exit 1
    state,         // the state store forbids the request (order, checksum, ...) -> exit 1
    lint,          // apply refused: the linter found problems in what it would run -> exit 3
    gate_closed,   // contract refused: live app instances still run an older version -> exit 4
    lock_timeout,  // runner lock or database lock waits exhausted               -> exit 5
    interrupted,   // SIGINT or SIGTERM stopped a backfill at a checkpoint; code names the signal
                   //                                                            -> exit 130 / 143
    internal,      // a bug in migrate                                           -> exit 1
};

class Error : public std::runtime_error {
  public:
    Error(ErrorKind kind, std::string message, std::string code = {}, std::string hint = {}, bool transient = false)
        : std::runtime_error(std::move(message)),
          m_kind(kind),
          m_code(std::move(code)),
          m_hint(std::move(hint)),
          m_transient(transient) {}

    ErrorKind kind() const { return m_kind; }
    // The database's own error identifier (SQLSTATE, MySQL error number, SQLite extended code).
    const std::string& code() const { return m_code; }
    // What the user can do about it; may be empty.
    const std::string& hint() const { return m_hint; }
    // Trying the same work again may succeed: a lock wait ran out, a deadlock or a serialization
    // failure. The database decides; the runner retries these.
    bool transient() const { return m_transient; }

  private:
    ErrorKind m_kind;
    std::string m_code;
    std::string m_hint;
    bool m_transient;
};

// "file:line:col: message": the shape editors and CI annotations understand.
Error input_error(const std::string& file, int line, int column, const std::string& message);

const char* to_string(ErrorKind kind);

}  // namespace migrate

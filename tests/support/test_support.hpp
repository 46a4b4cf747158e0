// Helpers the test suites share: throwaway folders, files, running the real migrate binary as a
// child process, and reading SQLite databases the way a user would check them.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace migrate::testing {

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

  private:
    std::filesystem::path m_path;
};

void write_file(const std::filesystem::path& path, const std::string& content);
std::string read_file(const std::filesystem::path& path);

// Copies every file of the repository's migrations-example folder into `dir`.
void copy_example_migrations(const std::filesystem::path& dir);

struct ProcessResult {
    int exit_code = -1;  // -1 when killed by a signal
    int signal = 0;
    std::string out;
    std::string err;
};

// Runs the built migrate binary with `args`, in `cwd` (if not empty), with `env` added to the
// environment, and waits for it.
ProcessResult run_migrate(const std::vector<std::string>& args, const std::filesystem::path& cwd = {},
                          const std::map<std::string, std::string>& env = {});

// Starts migrate without waiting; output goes to files in `log_dir`.
pid_t spawn_migrate(const std::vector<std::string>& args, const std::filesystem::path& log_dir,
                    const std::string& log_name);
// Waits for a spawned child; returns its exit code, or -signal when a signal ended it.
int wait_for(pid_t pid);

// Rows of a query on a SQLite file, every value as text ("NULL" for NULL).
std::vector<std::vector<std::string>> sqlite_rows(const std::filesystem::path& db, const std::string& sql);
// The single value of a query, or nullopt when a writer holds the database right now: for
// polling a database that a migrate process is writing to, without waiting on it.
std::optional<std::string> sqlite_try_value(const std::filesystem::path& db, const std::string& sql);
// The single value of a query that returns one row and one column.
std::string sqlite_value(const std::filesystem::path& db, const std::string& sql);
// Runs statements on a SQLite file.
void sqlite_exec(const std::filesystem::path& db, const std::string& sql);
// Every table (except those named in `skip`) and its rows in key order, as one text: the
// comparison "data and state exactly as before" rests on.
std::string sqlite_dump(const std::filesystem::path& db, const std::vector<std::string>& skip = {});

}  // namespace migrate::testing

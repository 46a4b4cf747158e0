#include "test_support.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

namespace migrate::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
    std::random_device random;
    for (int attempt = 0; attempt < 100; ++attempt) {
        fs::path candidate = fs::temp_directory_path() / ("migrate-test-" + std::to_string(random()));
        if (fs::create_directory(candidate)) {
            m_path = candidate;
            return;
        }
    }
    throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

void write_file(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

void copy_example_migrations(const fs::path& dir) {
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(MIGRATE_EXAMPLE_DIR)) {
        fs::copy_file(entry.path(), dir / entry.path().filename(), fs::copy_options::overwrite_existing);
    }
}

namespace {

[[noreturn]] void exec_migrate(const std::vector<std::string>& args, const fs::path& cwd,
                               const std::map<std::string, std::string>& env) {
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
        _exit(126);
    }
    for (const auto& [key, value] : env) {
        setenv(key.c_str(), value.c_str(), 1);
    }
    std::vector<char*> argv;
    std::string binary = MIGRATE_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copies = args;
    for (std::string& arg : copies) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
}

int decode_status(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return -WTERMSIG(status);
    }
    return -1;
}

}  // namespace

ProcessResult run_migrate(const std::vector<std::string>& args, const fs::path& cwd,
                          const std::map<std::string, std::string>& env) {
    TempDir logs;
    fs::path out_path = logs / "out";
    fs::path err_path = logs / "err";
    pid_t pid = fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        exec_migrate(args, cwd, env);
    }
    int code = wait_for(pid);
    ProcessResult result;
    result.exit_code = code >= 0 ? code : -1;
    result.signal = code < 0 ? -code : 0;
    result.out = read_file(out_path);
    result.err = read_file(err_path);
    return result;
}

pid_t spawn_migrate(const std::vector<std::string>& args, const fs::path& log_dir, const std::string& log_name) {
    fs::path out_path = log_dir / (log_name + ".out");
    fs::path err_path = log_dir / (log_name + ".err");
    pid_t pid = fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        exec_migrate(args, {}, {});
    }
    return pid;
}

int wait_for(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            throw std::runtime_error("waitpid failed");
        }
    }
    return decode_status(status);
}

std::vector<std::vector<std::string>> sqlite_rows(const fs::path& db, const std::string& sql) {
    // SQLite may answer BUSY without waiting when it meets a writer mid-commit; a user's reader
    // retries, and so do the tests.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
        try {
            // Read-write, because after a killed writer the first reader must roll back its journal.
            SQLite::Database database(db.string(), SQLite::OPEN_READWRITE, 5000);
            SQLite::Statement statement(database, sql);
            std::vector<std::vector<std::string>> rows;
            while (statement.executeStep()) {
                std::vector<std::string> row;
                for (int i = 0; i < statement.getColumnCount(); ++i) {
                    SQLite::Column column = statement.getColumn(i);
                    row.push_back(column.isNull() ? "NULL" : column.getString());
                }
                rows.push_back(std::move(row));
            }
            return rows;
        } catch (const SQLite::Exception& e) {
            if (e.getErrorCode() != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline) {
                throw;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

std::optional<std::string> sqlite_try_value(const fs::path& db, const std::string& sql) {
    try {
        SQLite::Database database(db.string(), SQLite::OPEN_READWRITE, 0);
        SQLite::Statement statement(database, sql);
        if (!statement.executeStep()) {
            return std::nullopt;
        }
        SQLite::Column column = statement.getColumn(0);
        return column.isNull() ? "NULL" : column.getString();
    } catch (const SQLite::Exception& e) {
        if (e.getErrorCode() == SQLITE_BUSY) {
            return std::nullopt;
        }
        throw;
    }
}

std::string sqlite_value(const fs::path& db, const std::string& sql) {
    auto rows = sqlite_rows(db, sql);
    if (rows.size() != 1 || rows[0].size() != 1) {
        throw std::runtime_error("expected one value from: " + sql);
    }
    return rows[0][0];
}

void sqlite_exec(const fs::path& db, const std::string& sql) {
    SQLite::Database database(db.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5000);
    database.exec(sql);
}

std::string sqlite_dump(const fs::path& db, const std::vector<std::string>& skip) {
    std::ostringstream out;
    for (const auto& table : sqlite_rows(db, "SELECT name, sql FROM sqlite_master ORDER BY type, name")) {
        out << "== " << table[0] << "\n" << table[1] << "\n";
        bool is_table = sqlite_value(db, "SELECT type FROM sqlite_master WHERE name = '" + table[0] + "'") == "table";
        if (!is_table || std::find(skip.begin(), skip.end(), table[0]) != skip.end() ||
            table[0].starts_with("sqlite_")) {
            continue;
        }
        for (const auto& row : sqlite_rows(db, "SELECT * FROM \"" + table[0] + "\" ORDER BY 1, 2")) {
            for (const auto& value : row) {
                out << value << "|";
            }
            out << "\n";
        }
    }
    return out.str();
}

}  // namespace migrate::testing

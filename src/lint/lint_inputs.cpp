// Finding and reading lint targets. Which tool wrote a .sql file is told by its name alone
// (and, for our own NNNN_name.sql, by its "-- migrate:" markers), so the same folder lints the
// same way on every machine.
#include "lint/lint_inputs.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>

#include <fmt/format.h>

#include "model/migration_loader.hpp"
#include "support/error.hpp"
#include "support/process.hpp"

namespace fs = std::filesystem;

namespace migrate::lint {

namespace {

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw input_error(path.string(), 0, 0, "cannot read the file");
    }
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool has_phase_markers(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
        std::size_t start = line.find_first_not_of(" \t");
        if (start == std::string::npos) {
            continue;
        }
        std::string_view text = std::string_view(line).substr(start);
        for (std::string_view marker : {"-- migrate:expand", "-- migrate:backfill", "-- migrate:contract"}) {
            if (text.starts_with(marker)) {
                return true;
            }
        }
    }
    return false;
}

bool hidden(const fs::path& path) {
    std::string name = path.filename().string();
    return name.size() > 1 && name.front() == '.' && name != "..";
}

// Pairs the files of one folder (or the files named on the command line) into targets.
void classify(const std::vector<fs::path>& files, std::vector<LintTarget>& out) {
    static const std::regex pair_up(R"(^(.+)\.up\.sql$)");
    static const std::regex pair_down(R"(^(.+)\.down\.sql$)");
    static const std::regex flyway(R"(^([VUR])([0-9._]*)__(.+)\.sql$)");
    std::set<fs::path> used;
    std::set<fs::path> present(files.begin(), files.end());
    for (const fs::path& file : files) {
        if (used.count(file) != 0) {
            continue;
        }
        std::string name = file.filename().string();
        std::smatch match;
        LintTarget target;
        target.file = file;
        target.name = file.stem().string();
        if (file.extension() == ".toml") {
            auto parsed = parse_migration_file_name(name);
            if (!parsed) {
                continue;  // migrate.toml and other configuration
            }
            target.kind = LintTarget::Kind::migration;
        } else if (std::regex_match(name, match, pair_up)) {
            fs::path down = file.parent_path() / (match[1].str() + ".down.sql");
            target.name = match[1].str();
            if (present.count(down) != 0) {
                target.down_file = down;
                used.insert(down);
            } else {
                target.expected_down_file = down.filename().string();
            }
        } else if (std::regex_match(name, match, pair_down)) {
            if (present.count(file.parent_path() / (match[1].str() + ".up.sql")) != 0) {
                continue;  // linted with its up
            }
            target.name = match[1].str();
        } else if (name == "up.sql" || name == "down.sql") {
            fs::path up = file.parent_path() / "up.sql";
            fs::path down = file.parent_path() / "down.sql";
            target.name = file.parent_path().filename().string();
            if (name == "down.sql" && present.count(up) != 0) {
                continue;
            }
            if (name == "up.sql") {
                if (present.count(down) != 0) {
                    target.down_file = down;
                    used.insert(down);
                } else {
                    target.expected_down_file = "down.sql";
                }
            }
        } else if (std::regex_match(name, match, flyway)) {
            // Flyway's undo files (U2__x.sql) are optional, so a V file stands alone.
            target.name = file.stem().string();
        } else if (auto parsed = parse_migration_file_name(name); parsed && has_phase_markers(file)) {
            target.kind = LintTarget::Kind::migration;
        }
        out.push_back(std::move(target));
    }
}

void collect(const fs::path& dir, std::vector<LintTarget>& out) {
    std::vector<fs::path> files;
    std::vector<fs::path> dirs;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
        if (hidden(entry.path())) {
            continue;
        }
        if (entry.is_directory()) {
            dirs.push_back(entry.path());
        } else if (entry.is_regular_file() &&
                   (entry.path().extension() == ".sql" || entry.path().extension() == ".toml")) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    std::sort(dirs.begin(), dirs.end());
    classify(files, out);
    for (const fs::path& sub : dirs) {
        collect(sub, out);
    }
}

}  // namespace

std::vector<fs::path> LintTarget::files() const {
    std::vector<fs::path> out{file};
    if (down_file) {
        out.push_back(*down_file);
    }
    return out;
}

std::vector<LintTarget> find_lint_targets(const std::vector<fs::path>& paths) {
    std::vector<LintTarget> out;
    std::vector<fs::path> named_files;
    for (const fs::path& path : paths) {
        std::error_code error;
        if (fs::is_directory(path, error)) {
            collect(path, out);
        } else if (fs::is_regular_file(path, error)) {
            if (path.extension() != ".sql" && path.extension() != ".toml") {
                throw Error(
                    ErrorKind::usage,
                    fmt::format("{}: not a migration (migrate lint reads .sql and .toml files)", path.string()));
            }
            named_files.push_back(path);
        } else {
            throw Error(ErrorKind::usage, fmt::format("{}: no such file or directory", path.string()));
        }
    }
    std::sort(named_files.begin(), named_files.end());
    std::vector<LintTarget> named;
    classify(named_files, named);
    for (LintTarget& target : named) {
        // A .toml named on the command line is meant to be linted even if misnamed: the loader
        // then reports its name.
        out.push_back(std::move(target));
    }
    for (const fs::path& file : named_files) {
        if (file.extension() == ".toml" && !parse_migration_file_name(file.filename().string())) {
            LintTarget target;
            target.kind = LintTarget::Kind::migration;
            target.file = file;
            target.name = file.stem().string();
            out.push_back(std::move(target));
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const LintTarget& a, const LintTarget& b) { return a.file < b.file; });
    return out;
}

std::set<fs::path> files_changed_since(const std::string& git_ref) {
    auto git = [](std::vector<std::string> args) {
        args.insert(args.begin(), "git");
        ProgramResult result = run_program(args);
        if (result.exit_code != 0) {
            // 127 without a word: the child could not exec git.
            std::string message = !result.errors.empty()    ? result.errors
                                  : result.exit_code == 127 ? "cannot run git: is it installed and on PATH?"
                                                            : "git failed";
            while (!message.empty() && message.back() == '\n') {
                message.pop_back();
            }
            throw Error(ErrorKind::usage, fmt::format("--changed-since: {}", message));
        }
        return result.output;
    };
    if (git_ref.empty() || git_ref.front() == '-') {
        throw Error(ErrorKind::usage, fmt::format("--changed-since: '{}' is not a git ref", git_ref));
    }
    std::string top = git({"rev-parse", "--show-toplevel"});
    while (!top.empty() && top.back() == '\n') {
        top.pop_back();
    }
    // Verified first, so a mistyped ref is named as such rather than as a path.
    git({"rev-parse", "--verify", "--quiet", git_ref + "^{commit}"});
    std::string listed = git({"diff", "--name-only", "-z", git_ref, "--"}) + '\0' +
                         git({"ls-files", "--others", "--exclude-standard", "--full-name", "-z", top});
    std::set<fs::path> out;
    std::size_t start = 0;
    while (start < listed.size()) {
        std::size_t end = listed.find('\0', start);
        if (end == std::string::npos) {
            end = listed.size();
        }
        if (end > start) {
            out.insert(fs::weakly_canonical(fs::path(top) / listed.substr(start, end - start)));
        }
        start = end + 1;
    }
    return out;
}

void keep_changed(std::vector<LintTarget>& targets, const std::set<fs::path>& changed) {
    std::erase_if(targets, [&](const LintTarget& target) {
        for (const fs::path& file : target.files()) {
            if (changed.count(fs::weakly_canonical(file)) != 0) {
                return false;
            }
        }
        return true;
    });
}

LintReport lint_targets(const std::vector<LintTarget>& targets, const Linter& linter) {
    LintReport report;
    for (const LintTarget& target : targets) {
        ++report.files;
        UnitResult result;
        std::string file = target.file.string();
        if (target.kind == LintTarget::Kind::migration) {
            try {
                Migration migration = load_migration_file(target.file, DownPolicy::optional);
                result = linter.lint_migration(migration, file);
            } catch (const Error& error) {
                if (error.kind() != ErrorKind::input) {
                    throw;
                }
                if (auto finding = linter.invalid_migration(file, error.what())) {
                    result.findings.push_back(std::move(*finding));
                }
            }
        } else {
            PlainSql plain;
            plain.name = target.name;
            plain.up_file = file;
            plain.up_sql = read_file(target.file);
            if (target.down_file) {
                ++report.files;
                plain.down_file = target.down_file->string();
                plain.down_sql = read_file(*target.down_file);
            }
            plain.expected_down_file = target.expected_down_file;
            result = linter.lint_plain(plain);
        }
        report.statements += result.statements;
        for (Finding& finding : result.findings) {
            report.findings.push_back(std::move(finding));
        }
    }
    sort_findings(report.findings);
    return report;
}

}  // namespace migrate::lint

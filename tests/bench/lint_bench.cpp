// Lint throughput: generates a folder of migration files (1,000 files of 17 statements by
// default, as plain .sql a squawk run can read too, or as our .toml migrations) and lints it
// in-process the way `migrate lint` does, printing files/s and statements/s.
//   lint_bench [--files N] [--dialect postgres|mysql|sqlite] [--toml] [--keep DIR]
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <unistd.h>

#include "lint/lint_inputs.hpp"
#include "lint/linter.hpp"

namespace fs = std::filesystem;

namespace {

// 17 statements in the shapes migrations take: tables, columns, indexes, constraints, data.
std::string statements(int n, const std::string& dialect) {
    bool pg = dialect == "postgres";
    std::string t = fmt::format("table_{}", n);
    std::string out;
    out += fmt::format("CREATE TABLE {} (id bigint PRIMARY KEY, name text NOT NULL, created_at {} NOT NULL);\n", t,
                       pg ? "timestamptz" : "timestamp");
    out += fmt::format("ALTER TABLE {} ADD COLUMN email text;\n", t);
    out += fmt::format("ALTER TABLE {} ADD COLUMN score integer DEFAULT 0;\n", t);
    out += fmt::format("CREATE INDEX {}idx_{}_email ON {} (email);\n", pg ? "CONCURRENTLY " : "", n, t);
    out += fmt::format("ALTER TABLE {} ADD COLUMN parent_id bigint;\n", t);
    out += fmt::format("ALTER TABLE users ADD COLUMN flag_{} boolean;\n", n);
    out += fmt::format("ALTER TABLE users DROP COLUMN flag_{};\n", n);
    out += fmt::format("UPDATE users SET name = 'x' WHERE id = {};\n", n);
    out += fmt::format("INSERT INTO {} (id, name, created_at) VALUES ({}, 'n', CURRENT_TIMESTAMP);\n", t, n);
    out += fmt::format("ALTER TABLE users ADD COLUMN note_{} text;\n", n);
    out += fmt::format("ALTER TABLE {} RENAME COLUMN name TO full_name;\n", t);
    out += fmt::format("DELETE FROM {} WHERE id < 0;\n", t);
    out += fmt::format("CREATE TABLE audit_{} (id bigint PRIMARY KEY, body text);\n", n);
    out += fmt::format("ALTER TABLE audit_{} ADD COLUMN at text;\n", n);
    out += fmt::format("CREATE INDEX idx_audit_{} ON audit_{} (at);\n", n, n);
    out += fmt::format("DROP TABLE IF EXISTS old_{};\n", n);
    out += fmt::format("SELECT count(*) FROM {};\n", t);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    int files = 1000;
    std::string dialect = "postgres";
    bool toml = false;
    std::string keep;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--files" && i + 1 < argc) {
            files = std::atoi(argv[++i]);
        } else if (arg == "--dialect" && i + 1 < argc) {
            dialect = argv[++i];
        } else if (arg == "--toml") {
            toml = true;
        } else if (arg == "--keep" && i + 1 < argc) {
            keep = argv[++i];
        } else {
            std::cerr << "usage: lint_bench [--files N] [--dialect postgres|mysql|sqlite] [--toml] [--keep DIR]\n";
            return 2;
        }
    }
    fs::path dir =
        keep.empty() ? fs::temp_directory_path() / fmt::format("migrate-lint-bench-{}", getpid()) : fs::path(keep);
    fs::create_directories(dir);
    for (int n = 1; n <= files; ++n) {
        std::string sql = statements(n, dialect);
        if (toml) {
            std::ofstream(dir / fmt::format("{:04}_step_{}.toml", n, n))
                << fmt::format("[[expand]]\nup = \"\"\"\n{}\"\"\"\ndown = \"SELECT 1\"\n", sql);
        } else {
            std::ofstream(dir / fmt::format("V{}__step_{}.sql", n, n)) << sql;
        }
    }

    migrate::lint::LintConfig config;
    config.settings.dialect = dialect;
    migrate::lint::Linter linter(config);
    auto start = std::chrono::steady_clock::now();
    migrate::lint::LintReport report = migrate::lint::lint_targets(migrate::lint::find_lint_targets({dir}), linter);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    std::cout << fmt::format("dialect {}, {} files ({}), {} statements, {} findings\n", dialect, report.files,
                             toml ? "toml migrations" : "plain .sql", report.statements, report.findings.size());
    std::cout << fmt::format("{:.3f} s: {:.0f} files/s, {:.0f} statements/s\n", seconds, report.files / seconds,
                             report.statements / seconds);
    if (keep.empty()) {
        fs::remove_all(dir);
    } else {
        std::cout << "files kept in " << dir.string() << " (compare: npx squawk " << dir.string() << "/*.sql)\n";
    }
    return 0;
}

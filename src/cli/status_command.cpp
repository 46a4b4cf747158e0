#include <iostream>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "model/migration_loader.hpp"

namespace migrate {

CLI::App* setup_status(CLI::App& app, StatusOptions&) {
    return app.add_subcommand("status",
                              "Show each migration's phase, backfill progress, and files edited after they ran "
                              "(exit 1 when a migration file cannot be read)");
}

// A broken migration file does not hide the database's state: status shows what it can, lists
// the files it could not read, and then exits 1.
int run_status(const StatusOptions&, const CommonOptions& common) {
    Settings settings = resolve_settings(common);
    Project project(project_settings(settings));
    DirectoryLoad files = scan_migration_directory(settings.dir);
    StatusReport report = build_status(files.migrations, project.read_state());
    report.file_errors = std::move(files.problems);
    report.database_exists = project.dialect().database_exists(require_url(settings));
    if (settings.format == OutputFormat::json) {
        print_json(status_to_json(report, settings));
    } else {
        print_status_text(std::cout, report, settings);
    }
    return report.file_errors.empty() ? 0 : 1;
}

}  // namespace migrate

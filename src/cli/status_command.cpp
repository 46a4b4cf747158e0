#include <iostream>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace migrate {

CLI::App* setup_status(CLI::App& app, StatusOptions&) {
    return app.add_subcommand("status",
                              "Show each migration's phase, backfill progress, and files edited after they ran");
}

int run_status(const StatusOptions&, const CommonOptions& common) {
    Settings settings = resolve_settings(common);
    Project project(project_settings(settings));
    StatusReport report = build_status(project.migrations(), project.read_state());
    report.database_exists = project.dialect().database_exists(require_url(settings));
    if (settings.format == OutputFormat::json) {
        print_json(status_to_json(report, settings));
    } else {
        print_status_text(std::cout, report, settings);
    }
    return 0;
}

}  // namespace migrate

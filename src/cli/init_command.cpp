#include <iostream>

#include <fmt/format.h>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"

namespace migrate {

CLI::App* setup_init(CLI::App& app, InitOptions&) {
    return app.add_subcommand("init", "Create the state store in the target database (apply also does this)");
}

int run_init(const InitOptions&, const CommonOptions& common) {
    Settings settings = resolve_settings(common);
    Project project(project_settings(settings));
    bool created = project.init();
    if (settings.format == OutputFormat::json) {
        print_json({{"version", 1}, {"database", require_url(settings).redacted()}, {"created", created}});
    } else if (created) {
        std::cout << fmt::format("Created the migrate state store in {}.\n", require_url(settings).redacted());
    } else {
        std::cout << fmt::format("The migrate state store already exists in {}; nothing to do.\n",
                                 require_url(settings).redacted());
    }
    return 0;
}

}  // namespace migrate

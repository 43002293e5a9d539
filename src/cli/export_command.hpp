#pragma once
// The flags of `collbench export RESULTS… --format prometheus`, bound to app::ExportRequest (app/export.hpp).
#include <CLI/CLI.hpp>

#include "app/export.hpp"

namespace collbench::cli {

CLI::App* add_export_command(CLI::App& app, app::ExportRequest& request);

}  // namespace collbench::cli

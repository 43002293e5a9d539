#pragma once
// The flags of `collbench report INPUT… --format json|html|md --out FILE` and `collbench compare
// A B`, bound to app::ReportRequest and app::CompareRequest (app/report.hpp).
#include <CLI/CLI.hpp>

#include "app/report.hpp"

namespace collbench::cli {

CLI::App* add_report_command(CLI::App& app, app::ReportRequest& request);
CLI::App* add_compare_command(CLI::App& app, app::CompareRequest& request);

}  // namespace collbench::cli

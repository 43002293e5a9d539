#pragma once
// The flags of `collbench baseline RESULTS… --out FILE` and `collbench check RESULTS… --baseline
// FILE | --expect FILE`, bound to app::BaselineRequest and app::CheckRequest (app/check.hpp).
#include <CLI/CLI.hpp>

#include "app/check.hpp"

namespace collbench::cli {

CLI::App* add_baseline_command(CLI::App& app, app::BaselineRequest& request);
CLI::App* add_check_command(CLI::App& app, app::CheckRequest& request);

}  // namespace collbench::cli

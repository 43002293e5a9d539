#pragma once
// The flags of `collbench tune STORE… --out DIR [--workload FILE] [--validate]`, bound to
// app::TuneRequest (app/tune.hpp).
#include <CLI/CLI.hpp>

#include "app/tune.hpp"

namespace collbench::cli {

CLI::App* add_tune_command(CLI::App& app, app::TuneRequest& request);

}  // namespace collbench::cli

#pragma once
// The flags of `collbench sweep SPEC --out DIR [--resume] [--retry-failed] [--dry-run]`, bound
// to app::SweepRequest (app/sweep.hpp).
#include <CLI/CLI.hpp>

#include "app/sweep.hpp"

namespace collbench::cli {

CLI::App* add_sweep_command(CLI::App& app, app::SweepRequest& request);

}  // namespace collbench::cli

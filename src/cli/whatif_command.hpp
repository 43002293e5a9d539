#pragma once
// The flags of `collbench whatif`, bound to app::WhatIfRequest (app/whatif.hpp).
#include <CLI/CLI.hpp>

#include "app/whatif.hpp"

namespace collbench::cli {

CLI::App* add_whatif_command(CLI::App& app, app::WhatIfRequest& request);

}  // namespace collbench::cli

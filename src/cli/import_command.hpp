#pragma once
// The flags of `collbench import LOG… --out STORE`, bound to app::ImportRequest (app/import.hpp).
#include <CLI/CLI.hpp>

#include "app/import.hpp"

namespace collbench::cli {

CLI::App* add_import_command(CLI::App& app, app::ImportRequest& request);

}  // namespace collbench::cli

#pragma once
// The `run` entry point: the flags made into a RunConfig (cli/run_options.hpp) go to app::run.
#include "cli/run_options.hpp"
#include "core/error.hpp"

namespace collbench::cli {

core::ExitCode run_command(const RunConfig& cfg, int* argc, char*** argv, char** envp);

}  // namespace collbench::cli

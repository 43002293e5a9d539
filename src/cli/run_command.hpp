#pragma once
// The `run` entry point: starts MPI, runs the session, prints the table and writes the JSON.
#include "cli/run_options.hpp"
#include "core/error.hpp"

namespace collbench::cli {

core::ExitCode run_command(const RunConfig& cfg, int* argc, char*** argv, char** envp);

}  // namespace collbench::cli

#include "cli/run_command.hpp"

#include "app/run.hpp"

namespace collbench::cli {

core::ExitCode run_command(const RunConfig& cfg, int* argc, char*** argv, char** envp) { return app::run(cfg, argc, argv, envp); }

}  // namespace collbench::cli

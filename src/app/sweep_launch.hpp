#pragma once
// One launch of a sweep, inside the job mpirun/srun started (or one plain process for the model):
// `collbench run --sweep-launch FILE`. Runs the file's blocks in order through the run driver, a
// new communicator for each per-communicator configuration, and appends each case to the
// sweep's store (fsynced) as it completes.
#include "app/run_config.hpp"
#include "core/error.hpp"
#include "core/launcher.hpp"
#include "measure/world.hpp"

namespace collbench::app {

core::ExitCode run_sweep_launch(const RunConfig& cfg, const measure::World& world, const core::LaunchInfo& launch,
                                int argc, char** argv, char** envp);

}  // namespace collbench::app

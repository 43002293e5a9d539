#pragma once
// One launch of a sweep, inside the job mpirun/srun started: `collbench run --sweep-launch FILE`.
// Runs the file's blocks in order, a new communicator for each per-communicator configuration,
// and appends each case to the sweep's store (fsynced) as it completes.
#include "cli/run_options.hpp"
#include "core/error.hpp"
#include "measure/world.hpp"
#include "plan/sweep_plan.hpp"
#include "results/record.hpp"

namespace collbench::cli {

core::ExitCode run_sweep_launch(const RunConfig& cfg, const measure::World& world, const core::LaunchInfo& launch,
                                int argc, char** argv, char** envp);

}  // namespace collbench::cli

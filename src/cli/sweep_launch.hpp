#pragma once
// One launch of a sweep, inside the job mpirun/srun started: `collbench run --sweep-launch FILE`.
// Runs the file's blocks in order, a new communicator for each per-communicator configuration,
// and appends each case to the sweep's store (fsynced) as it completes.
#include <map>
#include <string>

#include "backend/nccl/nccl_setup.hpp"
#include "cli/run_options.hpp"
#include "core/error.hpp"
#include "measure/world.hpp"
#include "plan/sweep_plan.hpp"
#include "results/record.hpp"

namespace collbench::cli {

// The launch's nccl options with a block's ncclConfig_t fields, checked as NCCL checks them under
// the environment `env` (a minCTAs alone gets NCCL's default maxCTAs as its pair). Throws
// core::InputError naming the field.
backend::nccl::NcclOptions block_nccl_options(backend::nccl::NcclOptions o, const std::map<std::string, std::string>& fields,
                                              const backend::nccl::EnvLookup& env);

core::ExitCode run_sweep_launch(const RunConfig& cfg, const measure::World& world, const core::LaunchInfo& launch,
                                int argc, char** argv, char** envp);

}  // namespace collbench::cli

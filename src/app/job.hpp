#pragma once
// A job's lifecycle, for `run` and a sweep's launches alike: which world it starts, the world, the
// run's metadata, and failures said once, by rank 0, before every rank leaves together.
#include <memory>
#include <optional>
#include <string>

#include "backend/backend.hpp"
#include "app/run_config.hpp"
#include "core/error.hpp"
#include "core/launcher.hpp"
#include "core/rendezvous.hpp"
#include "measure/world.hpp"
#include "results/record.hpp"

namespace collbench::app {

// Before MPI_Init: what launched this process (core::detect_launch) and which world it starts
// (core::choose_world): MPI for mpirun, mpiexec and srun with PMI; NCCL's bootstrap for torchrun,
// Kubernetes, srun --mpi=none and collbench launch. A bad launch environment is refused (exit 2,
// said by rank 0). Under srun with MPI, a node with more tasks than CPUs gets
// OMPI_MCA_mpi_yield_when_idle=1 unless the variable is set: Open MPI cannot tell it is
// oversubscribed there, and busy-polling ranks run about 1000x slower.
struct TaskStart {
  core::LaunchInfo launch;
  core::WorldChoice world;
  std::optional<core::ExitCode> refused;
};
TaskStart start_task(const RunConfig& cfg);

// The job's world as `start` chose it: MPI_Init (mpi), one process alone, or NCCL's rendezvous
// (which exits 3 after --init-timeout). Records the control plane and the rendezvous in
// start.launch. Throws core::Error.
std::unique_ptr<measure::World> start_world(TaskStart& start, const RunConfig& cfg, int* argc, char*** argv);

// What every run's metadata holds before a job exists: version, command line, start, the
// backend, the launcher, the recorded environment and the run's settings.
results::RunMetadata base_metadata(const RunConfig& cfg, const backend::BackendInfo& info, const core::LaunchInfo& launch,
                                   int argc, char** argv, char** envp);
// The above, and the job: its ranks, their hosts (and Slurm's names for them), the MPI library,
// the backend's details and each rank's device gathered to rank 0; for the model backend, the job
// it predicts. Collective: every rank calls it.
results::RunMetadata job_metadata(const RunConfig& cfg, const measure::World& world, const backend::Backend& be,
                                  const core::LaunchInfo& launch, int argc, char** argv, char** envp);

// A rank's run failed (`e`): it says so, naming `what`, and the job is aborted with exit 3. After a
// timeout every rank aborts; rank 0 has written the record first, so the others give it time.
[[noreturn]] void abort_job(const measure::World& world, const core::Error& e, const std::string& what);

// A refusal every rank reaches: rank 0 says it in one line before any rank leaves.
core::ExitCode fail_together(const measure::World& world, const std::string& message, core::ExitCode code);

}  // namespace collbench::app

#pragma once
// What `run` and a sweep's launches share once MPI is up: the backend chosen and built the same
// way on every rank, the run's metadata, and refusals said once, by rank 0.
#include <memory>
#include <optional>
#include <string>

#include "backend/backend.hpp"
#include "cli/run_options.hpp"
#include "core/error.hpp"
#include "core/launcher.hpp"
#include "core/rendezvous.hpp"
#include "measure/session.hpp"
#include "measure/world.hpp"
#include "results/record.hpp"

namespace collbench::cli {

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
// The above, and the job: its ranks, their hosts (and Slurm's names for them), the MPI library.
// Collective: every rank calls it.
results::RunMetadata make_metadata(const RunConfig& cfg, const measure::World& world, const backend::BackendInfo& info,
                                   const core::LaunchInfo& launch, int argc, char** argv, char** envp);

// Rank 0 probes for a GPU and every rank learns the answer: "auto" becomes nccl or mpi, and
// "nccl" without a GPU is refused here ("" and *refusal set), once, on every rank alike.
std::string resolve_backend(const RunConfig& cfg, const measure::World& world, std::string* refusal);

// Every rank builds its nccl backend with `options`; on any rank's failure every rank gets
// nullptr and *failure holds the first failure by rank.
std::unique_ptr<backend::Backend> make_nccl(const backend::nccl::NcclOptions& options, const measure::World& world,
                                            std::string* failure);

// Backend facts into the metadata: job-wide details, and each rank's device gathered to rank 0.
void add_backend_details(results::RunMetadata& m, const backend::Backend& be, const measure::World& world);

// The session options of a run: the nccl backend aborts its own communicator at --timeout and
// records the case; the job-wide watchdog then stays as a backstop 30 s later (a call that never
// returns to the backend).
measure::SessionOptions session_options(const RunConfig& cfg, const backend::BackendInfo& info);

// A rank's run failed (`e`): it says so, naming `what`, and the job is aborted with exit 3. After a
// timeout every rank aborts; rank 0 has written the record first, so the others give it time.
[[noreturn]] void abort_job(const measure::World& world, const core::Error& e, const std::string& what);

// A refusal every rank reaches: rank 0 says it in one line before any rank leaves.
core::ExitCode fail_together(const measure::World& world, const std::string& message, core::ExitCode code);

}  // namespace collbench::cli

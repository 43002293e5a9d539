#pragma once
// What the launcher (mpirun, srun) tells a process before MPI_Init, from the environment: its
// rank, which launcher started it, and under Slurm the job, the step, its nodes and tasks.
//
// Terms, one meaning each across the code: a *launcher* starts a job's ranks (mpirun, srun,
// torchrun, or collbench's own `collbench launch`); a *launch* is one such start — what LaunchInfo
// describes from inside a rank, and what a sweep runs one after another (plan::Launch, its launch
// file, "L000"); a launch runs *blocks* (one configuration and collective each), whose process
// environment app::BlockEnvironment switches.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace collbench::core {

// Looks a variable up: std::getenv, or a map in tests. nullptr when unset.
using EnvLookup = std::function<const char*(const char*)>;

// This process's rank as the launcher gave it: OMPI_COMM_WORLD_RANK, PMIX_RANK, PMI_RANK, or
// SLURM_PROCID inside an srun step (SLURM_STEP_ID set; a batch script has SLURM_PROCID=0 too but
// is no step, so `collbench sweep/tune/check` run from it are plain processes), or RANK when
// WORLD_SIZE is set too (torchrun, Kubernetes manifests, collbench launch). -1 when none.
int launcher_rank();
int launcher_rank(const EnvLookup& env);

// Slurm's compressed host list, in order: "rack42-[01-16]", "a[1-3,5],b2", "n[1-2]-g[0-1]".
// Zero-padded ranges keep their width. Throws InputError on a malformed list (naming it) or
// one of more than a million names.
std::vector<std::string> expand_hostlist(std::string_view list);
// Slurm's tasks per node, one entry per node: "4(x2),2" -> 4, 4, 2. Throws InputError.
std::vector<int> expand_tasks_per_node(std::string_view list);

// The Slurm job (and step) this process runs in.
struct SlurmJob {
  std::string job_id;
  std::string step_id;          // "" outside an srun step (mpirun inside an allocation)
  std::string job_name;
  std::string cluster;
  std::string partition;
  std::string array_job_id;     // "" unless an array job
  std::string array_task_id;
  std::string nodelist;         // as Slurm gives it: the step's under srun, else the job's
  std::vector<std::string> nodes;  // nodelist expanded; empty when it could not be read
  std::vector<int> tasks_per_node; // per entry of nodes; empty when Slurm did not say
  int ntasks = 0;               // 0 when Slurm did not say
  int nnodes = 0;
};

struct LaunchInfo {
  // "srun" (a Slurm step), "mpirun" (Open MPI's launcher, also inside an allocation),
  // "mpiexec" (another PMI launcher), "torchrun" (RANK/WORLD_SIZE/MASTER_ADDR: torchrun, a
  // Kubernetes manifest), "collbench-launch" (collbench launch), or "none" (a plain process).
  std::string launcher = "none";
  // What carries the job's barriers and gathers: "mpi", "nccl" (a communicator of its own over
  // NCCL's bootstrap: no MPI in the job) or "none" (one rank). "" before the job starts.
  std::string control_plane;
  // Without MPI: NCCL's rendezvous address ("host:port") and where it came from.
  std::string rendezvous;
  std::string rendezvous_source;
  std::optional<SlurmJob> slurm;  // whenever SLURM_JOB_ID is set
  // srun only: this node's tasks and the CPUs they may use (the larger of the process's CPU
  // affinity and SLURM_CPUS_ON_NODE); oversubscribed when the tasks outnumber the CPUs.
  int local_tasks = 0;
  int cpus = 0;
  bool oversubscribed = false;
  // srun only: the task has an MPI process-management interface (PMIX_RANK or PMI_RANK). An
  // `srun --mpi=none` task has none, and Open MPI cannot start in it. Not recorded in results.
  bool has_pmi = false;
  // srun only: collbench set OMPI_MCA_mpi_yield_when_idle=1 because the node is oversubscribed.
  bool set_yield_when_idle = false;
};

LaunchInfo detect_launch(const EnvLookup& env, int usable_cpus);
// From the environment, with this process's CPU affinity.
LaunchInfo detect_launch();

// After MPI_Init: under srun the job must hold the tasks srun started. Tasks that each became a
// job of 1 rank (singletons) mean MPI did not reach Slurm's PMI. The message; "" when all is well
// or nothing can be told (not srun, Slurm did not say its task count).
std::string srun_world_mismatch(const std::string& launcher, const std::optional<SlurmJob>& slurm, int world_size);

// CPUs this process may run on (sched_getaffinity), at least 1.
int usable_cpus();

}  // namespace collbench::core

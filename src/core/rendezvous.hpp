#pragma once
// Which world a process starts, decided from the environment before MPI_Init: an MPI job (mpirun,
// mpiexec, srun with PMIx/PMI, or an MPI singleton), or ranks that meet through NCCL's own
// bootstrap at a rendezvous address (torchrun, a Kubernetes Indexed Job, srun --mpi=none,
// `collbench launch`). Pure logic over an environment lookup; no MPI, no NCCL.
//
// The conventions, first match wins:
//   collbench-launch  COLLBENCH_LAUNCHER=collbench-launch (set by `collbench launch`) and the
//                     torchrun variables it sets. Any other COLLBENCH_LAUNCHER value is refused.
//   torchrun          TORCHELASTIC_RUN_ID (set by torchrun's agent for its workers) with RANK and
//                     WORLD_SIZE: torchrun started this process even where an MPI variable leaked
//                     in from around torchrun (srun --mpi=pmix torchrun ...).
//   mpi               OMPI_COMM_WORLD_RANK, PMIX_RANK or PMI_RANK set (mpirun, mpiexec, an srun
//                     step with PMIx or PMI).
//   torchrun          RANK or WORLD_SIZE set (torchrun, our Kubernetes manifests: RANK from
//                     JOB_COMPLETION_INDEX): RANK, WORLD_SIZE, LOCAL_RANK (default 0),
//                     LOCAL_WORLD_SIZE (default 1), NODE_RANK or GROUP_RANK, MASTER_ADDR and
//                     MASTER_PORT (or --rendezvous-port when MASTER_PORT is not set).
//   srun              an srun step without PMI (srun --mpi=none: SLURM_STEP_ID and SLURM_PROCID set,
//                     PMIX_RANK and PMI_RANK not): rank SLURM_PROCID of SLURM_STEP_NUM_TASKS (or
//                     SLURM_NTASKS), local rank SLURM_LOCALID of SLURM_STEP_TASKS_PER_NODE (expanded)
//                     at SLURM_NODEID; host: the first node of SLURM_STEP_NODELIST (else
//                     SLURM_JOB_NODELIST); port: --rendezvous-port, else COLLBENCH_RENDEZVOUS_PORT,
//                     else 20000 + (SLURM_JOB_ID * 64 + SLURM_STEP_ID) % 20000, so two steps of a job
//                     (or two jobs) whose first node is the same do not meet at the same port.
//   plain process     mpi (an MPI singleton) when built with MPI, else nccl with "single": one rank.
// NCCL_COMM_ID ("host:port", "[v6]:port"), when set, is the address for every nccl convention but
// "single": the user chose NCCL's address explicitly. WORLD_SIZE 1 needs no address.
#include <string>

#include "core/launcher.hpp"

namespace collbench::core {

struct Rendezvous {
  std::string convention = "single";  // "torchrun", "srun", "collbench-launch" or "single"
  int rank = 0, world_size = 1, local_rank = 0, local_world_size = 1;
  int node_rank = -1;                 // NODE_RANK / GROUP_RANK / SLURM_NODEID; -1 when not given
  std::string host;                   // rendezvous host, without brackets ("" for single)
  int port = 0;                       // 0 when there is no address
  // Where the address came from, for messages: "MASTER_ADDR/MASTER_PORT", "NCCL_COMM_ID",
  // "SLURM_STEP_NODELIST + port 29517 (default: 20000 + (SLURM_JOB_ID * 64 + SLURM_STEP_ID) % 20000)".
  std::string source;
  // "host:port", "[v6]:port" for an IPv6 literal; "" when there is no address (single).
  std::string address() const;
};

enum class WorldKind { mpi, nccl };

struct WorldChoice {
  WorldKind kind = WorldKind::mpi;
  Rendezvous rendezvous;  // meaningful for nccl; for mpi, "single" defaults
};

// Throws InputError, one line naming the variable, its value and what was expected: RANK without
// WORLD_SIZE or the reverse, a value that is not an integer, RANK outside [0, WORLD_SIZE),
// LOCAL_RANK outside [0, LOCAL_WORLD_SIZE), LOCAL_WORLD_SIZE > WORLD_SIZE, WORLD_SIZE > 1 without
// MASTER_ADDR + MASTER_PORT or NCCL_COMM_ID, a port outside 1..65535 (port_flag, named
// --rendezvous-port, too), an MPI launch when !with_mpi, inconsistent Slurm variables.
// `port_flag` > 0 overrides srun's port; under torchrun MASTER_PORT wins over it.
WorldChoice choose_world(const EnvLookup& env, bool with_mpi, int port_flag = 0);

}  // namespace collbench::core

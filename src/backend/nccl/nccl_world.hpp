#pragma once
// The job's control plane without MPI (torchrun, Kubernetes, srun --mpi=none, collbench launch):
// a communicator of its own, bootstrapped through NCCL_COMM_ID=<host>:<port> (rank 0 starts NCCL's
// bootstrap root inside its init: init.cc:2017-2025, bootstrap.cc:417-421 in NCCL 2.28.9), on a
// stream of its own, with small device buffers. Barriers, stop decisions and gathers are NCCL
// collectives there, outside every timed loop. Later communicators (the measurements', the
// --per-node/--pairs groups') get ids broadcast over it, or ncclCommSplit. No CUDA or NCCL type here.
#include <memory>
#include <string>

#include "measure/world.hpp"

namespace collbench::backend::nccl {

struct NcclWorldSpec {
  int rank = 0;
  int size = 1;
  int local_rank = 0;
  int local_size = 1;
  std::string address;        // "<host>:<port>", NCCL_COMM_ID's form
  std::string source;         // where the address came from, for messages
  std::string convention;     // "torchrun", "srun", "collbench-launch"
  double init_timeout_s = 300;  // the rendezvous must complete by then, or exit 3
  double op_timeout_s = 330;    // a control operation that gets no answer by then: core::TimeoutError
};

// Joins the job: sets NCCL_COMM_ID to spec.address for the first communicator only (unset after, so
// later ncclGetUniqueId calls start fresh roots), on this rank's GPU (choose_device). A rendezvous
// that does not complete by spec.init_timeout_s prints one line naming the address, the expected
// ranks and the deadline, and exits 3. Throws core::RunError when NCCL refuses (address in use,
// unreachable: NCCL's own reason) or this rank has no GPU.
std::unique_ptr<measure::World> make_nccl_world(const NcclWorldSpec& spec);

}  // namespace collbench::backend::nccl

#pragma once
// The nccl backend: one GPU per rank, device buffers, NCCL collectives timed with CUDA events.
// No CUDA or NCCL type appears here, so the CLI and measure modules include it freely; a build
// without CUDA links nccl_unavailable.cpp instead, whose factory says why it cannot run.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "backend/backend.hpp"
#include "backend/nccl/nccl_options.hpp"

namespace collbench::backend::nccl {


// What the backend needs of the job, without MPI types.
struct JobInfo {
  int rank = 0;
  int size = 1;
  int local_rank = 0;  // among the ranks of this host (MPI_COMM_TYPE_SHARED; SLURM_LOCALID or LOCAL_RANK without MPI)
  int local_size = 1;
  std::string host;
  // Copies `bytes` at `data` from rank 0 to every rank (collective).
  std::function<void(void* data, std::size_t bytes)> broadcast_from_root;
  // The smallest of every rank's `value` (collective); unset: the value itself (one rank).
  std::function<std::int64_t(std::int64_t value)> min_over_ranks;
};

struct GpuProbe {
  int count = 0;    // CUDA devices visible to this process
  std::string why;  // when count == 0: what was not found
};

bool built_with_cuda();
// Never throws: no driver, no device or no CUDA in this build all come back as count 0 + why.
GpuProbe probe_gpus();
// Why this rank of `job` cannot have a GPU of its own (no GPU visible, or more ranks on its host
// than GPUs visible there), or empty. Every rank asks before any rank starts NCCL, so a refusal
// reaches them all instead of leaving the others waiting in init for a rank that is gone.
std::string device_refusal(const JobInfo& job);
// The UUID of the GPU this rank of `job` will use ("" when it has none): ranks of one host that
// would share a GPU are refused before NCCL's init, which would fail on them ("Duplicate GPU").
std::string device_uuid(const JobInfo& job);
// Why the NCCL library in use cannot do what `opt` asks (--register without its call, a combined
// CTA policy before NCCL 2.29), in one line for exit 2, or empty (nccl_setup.hpp's library_refusal
// with this library's version and calls). Every rank asks before any rank starts NCCL.
std::string library_refusal(const NcclOptions& opt);
// `opt` as checked_config (nccl_setup.hpp) returns it: NCCL's config checks applied, a minCTAs
// alone completed with NCCL's maxCTAs. Throws core::RunError (exit 3) when this rank cannot get a
// GPU or NCCL fails to initialise.
std::unique_ptr<Backend> make_nccl_backend(const JobInfo& job, const NcclOptions& opt);

}  // namespace collbench::backend::nccl

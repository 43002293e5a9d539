#pragma once
// How long a collective takes on the stand-in, and which algorithm and protocol it uses: the
// model backend's NCCL 2.28.9 cost model (src/backend/model) over a topology of the job's shape
// (COLLBENCH_STANDIN_TOPOLOGY, default an H100 DGX fabric with 400 Gb/s NICs), with NCCL_ALGO /
// NCCL_PROTO / NCCL_NVLS_ENABLE / NCCL_PAT_ENABLE read at each init (tuning.cc:419,424), and the
// tuner plugin (NCCL_TUNER_PLUGIN, interface v5) asked per call with the model's cost table, as
// enqueue.cc does. Seeded jitter (COLLBENCH_STANDIN_JITTER, COLLBENCH_STANDIN_SEED) is optional.
#include <memory>
#include <string>

#include "comm.hpp"

namespace cbsi {

class Cost {
 public:
  // Throws std::runtime_error with NCCL's message on a bad environment or topology.
  explicit Cost(const Comm& c);
  ~Cost();
  // The cell for a call; false when no algorithm can run it (NCCL: ncclInvalidUsage).
  bool choose(Func f, ncclDataType_t t, bool avg, std::size_t nccl_tests_bytes, Choice* out);
  // The seeded jitter factor of the comm's Nth executed operation (1 when off).
  double jitter(std::uint64_t seq) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace cbsi

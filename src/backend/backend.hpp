#pragma once
// The seam every backend (mpi, nccl, model) implements. Plain data in, durations out: the
// measurement loop, statistics and verification live elsewhere and are backend-agnostic.
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "core/collective.hpp"
#include "core/datatype.hpp"
#include "core/fault.hpp"
#include "core/redop.hpp"
#include "verify/pattern.hpp"

namespace collbench::backend {

struct CaseSpec {
  core::Collective coll = core::Collective::allreduce;
  core::DataType dtype = core::DataType::float32;
  core::RedOp op = core::RedOp::sum;
  int root = 0;
  bool in_place = false;
  std::uint64_t requested_bytes = 0;
  core::CollShape shape;
  std::shared_ptr<const core::Traffic> traffic;  // alltoallv's per-peer counts (null: nccl-tests' default)
  // sendrecv: the ring reversed, each rank sending to rank-1 and receiving from rank+1 (nccl-tests'
  // ring, sendrecv.cu:48-60, is the other way: run --sendrecv-ring).
  bool reverse_ring = false;
};

struct BackendInfo {
  std::string name;       // "mpi" | "nccl" | "model"
  std::string library;    // the library and its version
  std::string timer;      // what the durations are measured with
  bool predicted = false; // durations are predictions, not measurements (model backend)
  // CUDA and NCCL are collbench's CPU stand-ins (tests/standin): nothing ran on a GPU, and the
  // durations are the stand-in's simulated clock. Set by the nccl backend when it finds them.
  bool standin = false;
  // The backend ends a case that runs past its timeout itself (aborting its communicator) and
  // throws core::TimeoutError; the job-wide watchdog is then only a backstop.
  bool aborts_on_timeout = false;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendInfo info() const = 0;
  // Allocates (once) buffers large enough for every case of the run.
  virtual void reserve(std::uint64_t send_bytes, std::uint64_t recv_bytes) = 0;
  // Empty when the backend can run `c`, else why not (recorded as the case's error).
  virtual std::string unsupported(const CaseSpec& c) const = 0;
  // Binds buffers and arguments for the case; the calls below act on the last bound case.
  virtual void prepare(const CaseSpec& c) = 0;
  // Runs out.size() iterations back to back and writes this rank's duration of each (us).
  virtual void run_timed(std::span<double> out_us) = 0;
  // Runs outside.size() iterations and splits each into the time outside and inside the call.
  virtual void run_probe(std::span<double> outside_us, std::span<double> inside_us) = 0;
  // Fills inputs from `pattern`, poisons outputs, runs once and returns this rank's wrong
  // elements (after applying an injected corruption, if any).
  virtual std::uint64_t check(const verify::Pattern& pattern) = 0;

  // Recorded in the run metadata: this rank's device (GPU model, PCI bus id …), and what holds
  // for the whole job (library versions, the configuration in force).
  virtual std::map<std::string, std::string> rank_details() const { return {}; }
  virtual std::map<std::string, std::string> job_details() const { return {}; }
  // About the last measured case, recorded with its result on rank 0 (e.g. NCCL's algorithm and
  // protocol); called once per case, after the check.
  virtual std::map<std::string, std::string> case_notes() { return {}; }

  void set_faults(const core::FaultPlan& faults) { m_faults = faults; }

 protected:
  core::FaultPlan m_faults;
};

}  // namespace collbench::backend

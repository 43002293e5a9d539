#pragma once
// What `collbench run` was asked to do, as plain data: the plan, the measurement options and the
// job's settings. cli/run_options.cpp makes it from the flags (validated there, identically on
// every rank, before anything starts); app/ runs it.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backend/nccl/nccl_options.hpp"
#include "core/fault.hpp"
#include "core/traffic.hpp"
#include "measure/case_runner.hpp"
#include "plan/run_plan.hpp"

namespace collbench::app {

struct RunConfig {
  plan::RunPlan plan;
  measure::MeasureOptions measure;
  double timeout_s = 300.0;
  double init_timeout_s = 300.0;  // without MPI: NCCL's rendezvous must complete by then (exit 3)
  int rendezvous_port = 0;        // srun --mpi=none: the rendezvous port (0: COLLBENCH_RENDEZVOUS_PORT or the default)
  std::string backend;  // "auto" (nccl when a GPU is visible, else mpi), "mpi", "nccl" or "model"
  backend::nccl::NcclOptions nccl;
  bool nccl_options_given = false;
  bool compat_nccl_tests = false;  // --compat nccl-tests: the table prints nccl-tests' figure
  std::string json_path;
  std::string prometheus_path;  // --prometheus: the results as metrics, written when the run ends
  std::string launch_file;  // --sweep-launch: run a sweep's launch file instead of the flags' plan
  std::vector<core::Fault> faults;
  std::shared_ptr<const core::Traffic> traffic;  // alltoallv's, when the plan has it
  bool reverse_ring = false;                     // --sendrecv-ring reverse
  bool per_node = false;
  bool pairs = false;
  int pair_rounds = 3;      // 0: a full round-robin
  int ranks_per_node = 0;   // 0: ranks sharing a host form a node
  std::map<std::string, std::string> settings;  // recorded in the run metadata
  std::string topology_path;  // --backend model: the described fabric
  int nodes = 0;              // --backend model: the topology at this node count (0: as described)
};

}  // namespace collbench::app

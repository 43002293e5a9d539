#pragma once
// `collbench run`: its flags (CLI11) and their translation into a plan and measurement options.
// Everything here is validated before MPI starts, identically on every rank, so bad input exits 2
// on every rank without a hang.
#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

#include "backend/nccl/nccl_backend.hpp"
#include "core/fault.hpp"
#include "measure/case_runner.hpp"
#include "plan/run_plan.hpp"

namespace collbench::cli {

struct RunArgs {
  std::string minbytes = "8";
  std::string maxbytes = "32M";
  double stepfactor = 2.0;
  std::string stepbytes;
  int iters = 20;
  int warmup = 5;
  int check = 1;
  std::string datatype = "float";
  std::string op = "sum";
  std::string coll = "allreduce";
  std::string placement = "both";
  int root = 0;
  std::string json;
  bool samples = false;
  std::string backend = "auto";
  int min_iters = 0;
  int max_iters = 0;
  double target_rel_ci = 0.0;
  double time_budget = 0.0;
  int probe_iters = 10;
  double timeout = 300.0;
  // launches without MPI (torchrun, Kubernetes, srun --mpi=none, collbench launch)
  double init_timeout = 300.0;
  int rendezvous_port = 0;
  // nccl backend
  int nccl_min_ctas = -1;
  int nccl_max_ctas = -1;
  std::string nccl_cta_policy;
  int nccl_cga_cluster_size = -1;
  int nccl_channels_per_net_peer = -1;
  int nccl_collnet = -1;
  bool cuda_graph = false;
  std::string rotate = "auto";
  bool nccl_tuning_info = false;
  std::string compat;        // "nccl-tests": measure and print as nccl-tests does
  std::string sweep_launch;  // internal: a launch of `collbench sweep`
  // Finding a bad node in one launch: the plan again on each node alone and on pairs of nodes.
  bool per_node = false;
  bool pairs = false;
  int pair_rounds = 3;
  int ranks_per_node = 0;
  // model backend
  std::string topology;
  int nodes = 0;
};

// Adds the `run` subcommand, bound to `args`.
CLI::App* add_run_command(CLI::App& app, RunArgs& args);

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
  std::string launch_file;  // --sweep-launch: run a sweep's launch file instead of the flags' plan
  std::vector<core::Fault> faults;
  bool per_node = false;
  bool pairs = false;
  int pair_rounds = 3;      // 0: a full round-robin
  int ranks_per_node = 0;   // 0: ranks sharing a host form a node
  std::map<std::string, std::string> settings;  // recorded in the run metadata
  std::string topology_path;  // --backend model: the described fabric
  int nodes = 0;              // --backend model: the topology at this node count (0: as described)
};

// Throws core::InputError naming the flag and what was expected.
RunConfig make_run_config(const RunArgs& args, const CLI::App& run_cmd, const char* inject_env);

}  // namespace collbench::cli

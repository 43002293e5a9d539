#pragma once
// `collbench run`: its flags (CLI11) and their translation into a plan and measurement options.
// Everything here is validated before MPI starts, identically on every rank, so bad input exits 2
// on every rank without a hang.
#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

#include "app/run_config.hpp"

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
  std::string alltoallv_traffic;  // uniform | spread:F | matrix:FILE (nccl-tests' default: spread:1)
  double alltoallv_scale = 1.0;
  std::string sendrecv_ring = "forward";  // forward (nccl-tests': to rank+1) | reverse (to rank-1)
  int root = 0;
  std::string json;
  std::string prometheus;
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
  std::string register_buffers = "none";  // --register none|local|symmetric
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

using app::RunConfig;

// Throws core::InputError naming the flag and what was expected.
RunConfig make_run_config(const RunArgs& args, const CLI::App& run_cmd, const char* inject_env);

// A sweep's `collbench run ...` arguments (args[0] is "run") checked by this parser, as
// app::RunArgsCheck wants: returns their case timeout; throws InputError naming the bad option.
double check_run_args(const std::vector<std::string>& args);

}  // namespace collbench::cli

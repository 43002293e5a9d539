#include "cli/run_options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "backend/nccl/nccl_setup.hpp"
#include "core/error.hpp"
#include "core/size.hpp"

namespace collbench::cli {

namespace {

constexpr const char* kFooter = R"(Examples:
  mpirun -np 4 collbench run -b 8 -e 128M -f 2 --coll all
  mpirun -np 8 collbench run --backend mpi -d bfloat16 -o sum --coll allreduce --json out.json
  mpirun -np 2 collbench run -b 1M -e 1M --target-rel-ci 0.01 --max-iters 100000 --time-budget 5
  mpirun -np 8 collbench run --backend nccl -b 8 -e 8G -f 2 --coll all --nccl-max-ctas 16 --cuda-graph

Exit codes: 0 ok, 1 wrong results, 2 bad input, 3 the run failed (crash, timeout).
Test-only fault injection: COLLBENCH_INJECT=corrupt:RANK|delay:RANK:US|crash:RANK|hang:RANK|pause:RANK)";

bool given(const CLI::App& cmd, const char* name) { return cmd.count(name) > 0; }

void require(bool ok, const std::string& message) {
  if (!ok) throw core::InputError(message);
}

}  // namespace

CLI::App* add_run_command(CLI::App& app, RunArgs& a) {
  CLI::App* run = app.add_subcommand("run", "Measure collectives across message sizes (launch with mpirun/srun)");
  run->footer(kFooter);
  run->add_option("-b,--minbytes", a.minbytes, "Smallest size in bytes; K/M/G suffixes are 1024-based")->capture_default_str();
  run->add_option("-e,--maxbytes", a.maxbytes, "Largest size in bytes")->capture_default_str();
  run->add_option("-f,--stepfactor", a.stepfactor, "Multiplicative size step (wins over --stepbytes when > 1)")->capture_default_str();
  run->add_option("-i,--stepbytes", a.stepbytes, "Additive size step, used when --stepfactor is 1");
  run->add_option("-n,--iters", a.iters, "Timed iterations per case (fixed mode)")->capture_default_str();
  run->add_option("-w,--warmup", a.warmup, "Untimed warm-up iterations per case")->capture_default_str();
  run->add_option("-c,--check", a.check, "Verify results bit-exactly outside the timed loop: 0 or 1")->capture_default_str();
  run->add_option("-d,--datatype", a.datatype, "int8 uint8 int32 uint32 int64 uint64 half bfloat16 float double f8e4m3 f8e5m2")->capture_default_str();
  run->add_option("-o,--op", a.op, "sum prod min max avg")->capture_default_str();
  run->add_option("--coll", a.coll, "allreduce,allgather,reducescatter,alltoall,broadcast,reduce,sendrecv,alltoallv; "
                  "'all' = the first four, 'every' = all eight")->capture_default_str();
  run->add_option("--alltoallv-traffic", a.alltoallv_traffic,
                  "alltoallv's per-peer bytes: uniform, spread:F (0 uniform .. 1 distance-weighted, nccl-tests' "
                  "NCCL_TESTS_ALLTOALLV_SPREAD; default spread:1) or matrix:FILE (bytes rank i sends rank j; "
                  "NCCL_TESTS_ALLTOALLV_MATRIX_FILE)");
  run->add_option("--alltoallv-scale", a.alltoallv_scale,
                  "Scale of a --alltoallv-traffic matrix (NCCL_TESTS_ALLTOALLV_MATRIX_SCALE)")->capture_default_str();
  run->add_option("--sendrecv-ring", a.sendrecv_ring,
                  "sendrecv's ring: forward (send to rank+1, receive from rank-1, as nccl-tests' sendrecv_perf) or "
                  "reverse (send to rank-1): the other direction of every hop")->capture_default_str();
  run->add_option("--placement", a.placement, "out, in or both")->capture_default_str();
  run->add_option("-r,--root", a.root, "Root rank of broadcast and reduce")->capture_default_str();
  run->add_option("--json", a.json, "Write the versioned results document (reports/SCHEMA.md) to FILE");
  run->add_option("--prometheus", a.prometheus,
                  "Write the results as Prometheus metrics to FILE at the end (atomically; reports/METRICS.md)");
  run->add_flag("--samples", a.samples, "Keep every raw iteration time in the JSON");
  run->add_option("--backend", a.backend, "auto (nccl when a GPU is visible, else mpi), mpi (host memory), nccl (GPUs) or model (predicted)")->capture_default_str();
  run->add_option("--min-iters", a.min_iters, "Adaptive mode: first batch of iterations (default 20)");
  run->add_option("--max-iters", a.max_iters, "Adaptive mode: at most this many iterations (default 10000)");
  run->add_option("--target-rel-ci", a.target_rel_ci, "Adaptive mode: stop when the median's 95% CI half-width is below this fraction of it (default 0.01)");
  run->add_option("--time-budget", a.time_budget, "Adaptive mode: seconds of timed iterations per case at most (default 10)");
  run->add_option("--probe-iters", a.probe_iters, "Iterations of the straggler probe per case (0 disables)")->capture_default_str();
  run->add_option("--timeout", a.timeout, "Seconds a case may take before the job is aborted with exit 3 (0 disables)")->capture_default_str();
  const char* l = "launch without MPI (torchrun, Kubernetes, srun --mpi=none, collbench launch)";
  run->add_option("--init-timeout", a.init_timeout, "Seconds every rank has to reach NCCL's rendezvous (MASTER_ADDR:MASTER_PORT, "
                                                    "NCCL_COMM_ID) before exit 3")->capture_default_str()->group(l);
  run->add_option("--rendezvous-port", a.rendezvous_port, "srun --mpi=none: the port on the step's first node (default: "
                                                          "COLLBENCH_RENDEZVOUS_PORT, else derived from the job and step ids)")->group(l);
  const char* g = "nccl backend";
  run->add_option("--nccl-min-ctas", a.nccl_min_ctas, "ncclConfig_t.minCTAs (1-64; NCCL_MIN_CTAS overrides)")->group(g);
  run->add_option("--nccl-max-ctas", a.nccl_max_ctas, "ncclConfig_t.maxCTAs (1-64; NCCL_MAX_CTAS overrides)")->group(g);
  run->add_option("--nccl-cta-policy", a.nccl_cta_policy, "ncclConfig_t.CTAPolicy: default, efficiency, zero, or efficiency|zero "
                  "(NCCL >= 2.29); 0-3 as nccl-tests -x (NCCL_CTA_POLICY overrides)")->group(g);
  run->add_option("--register", a.register_buffers, "Register the buffers with NCCL per case, every buffer set: none, local "
                  "(ncclCommRegister, nccl-tests -R 1) or symmetric (ncclCommWindowRegister NCCL_WIN_COLL_SYMMETRIC, -R 2)")
      ->capture_default_str()->group(g);
  run->add_option("--nccl-cga-cluster-size", a.nccl_cga_cluster_size, "ncclConfig_t.cgaClusterSize (0-8)")->group(g);
  run->add_option("--nccl-channels-per-net-peer", a.nccl_channels_per_net_peer, "ncclConfig_t.nChannelsPerNetPeer (>= 1)")->group(g);
  run->add_option("--nccl-collnet", a.nccl_collnet, "ncclConfig_t.collnetEnable: 0 or 1")->group(g);
  run->add_flag("--cuda-graph", a.cuda_graph, "Launch each iteration as a captured CUDA graph")->group(g);
  run->add_option("--rotate", a.rotate, "Device buffer sets cycled per iteration: auto (enough to exceed 2x L2), off (one set, as nccl-tests) or N")->capture_default_str()->group(g);
  run->add_option("--compat", a.compat, "nccl-tests: measure as nccl-tests does (one buffer set, -w 1 unless given, "
                  "nvlinkCentricSched=1) and print nccl-tests' figure (mean over ranks of each rank's mean time)");
  run->add_flag("--nccl-tuning-info", a.nccl_tuning_info, "Record NCCL's algorithm, protocol and time estimate per case (sets NCCL_DEBUG=INFO and adds TUNING and INIT to "
                "NCCL_DEBUG_SUBSYS; what your own NCCL_DEBUG asked for still reaches stderr)")->group(g);
  const char* mg = "model backend (predictions, not measurements)";
  run->add_option("--topology", a.topology, "The described fabric to predict for (reports/MODEL.md; sweeps/topologies/)")->group(mg);
  run->add_option("--nodes", a.nodes, "Predict for this many nodes of the topology's kind (default: its own count)")->group(mg);
  // Internal, set by `collbench sweep` for each launch; hidden from --help.
  run->add_option("--sweep-launch", a.sweep_launch, "")->group("");
  const char* loc = "Finding a bad node (after the whole-job cases, in the same launch)";
  run->add_flag("--per-node", a.per_node, "Run the cases again on each node alone, all nodes at once, and compare the nodes")->group(loc);
  run->add_flag("--pairs", a.pairs, "Run the cases again on pairs of nodes, in rounds with new partners, and compare the pairs")->group(loc);
  run->add_option("--pair-rounds", a.pair_rounds, "Rounds of --pairs (0: every pairing; capped at nodes-1)")->capture_default_str()->group(loc);
  run->add_option("--ranks-per-node", a.ranks_per_node, "Treat every N consecutive ranks as a node (default: ranks sharing a host), "
                  "e.g. to compare the GPUs of one node pair by pair")->group(loc);
  return run;
}

namespace {

using backend::nccl::RegisterMode;

// NCCL's policies (nccl.h.in:64-66) by name or number, combined with '|' as NCCL 2.29 takes them
// (2.28.9 takes one: library_refusal says so, knowing the library in use).
int cta_policy(const std::string& text) {
  const std::string why = "--nccl-cta-policy '" + text + "': expected default, efficiency, zero, efficiency|zero or 0-3";
  int policy = 0;
  std::size_t at = 0;
  do {
    const std::size_t bar = text.find('|', at);
    const std::string p = text.substr(at, bar == std::string::npos ? std::string::npos : bar - at);
    const int v = p == "default" || p == "0" ? 0 : p == "efficiency" || p == "1" ? 1 : p == "zero" || p == "2" ? 2 : p == "3" ? 3 : -1;
    require(v >= 0, why);
    policy |= v;
    at = bar == std::string::npos ? std::string::npos : bar + 1;
  } while (at != std::string::npos);
  return policy;
}

int ranged(const CLI::App& cmd, const char* flag, int value, int lo, int hi) {
  if (!given(cmd, flag)) return -1;
  require(value >= lo && value <= hi, fmt::format("{} {}: expected an integer from {} to {}", flag, value, lo, hi));
  return value;
}

backend::nccl::NcclOptions make_nccl_options(const RunArgs& a, const CLI::App& cmd, bool* any_given) {
  backend::nccl::NcclOptions o;
  o.min_ctas = ranged(cmd, "--nccl-min-ctas", a.nccl_min_ctas, 1, 64);
  o.max_ctas = ranged(cmd, "--nccl-max-ctas", a.nccl_max_ctas, 1, 64);
  if (given(cmd, "--nccl-cta-policy")) o.cta_policy = cta_policy(a.nccl_cta_policy);
  if (given(cmd, "--register")) {
    const std::string& r = a.register_buffers;
    require(r == "none" || r == "local" || r == "symmetric", "--register '" + r + "': expected none, local or symmetric");
    o.register_mode = r == "local" ? RegisterMode::local : r == "symmetric" ? RegisterMode::symmetric : RegisterMode::none;
    require(o.register_mode == RegisterMode::none || (a.backend != "mpi" && a.backend != "model"),
            "--register " + r + ": registers NCCL buffers; expected --backend nccl (got --backend " + a.backend + ")");
  }
  o.cga_cluster_size = ranged(cmd, "--nccl-cga-cluster-size", a.nccl_cga_cluster_size, 0, 8);
  o.channels_per_net_peer = ranged(cmd, "--nccl-channels-per-net-peer", a.nccl_channels_per_net_peer, 1, 64);
  o.collnet_enable = ranged(cmd, "--nccl-collnet", a.nccl_collnet, 0, 1);
  o.graph = a.cuda_graph;
  o.tuning_info = a.nccl_tuning_info;
  if (a.rotate == "auto") {
    o.rotate = 0;
  } else if (a.rotate == "off") {
    o.rotate = 1;
  } else {
    int n = 0;
    const auto [ptr, ec] = std::from_chars(a.rotate.data(), a.rotate.data() + a.rotate.size(), n);
    require(ec == std::errc() && ptr == a.rotate.data() + a.rotate.size() && n >= 1 && n <= 64,
            "--rotate '" + a.rotate + "': expected auto, off or a number of buffer sets from 1 to 64");
    o.rotate = n;
  }
  if (a.compat == "nccl-tests") {  // what nccl-tests' initComms and its buffers do
    require(!given(cmd, "--rotate") || a.rotate == "off" || a.rotate == "1",
            "--rotate " + a.rotate + ": --compat nccl-tests uses one buffer set, as nccl-tests (expected no --rotate, or off)");
    o.rotate = 1;
    o.nvlink_centric_sched = 1;  // nccl-tests common.cu:203-205 (NCCL >= 2.28)
    o.compat_nccl_tests = true;
  }
  // NCCL's own config checks, before anything is launched (the pair completed where NCCL needs it).
  if (a.backend != "mpi" && a.backend != "model") o = backend::nccl::checked_config(o, backend::nccl::process_env(), false);
  *any_given = false;
  for (const char* f : {"--nccl-min-ctas", "--nccl-max-ctas", "--nccl-cta-policy", "--nccl-cga-cluster-size",
                        "--nccl-channels-per-net-peer", "--nccl-collnet", "--cuda-graph", "--rotate", "--nccl-tuning-info", "--register"})
    if (given(cmd, f)) {
      *any_given = true;
      require(a.backend != "mpi" && a.backend != "model", std::string(f) + ": applies to --backend nccl only (got --backend " + a.backend + ")");
    }
  return o;
}

}  // namespace

RunConfig make_run_config(const RunArgs& a, const CLI::App& cmd, const char* inject_env) {
  RunConfig cfg;
  cfg.backend = a.backend;
  require(a.backend == "auto" || a.backend == "mpi" || a.backend == "nccl" || a.backend == "model",
          "--backend '" + a.backend + "': expected auto, mpi, nccl or model");
  cfg.nccl = make_nccl_options(a, cmd, &cfg.nccl_options_given);
  plan::SizeRange range;
  range.min_bytes = core::parse_size(a.minbytes, "--minbytes");
  range.max_bytes = core::parse_size(a.maxbytes, "--maxbytes");
  range.step_factor = a.stepfactor;
  if (!a.stepbytes.empty()) range.step_bytes = core::parse_size(a.stepbytes, "--stepbytes");
  if (given(cmd, "--stepbytes") && !given(cmd, "--stepfactor")) range.step_factor = 1.0;
  require(a.stepfactor >= 1.0, fmt::format("--stepfactor {}: expected a factor >= 1", a.stepfactor));
  cfg.plan.sizes = plan::size_steps(range);
  cfg.plan.collectives = core::parse_collectives(a.coll);
  cfg.plan.dtype = core::parse_datatype(a.datatype);
  cfg.plan.op = core::parse_redop(a.op);
  cfg.plan.placements = plan::parse_placements(a.placement);
  cfg.plan.root = a.root;
  require(a.root >= 0, fmt::format("--root {}: expected a rank >= 0", a.root));
  plan::validate(cfg.plan);
  const bool has_alltoallv = std::find(cfg.plan.collectives.begin(), cfg.plan.collectives.end(),
                                       core::Collective::alltoallv) != cfg.plan.collectives.end();
  require(has_alltoallv || (!given(cmd, "--alltoallv-traffic") && !given(cmd, "--alltoallv-scale")),
          "--alltoallv-traffic/--alltoallv-scale: apply to --coll alltoallv, which '" + a.coll + "' does not name");
  const bool has_sendrecv = std::find(cfg.plan.collectives.begin(), cfg.plan.collectives.end(),
                                      core::Collective::sendrecv) != cfg.plan.collectives.end();
  require(a.sendrecv_ring == "forward" || a.sendrecv_ring == "reverse",
          "--sendrecv-ring '" + a.sendrecv_ring + "': expected forward or reverse");
  require(has_sendrecv || !given(cmd, "--sendrecv-ring"),
          "--sendrecv-ring: applies to --coll sendrecv, which '" + a.coll + "' does not name");
  cfg.reverse_ring = a.sendrecv_ring == "reverse";
  if (has_alltoallv) {
    cfg.traffic = std::make_shared<const core::Traffic>(core::Traffic::parse(
        a.alltoallv_traffic.empty() ? "spread:1" : a.alltoallv_traffic, a.alltoallv_scale, "--alltoallv-traffic"));
    require(cfg.traffic->from_matrix() || !given(cmd, "--alltoallv-scale"),
            "--alltoallv-scale: scales a matrix; expected --alltoallv-traffic matrix:FILE");
    // alltoallv.cu:598-601: the matrix fixes every count, so one size is all there is to measure.
    require(!cfg.traffic->from_matrix() || cfg.plan.sizes.size() == 1,
            "--alltoallv-traffic matrix: the matrix fixes the bytes; expected one size (-b equal to -e), as "
            "nccl-tests' alltoallv_perf requires");
  }

  auto& m = cfg.measure;
  require(a.iters >= 1, fmt::format("--iters {}: expected at least 1", a.iters));
  require(a.warmup >= 0, fmt::format("--warmup {}: expected 0 or more", a.warmup));
  require(a.check == 0 || a.check == 1, fmt::format("--check {}: expected 0 or 1", a.check));
  require(a.probe_iters >= 0, fmt::format("--probe-iters {}: expected 0 or more", a.probe_iters));
  require(a.timeout >= 0, fmt::format("--timeout {}: expected seconds >= 0", a.timeout));
  require(a.init_timeout > 0, fmt::format("--init-timeout {}: expected seconds > 0", a.init_timeout));
  require(a.rendezvous_port >= 0 && a.rendezvous_port <= 65535,
          fmt::format("--rendezvous-port {}: expected a port 1..65535", a.rendezvous_port));
  require(a.compat.empty() || a.compat == "nccl-tests", "--compat '" + a.compat + "': expected nccl-tests");
  cfg.compat_nccl_tests = a.compat == "nccl-tests";
  m.iters = a.iters;
  m.warmup_iters = cfg.compat_nccl_tests && !given(cmd, "--warmup") ? 1 : a.warmup;  // nccl-tests common.cu:97
  m.check = a.check == 1;
  m.keep_samples = a.samples;
  m.probe_iters = a.probe_iters;
  m.adaptive = given(cmd, "--min-iters") || given(cmd, "--max-iters") || given(cmd, "--target-rel-ci") ||
               given(cmd, "--time-budget");
  if (m.adaptive) {
    require(!given(cmd, "--iters"), "--iters: fixed iterations cannot be combined with the adaptive options "
                                    "--min-iters/--max-iters/--target-rel-ci/--time-budget");
    if (given(cmd, "--min-iters")) m.min_iters = a.min_iters;
    if (given(cmd, "--max-iters")) m.max_iters = a.max_iters;
    if (given(cmd, "--target-rel-ci")) m.target_rel_ci = a.target_rel_ci;
    if (given(cmd, "--time-budget")) m.time_budget_s = a.time_budget;
    require(m.min_iters >= 2, fmt::format("--min-iters {}: expected at least 2", m.min_iters));
    require(m.max_iters >= m.min_iters,
            fmt::format("--max-iters {}: expected at least --min-iters ({})", m.max_iters, m.min_iters));
    require(m.target_rel_ci > 0 && m.target_rel_ci < 1,
            fmt::format("--target-rel-ci {}: expected a fraction between 0 and 1, e.g. 0.01", m.target_rel_ci));
    require(m.time_budget_s > 0, fmt::format("--time-budget {}: expected seconds > 0", m.time_budget_s));
  }
  cfg.timeout_s = a.timeout;
  cfg.nccl.timeout_s = a.timeout;
  cfg.init_timeout_s = a.init_timeout;
  cfg.rendezvous_port = a.rendezvous_port;
  cfg.json_path = a.json;
  cfg.prometheus_path = a.prometheus;
  cfg.launch_file = a.sweep_launch;
  if (!cfg.launch_file.empty()) {
    require(a.backend == "mpi" || a.backend == "nccl" || a.backend == "model", "--sweep-launch: expected --backend mpi, nccl or model");
    require(a.json.empty(), "--sweep-launch: results go to the sweep's store, not --json");
  }
  if (inject_env && *inject_env) cfg.faults = core::parse_faults(inject_env);
  cfg.per_node = a.per_node;
  cfg.pairs = a.pairs;
  cfg.pair_rounds = a.pair_rounds;
  cfg.ranks_per_node = a.ranks_per_node;
  require(a.pair_rounds >= 0, fmt::format("--pair-rounds {}: expected 0 (every pairing) or a positive number of rounds", a.pair_rounds));
  require(a.ranks_per_node >= 0, fmt::format("--ranks-per-node {}: expected a positive number of ranks", a.ranks_per_node));
  require(a.ranks_per_node == 0 || a.per_node || a.pairs, "--ranks-per-node: expected --per-node or --pairs with it");
  if (!cfg.launch_file.empty()) require(!a.per_node && !a.pairs, "--sweep-launch: --per-node and --pairs are for collbench run");

  cfg.topology_path = a.topology;
  cfg.nodes = a.nodes;
  if (a.backend == "model") {
    require(!a.topology.empty(), "--backend model: expected --topology FILE (a described fabric, reports/MODEL.md; examples in "
                                 "sweeps/topologies/)");
    require(!a.per_node && !a.pairs, "--per-node/--pairs: the model backend predicts a whole job; expected --backend mpi or nccl");
    require(cfg.faults.empty(), "COLLBENCH_INJECT: fault injection needs a measuring backend, not --backend model");
  } else {
    require(a.topology.empty(), "--topology: applies to --backend model only (got --backend " + a.backend + ")");
    require(!given(cmd, "--nodes"), "--nodes: applies to --backend model only (got --backend " + a.backend + ")");
  }
  require(!given(cmd, "--nodes") || a.nodes >= 1, fmt::format("--nodes {}: expected a node count of at least 1", a.nodes));

  auto& s = cfg.settings;
  s["minbytes"] = std::to_string(range.min_bytes);
  s["maxbytes"] = std::to_string(range.max_bytes);
  s["step"] = range.step_factor > 1.0 ? fmt::format("{:g}(factor)", range.step_factor)
                                      : fmt::format("{}(bytes)", range.step_bytes);
  s["warmup_iters"] = std::to_string(m.warmup_iters);
  s["iters"] = m.adaptive ? fmt::format("adaptive[{}..{}]", m.min_iters, m.max_iters) : std::to_string(m.iters);
  s["check"] = m.check ? "1" : "0";
  s["placement"] = a.placement;
  s["datatype"] = std::string(core::name(cfg.plan.dtype));
  s["op"] = std::string(core::name(cfg.plan.op));
  s["collectives"] = a.coll;
  if (cfg.traffic) s["alltoallv_traffic"] = cfg.traffic->describe();
  if (has_sendrecv)
    s["sendrecv_ring"] = cfg.reverse_ring ? "reverse (each rank sends to rank-1 and receives from rank+1)"
                                          : "forward (each rank sends to rank+1 and receives from rank-1, as nccl-tests)";
  s["root"] = std::to_string(a.root);
  s["probe_iters"] = std::to_string(m.probe_iters);
  s["timeout_s"] = fmt::format("{:g}", cfg.timeout_s);
  if (m.adaptive) {
    s["target_rel_ci"] = fmt::format("{:g}", m.target_rel_ci);
    s["time_budget_s"] = fmt::format("{:g}", m.time_budget_s);
  }
  if (!cfg.faults.empty()) s["fault_injection"] = inject_env;
  if (cfg.compat_nccl_tests) s["compat"] = "nccl-tests";
  if (cfg.per_node) s["per_node"] = "1";
  if (cfg.pairs) s["pair_rounds"] = std::to_string(cfg.pair_rounds);
  if (cfg.ranks_per_node > 0) s["ranks_per_node"] = std::to_string(cfg.ranks_per_node);
  if (a.backend == "model") {
    for (const char* k : {"warmup_iters", "iters", "check", "probe_iters", "timeout_s"}) s.erase(k);
    s["topology"] = a.topology;
    if (a.nodes > 0) s["nodes"] = std::to_string(a.nodes);
  }
  return cfg;
}

double check_run_args(const std::vector<std::string>& args) {
  CLI::App app;
  RunArgs ra;
  CLI::App* run = add_run_command(app, ra);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes a vector last word first
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    throw core::InputError(e.what());
  }
  return make_run_config(ra, *run, nullptr).timeout_s;
}

}  // namespace collbench::cli

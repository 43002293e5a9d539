#include "app/sweep.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "app/this_binary.hpp"
#include "backend/model/graphs.hpp"
#include "backend/nccl/nccl_setup.hpp"
#include "core/error.hpp"
#include "core/launcher.hpp"
#include "core/text.hpp"
#include "plan/knobs.hpp"
#include "plan/sweep_plan.hpp"
#include "sweep/console.hpp"

#ifndef COLLBENCH_VERSION
#define COLLBENCH_VERSION "0.0.0"
#endif

namespace collbench::app {

namespace {

// The spec's measure options, checked by `run`'s own parser so a sweep accepts exactly what
// `run` accepts. Returns the run arguments every launch gets (without the launch file).
std::vector<std::string> launch_args(const plan::SweepSpec& spec, const RunArgsCheck& check, double* timeout_s) {
  std::vector<std::string> args = {"run", "--backend", spec.backend};
  if (spec.backend == "model") {
    args.insert(args.end(), {"--topology", spec.topology});
    if (spec.nodes > 0) args.insert(args.end(), {"--nodes", std::to_string(spec.nodes)});
  }
  for (const auto& [flag, value] : spec.measure) {
    args.push_back(flag);
    if (!value.empty()) args.push_back(value);
  }
  try {
    *timeout_s = check(args);
  } catch (const core::InputError& e) {
    throw core::InputError(fmt::format("{}: measure: {}", spec.source, e.what()));
  }
  return args;
}

// Each configuration's ncclConfig_t as its launch will pass it, checked as NCCL checks it under
// the launch's environment (this process's, with the launch's per-process knobs): a crossed
// minCTAs/maxCTAs pair is bad input now, not a failed launch later.
void check_nccl_configs(const plan::SweepSpec& spec, const plan::SweepPlan& p) {
  for (const plan::Launch& l : p.launches) {
    const backend::nccl::EnvLookup env = [&l](const std::string& name) -> std::optional<std::string> {
      if (const auto it = l.env.find(name); it != l.env.end()) return it->second;
      return backend::nccl::process_env()(name);
    };
    for (const plan::Block& b : l.blocks) {
      try {
        backend::nccl::block_options({}, b.nccl_config, env);
      } catch (const core::InputError& e) {
        throw core::InputError(fmt::format("{}: configuration {}: {}", spec.source, plan::describe(b.knobs), e.what()));
      }
    }
  }
}

void print_progress(const sweep::Progress& p) {
  std::string eta = p.eta_s < 0 ? "--" : sweep::duration_text(p.eta_s);
  std::string line = fmt::format("\r[{}/{} cases{}] {} {} | elapsed {} | ETA {}", p.done, p.total,
                                 p.failed ? fmt::format(", {} failed", p.failed) : "", p.launch, p.configuration,
                                 sweep::duration_text(p.elapsed_s), eta);
  if (line.size() > 150) line = std::string(core::utf8_prefix(line, 147)) + "...";
  std::fprintf(stderr, "%s\033[K", line.c_str());
  std::fflush(stderr);
}

}  // namespace

sweep::SweepOptions sweep_options(const plan::SweepSpec& spec, const std::string& out_dir, const RunArgsCheck& check) {
  sweep::SweepOptions opt;
  opt.out_dir = out_dir;
  opt.collbench = this_binary();
  opt.run_args = launch_args(spec, check, &opt.case_timeout_s);
  opt.version = COLLBENCH_VERSION;
  return opt;
}

int sweep(const SweepRequest& a, const RunArgsCheck& check) {
  if (!a.list_knobs.empty()) {
    std::fputs(sweep::catalog_text(a.list_knobs).c_str(), stdout);
    return 0;
  }
  if (a.spec.empty()) throw core::InputError("sweep: expected a spec file (sweeps/README.md), or --list-knobs nccl|mpi");
  if (core::launcher_rank() >= 0)
    throw core::InputError("collbench sweep starts its own launches through the spec's launcher; run it directly, not under mpirun or srun");
  if (a.out.empty() && !a.dry_run) throw core::InputError("--out: expected a directory for the sweep's store");
  if (a.retry_failed && !a.resume) throw core::InputError("--retry-failed: applies to --resume only");
  plan::SweepSpec spec = plan::read_sweep_spec(a.spec);
  plan::override_launcher(spec, a.launcher, a.ranks);
  if (a.no_mpi_t && spec.backend != "mpi")
    throw core::InputError(fmt::format("--no-mpi-t: applies to the mpi backend only, not {}", spec.backend));
  spec.no_mpi_t = a.no_mpi_t;
  if (spec.backend == "model") {  // a bad topology is bad input now, not a failed launch later
    model::Topology t = model::read_topology(spec.topology);
    if (spec.nodes > 0) t = model::with_nodes(t, spec.nodes);
    spec.launcher.ranks = t.nranks();  // the job predicted, as the store's manifest records it
  }
  sweep::SweepOptions opt = sweep_options(spec, a.out, check);
  const plan::SweepPlan p = plan::make_plan(spec);
  if (spec.backend == "nccl") check_nccl_configs(spec, p);
  if (a.dry_run) {
    std::fputs(sweep::plan_text(spec, p, opt.run_args, a.out.empty() ? "DIR" : a.out, opt.collbench).c_str(), stdout);
    return 0;
  }
  opt.resume = a.resume;
  opt.retry_failed = a.retry_failed;
  const bool tty = ::isatty(2) != 0;
  const sweep::SweepOutcome o = sweep::run_sweep(spec, p, opt, tty ? print_progress : std::function<void(const sweep::Progress&)>{});
  if (tty) std::fprintf(stderr, "\r\033[K");

  std::fputs(sweep::outcome_text(spec, o).c_str(), stdout);
  if (o.setup_failed) std::fprintf(stderr, "collbench: %s\n", o.notes.back().c_str());
  if (o.interrupted) {
    std::fprintf(stderr, "collbench: sweep interrupted: %zu cases left; rerun with --resume to continue\n", o.left);
    return 130;
  }
  return static_cast<int>(o.code);
}

}  // namespace collbench::app

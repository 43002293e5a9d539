#include "cli/sweep_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstdio>
#include <map>

#include "cli/run_options.hpp"
#include "backend/nccl/nccl_setup.hpp"
#include "core/error.hpp"
#include "core/launcher.hpp"
#include "backend/model/graphs.hpp"
#include "core/size.hpp"
#include "plan/knobs.hpp"
#include "plan/sweep_plan.hpp"
#include "plan/sweep_spec.hpp"
#include "sweep/console.hpp"
#include "sweep/runner.hpp"

#ifndef COLLBENCH_VERSION
#define COLLBENCH_VERSION "0.0.0"
#endif

namespace collbench::cli {

namespace {

constexpr const char* kFooter = R"(Examples:
  collbench sweep sweeps/smoke.json --out out/smoke
  collbench sweep sweeps/ompi-tuned.json --out out/ompi --dry-run
  collbench sweep sweeps/ompi-tuned.json --out out/ompi --resume

The spec format and the shipped specs: sweeps/README.md. The store: DIR/manifest.json and
DIR/results.jsonl (one line per case, the run schema of reports/SCHEMA.md plus a "sweep" object).
Exit codes: 0 ok, 1 wrong results, 2 bad input, 3 a configuration failed, 130 interrupted.)";

std::string self_path() {
  char buf[PATH_MAX] = {};
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("collbench");
}

// The spec's measure options, checked by `run`'s own parser so a sweep accepts exactly what
// `run` accepts. Returns the run arguments every launch gets (without the launch file).
std::vector<std::string> launch_args(const plan::SweepSpec& spec, double* timeout_s) {
  std::vector<std::string> args = {"run", "--backend", spec.backend};
  if (spec.backend == "model") {
    args.insert(args.end(), {"--topology", spec.topology});
    if (spec.nodes > 0) args.insert(args.end(), {"--nodes", std::to_string(spec.nodes)});
  }
  for (const auto& [flag, value] : spec.measure) {
    args.push_back(flag);
    if (!value.empty()) args.push_back(value);
  }
  CLI::App app;
  RunArgs ra;
  CLI::App* run = add_run_command(app, ra);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
    *timeout_s = make_run_config(ra, *run, nullptr).timeout_s;
  } catch (const CLI::ParseError& e) {
    throw core::InputError(fmt::format("{}: measure: {}", spec.source, e.what()));
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
  if (line.size() > 150) line = line.substr(0, 147) + "...";
  std::fprintf(stderr, "%s\033[K", line.c_str());
  std::fflush(stderr);
}

}  // namespace

sweep::SweepOptions sweep_options(const plan::SweepSpec& spec, const std::string& out_dir) {
  sweep::SweepOptions opt;
  opt.out_dir = out_dir;
  opt.collbench = self_path();
  opt.run_args = launch_args(spec, &opt.case_timeout_s);
  opt.version = COLLBENCH_VERSION;
  return opt;
}

CLI::App* add_sweep_command(CLI::App& app, SweepArgs& a) {
  CLI::App* s = app.add_subcommand("sweep", "Measure every configuration of a sweep spec into a resumable store");
  s->footer(kFooter);
  s->add_option("spec", a.spec, "Sweep spec (JSON with comments; sweeps/README.md)");
  s->add_option("--out", a.out, "Store directory (created; holds manifest.json and results.jsonl)");
  s->add_flag("--resume", a.resume, "Continue the sweep in --out: skip every case it already holds");
  s->add_flag("--retry-failed", a.retry_failed, "With --resume: measure again the cases recorded as failed");
  s->add_flag("--dry-run", a.dry_run, "Print the plan (launches, cases, estimated time) and exit");
  s->add_option("--launcher", a.launcher,
                "Launch with mpirun, srun, launch (collbench launch, this machine, no MPI) or torchrun (--standalone) "
                "instead of the spec's launcher.kind (its default template)")
      ->check(CLI::IsMember(plan::launcher_kinds()));
  s->add_option("--ranks", a.ranks, "Ranks per launch instead of the spec's launcher.ranks (e.g. $SLURM_NTASKS)")
      ->check(CLI::Range(1, 1 << 20));
  s->add_flag("--no-mpi-t", a.no_mpi_t,
              "mpi backend: set Open MPI's algorithms in each launch's environment (a launch per configuration and "
              "repetition) instead of per communicator through MPI_T (for an Open MPI where MPI_T does not reach them; "
              "scripts/bench-sweep.sh compares the two)");
  s->add_option("--list-knobs", a.list_knobs, "Print the knobs a spec may vary for a backend (nccl, mpi or model) and exit");
  return s;
}

int sweep_command(const SweepArgs& a) {
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
  sweep::SweepOptions opt = sweep_options(spec, a.out);
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

}  // namespace collbench::cli

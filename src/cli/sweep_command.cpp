#include "cli/sweep_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstdio>
#include <map>

#include "cli/run_options.hpp"
#include "cli/sweep_launch.hpp"
#include "core/error.hpp"
#include "core/launcher.hpp"
#include "backend/model/graphs.hpp"
#include "core/size.hpp"
#include "plan/knobs.hpp"
#include "plan/sweep_plan.hpp"
#include "plan/sweep_spec.hpp"
#include "results/store_layout.hpp"
#include "sweep/launcher.hpp"
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
        block_nccl_options({}, b.nccl_config, env);
      } catch (const core::InputError& e) {
        throw core::InputError(fmt::format("{}: configuration {}: {}", spec.source, plan::describe(b.knobs), e.what()));
      }
    }
  }
}

std::string duration(double s) {
  if (s < 90) return fmt::format("{:.0f} s", s);
  if (s < 5400) return fmt::format("{:.0f} min {:02.0f} s", std::floor(s / 60), std::fmod(s, 60));
  return fmt::format("{:.1f} h", s / 3600);
}

std::string env_text(const plan::EnvChanges& env) {
  std::string out;
  for (const auto& [k, v] : env) out += (out.empty() ? "" : " ") + (v ? k + "=" + *v : "-u " + k);
  return out.empty() ? "(inherited)" : out;
}

std::string config_text(const std::map<std::string, std::string>& fields, const char* what) {
  std::string out;
  for (const auto& [k, v] : fields) out += " " + k + "=" + v;
  return out.empty() ? "" : fmt::format(", {}{}", what, out);
}

void print_plan(const plan::SweepSpec& spec, const plan::SweepPlan& p, const std::vector<std::string>& args,
                const std::string& out_dir, const std::string& collbench) {
  const bool one_launch = plan::repetitions_in_one_launch(spec);
  const std::size_t per_rep = one_launch ? p.launches.size() : p.launches.size() / static_cast<std::size_t>(spec.repetitions);
  if (spec.backend == "model")
    std::printf("sweep %s: model backend (PREDICTED by NCCL's cost model for %s%s), %zu configurations, %zu collective x "
                "configuration units\n",
                spec.name.c_str(), spec.topology.c_str(), spec.nodes > 0 ? fmt::format(" at {} nodes", spec.nodes).c_str() : "",
                p.configurations, p.units);
  else
    std::printf("sweep %s: %s backend, %d ranks, %zu configurations, %zu collective x configuration units\n",
                spec.name.c_str(), spec.backend.c_str(), spec.launcher.ranks, p.configurations, p.units);
  if (one_launch && spec.repetitions > 1)
    std::printf("  %zu launches (each holds all %d repetitions), %zu cases, estimated %s (rough: nominal latency and bandwidth)\n",
                p.launches.size(), spec.repetitions, p.total_cases, duration(plan::estimate_seconds(spec, p)).c_str());
  else
    std::printf("  %zu launches (%zu per repetition x %d), %zu cases, estimated %s (rough: nominal latency and bandwidth)\n",
                p.launches.size(), per_rep, spec.repetitions, p.total_cases, duration(plan::estimate_seconds(spec, p)).c_str());
  if (spec.time_budget_s > 0) std::printf("  time budget: %s\n", duration(spec.time_budget_s).c_str());
  if (!p.dropped.empty()) {
    std::printf("  %zu invalid combinations of the product skipped (invalid_combinations: skip), e.g.\n", p.dropped.size());
    for (std::size_t i = 0; i < std::min<std::size_t>(3, p.dropped.size()); ++i) std::printf("    %s\n", p.dropped[i].c_str());
  }
  for (std::size_t i = 0; i < per_rep; ++i) {
    const plan::Launch& l = p.launches[i];
    std::printf("\n%s: env %s, %zu cases\n", l.label().c_str(), env_text(l.env).c_str(), l.cases());
    std::vector<std::string> a = args;
    a.insert(a.end(), {"--sweep-launch", results::store_layout(out_dir).launch_plan(l.label())});
    std::printf("  $ %s\n", fmt::format("{}", fmt::join(sweep::expand_template(spec.launcher, collbench, a, l.env), " ")).c_str());
    if (l.reps > 1)
      std::printf("  repetition %d of %d (the others run the same blocks after it, on new communicators):\n", l.rep + 1, l.reps);
    const plan::Block* comm = nullptr;
    for (const plan::Block& b : l.blocks) {
      if (b.rep != l.rep) continue;
      if (!comm || comm->comm_env != b.comm_env || comm->nccl_config != b.nccl_config || comm->mpi_t != b.mpi_t)
        std::printf("  communicator: %s%s%s\n", env_text(b.comm_env).c_str(), config_text(b.nccl_config, "ncclConfig_t").c_str(),
                    config_text(b.mpi_t, "MPI_T").c_str());
      comm = &b;
      std::printf("    %-13s %-8s %-4s [%s] %s: %zu cases\n", std::string(core::name(b.coll)).c_str(),
                  std::string(core::name(b.dtype)).c_str(),
                  core::takes_op(b.coll) ? std::string(core::name(b.op)).c_str() : "", b.config_id.c_str(),
                  plan::describe(b.knobs).c_str(), b.cases.size());
    }
  }
  if (spec.repetitions > 1 && !one_launch)
    std::printf("\n(repetitions 2..%d run the same launches again, in the same order)\n", spec.repetitions);
}

void print_catalog(const std::string& backend) {
  if (backend != "nccl" && backend != "mpi" && backend != "model")
    throw core::InputError("--list-knobs '" + backend + "': expected nccl, mpi or model");
  std::printf("%-44s %-13s %s\n", "knob", "scope", "values");
  for (const plan::Knob& k : plan::catalog(backend)) {
    std::string values;
    switch (k.kind) {
      case plan::ValueKind::integer:
        values = k.multiple > 1 ? fmt::format("{}..{}, multiple of {}", k.lo, k.hi, k.multiple) : fmt::format("{}..{}", k.lo, k.hi);
        break;
      case plan::ValueKind::bytes: values = fmt::format("bytes >= {} (64K, 4M …)", core::format_size(static_cast<std::uint64_t>(k.lo))); break;
      case plan::ValueKind::choice:
        for (const auto& c : k.choices)
          values += (values.empty() ? "" : " ") + c.value + (c.aliases.empty() ? "" : "=" + c.aliases.front());
        break;
      case plan::ValueKind::algo_list: values = "coll:algo[,algo];… e.g. allreduce:tree;allgather:ring"; break;
      case plan::ValueKind::proto_list: values = "coll:proto[,proto];… e.g. allreduce:ll128,simple"; break;
      case plan::ValueKind::thresholds: values = "six integers"; break;
      case plan::ValueKind::faults: values = "crash:R hang:R corrupt:R delay:R:US (tests)"; break;
    }
    std::string colls;
    for (core::Collective c : k.collectives) colls += (colls.empty() ? " [" : ",") + std::string(core::name(c));
    if (!colls.empty()) colls += "]";
    std::printf("%-44s %-13s %s%s\n", k.name.c_str(), k.scope == plan::Scope::process ? "process" : "communicator",
                values.c_str(), colls.c_str());
  }
}

void print_progress(const sweep::Progress& p) {
  std::string eta = p.eta_s < 0 ? "--" : duration(p.eta_s);
  std::string line = fmt::format("\r[{}/{} cases{}] {} {} | elapsed {} | ETA {}", p.done, p.total,
                                 p.failed ? fmt::format(", {} failed", p.failed) : "", p.launch, p.configuration,
                                 duration(p.elapsed_s), eta);
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
    print_catalog(a.list_knobs);
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
    print_plan(spec, p, opt.run_args, a.out.empty() ? "DIR" : a.out, opt.collbench);
    return 0;
  }
  opt.resume = a.resume;
  opt.retry_failed = a.retry_failed;
  const bool tty = ::isatty(2) != 0;
  const sweep::SweepOutcome o = sweep::run_sweep(spec, p, opt, tty ? print_progress : std::function<void(const sweep::Progress&)>{});
  if (tty) std::fprintf(stderr, "\r\033[K");

  std::printf("sweep %s: %zu cases planned; %zu already in the store; this session %zu %s (%zu wrong, %zu skipped), %zu failed; %zu left\n",
              spec.name.c_str(), o.planned, o.already_done, o.measured, spec.backend == "model" ? "predicted" : "measured", o.wrong,
              o.skipped, o.failed, o.left);
  if (o.standin)
    std::printf("STAND-IN: measured on collbench's CPU stand-ins for CUDA and NCCL (tests/standin); every time is simulated, "
                "not a GPU measurement\n");
  const double outside = o.wall_s > 0 ? 100.0 * (1.0 - o.measured_s / o.wall_s) : 0.0;
  if (spec.backend == "model")
    std::printf("%zu launches, wall %.1f s: PREDICTED by NCCL's cost model, nothing was measured\n", o.launches, o.wall_s);
  else std::printf("%zu launches, wall %.1f s, timed collective loops %.3f s: %.1f%% of the wall time was outside measured "
              "collectives (launches, communicator inits, warm-up, probes, checks)\n",
              o.launches, o.wall_s, o.measured_s, outside);
  std::printf("store: %s (manifest %s)\n", o.store_path.c_str(), o.manifest_path.c_str());
  for (const auto& n : o.notes) std::printf("note: %s\n", n.c_str());
  if (o.budget_reached)
    std::printf("time budget of %s reached: %zu cases not measured; --resume continues\n", duration(spec.time_budget_s).c_str(), o.left);
  if (o.setup_failed) std::fprintf(stderr, "collbench: %s\n", o.notes.back().c_str());
  if (o.interrupted) {
    std::fprintf(stderr, "collbench: sweep interrupted: %zu cases left; rerun with --resume to continue\n", o.left);
    return 130;
  }
  return static_cast<int>(o.code);
}

}  // namespace collbench::cli

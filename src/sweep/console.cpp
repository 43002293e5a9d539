#include "sweep/console.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/collective.hpp"
#include "core/datatype.hpp"
#include "core/error.hpp"
#include "core/printf_text.hpp"
#include "core/redop.hpp"
#include "core/size.hpp"
#include "plan/knobs.hpp"
#include "results/store_layout.hpp"
#include "sweep/launcher.hpp"

namespace collbench::sweep {

using core::printf_text;

namespace {

std::string env_text(const plan::EnvChanges& env) {
  std::string out;
  for (const auto& [k, v] : env) out += (out.empty() ? "" : " ") + (v ? k + "=" + *v : "-u " + k);
  return out.empty() ? "(inherited)" : out;
}

// ", ncclConfig_t k=v …" or ", MPI_T k=v …": what a block's communicator is created with.
std::string config_text(const std::map<std::string, std::string>& fields, const char* what) {
  std::string out;
  for (const auto& [k, v] : fields) out += " " + k + "=" + v;
  return out.empty() ? "" : fmt::format(", {}{}", what, out);
}

std::string launch_text(const plan::SweepSpec& spec, const plan::Launch& l, const std::vector<std::string>& args,
                        const std::string& out_dir, const std::string& collbench) {
  std::string out = printf_text("\n%s: env %s, %zu cases\n", l.label().c_str(), env_text(l.env).c_str(), l.cases());
  std::vector<std::string> a = args;
  a.insert(a.end(), {"--sweep-launch", results::store_layout(out_dir).launch_plan(l.label())});
  out += printf_text("  $ %s\n", fmt::format("{}", fmt::join(expand_template(spec.launcher, collbench, a, l.env), " ")).c_str());
  if (l.reps > 1)
    out += printf_text("  repetition %d of %d (the others run the same blocks after it, on new communicators):\n", l.rep + 1, l.reps);
  const plan::Block* comm = nullptr;
  for (const plan::Block& b : l.blocks) {
    if (b.rep != l.rep) continue;
    if (!comm || comm->comm_env != b.comm_env || comm->nccl_config != b.nccl_config || comm->mpi_t != b.mpi_t) {
      // The register knob rides with the ncclConfig_t fields (per communicator) but is not one:
      // it is how the run hands NCCL its buffers (run --register).
      std::map<std::string, std::string> config = b.nccl_config;
      std::string reg;
      if (const auto it = config.find("register"); it != config.end()) {
        reg = ", run --register " + it->second;
        config.erase(it);
      }
      out += printf_text("  communicator: %s%s%s%s\n", env_text(b.comm_env).c_str(), config_text(config, "ncclConfig_t").c_str(),
                         reg.c_str(), config_text(b.mpi_t, "MPI_T").c_str());
    }
    comm = &b;
    out += printf_text("    %-13s %-8s %-4s [%s] %s: %zu cases\n", std::string(core::name(b.coll)).c_str(),
                       std::string(core::name(b.dtype)).c_str(),
                       core::takes_op(b.coll) ? std::string(core::name(b.op)).c_str() : "", b.config_id.c_str(),
                       plan::describe(b.knobs).c_str(), b.cases.size());
  }
  return out;
}

std::string knob_values(const plan::Knob& k) {
  std::string values;
  switch (k.kind) {
    case plan::ValueKind::integer:
      return k.multiple > 1 ? fmt::format("{}..{}, multiple of {}", k.lo, k.hi, k.multiple) : fmt::format("{}..{}", k.lo, k.hi);
    case plan::ValueKind::bytes: return fmt::format("bytes >= {} (64K, 4M …)", core::format_size(static_cast<std::uint64_t>(k.lo)));
    case plan::ValueKind::choice:
      for (const auto& c : k.choices) values += (values.empty() ? "" : " ") + c.value + (c.aliases.empty() ? "" : "=" + c.aliases.front());
      return values;
    case plan::ValueKind::algo_list: return "coll:algo[,algo];… e.g. allreduce:tree;allgather:ring";
    case plan::ValueKind::proto_list: return "coll:proto[,proto];… e.g. allreduce:ll128,simple";
    case plan::ValueKind::thresholds: return "six integers";
    case plan::ValueKind::faults: return "crash:R hang:R corrupt:R delay:R:US (tests)";
  }
  return values;
}

}  // namespace

std::string duration_text(double s) {
  if (s < 90) return fmt::format("{:.0f} s", s);
  if (s < 5400) return fmt::format("{:.0f} min {:02.0f} s", std::floor(s / 60), std::fmod(s, 60));
  return fmt::format("{:.1f} h", s / 3600);
}

std::string plan_text(const plan::SweepSpec& spec, const plan::SweepPlan& p, const std::vector<std::string>& args,
                      const std::string& out_dir, const std::string& collbench) {
  const bool one_launch = plan::repetitions_in_one_launch(spec);
  const std::size_t per_rep = one_launch ? p.launches.size() : p.launches.size() / static_cast<std::size_t>(spec.repetitions);
  std::string out;
  if (spec.backend == "model")
    out += printf_text("sweep %s: model backend (PREDICTED by NCCL's cost model for %s%s), %zu configurations, %zu collective x "
                       "configuration units\n",
                       spec.name.c_str(), spec.topology.c_str(),
                       spec.nodes > 0 ? fmt::format(" at {} nodes", spec.nodes).c_str() : "", p.configurations, p.units);
  else
    out += printf_text("sweep %s: %s backend, %d ranks, %zu configurations, %zu collective x configuration units\n",
                       spec.name.c_str(), spec.backend.c_str(), spec.launcher.ranks, p.configurations, p.units);
  if (one_launch && spec.repetitions > 1)
    out += printf_text("  %zu launches (each holds all %d repetitions), %zu cases, estimated %s (rough: nominal latency and bandwidth)\n",
                       p.launches.size(), spec.repetitions, p.total_cases, duration_text(plan::estimate_seconds(spec, p)).c_str());
  else
    out += printf_text("  %zu launches (%zu per repetition x %d), %zu cases, estimated %s (rough: nominal latency and bandwidth)\n",
                       p.launches.size(), per_rep, spec.repetitions, p.total_cases,
                       duration_text(plan::estimate_seconds(spec, p)).c_str());
  if (spec.time_budget_s > 0) out += printf_text("  time budget: %s\n", duration_text(spec.time_budget_s).c_str());
  if (!p.dropped.empty()) {
    out += printf_text("  %zu invalid combinations of the product skipped (invalid_combinations: skip), e.g.\n", p.dropped.size());
    for (std::size_t i = 0; i < std::min<std::size_t>(3, p.dropped.size()); ++i) out += printf_text("    %s\n", p.dropped[i].c_str());
  }
  for (std::size_t i = 0; i < per_rep; ++i) out += launch_text(spec, p.launches[i], args, out_dir, collbench);
  if (spec.repetitions > 1 && !one_launch)
    out += printf_text("\n(repetitions 2..%d run the same launches again, in the same order)\n", spec.repetitions);
  return out;
}

std::string catalog_text(const std::string& backend) {
  if (backend != "nccl" && backend != "mpi" && backend != "model")
    throw core::InputError("--list-knobs '" + backend + "': expected nccl, mpi or model");
  std::string out = printf_text("%-44s %-13s %s\n", "knob", "scope", "values");
  for (const plan::Knob& k : plan::catalog(backend)) {
    std::string colls;
    for (core::Collective c : k.collectives) colls += (colls.empty() ? " [" : ",") + std::string(core::name(c));
    if (!colls.empty()) colls += "]";
    out += printf_text("%-44s %-13s %s%s\n", k.name.c_str(), k.scope == plan::Scope::process ? "process" : "communicator",
                       knob_values(k).c_str(), colls.c_str());
  }
  return out;
}

std::string outcome_text(const plan::SweepSpec& spec, const SweepOutcome& o) {
  std::string out = printf_text(
      "sweep %s: %zu cases planned; %zu already in the store; this session %zu %s (%zu wrong, %zu skipped), %zu failed; %zu left\n",
      spec.name.c_str(), o.planned, o.already_done, o.measured, spec.backend == "model" ? "predicted" : "measured", o.wrong,
      o.skipped, o.failed, o.left);
  if (o.standin)
    out += "STAND-IN: measured on collbench's CPU stand-ins for CUDA and NCCL (tests/standin); every time is simulated, "
           "not a GPU measurement\n";
  const double outside = o.wall_s > 0 ? 100.0 * (1.0 - o.measured_s / o.wall_s) : 0.0;
  if (spec.backend == "model")
    out += printf_text("%zu launches, wall %.1f s: PREDICTED by NCCL's cost model, nothing was measured\n", o.launches, o.wall_s);
  else
    out += printf_text("%zu launches, wall %.1f s, timed collective loops %.3f s: %.1f%% of the wall time was outside measured "
                       "collectives (launches, communicator inits, warm-up, probes, checks)\n",
                       o.launches, o.wall_s, o.measured_s, outside);
  out += printf_text("store: %s (manifest %s)\n", o.store_path.c_str(), o.manifest_path.c_str());
  for (const auto& n : o.notes) out += printf_text("note: %s\n", n.c_str());
  if (o.budget_reached)
    out += printf_text("time budget of %s reached: %zu cases not measured; --resume continues\n",
                       duration_text(spec.time_budget_s).c_str(), o.left);
  return out;
}

}  // namespace collbench::sweep

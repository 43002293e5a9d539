#include "plan/sweep_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace collbench::plan {

namespace {

constexpr std::size_t kMaxConfigurations = 100000;

using SizeSet = std::optional<std::set<std::uint64_t>>;  // nullopt: every size of the sweep

// `into` measured at `more` as well: the union (every size wins).
void add_sizes(SizeSet& into, const SizeSet& more) {
  if (!into || !more) into.reset();
  else into->insert(more->begin(), more->end());
}

struct Configuration {
  Config knobs;
  SizeSet sizes;
};

// Product of the axes (first axis slowest), then the explicit cases, minus the exclusions. A
// configuration listed more than once is measured once, at the union of its sizes.
std::vector<Configuration> configurations(const SweepSpec& spec) {
  std::size_t product = 1;
  for (const KnobAxis& axis : spec.axes) {
    product *= axis.values.size();
    if (product > kMaxConfigurations)
      throw core::InputError(fmt::format("{}: knobs: the axes multiply to more than {} configurations; split the "
                                         "sweep, or list the combinations you want under \"cases\"",
                                         spec.source, kMaxConfigurations));
  }
  std::vector<Config> product_configs{Config{}};
  for (const KnobAxis& axis : spec.axes) {
    std::vector<Config> next;
    for (const Config& c : product_configs)
      for (const auto& v : axis.values) {
        Config n = c;
        if (v) n[axis.knob] = *v;
        next.push_back(std::move(n));
      }
    product_configs = std::move(next);
  }
  std::vector<Configuration> out;
  if (!spec.axes.empty() || spec.cases.empty())
    for (Config& c : product_configs) out.push_back({std::move(c), std::nullopt});
  for (std::size_t i = 0; i < spec.cases.size(); ++i) {
    SizeSet sizes;
    if (i < spec.case_sizes.size() && !spec.case_sizes[i].empty()) sizes.emplace(spec.case_sizes[i].begin(), spec.case_sizes[i].end());
    out.push_back({spec.cases[i], sizes});
  }
  auto excluded = [&](const Config& c) {
    for (const Config& ex : spec.exclude) {
      bool all = true;
      for (const auto& [k, v] : ex) {
        const auto it = c.find(k);
        all = all && (v == "default" ? it == c.end() : it != c.end() && it->second == v);
      }
      if (all) return true;
    }
    return false;
  };
  std::vector<Configuration> kept;
  for (Configuration& c : out) {
    if (excluded(c.knobs)) continue;
    const auto same = std::find_if(kept.begin(), kept.end(), [&](const Configuration& k) { return k.knobs == c.knobs; });
    if (same == kept.end()) kept.push_back(std::move(c));
    else add_sizes(same->sizes, c.sizes);
  }
  return kept;
}

struct Unit {
  core::Collective coll;
  Config knobs;                 // restricted to coll
  SizeSet sizes;                // the sizes measured (the union over the configurations it stands for)
  std::set<std::string> owned;  // per-process knobs of the sweep that can change coll
};

bool fits(const std::map<std::string, std::optional<std::string>>& assigned, const Unit& u) {
  for (const std::string& k : u.owned) {
    const auto it = assigned.find(k);
    if (it == assigned.end()) continue;
    const auto mine = u.knobs.find(k);
    const std::optional<std::string> v = mine == u.knobs.end() ? std::nullopt : std::optional(mine->second);
    if (it->second != v) return false;
  }
  return true;
}

}  // namespace

std::string Launch::label() const {
  return reps > 1 ? fmt::format("L{:03}-r{}-{}", index, rep, rep + reps - 1) : fmt::format("L{:03}-r{}", index, rep);
}

bool repetitions_in_one_launch(const SweepSpec& spec) { return spec.backend == "mpi" && !spec.no_mpi_t; }

namespace {

// A knob's scope in this sweep: --no-mpi-t puts the MPI_T knobs back into the launch's environment.
Scope scope_in(const SweepSpec& spec, const Knob& k) {
  return spec.no_mpi_t && k.target == Target::mpi_t ? Scope::process : k.scope;
}

}  // namespace

std::size_t Launch::cases() const {
  std::size_t n = 0;
  for (const Block& b : blocks) n += b.cases.size();
  return n;
}

std::string config_id(const Config& knobs) {
  const std::uint64_t h = core::fnv1a(describe(knobs));  // of the canonical description
  return fmt::format("{:08x}", static_cast<std::uint32_t>(h ^ (h >> 32)));
}

std::string case_id(const Config& knobs, core::Collective c, core::DataType d, core::RedOp op, bool in_place,
                    std::uint64_t bytes, int rep) {
  return fmt::format("{}|{}|{}|{}|{}|{}|r{}", describe(knobs), core::name(c), core::name(d),
                     core::takes_op(c) ? core::name(op) : "none", in_place ? "in_place" : "out_of_place", bytes, rep);
}

SweepPlan make_plan(const SweepSpec& spec) {
  SweepPlan plan;
  for (const KnobAxis& a : spec.axes) plan.knobs.push_back(a.knob);
  for (const Config& c : spec.cases)
    for (const auto& [k, v] : c)
      if (std::find(plan.knobs.begin(), plan.knobs.end(), k) == plan.knobs.end()) plan.knobs.push_back(k);

  // Every knob must be able to change something this sweep measures.
  for (const std::string& name : plan.knobs) {
    const Knob& k = knob_or_throw(spec.backend, name);
    if (k.kind == ValueKind::algo_list || k.kind == ValueKind::proto_list) {  // its values name collectives
      bool any = false;
      auto names_swept = [&](const std::string& v) {
        for (core::Collective c : spec.collectives) any = any || restrict_to(k, v, c).has_value();
      };
      for (const KnobAxis& a : spec.axes)
        if (a.knob == name)
          for (const auto& v : a.values)
            if (v) names_swept(*v);
      for (const Config& c : spec.cases)
        if (c.count(name)) names_swept(c.at(name));
      if (!any)
        throw core::InputError(fmt::format("{}: knobs.{}: no value names a collective this sweep measures", spec.source, name));
      continue;
    }
    if (k.collectives.empty()) continue;
    bool any = false;
    for (core::Collective c : spec.collectives)
      any = any || std::find(k.collectives.begin(), k.collectives.end(), c) != k.collectives.end();
    if (!any) {
      std::vector<std::string> names;
      for (core::Collective c : k.collectives) names.emplace_back(core::name(c));
      throw core::InputError(fmt::format("{}: knobs.{}: changes only {}, which this sweep does not measure",
                                         spec.source, name, fmt::join(names, ", ")));
    }
  }

  std::vector<Configuration> configs;
  for (Configuration& c : configurations(spec)) {
    try {
      check_config(spec.backend, c.knobs, spec.launcher.ranks);
    } catch (const core::InputError& e) {
      const bool explicit_case = std::find(spec.cases.begin(), spec.cases.end(), c.knobs) != spec.cases.end();
      if (!spec.skip_invalid || explicit_case) throw core::InputError(spec.source + ": " + e.what());
      plan.dropped.push_back(e.what());
      continue;
    }
    configs.push_back(std::move(c));
  }
  if (configs.empty())
    throw core::InputError(spec.source + ": every configuration is excluded or invalid; nothing to measure");
  plan.configurations = configs.size();

  // Units: each collective under each configuration, as far as the configuration can change it.
  std::vector<Unit> units;
  for (const Configuration& cfg : configs)
    for (core::Collective coll : spec.collectives) {
      Unit u;
      u.coll = coll;
      u.sizes = cfg.sizes;
      for (const auto& [name, value] : cfg.knobs) {
        const Knob& k = *find_knob(spec.backend, name);
        if (auto v = restrict_to(k, value, coll)) u.knobs[name] = *v;
      }
      for (const std::string& name : plan.knobs) {
        const Knob& k = *find_knob(spec.backend, name);
        if (scope_in(spec, k) == Scope::process && (k.collectives.empty() || std::count(k.collectives.begin(), k.collectives.end(), coll)))
          u.owned.insert(name);
      }
      const auto seen = std::find_if(units.begin(), units.end(), [&](const Unit& o) { return o.coll == coll && o.knobs == u.knobs; });
      if (seen == units.end()) units.push_back(std::move(u));
      else add_sizes(seen->sizes, u.sizes);
    }
  plan.units = units.size();

  // Pack units first-fit into launches whose per-process settings agree.
  struct Group {
    std::map<std::string, std::optional<std::string>> assigned;
    std::vector<const Unit*> units;
  };
  std::vector<Group> groups;
  for (const Unit& u : units) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return fits(g.assigned, u); });
    if (it == groups.end()) it = groups.insert(groups.end(), Group{});
    for (const std::string& k : u.owned) {
      const auto v = u.knobs.find(k);
      it->assigned[k] = v == u.knobs.end() ? std::nullopt : std::optional(v->second);
    }
    it->units.push_back(&u);
  }

  std::vector<std::string> process_knobs, comm_knobs;
  for (const std::string& name : plan.knobs)
    (scope_in(spec, *find_knob(spec.backend, name)) == Scope::process ? process_knobs : comm_knobs).push_back(name);

  // The blocks of one group for one repetition: per-communicator configuration, then collective,
  // datatype, op; blocks sharing per-communicator settings run back to back on one communicator.
  auto blocks_of = [&](const Group& group, int rep) {
    std::vector<Block> blocks;
    for (const Unit* u : group.units)
      for (core::DataType d : spec.datatypes)
        for (core::RedOp op : spec.ops) {
          if (!core::takes_op(u->coll) && op != spec.ops.front()) continue;
          Block b;
          b.knobs = u->knobs;
          b.config_id = config_id(u->knobs);
          b.comm_env = environment(spec.backend, u->knobs, comm_knobs, Scope::communicator);
          for (const auto& [name, value] : u->knobs) {
            const Knob& k = *find_knob(spec.backend, name);
            if (k.target == Target::nccl_config) b.nccl_config[k.variable] = value;
          }
          if (!spec.no_mpi_t) b.mpi_t = mpi_t_settings(spec.backend, u->knobs);
          b.coll = u->coll;
          b.dtype = d;
          b.op = op;
          b.root = spec.root;
          b.rep = rep;
          for (std::uint64_t bytes : spec.sizes)
            for (bool in_place : spec.placements)
              if (!u->sizes || u->sizes->count(bytes))
                b.cases.push_back({case_id(u->knobs, u->coll, d, op, in_place, bytes, rep), bytes, in_place});
          if (b.cases.empty()) continue;  // a case restricted to sizes the sweep does not have
          plan.total_cases += b.cases.size();
          blocks.push_back(std::move(b));
        }
    std::stable_sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) {
      return std::tie(a.comm_env, a.nccl_config, a.mpi_t, a.coll) < std::tie(b.comm_env, b.nccl_config, b.mpi_t, b.coll);
    });
    return blocks;
  };
  auto new_launch = [&](std::size_t g, int rep) {
    Launch l;
    l.index = static_cast<int>(g);
    l.rep = rep;
    for (const auto& [k, v] : groups[g].assigned)
      if (v) l.process[k] = *v;
    // --no-mpi-t: Open MPI's settings as a deployment sets them (OMPI_MCA_*, dynamic rules when forced).
    l.env = spec.no_mpi_t ? deploy_environment(spec.backend, l.process, process_knobs)
                          : environment(spec.backend, l.process, process_knobs, Scope::process);
    if (!spec.no_mpi_t && spec.backend == "mpi") {
      for (const std::string& name : comm_knobs)  // an inherited OMPI_MCA_ value would change the default
        if (const Knob& k = *find_knob(spec.backend, name); k.target == Target::mpi_t) {
          l.env["OMPI_MCA_" + k.variable] = std::nullopt;
        }
      const std::optional<std::string> on("1");  // (not a literal: GCC 12's -Wrestrict misfires on it here)
      l.env.insert_or_assign("OMPI_MCA_coll_tuned_use_dynamic_rules", on);
    }
    return l;
  };
  if (repetitions_in_one_launch(spec)) {
    for (std::size_t g = 0; g < groups.size(); ++g) {
      Launch l = new_launch(g, 0);
      l.reps = spec.repetitions;
      for (int rep = 0; rep < spec.repetitions; ++rep)
        for (Block& b : blocks_of(groups[g], rep)) l.blocks.push_back(std::move(b));
      plan.launches.push_back(std::move(l));
    }
  } else {
    for (int rep = 0; rep < spec.repetitions; ++rep)
      for (std::size_t g = 0; g < groups.size(); ++g) {
        Launch l = new_launch(g, rep);
        l.blocks = blocks_of(groups[g], rep);
        plan.launches.push_back(std::move(l));
      }
  }
  return plan;
}

double estimate_seconds(const SweepSpec& spec, const SweepPlan& plan) {
  if (spec.backend == "model") return 0.05 + 2e-6 * static_cast<double>(plan.total_cases);  // arithmetic, no launch

  const bool nccl = spec.backend == "nccl";
  const double launch_s = nccl ? 8.0 : 0.8, comm_s = nccl ? 1.0 : 0.0;
  const double alpha_us = nccl ? 20.0 : 10.0, gbps = nccl ? 50.0 : 2.0;
  double iters = 20, warmup = 5, probe = 10, budget = 0;
  for (const auto& [flag, value] : spec.measure) {
    if (flag == "--iters") iters = std::stod(value);
    if (flag == "--warmup") warmup = std::stod(value);
    if (flag == "--probe-iters") probe = std::stod(value);
    if (flag == "--time-budget") budget = std::stod(value);
    if (flag == "--max-iters" || flag == "--min-iters" || flag == "--target-rel-ci") iters = std::max(iters, 100.0);
  }
  double total = 0;
  for (const Launch& l : plan.launches) {
    total += launch_s;
    const EnvChanges* last = nullptr;
    for (const Block& b : l.blocks) {
      if (!last || *last != b.comm_env) total += comm_s;
      last = &b.comm_env;
      for (const PlannedCase& c : b.cases) {
        const double iter_s = (alpha_us + static_cast<double>(c.bytes) / (gbps * 1e3)) * 1e-6;
        const double timed = budget > 0 ? std::min(iters * iter_s, budget) : iters * iter_s;
        total += timed + (warmup + probe + 2) * iter_s;
      }
    }
  }
  return total;
}

std::vector<Block> blocks_of(const RunPlan& plan) {
  std::vector<Block> blocks;
  for (core::Collective c : plan.collectives) {
    Block b;
    b.coll = c;
    b.dtype = plan.dtype;
    b.op = plan.op;
    b.root = plan.root;
    for (std::uint64_t bytes : plan.sizes)
      for (bool in_place : plan.placements) b.cases.push_back(PlannedCase{"", bytes, in_place});
    blocks.push_back(std::move(b));
  }
  return blocks;
}

std::vector<bool> placements_of(const Block& b) {
  bool out = false, in = false;
  for (const PlannedCase& c : b.cases) (c.in_place ? in : out) = true;
  std::vector<bool> p;
  if (out) p.push_back(false);
  if (in) p.push_back(true);
  return p;
}

}  // namespace collbench::plan

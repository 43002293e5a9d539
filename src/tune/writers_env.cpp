// The deployable forms: env files, nccl.conf, mpirun options, the tuner plugin's rules and Open
// MPI's rules file.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <regex>
#include <vector>

#include "core/collective.hpp"
#include "core/error.hpp"
#include "core/size.hpp"
#include "tune/writers.hpp"

namespace collbench::tune {

namespace {

void check_pair(const std::string& key, const std::string& value) {
  static const std::regex name("[A-Za-z_][A-Za-z0-9_]*");
  if (!std::regex_match(key, name))
    throw core::InputError(fmt::format("recommended variable '{}': expected a name of letters, digits and _", key));
  if (value.find_first_of(std::string("\n\r\0", 3)) != std::string::npos)
    throw core::InputError(fmt::format("recommended value of {}: a line break or NUL cannot be written to an env file", key));
}

std::string header(const Recommendation& r, const DeployEnv& d, const std::string& how) {
  // No '=' in these lines: NCCL's conf reader takes any line with one as a setting.
  std::string h = fmt::format("# collbench tune: {} backend, {} ranks{}: settings for every collective (levels 2 and 3)\n",
                              r.backend, r.nranks, r.nodes > 0 ? fmt::format(" on {} nodes", r.nodes) : "");
  if (r.backend == "model") h += "# PREDICTED by NCCL's cost model for a described topology, not measured: confirm on the machine\n";
  if (r.standin) h += "# GPU STAND-IN (tests only): measured on collbench's CPU stand-ins for CUDA and NCCL, not on GPUs\n";
  h += fmt::format("# workload: {}\n# {}\n", r.workload, how);
  if (!d.nccl_config.empty()) {
    h += "# also recommended, for the application's ncclConfig_t (no environment variable carries them):";
    for (const auto& [k, v] : d.nccl_config) h += " " + k + " " + v;
    h += "\n";
  }
  if (r.backend != "mpi" && (d.env.count("NCCL_ALGO") || d.env.count("NCCL_PROTO")))
    h += "# NCCL_ALGO/NCCL_PROTO here are the per-collective choice; nccl_tuner.conf is the per-size one: deploy one of the two\n";
  if (r.backend == "mpi" && !d.env.empty())
    h += "# the algorithms forced here win over ompi-rules.conf (the per-size choice): deploy one of the two\n";
  return h;
}

std::string algo_token(const std::string& ours) {  // NCCL_ALGO spelling -> the rules file's
  if (ours == "collnetdirect") return "collnet_direct";
  if (ours == "collnetchain") return "collnet_chain";
  if (ours == "nvlstree") return "nvls_tree";
  return ours;
}

std::string single(const plan::Config& c, const std::string& knob, bool algo) {
  const auto it = c.find(knob);
  if (it == c.end()) return "-1";
  const std::string v = it->second.substr(it->second.find(':') + 1);  // "allreduce:ring" -> "ring"
  return algo ? algo_token(v) : v;
}

std::string bytes_field(std::uint64_t b) { return b == UINT64_MAX ? "-1" : std::to_string(b); }

std::string range_text(const SizeRange& s) {
  return fmt::format("{}..{}", core::format_size(s.lo), s.hi == UINT64_MAX ? "" : core::format_size(s.hi));
}

}  // namespace

DeployEnv deploy_env(const Recommendation& r) {
  DeployEnv d;
  std::vector<std::string> names;
  for (const auto& [k, v] : r.deploy) names.push_back(k);
  for (const auto& [var, value] : plan::deploy_environment(r.backend, r.deploy, names))
    if (value) d.env[var] = *value;
  for (const auto& [k, v] : r.deploy) {
    const plan::Knob* knob = plan::find_knob(r.backend, k);
    if (knob && knob->target == plan::Target::nccl_config && !knob->advice) d.nccl_config[knob->variable] = v;
  }
  for (const auto& [k, v] : d.env) check_pair(k, v);
  return d;
}

std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string nccl_conf(const Recommendation& r) {
  const DeployEnv d = deploy_env(r);
  std::string out = header(r, d, "NCCL reads this file at its first use when NCCL_CONF_FILE names it (or as ~/.nccl.conf or "
                              "/etc/nccl.conf); a variable already in the environment wins over it");
  for (const auto& [k, v] : d.env) out += k + "=" + v + "\n";
  return out;
}

std::string env_file(const Recommendation& r) {
  const DeployEnv d = deploy_env(r);
  std::string out = header(r, d, "KEY=VALUE lines, no quoting: docker run --env-file, or srun --export=ALL,KEY=VALUE,… "
                              "(a value with a comma cannot go through srun --export)");
  for (const auto& [k, v] : d.env) out += k + "=" + v + "\n";
  return out;
}

std::string env_sh(const Recommendation& r) {
  const DeployEnv d = deploy_env(r);
  std::string out = header(r, d, "source it in the job script before the launcher: . ./env.sh");
  for (const auto& [k, v] : d.env) out += "export " + k + "=" + shell_quote(v) + "\n";
  return out;
}

std::string mpirun_args(const Recommendation& r) {
  const DeployEnv d = deploy_env(r);
  std::string out = header(r, d, "mpirun options: eval \"mpirun $(grep -v '^#' mpirun-args.txt | tr '\\n' ' ') -np N ./app\"");
  for (const auto& [k, v] : d.env) out += "-x " + shell_quote(k + "=" + v) + "\n";
  return out;
}

std::string tuner_conf(const Recommendation& r) {
  std::string out =
      "# collbench tune: per-size rules for the collbench NCCL tuner plugin (level 1)\n"
      "# NCCL_TUNER_PLUGIN=/path/to/libnccl-tuner-collbench.so NCCL_TUNER_CONFIG_FILE=/path/to/nccl_tuner.conf\n"
      "# collective,min_bytes,max_bytes,algorithm,protocol,channels,nNodes,nRanks (first match wins; -1 = any)\n"
      "# sizes are nccl-tests' size column: the total buffer for allgather and reducescatter\n"
      "# deploy without the env files' NCCL_ALGO/NCCL_PROTO: they remove algorithms and protocols from NCCL's\n"
      "# table, and a rule whose cell is gone is skipped\n";
  if (r.backend == "model") out += "# PREDICTED by NCCL's cost model for a described topology, not measured: confirm on the machine\n";
  if (r.standin) out += "# GPU STAND-IN (tests only): measured on collbench's CPU stand-ins for CUDA and NCCL, not on GPUs\n";
  std::size_t rules = 0;
  for (const CollectiveRecommendation& c : r.collectives) {
    if (c.collective == "alltoall") continue;  // send/recv: NCCL never asks a tuner
    for (const SizeRange& s : c.ranges) {
      if (s.setting.empty()) continue;
      out += fmt::format("# {} on {} ranks, {} (measured {}..{}): {:.3f}x..{:.3f}x NCCL's own choice\n", c.collective,
                         c.nranks, range_text(s), core::format_size(s.first), core::format_size(s.last), s.gain_min, s.gain_max);
      out += fmt::format("{},{},{},{},{},-1,{},{}\n", c.collective, s.lo, bytes_field(s.hi), single(s.setting, "NCCL_ALGO", true),
                         single(s.setting, "NCCL_PROTO", false), r.nodes > 0 ? std::to_string(r.nodes) : "-1", c.nranks);
      ++rules;
    }
  }
  if (rules == 0) out += "# no size range beats NCCL's own choice beyond noise: no rule\n";
  return out;
}

namespace {

struct OmpiColl {
  const char* ours;
  const char* knob;  // coll_tuned_<knob>_algorithm
  int id;            // Open MPI's COLLTYPE
};
constexpr OmpiColl kOmpi[] = {{"allgather", "allgather", 0}, {"allreduce", "allreduce", 2}, {"alltoall", "alltoall", 3},
                              {"broadcast", "bcast", 7},     {"reduce", "reduce", 11},       {"reducescatter", "reduce_scatter_block", 13}};

std::string param(const plan::Config& c, const std::string& knob) {
  const auto it = c.find(knob);
  return it == c.end() ? "0" : it->second;
}

}  // namespace

std::string ompi_rules(const Recommendation& r) {
  std::string body;
  int colls = 0;
  for (const OmpiColl& oc : kOmpi) {
    std::vector<const CollectiveRecommendation*> sizes;
    for (const CollectiveRecommendation& c : r.collectives)
      if (c.collective == oc.ours && std::any_of(c.ranges.begin(), c.ranges.end(), [](const SizeRange& s) { return !s.setting.empty(); }))
        sizes.push_back(&c);
    if (sizes.empty()) continue;
    ++colls;
    const std::string base = fmt::format("coll_tuned_{}_algorithm", oc.knob);
    body += fmt::format("{}  # {} (coll_tuned_{}_algorithm)\n{}  # communicator sizes\n", oc.id, oc.ours, oc.knob, sizes.size());
    for (const CollectiveRecommendation* c : sizes) {
      body += fmt::format("{}  # ranks\n{}  # message size rules: bytes algorithm faninout segsize\n", c->nranks, c->ranges.size());
      for (const SizeRange& s : c->ranges) {
        const std::string fan = param(s.setting, base + "_tree_fanout") != "0" ? param(s.setting, base + "_tree_fanout")
                                                                               : param(s.setting, base + "_chain_fanout");
        body += fmt::format("{} {} {} {}  # {}: {}\n", s.lo, param(s.setting, base), fan, param(s.setting, base + "_segmentsize"),
                            range_text(s), plan::describe(s.setting));
      }
    }
  }
  if (colls == 0) return "";
  return fmt::format("# collbench tune: Open MPI coll/tuned dynamic rules (level 1, per message size)\n"
                     "# OMPI_MCA_coll_tuned_use_dynamic_rules=1 OMPI_MCA_coll_tuned_dynamic_rules_filename=/path/to/ompi-rules.conf\n"
                     "# a forced coll_tuned_<coll>_algorithm wins over this file; algorithm 0 = Open MPI's own decision\n"
                     "{}  # collectives\n{}",
                     colls, body);
}

std::vector<std::pair<std::string, std::string>> outputs(const Recommendation& r) {
  std::vector<std::pair<std::string, std::string>> out = {
      {"collbench.env", env_file(r)}, {"env.sh", env_sh(r)}, {"mpirun-args.txt", mpirun_args(r)},
      {"summary.md", summary_md(r)},  {"summary.json", summary_json(r)}};
  if (r.backend == "nccl" || r.backend == "model") {
    out.push_back({"nccl.conf", nccl_conf(r)});
    out.push_back({"nccl_tuner.conf", tuner_conf(r)});
  } else if (const std::string rules = ompi_rules(r); !rules.empty()) {
    out.push_back({"ompi-rules.conf", rules});
  }
  return out;
}

std::string gain_text(const Gain& g) {
  return g.known ? fmt::format("{:.3f}x [{:.3f}, {:.3f}]", g.ratio, g.lo, g.hi) : "unknown (no default measured)";
}

}  // namespace collbench::tune

#include "plan/sweep_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/input_file.hpp"
#include "core/size.hpp"
#include "core/text.hpp"
#include "plan/run_plan.hpp"

namespace collbench::plan {

namespace {

using Json = nlohmann::ordered_json;

[[noreturn]] void fail(const std::string& source, const std::string& where, const std::string& what) {
  throw core::InputError(fmt::format("{}: {}{}", source, where.empty() ? "" : where + ": ", what));
}

// Runs `f`, prefixing an InputError with the spec and the key it came from.
template <class F>
auto at_key(const std::string& source, const std::string& where, F&& f) {
  try {
    return f();
  } catch (const core::InputError& e) {
    if (std::string_view(e.what()).starts_with(source + ": ")) throw;  // already names the spec and key
    fail(source, where, e.what());
  }
}

std::string text_of(const Json& v, const std::string& source, const std::string& where) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number()) return fmt::format("{:g}", v.get<double>());
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  fail(source, where, "expected a string or a number, got " + std::string(v.type_name()));
}

std::vector<std::string> strings(const Json& v, const std::string& source, const std::string& where) {
  std::vector<std::string> out;
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_array() || v.empty()) fail(source, where, "expected a string or a non-empty list of strings");
  for (const auto& e : v) out.push_back(text_of(e, source, where));
  return out;
}

int integer(const Json& v, const std::string& source, const std::string& where, int lo, int hi) {
  if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi)
    fail(source, where, fmt::format("expected an integer from {} to {}, got {}", lo, hi, v.dump()));
  return v.get<int>();
}

std::vector<std::uint64_t> parse_sizes(const Json& v, const std::string& source) {
  if (v.is_array()) {
    std::set<std::uint64_t> sizes;
    for (const auto& e : v)
      sizes.insert(at_key(source, "sizes", [&] { return core::parse_size(text_of(e, source, "sizes"), "size"); }));
    if (sizes.empty()) fail(source, "sizes", "expected at least one size");
    return {sizes.begin(), sizes.end()};
  }
  if (!v.is_object()) fail(source, "sizes", "expected {\"min\": \"8\", \"max\": \"64M\", \"factor\": 2} or a list of sizes");
  SizeRange r;
  for (const auto& item : v.items()) {  // no structured binding: clang 14 (scripts/fuzz.sh) cannot capture one
    const std::string& key = item.key();
    const Json& value = item.value();
    const std::string where = "sizes." + key;
    if (key == "min") r.min_bytes = at_key(source, where, [&] { return core::parse_size(text_of(value, source, where), "min"); });
    else if (key == "max") r.max_bytes = at_key(source, where, [&] { return core::parse_size(text_of(value, source, where), "max"); });
    else if (key == "factor") {
      if (!value.is_number() || value.get<double>() <= 1.0) fail(source, where, "expected a number > 1");
      r.step_factor = value.get<double>();
    } else if (key == "step") {
      r.step_bytes = at_key(source, where, [&] { return core::parse_size(text_of(value, source, where), "step"); });
      if (!v.contains("factor")) r.step_factor = 1.0;
    } else {
      fail(source, where, "unknown key; expected min, max, factor or step");
    }
  }
  if (!v.contains("min") || !v.contains("max")) fail(source, "sizes", "expected both min and max");
  if (r.min_bytes > r.max_bytes)
    fail(source, "sizes", fmt::format("min {} is above max {}", core::format_size(r.min_bytes), core::format_size(r.max_bytes)));
  return at_key(source, "sizes", [&] { return size_steps(r); });
}

// A case's "sizes": a list of the sweep's own sizes.
std::vector<std::uint64_t> case_sizes(const Json& v, const std::vector<std::uint64_t>& sweep_sizes, const std::string& source,
                                      const std::string& where) {
  if (!v.is_array() || v.empty()) fail(source, where, "expected a non-empty list of the sweep's sizes");
  std::set<std::uint64_t> out;
  for (const auto& e : v) {
    const std::uint64_t b = at_key(source, where, [&] { return core::parse_size(text_of(e, source, where), "size"); });
    if (std::find(sweep_sizes.begin(), sweep_sizes.end(), b) == sweep_sizes.end())
      fail(source, where, fmt::format("{} is not one of the sweep's sizes", core::format_size(b)));
    out.insert(b);
  }
  return {out.begin(), out.end()};
}

Config parse_config(const Json& v, const std::string& backend, const std::string& source, const std::string& where,
                    bool allow_default) {
  if (!v.is_object() || v.empty()) fail(source, where, "expected an object of knob: value");
  Config c;
  for (const auto& item : v.items()) {  // no structured binding: clang 14 cannot capture one
    const std::string& name = item.key();
    const Json& value = item.value();
    const std::string w = where + "." + name;
    const Knob& k = at_key(source, w, [&]() -> const Knob& { return knob_or_throw(backend, name); });
    if (value.is_null() || (value.is_string() && value.get<std::string>() == "default")) {
      if (!allow_default) continue;  // default = absent from the configuration
      c[name] = "default";
      continue;
    }
    c[name] = at_key(source, w, [&] { return canonical_value(k, text_of(value, source, w)); });
  }
  return c;
}

bool single_node_kind(const std::string& kind) { return kind == "launch" || kind == "torchrun"; }

// srun takes Slurm node names ("node1:8" is mpirun's slot syntax); launch and torchrun's default
// (--standalone) start every rank on this machine, so a host list would be ignored.
void check_hosts(const LauncherSpec& l, const std::string& source, const std::string& where) {
  if (single_node_kind(l.kind) && !l.hosts.empty())
    fail(source, where, l.kind == "launch" ? "collbench launch starts its ranks on this machine only; expected no hosts "
                                             "(mpirun, srun or a torchrun template of your own reach other nodes)"
                                           : "the torchrun launcher's default template is --standalone, this machine only; "
                                             "expected no hosts (write torchrun's --nnodes and --rdzv-endpoint in launcher.template)");
  if (l.kind != "srun") return;
  for (const auto& h : l.hosts)
    if (h.empty() || h.find_first_of(": ") != std::string::npos)
      fail(source, where, "'" + h + "': srun takes Slurm node names (slots come from ranks and the allocation)");
}

// launch and torchrun start ranks that meet through NCCL's bootstrap: no MPI world to measure in.
void check_backend_for_kind(const std::string& backend, const std::string& kind, const std::string& source, const std::string& where) {
  if (backend == "mpi" && single_node_kind(kind))
    fail(source, where, "'" + kind + "' starts ranks without MPI (they meet through NCCL's bootstrap); the mpi backend "
                        "needs mpirun or srun");
}

LauncherSpec parse_launcher(const Json& v, const std::string& source) {
  LauncherSpec l;
  if (!v.is_object()) fail(source, "launcher", "expected {\"kind\": \"mpirun\", \"ranks\": 4, \"hosts\": [...], \"template\": \"...\"}");
  for (const auto& [key, value] : v.items()) {
    const std::string where = "launcher." + key;
    if (key == "ranks") l.ranks = integer(value, source, where, 1, 1 << 20);
    else if (key == "hosts") l.hosts = strings(value, source, where);
    else if (key == "kind") {
      if (!value.is_string() || !launcher_kinds().count(value.get<std::string>()))
        fail(source, where, "expected \"mpirun\", \"srun\", \"launch\" or \"torchrun\"");
      l.kind = value.get<std::string>();
    } else if (key == "oversubscribe") {
      if (!value.is_boolean()) fail(source, where, "expected true or false");
      l.oversubscribe = value.get<bool>();
    } else if (key == "template") {
      if (!value.is_string() || value.get<std::string>().empty()) fail(source, where, "expected a command line");
      l.command_template = value.get<std::string>();
      l.template_given = true;
    } else fail(source, where, "unknown key; expected kind, ranks, hosts, oversubscribe or template");
  }
  check_hosts(l, source, "launcher.hosts");
  if (!l.command_template.empty() && l.oversubscribe)
    fail(source, "launcher.oversubscribe", "shapes the default template only; write the flag in launcher.template");
  if (single_node_kind(l.kind) && l.oversubscribe)
    fail(source, "launcher.oversubscribe", "applies to mpirun and srun; " + l.kind + " starts as many ranks as asked");
  if (l.command_template.empty()) l.command_template = default_launcher_template(l);
  // Every placeholder must be one we fill, and the binary and its arguments must appear.
  const std::string& t = l.command_template;
  for (std::size_t p = t.find('{'); p != std::string::npos; p = t.find('{', p + 1)) {
    const std::size_t q = t.find('}', p);
    const std::string name = q == std::string::npos ? t.substr(p) : t.substr(p, q - p + 1);
    static const std::set<std::string> known = {"{ranks}", "{hosts}", "{collbench}", "{args}", "{x_env}"};
    if (!known.count(name))
      fail(source, "launcher.template", "unknown placeholder '" + name + "'; expected {ranks} {hosts} {collbench} {args} {x_env}");
  }
  if (single_node_kind(l.kind))
    for (const char* p : {"{hosts}", "{x_env}"})
      if (t.find(p) != std::string::npos)
        fail(source, "launcher.template", std::string(p) + " is for mpirun and srun; " + l.kind +
                                              " starts every rank on this machine with the launch's environment");
  for (const char* needed : {"{collbench}", "{args}"})
    if (t.find(needed) == std::string::npos) fail(source, "launcher.template", std::string("expected ") + needed + " in '" + t + "'");
  if (t.find("{hosts}") != std::string::npos && l.hosts.empty())
    fail(source, "launcher.template", "uses {hosts} but launcher.hosts is empty");
  if (l.kind == "srun" && t.find("{x_env}") != std::string::npos)
    fail(source, "launcher.template", "{x_env} is mpirun's -x; srun passes the environment on (--export=ALL)");
  return l;
}

std::vector<KnobAxis> parse_axes(const Json& knobs, const std::string& backend, const std::string& source) {
  std::vector<KnobAxis> axes;
  if (!knobs.is_object()) fail(source, "knobs", "expected an object of knob: [values]");
  for (const auto& item : knobs.items()) {  // no structured binding: clang 14 cannot capture one
    const std::string& name = item.key();
    const Json& values = item.value();
    const std::string where = "knobs." + name;
    const Knob& k = at_key(source, where, [&]() -> const Knob& { return knob_or_throw(backend, name); });
    KnobAxis axis;
    axis.knob = name;
    const Json list = values.is_array() ? values : Json::array({values});
    if (list.empty()) fail(source, where, "expected at least one value");
    for (const auto& v : list) {
      std::optional<std::string> value;
      if (!v.is_null() && !(v.is_string() && v.get<std::string>() == "default"))
        value = at_key(source, where, [&] { return canonical_value(k, text_of(v, source, where)); });
      if (std::find(axis.values.begin(), axis.values.end(), value) != axis.values.end())
        fail(source, where, "value '" + value.value_or("default") + "' is listed twice");
      axis.values.push_back(value);
    }
    axes.push_back(std::move(axis));
  }
  return axes;
}

std::vector<std::pair<std::string, std::string>> parse_measure(const Json& m, const std::string& source) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!m.is_object()) fail(source, "measure", "expected an object of run options, e.g. {\"iters\": 20}");
  for (const auto& [key, value] : m.items()) {
    const auto& allowed = measure_keys();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      fail(source, "measure." + key, fmt::format("unknown key; expected one of {}", fmt::join(allowed, ", ")));
    if (key == "samples" || key == "cuda-graph" || key == "nccl-tuning-info") {  // run's on/off flags
      if (!value.is_boolean()) fail(source, "measure." + key, "expected true or false");
      if (value.get<bool>()) out.emplace_back("--" + key, "");
    } else {
      out.emplace_back("--" + key, text_of(value, source, "measure." + key));
    }
  }
  return out;
}

}  // namespace

const std::set<std::string>& launcher_kinds() {
  static const std::set<std::string> kinds = {"mpirun", "srun", "launch", "torchrun"};
  return kinds;
}

std::string default_launcher_template(const LauncherSpec& l) {
  if (l.kind == "launch") return "{collbench} launch --nproc-per-node {ranks} {args}";
  if (l.kind == "torchrun") return "torchrun --standalone --nnodes 1 --nproc-per-node {ranks} --no-python {collbench} {args}";
  const bool hosts = !l.hosts.empty();
  if (l.kind == "srun") {
    return fmt::format("srun -n {{ranks}} {}{}--mpi=pmix --export=ALL --kill-on-bad-exit=1 {{collbench}} {{args}}",
                       hosts ? "--nodelist={hosts} " : "", l.oversubscribe.value_or(false) ? "-O " : "");
  }
  return fmt::format("mpirun -np {{ranks}} {}{}{{x_env}} {{collbench}} {{args}}", hosts ? "--host {hosts} " : "",
                     l.oversubscribe.value_or(!hosts) ? "--oversubscribe " : "");
}

const std::vector<std::string>& measure_keys() {
  static const std::vector<std::string> keys = {
      "iters", "warmup", "check", "probe-iters", "timeout", "min-iters", "max-iters", "target-rel-ci",
      "time-budget", "samples", "rotate", "cuda-graph", "nccl-tuning-info"};
  return keys;
}

SweepSpec parse_sweep_spec(const std::string& text, const std::string& source) {
  core::OrderedJsonParse parsed = core::parse_json<Json>(text, {.comments = true});
  if (parsed.status == core::JsonStatus::not_json) {
    std::string why = parsed.problem;
    if (const std::size_t p = why.find("syntax error"); p != std::string::npos) why = why.substr(p);
    throw core::InputError(fmt::format("{}:{}: malformed JSON: {}", source, core::text_position(text, parsed.byte), why));
  }
  if (!parsed.ok()) throw core::InputError(fmt::format("{}: {}", source, parsed.problem));  // a key twice, 1e400
  Json j = std::move(parsed.value);
  if (!j.is_object()) fail(source, "", "expected a JSON object (see sweeps/README.md)");

  SweepSpec s;
  s.source = source;
  s.text = text;
  s.name = source;
  static const std::set<std::string> keys = {"name", "description", "backend", "collectives", "sizes", "datatypes",
                                             "ops", "placements", "root", "launcher", "knobs", "cases", "exclude",
                                             "invalid_combinations", "repetitions", "time_budget_s", "measure",
                                             "topology", "nodes"};
  for (const auto& [key, value] : j.items())
    if (!keys.count(key))
      fail(source, key, "unknown key; expected one of name, description, backend, collectives, sizes, datatypes, "
                        "ops, placements, root, launcher, knobs, cases, exclude, invalid_combinations, repetitions, "
                        "time_budget_s, measure, topology, nodes");

  if (j.contains("name")) s.name = text_of(j["name"], source, "name");
  if (!j.contains("backend") || !j["backend"].is_string()) fail(source, "backend", "expected \"mpi\", \"nccl\" or \"model\"");
  s.backend = j["backend"].get<std::string>();
  if (s.backend != "mpi" && s.backend != "nccl" && s.backend != "model")
    fail(source, "backend", "'" + s.backend + "': expected mpi, nccl or model");

  std::string colls = "allreduce";
  if (j.contains("collectives")) {
    const auto list = strings(j["collectives"], source, "collectives");
    colls.clear();
    for (const auto& c : list) colls += (colls.empty() ? "" : ",") + c;
  }
  s.collectives = at_key(source, "collectives", [&] { return core::parse_collectives(colls); });
  s.sizes = j.contains("sizes") ? parse_sizes(j["sizes"], source) : std::vector<std::uint64_t>{8, 1024, 65536, 1u << 20};
  for (const auto& d : j.contains("datatypes") ? strings(j["datatypes"], source, "datatypes") : std::vector<std::string>{"float"})
    s.datatypes.push_back(at_key(source, "datatypes", [&] { return core::parse_datatype(d); }));
  for (const auto& o : j.contains("ops") ? strings(j["ops"], source, "ops") : std::vector<std::string>{"sum"})
    s.ops.push_back(at_key(source, "ops", [&] { return core::parse_redop(o); }));
  s.placements = at_key(source, "placements", [&] {
    return parse_placements(j.contains("placements") ? text_of(j["placements"], source, "placements") : "out");
  });
  if (j.contains("root")) s.root = integer(j["root"], source, "root", 0, 1 << 20);
  for (core::DataType d : s.datatypes)
    for (core::RedOp o : s.ops) {
      RunPlan p;
      p.collectives = s.collectives;
      p.dtype = d;
      p.op = o;
      at_key(source, "ops", [&] { validate(p); return 0; });
    }

  if (s.backend == "model") {
    // Predictions need no launcher: one plain process predicts every configuration.
    if (j.contains("launcher")) fail(source, "launcher", "the model backend runs in one plain process; expected no launcher");
    if (!j.contains("topology")) fail(source, "topology", "missing; the model backend predicts for a described fabric "
                                                          "(reports/MODEL.md, sweeps/topologies/)");
    std::filesystem::path t = text_of(j["topology"], source, "topology");
    // Relative to the working directory when it is there, else to the spec's own directory.
    if (t.is_relative() && !std::filesystem::exists(t)) t = std::filesystem::path(source).parent_path() / t;
    if (!std::filesystem::exists(t)) fail(source, "topology", "'" + j["topology"].get<std::string>() + "': no such file");
    s.topology = std::filesystem::absolute(t).lexically_normal().string();
    if (j.contains("nodes")) s.nodes = integer(j["nodes"], source, "nodes", 1, 1 << 20);
    s.launcher.ranks = 1;
    s.launcher.command_template = "{collbench} {args}";
  } else {
    for (const char* key : {"topology", "nodes"})
      if (j.contains(key)) fail(source, key, "applies to the model backend only");
    s.launcher = parse_launcher(j.contains("launcher") ? j["launcher"] : Json::object(), source);
    check_backend_for_kind(s.backend, s.launcher.kind, source, "launcher.kind");
  }
  if (s.backend != "model" && s.root >= s.launcher.ranks)
    fail(source, "root", fmt::format("{} is not a rank of the {} launched", s.root, s.launcher.ranks));

  if (j.contains("knobs")) s.axes = parse_axes(j["knobs"], s.backend, source);
  auto configs = [&](const char* key, bool allow_default, std::vector<Config>* out) {
    if (!j.contains(key)) return;
    if (!j[key].is_array()) fail(source, key, "expected a list of {knob: value} objects");
    for (std::size_t i = 0; i < j[key].size(); ++i)
      out->push_back(parse_config(j[key][i], s.backend, source, fmt::format("{}[{}]", key, i), allow_default));
  };
  if (j.contains("cases") && j["cases"].is_array())
    for (std::size_t i = 0; i < j["cases"].size(); ++i) {  // "sizes" restricts a case; the rest are knobs
      Json& c = j["cases"][i];
      if (!c.is_object() || !c.contains("sizes")) continue;
      const std::string where = fmt::format("cases[{}].sizes", i);
      s.case_sizes.resize(i + 1);
      s.case_sizes[i] = case_sizes(c["sizes"], s.sizes, source, where);
      c.erase("sizes");
      if (c.empty()) fail(source, fmt::format("cases[{}]", i), "expected at least one knob beside \"sizes\"");
    }
  configs("cases", false, &s.cases);
  configs("exclude", true, &s.exclude);

  if (j.contains("invalid_combinations")) {
    const std::string v = text_of(j["invalid_combinations"], source, "invalid_combinations");
    if (v != "reject" && v != "skip") fail(source, "invalid_combinations", "'" + v + "': expected reject or skip");
    s.skip_invalid = v == "skip";
  }
  if (j.contains("repetitions")) s.repetitions = integer(j["repetitions"], source, "repetitions", 1, 1000);
  if (j.contains("time_budget_s")) {
    if (!j["time_budget_s"].is_number() || j["time_budget_s"].get<double>() < 0)
      fail(source, "time_budget_s", "expected seconds >= 0 (0: no budget)");
    s.time_budget_s = j["time_budget_s"].get<double>();
  }
  if (j.contains("measure")) s.measure = parse_measure(j["measure"], source);
  return s;
}

void override_launcher(SweepSpec& s, const std::string& kind, int ranks) {
  if (kind.empty() && ranks <= 0) return;
  const std::string flags = kind.empty() ? "--ranks" : ranks > 0 ? "--launcher/--ranks" : "--launcher";
  if (s.backend == "model")
    throw core::InputError(flags + ": " + s.source + " is for the model backend, which runs in one plain process, without a launcher");
  if (!kind.empty()) {
    if (!launcher_kinds().count(kind)) throw core::InputError("--launcher '" + kind + "': expected mpirun, srun, launch or torchrun");
    if (s.launcher.template_given)
      throw core::InputError("--launcher " + kind + ": " + s.source + " has its own launcher.template; edit it there");
    s.launcher.kind = kind;
    check_hosts(s.launcher, s.source, "launcher.hosts (with --launcher " + kind + ")");
    check_backend_for_kind(s.backend, kind, s.source, "backend (with --launcher " + kind + ")");
  }
  if (ranks > 0) {
    if (s.root >= ranks) throw core::InputError(fmt::format("--ranks {}: the spec's root {} is not a rank of the job", ranks, s.root));
    s.launcher.ranks = ranks;
  }
  if (!s.launcher.template_given) s.launcher.command_template = default_launcher_template(s.launcher);
}

SweepSpec read_sweep_spec(const std::string& path) {
  return parse_sweep_spec(core::read_input_file(path, {"sweep spec", core::kConfigMaxBytes}), path);
}

}  // namespace collbench::plan

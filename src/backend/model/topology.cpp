#include "backend/model/topology.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <set>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/input_file.hpp"
#include "core/size.hpp"
#include "core/text.hpp"
#include "results/file_io.hpp"

namespace collbench::model {

namespace {

using Json = nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& field, const std::string& what) {
  throw core::InputError(fmt::format("{}: {}: {}", source, field, what));
}

// An object's keys must all be known: a misspelt key is an error, not a silent default.
void known_keys(const Json& obj, const std::string& source, const std::string& where, const std::set<std::string>& keys) {
  for (const auto& [k, v] : obj.items())
    if (!keys.count(k)) {
      std::string list;
      for (const auto& key : keys) list += (list.empty() ? "" : ", ") + key;
      fail(source, where.empty() ? k : where + "." + k, "unknown key; expected one of " + list);
    }
}

const Json* member(const Json& obj, const char* key) {
  const auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

double number(const Json& obj, const char* key, const std::string& source, const std::string& field, double lo, double hi,
              std::optional<double> dflt) {
  const Json* v = member(obj, key);
  if (!v) {
    if (dflt) return *dflt;
    fail(source, field, fmt::format("missing; expected a number {}..{}", lo, hi));
  }
  if (!v->is_number()) fail(source, field, fmt::format("{}: expected a number {}..{}", v->dump(), lo, hi));
  const double x = v->get<double>();
  if (!std::isfinite(x) || x < lo || x > hi) fail(source, field, fmt::format("{}: expected a number {}..{}", v->dump(), lo, hi));
  return x;
}

int integer(const Json& obj, const char* key, const std::string& source, const std::string& field, int lo, int hi,
            std::optional<int> dflt) {
  const Json* v = member(obj, key);
  if (!v) {
    if (dflt) return *dflt;
    fail(source, field, fmt::format("missing; expected an integer {}..{}", lo, hi));
  }
  if (!v->is_number_integer()) fail(source, field, fmt::format("{}: expected an integer {}..{}", v->dump(), lo, hi));
  const auto x = v->get<long long>();
  if (x < lo || x > hi) fail(source, field, fmt::format("{}: expected an integer {}..{}", x, lo, hi));
  return static_cast<int>(x);
}

bool boolean(const Json& obj, const char* key, const std::string& source, const std::string& field, bool dflt) {
  const Json* v = member(obj, key);
  if (!v) return dflt;
  if (!v->is_boolean()) fail(source, field, v->dump() + ": expected true or false");
  return v->get<bool>();
}

std::string text(const Json& obj, const char* key, const std::string& source, const std::string& field) {
  const Json* v = member(obj, key);
  if (!v) return {};
  if (!v->is_string()) fail(source, field, v->dump() + ": expected a string");
  return v->get<std::string>();
}

const Json& object(const Json& obj, const char* key, const std::string& source, const std::string& field, bool required) {
  static const Json empty = Json::object();
  const Json* v = member(obj, key);
  if (!v) {
    if (required) fail(source, field, "missing; expected an object");
    return empty;
  }
  if (!v->is_object()) fail(source, field, v->dump() + ": expected an object");
  return *v;
}

Path path_of(const Json& obj, const char* key, const std::string& source, const std::string& field, Path dflt,
             std::initializer_list<Path> allowed) {
  const std::string s = text(obj, key, source, field);
  if (s.empty()) return dflt;
  std::string list;
  for (Path p : allowed) {
    if (core::to_lower(s) == core::to_lower(std::string(name(p)))) return p;
    list += (list.empty() ? "" : ", ") + core::to_lower(std::string(name(p)));
  }
  fail(source, field, fmt::format("'{}': expected one of {}", s, list));
}

// "hopper", "sm90", "9.0", "90".
int parse_arch(const Json& gpu, const std::string& source) {
  const Json* v = member(gpu, "arch");
  if (!v) fail(source, "gpu.arch", "missing; expected volta, ampere, hopper, blackwell or a compute capability such as 9.0");
  // A number is a compute capability either way: 9.0 (major.minor) or 90.
  std::string s = !v->is_number()  ? (v->is_string() ? core::to_lower(v->get<std::string>()) : "")
                  : v->get<double>() < 20 ? fmt::format("{:.1f}", v->get<double>())
                                          : fmt::format("{}", v->get<double>());
  const std::string expected = "expected volta, ampere, hopper, blackwell or a compute capability 7.0..10.x (sm70 … sm100)";
  if (s == "volta") return 70;
  if (s == "ampere") return 80;
  if (s == "hopper") return 90;
  if (s == "blackwell") return 100;
  if (s.rfind("sm", 0) == 0 || s.rfind("sm_", 0) == 0) s = s.substr(s[2] == '_' ? 3 : 2);
  int cc = 0;
  if (const std::size_t dot = s.find('.'); dot != std::string::npos) {
    const std::string major = s.substr(0, dot), minor = s.substr(dot + 1);
    if (major.empty() || minor.size() != 1 || major.find_first_not_of("0123456789") != std::string::npos ||
        !std::isdigit(static_cast<unsigned char>(minor[0])))
      fail(source, "gpu.arch", fmt::format("{}: {}", v->dump(), expected));
    cc = std::stoi(major) * 10 + (minor[0] - '0');
  } else if (!s.empty() && s.size() <= 3 && s.find_first_not_of("0123456789") == std::string::npos) {
    cc = std::stoi(s);
  }
  if (cc < 70 || cc > 129) fail(source, "gpu.arch", fmt::format("{}: {}", v->dump(), expected));
  return cc;
}

Cpu parse_cpu(const Json& j, const std::string& source) {
  const std::string s = core::to_lower(text(j, "vendor", source, "cpu.vendor"));
  if (s.empty() || s == "intel") return Cpu::intel;
  if (s == "amd") return Cpu::amd;
  if (s == "arm" || s == "grace" || s == "nvidia") return Cpu::arm;
  if (s == "power" || s == "ibm") return Cpu::power;
  if (s == "mixed") return Cpu::mixed;
  fail(source, "cpu.vendor", fmt::format("'{}': expected intel, amd, arm, power or mixed", s));
}

Algo parse_algo_key(const std::string& key, const std::string& source) {
  for (int a = 0; a < kAlgos; ++a)
    if (core::to_lower(key) == name(static_cast<Algo>(a))) return static_cast<Algo>(a);
  fail(source, "graphs." + key, "unknown algorithm; expected tree, ring, collnetdirect, collnetchain, nvls, nvlstree or pat");
}

GraphOverride parse_graph(const Json& g, const std::string& source, const std::string& field) {
  if (!g.is_object()) fail(source, field, g.dump() + ": expected an object");
  known_keys(g, source, field, {"channels", "bw_intra", "bw_inter", "type_intra", "type_inter", "latency_us", "same_channels"});
  GraphOverride o;
  if (member(g, "channels")) o.channels = integer(g, "channels", source, field + ".channels", 1, 64, std::nullopt);
  if (member(g, "bw_intra")) o.bw_intra = number(g, "bw_intra", source, field + ".bw_intra", 0.01, 5000, std::nullopt);
  if (member(g, "bw_inter")) o.bw_inter = number(g, "bw_inter", source, field + ".bw_inter", 0.01, 5000, std::nullopt);
  if (member(g, "latency_us")) o.latency_inter_us = number(g, "latency_us", source, field + ".latency_us", 0, 1e6, std::nullopt);
  const std::initializer_list<Path> all = {Path::loc, Path::nvl, Path::nvb, Path::c2c, Path::pix, Path::pxb,
                                           Path::p2c, Path::pxn, Path::phb, Path::sys, Path::net};
  if (member(g, "type_intra")) o.type_intra = path_of(g, "type_intra", source, field + ".type_intra", Path::nvl, all);
  if (member(g, "type_inter")) o.type_inter = path_of(g, "type_inter", source, field + ".type_inter", Path::pix, all);
  if (member(g, "same_channels")) o.same_channels = boolean(g, "same_channels", source, field + ".same_channels", false);
  return o;
}

}  // namespace

double nvlink_link_gbytes_for(int cc) {
  if (cc >= 100) return 40.1;
  if (cc >= 90) return 20.6;
  if (cc == 86 || cc == 87 || cc == 89) return 12.0;
  return 20.0;
}

double Topology::pcie_gbytes() const {
  static constexpr double kSpeed[] = {0, 15, 30, 60, 120, 240, 480};  // xml.cc kvDictPciGen
  return pcie_width * kSpeed[pcie_gen] / 80.0;
}

std::string Topology::arch_name() const {
  const char* a = compute_capability >= 100 ? "Blackwell" : compute_capability >= 90 ? "Hopper"
                  : compute_capability >= 80                 ? "Ampere"
                                                             : "Volta";
  return fmt::format("{} (sm{})", a, compute_capability);
}

std::string Topology::describe() const {
  std::string s = fmt::format("{}: {} node{} x {} {}{}", name, nodes, nodes == 1 ? "" : "s", gpus_per_node,
                              gpu_model.empty() ? "GPU" : gpu_model, fmt::format(" {}", arch_name()));
  if (nvlink_links > 0)
    s += fmt::format(", NVLink {}x{:g} GB/s{}", nvlink_links, nvlink_link_gbytes, nvswitch ? " via NVSwitch" : "");
  else
    s += fmt::format(", PCIe Gen{} x{}", pcie_gen, pcie_width);
  if (nics_per_node > 0) s += fmt::format(", {}x{:g} Gb/s NICs", nics_per_node, nic_gbits);
  if (nvls) s += ", NVLS";
  if (collnet) s += ", CollNet";
  return s;
}

Topology parse_topology(const Json& j, const std::string& source) {
  if (!j.is_object()) fail(source, "(document)", "expected a JSON object (a collbench.topology file, reports/MODEL.md)");
  known_keys(j, source, "", {"schema", "version", "name", "description", "nodes", "gpu", "nvlink", "pcie", "nic", "cpu",
                             "nvls", "collnet", "graphs", "comm_channels"});
  const std::string schema = text(j, "schema", source, "schema");
  if (!schema.empty() && schema != kTopologySchema)
    fail(source, "schema", fmt::format("'{}': expected '{}'", schema, kTopologySchema));
  if (member(j, "version")) {
    const int v = integer(j, "version", source, "version", 1, 1000000, std::nullopt);
    if (v != kTopologyVersion) fail(source, "version", fmt::format("{}: this collbench reads version {}", v, kTopologyVersion));
  }
  Topology t;
  t.source = source;
  t.name = text(j, "name", source, "name");
  if (t.name.empty()) {
    t.name = source;
    if (const std::size_t slash = t.name.rfind('/'); slash != std::string::npos) t.name = t.name.substr(slash + 1);
    if (const std::size_t dot = t.name.rfind(".json"); dot != std::string::npos) t.name = t.name.substr(0, dot);
  }
  t.description = text(j, "description", source, "description");
  t.nodes = integer(j, "nodes", source, "nodes", 1, 1 << 20, std::nullopt);

  const Json& gpu = object(j, "gpu", source, "gpu", true);
  known_keys(gpu, source, "gpu", {"model", "arch", "per_node"});
  t.gpu_model = text(gpu, "model", source, "gpu.model");
  t.compute_capability = parse_arch(gpu, source);
  t.gpus_per_node = integer(gpu, "per_node", source, "gpu.per_node", 1, 72, std::nullopt);
  if (static_cast<long long>(t.nodes) * t.gpus_per_node > (1 << 24))
    fail(source, "nodes", fmt::format("{} nodes x {} GPUs: expected at most {} ranks", t.nodes, t.gpus_per_node, 1 << 24));

  const Json& nvl = object(j, "nvlink", source, "nvlink", false);
  known_keys(nvl, source, "nvlink", {"links", "link_gbytes", "switch"});
  t.nvlink_links = integer(nvl, "links", source, "nvlink.links", 0, 64, 0);
  t.nvlink_link_gbytes = number(nvl, "link_gbytes", source, "nvlink.link_gbytes", 0.1, 1000, nvlink_link_gbytes_for(t.compute_capability));
  t.nvswitch = boolean(nvl, "switch", source, "nvlink.switch", t.nvlink_links > 0 && t.gpus_per_node > 4);
  if (t.nvlink_links > 0 && !t.nvswitch && t.gpus_per_node > 1 && t.nvlink_links < t.gpus_per_node - 1)
    fail(source, "nvlink.links", fmt::format("{} links cannot connect each of {} GPUs to the {} others without a switch; "
                                             "expected \"switch\": true or at least {} links",
                                             t.nvlink_links, t.gpus_per_node, t.gpus_per_node - 1, t.gpus_per_node - 1));

  const Json& pcie = object(j, "pcie", source, "pcie", false);
  known_keys(pcie, source, "pcie", {"gen", "width", "gpu_gpu_path"});
  const int default_gen = t.compute_capability >= 90 ? 5 : t.compute_capability >= 80 ? 4 : 3;
  t.pcie_gen = integer(pcie, "gen", source, "pcie.gen", 1, 6, default_gen);
  t.pcie_width = integer(pcie, "width", source, "pcie.width", 1, 32, 16);
  if (t.pcie_width != 1 && t.pcie_width != 2 && t.pcie_width != 4 && t.pcie_width != 8 && t.pcie_width != 16 && t.pcie_width != 32)
    fail(source, "pcie.width", fmt::format("{}: expected 1, 2, 4, 8, 16 or 32 lanes", t.pcie_width));
  t.gpu_gpu_path = path_of(pcie, "gpu_gpu_path", source, "pcie.gpu_gpu_path", Path::phb, {Path::pix, Path::pxb, Path::phb, Path::sys});

  const Json& nic = object(j, "nic", source, "nic", t.nodes > 1);
  known_keys(nic, source, "nic", {"per_node", "gbits", "latency_us", "path", "host_net"});
  if (t.nodes > 1 || member(nic, "per_node")) {
    t.nics_per_node = integer(nic, "per_node", source, "nic.per_node", 1, 64, std::nullopt);
    t.nic_gbits = number(nic, "gbits", source, "nic.gbits", 1, 100000, std::nullopt);
  }
  t.nic_latency_us = number(nic, "latency_us", source, "nic.latency_us", 0, 1e6, 0.0);
  t.gpu_nic_path = path_of(nic, "path", source, "nic.path", Path::pix, {Path::pix, Path::pxb, Path::pxn, Path::phb, Path::sys});
  t.host_net = boolean(nic, "host_net", source, "nic.host_net", true);

  const Json& cpu = object(j, "cpu", source, "cpu", false);
  known_keys(cpu, source, "cpu", {"vendor", "model"});
  t.cpu = parse_cpu(cpu, source);

  const bool can_nvls = t.compute_capability >= 90 && t.nvswitch && t.gpus_per_node > 1;
  t.nvls = boolean(j, "nvls", source, "nvls", can_nvls);
  if (t.nvls && !can_nvls)
    fail(source, "nvls", "true, but NVLS needs Hopper or later GPUs behind NVSwitches (gpu.arch >= 9.0, nvlink.switch true, "
                         "more than one GPU per node); expected false");
  t.collnet = boolean(j, "collnet", source, "collnet", false);

  if (const Json* g = member(j, "graphs")) {
    if (!g->is_object()) fail(source, "graphs", g->dump() + ": expected an object keyed by algorithm (ring, tree, nvls …)");
    for (const auto& [k, v] : g->items()) t.graphs[parse_algo_key(k, source)] = parse_graph(v, source, "graphs." + k);
  }
  if (member(j, "comm_channels")) t.comm_channels = integer(j, "comm_channels", source, "comm_channels", 1, 64, std::nullopt);
  return t;
}

Topology read_topology(const std::string& path) {
  const std::string body = core::read_input_file(path, {"", core::kConfigMaxBytes});
  const core::JsonParse parsed = core::parse_json(body, {.comments = true});
  if (parsed.status == core::JsonStatus::not_json)
    throw core::InputError(fmt::format("{}:{}: malformed JSON; expected a collbench.topology file (reports/MODEL.md)", path,
                                       core::text_position(body, parsed.byte)));
  if (!parsed.ok()) throw core::InputError(fmt::format("{}: {}", path, parsed.problem));  // a key twice, 1e400
  return parse_topology(parsed.value, path);
}

Json topology_json(const Topology& t) {
  Json j = {{"schema", kTopologySchema},
            {"version", kTopologyVersion},
            {"name", t.name},
            {"nodes", t.nodes},
            {"gpu", {{"model", t.gpu_model}, {"arch", fmt::format("{}.{}", t.compute_capability / 10, t.compute_capability % 10)},
                     {"per_node", t.gpus_per_node}}},
            {"pcie", {{"gen", t.pcie_gen}, {"width", t.pcie_width}, {"gpu_gpu_path", core::to_lower(std::string(name(t.gpu_gpu_path)))}}},
            {"cpu", {{"vendor", std::string(name(t.cpu))}}},
            {"nvls", t.nvls},
            {"collnet", t.collnet}};
  if (!t.description.empty()) j["description"] = t.description;
  if (t.nvlink_links > 0) j["nvlink"] = {{"links", t.nvlink_links}, {"link_gbytes", t.nvlink_link_gbytes}, {"switch", t.nvswitch}};
  if (t.nics_per_node > 0)
    j["nic"] = {{"per_node", t.nics_per_node}, {"gbits", t.nic_gbits}, {"latency_us", t.nic_latency_us},
                {"path", core::to_lower(std::string(name(t.gpu_nic_path)))}, {"host_net", t.host_net}};
  if (t.comm_channels) j["comm_channels"] = *t.comm_channels;
  for (const auto& [a, o] : t.graphs) {
    Json g = Json::object();
    if (o.channels) g["channels"] = *o.channels;
    if (o.bw_intra) g["bw_intra"] = *o.bw_intra;
    if (o.bw_inter) g["bw_inter"] = *o.bw_inter;
    if (o.type_intra) g["type_intra"] = core::to_lower(std::string(name(*o.type_intra)));
    if (o.type_inter) g["type_inter"] = core::to_lower(std::string(name(*o.type_inter)));
    if (o.latency_inter_us) g["latency_us"] = *o.latency_inter_us;
    if (o.same_channels) g["same_channels"] = *o.same_channels;
    j["graphs"][std::string(name(a))] = g;
  }
  return j;
}

}  // namespace collbench::model

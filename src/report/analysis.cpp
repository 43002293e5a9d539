#include "report/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"
#include "results/file_io.hpp"
#include "stats/summary.hpp"

namespace collbench::report {
namespace {

using nlohmann::json;

// Bus-bandwidth ceilings of one GPU, GB/s, one direction: within a node, the GPU's NVLink (or
// Infinity Fabric) bandwidth; across nodes, the node's scale-out bandwidth (all its NICs), which is
// what a ring's busbw can reach when every channel crosses the node boundary on its own NIC.
struct Preset {
  const char* name;
  double intra, inter;
};
constexpr Preset kPresets[] = {
    {"a100-sxm", 300, 200},  // NVLink 3 (600 GB/s both ways); 8 x 200 Gb/s HDR
    {"h100-sxm", 450, 400},  // NVLink 4 (900 GB/s both ways); 8 x 400 Gb/s NDR
    {"h200-sxm", 450, 400},
    {"b200", 900, 400},      // NVLink 5 (1.8 TB/s both ways); 8 x 400 Gb/s
    {"gb200", 900, 400},     // NVL72: NVLink 5 across the rack; 4 x 800 Gb/s per 4-GPU tray
    {"mi300x", 448, 400},    // Infinity Fabric, 7 links x 64 GB/s; 8 x 400 Gb/s
};

double finite_or(double x, double other) { return std::isfinite(x) ? x : other; }

std::string setting_text(const json& s) {
  if (!s.is_object() || s.empty()) return "default";
  std::string out;
  for (const auto& [k, v] : s.items()) out += (out.empty() ? "" : " ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

double num(const json& j, const char* key) {
  if (!j.is_object()) return kNaN;
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : kNaN;
}

TuneSection tune_section(const TuneInfo& t) {
  TuneSection s;
  const json& j = t.summary;
  s.path = t.path;
  s.backend = j.value("backend", "");
  s.workload = j.contains("workload") && j["workload"].is_string() ? j["workload"].get<std::string>() : "";
  s.nranks = j.value("nranks", 0);
  if (j.contains("global") && j["global"].is_object()) {
    const json& g = j["global"];
    s.global_setting = g.contains("winner") && !g["winner"].is_null() ? setting_text(g["winner"]) : "none";
    s.global_confidence = g.value("confidence", "");
    if (g.contains("gain")) {
      s.global_gain = num(g["gain"], "ratio");
      s.global_lo = num(g["gain"], "lo");
      s.global_hi = num(g["gain"], "hi");
    }
  }
  if (!j.contains("collectives") || !j["collectives"].is_array()) return s;
  for (const json& c : j["collectives"]) {
    const std::string coll = c.value("collective", "");
    std::string confidence;
    if (c.contains("per_collective") && c["per_collective"].is_object())
      confidence = c["per_collective"].value("confidence", "");
    if (!c.contains("size_ranges") || !c["size_ranges"].is_array()) continue;
    for (const json& r : c["size_ranges"]) {
      TuneGain g;
      g.collective = coll;
      g.min_bytes = r.value("min_bytes", std::uint64_t{0});
      if (r.contains("max_bytes") && r["max_bytes"].is_number_unsigned()) g.max_bytes = r["max_bytes"].get<std::uint64_t>();
      g.setting = setting_text(r.value("setting", json::object()));
      g.gain_min = num(r, "gain_min");
      g.gain_max = num(r, "gain_max");
      g.gain_known = r.value("gain_known", false);
      g.confidence = confidence;
      s.gains.push_back(std::move(g));
    }
  }
  return s;
}

}  // namespace

std::vector<std::string> topology_presets() {
  std::vector<std::string> names;
  for (const auto& p : kPresets) names.emplace_back(p.name);
  return names;
}

Topology load_topology(const std::string& arg) {
  for (const auto& p : kPresets)
    if (arg == p.name) return Topology{p.name, p.intra, p.inter};
  std::string text;
  try {
    text = results::read_file_text(arg);
  } catch (const core::InputError&) {
    std::string names;
    for (const auto& p : kPresets) names += std::string(names.empty() ? "" : ", ") + p.name;
    throw core::InputError(fmt::format("--topology '{}': expected a preset ({}) or a JSON file with intra_node_gbps "
                                       "and inter_node_gbps",
                                       arg, names));
  }
  core::JsonParse parsed = core::parse_json(text);
  if (parsed.status == core::JsonParse::Status::refused) throw core::InputError("--topology '" + arg + "': " + parsed.problem);
  const json& j = parsed.value;
  if (!parsed.ok() || !j.is_object())
    throw core::InputError("--topology '" + arg + "': not valid JSON (expected {\"name\", \"intra_node_gbps\", \"inter_node_gbps\"})");
  for (const auto& [key, v] : j.items()) {
    if (key != "name" && key != "intra_node_gbps" && key != "inter_node_gbps" && key != "description")
      throw core::InputError(fmt::format("--topology '{}': {}: unknown key; expected name, intra_node_gbps, inter_node_gbps "
                                         "or description",
                                         arg, key));
  }
  if (j.contains("name") && !j["name"].is_string())
    throw core::InputError(fmt::format("--topology '{}': name: expected a string, got {}", arg, j["name"].dump()));
  Topology t;
  t.name = j.value("name", arg);
  t.intra_node_gbps = num(j, "intra_node_gbps");
  t.inter_node_gbps = num(j, "inter_node_gbps");
  for (const auto& [key, v] : {std::pair{"intra_node_gbps", t.intra_node_gbps}, std::pair{"inter_node_gbps", t.inter_node_gbps}})
    if (j.contains(key) && !(v > 0))
      throw core::InputError(fmt::format("--topology '{}': {} must be a positive number of GB/s", arg, key));
  if (!(t.intra_node_gbps > 0) && !(t.inter_node_gbps > 0))
    throw core::InputError("--topology '" + arg + "': expected intra_node_gbps and/or inter_node_gbps (GB/s per GPU)");
  return t;
}

std::string format_bytes(double bytes) {
  if (!std::isfinite(bytes)) return "-";
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  double v = bytes;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  if (std::abs(v - std::round(v)) < 1e-9) return fmt::format("{} {}", static_cast<long long>(std::round(v)), units[u]);
  return v >= 100 ? fmt::format("{:.1f} {}", v, units[u]) : fmt::format("{:.3g} {}", v, units[u]);
}

SeriesMetrics metrics_of(const Series& s, const std::optional<Topology>& topo) {
  SeriesMetrics m;
  const auto& pts = s.points;
  if (pts.empty()) return m;
  for (const Point& p : pts) {
    if (std::isfinite(p.busbw) && !(p.busbw <= m.peak_busbw)) m.peak_busbw = p.busbw, m.peak_bytes = p.bytes;
    if (std::isfinite(p.nccl_tests_busbw) && !(p.nccl_tests_busbw <= m.peak_nccl_tests_busbw))
      m.peak_nccl_tests_busbw = p.nccl_tests_busbw;
    if (std::isfinite(p.time_us) && !(p.time_us >= m.latency_floor_us)) m.latency_floor_us = p.time_us, m.floor_bytes = p.bytes;
    if (p.wrong < 0 || m.wrong < 0) m.wrong = -1;
    else m.wrong += p.wrong;
  }
  if (std::isfinite(m.peak_busbw) && m.peak_busbw > 0) {
    const double half = m.peak_busbw / 2;
    for (std::size_t i = 0; i < pts.size(); ++i) {
      if (!(pts[i].busbw >= half)) continue;
      if (i == 0) {
        m.half_peak_below_range = true;
      } else {
        // Between the last size below half and this one, linear in log(size) and log(busbw).
        const Point& a = pts[i - 1];
        const Point& b = pts[i];
        if (a.busbw > 0) {
          const double t = (std::log(half) - std::log(a.busbw)) / (std::log(b.busbw) - std::log(a.busbw));
          m.half_peak_bytes = std::exp(std::log(double(a.bytes)) + t * (std::log(double(b.bytes)) - std::log(double(a.bytes))));
        } else {
          m.half_peak_bytes = static_cast<double>(b.bytes);
        }
      }
      break;
    }
  }
  std::vector<double> tails;
  bool have_p50 = true;
  for (const Point& p : pts) have_p50 = have_p50 && std::isfinite(p.p50_us);
  for (const Point& p : pts) {
    const double base = have_p50 ? p.p50_us : p.time_us;
    if (!std::isfinite(p.p99_us) || !(base > 0)) continue;
    const double r = p.p99_us / base;
    tails.push_back(r);
    if (!(r <= m.tail_max)) m.tail_max = r, m.tail_max_bytes = p.bytes;
  }
  if (!tails.empty()) {
    m.tail_basis = have_p50 ? "p99/p50" : "p99/mean";
    std::sort(tails.begin(), tails.end());
    m.tail_median = stats::percentile(tails, 0.5);
  }
  if (topo) {
    m.link_gbps = s.nnodes > 1 ? finite_or(topo->inter_node_gbps, topo->intra_node_gbps)
                               : finite_or(topo->intra_node_gbps, topo->inter_node_gbps);
    if (m.link_gbps > 0 && std::isfinite(m.peak_busbw)) m.efficiency = m.peak_busbw / m.link_gbps;
  }
  return m;
}

Analysis analyse(const Dataset& d, const std::optional<Topology>& topo) {
  Analysis a;
  a.topology = topo;
  for (const Series& s : d.series) a.metrics.push_back(metrics_of(s, topo));
  // Scaling: the same collective, type, op, placement and configuration at several scales. An
  // imported log's configuration is its own label, so logs group by the GPU they ran on: logs of
  // one system at several node counts line up, logs of different systems do not.
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string>;
  std::map<Key, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < d.series.size(); ++i) {
    const Series& s = d.series[i];
    const SourceInfo& src = d.sources[static_cast<std::size_t>(s.source)];
    const bool log = src.kind == "import" || src.kind == "log";
    const std::string config = log ? (src.gpu.empty() ? std::string("logs, GPU not named") : "logs on " + src.gpu)
                                   : s.config + (src.gpu.empty() ? "" : " on " + src.gpu);
    groups[{s.collective, s.datatype, s.op, s.placement, config}].push_back(i);
  }
  for (auto& [key, members] : groups) {
    auto scale = [&](std::size_t i) {
      const Series& s = d.series[i];
      return std::pair{s.nnodes > 0 ? s.nnodes : 0, s.nranks};
    };
    std::sort(members.begin(), members.end(), [&](std::size_t x, std::size_t y) { return scale(x) < scale(y); });
    if (scale(members.front()) == scale(members.back())) continue;
    ScalingGroup g;
    std::tie(g.collective, g.datatype, g.op, g.placement, g.config) = key;
    const SeriesMetrics& base = a.metrics[members.front()];
    for (const std::size_t i : members) {
      const SeriesMetrics& m = a.metrics[i];
      ScalingRow r;
      r.series = i;
      r.nnodes = d.series[i].nnodes;
      r.nranks = d.series[i].nranks;
      r.peak_busbw = m.peak_busbw;
      r.latency_floor_us = m.latency_floor_us;
      if (base.peak_busbw > 0) r.peak_vs_base = m.peak_busbw / base.peak_busbw;
      if (base.latency_floor_us > 0) r.floor_vs_base = m.latency_floor_us / base.latency_floor_us;
      g.rows.push_back(r);
    }
    a.scaling.push_back(std::move(g));
  }
  for (const TuneInfo& t : d.tunes) {
    try {
      a.tunes.push_back(tune_section(t));
    } catch (const json::type_error& e) {  // a field of another type than `collbench tune` writes
      throw core::InputError(fmt::format("'{}': not a tune summary as collbench tune writes it: {}", t.path,
                                         core::json_error_text(e.what())));
    }
  }
  return a;
}

}  // namespace collbench::report

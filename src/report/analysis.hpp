#pragma once
// The numbers a capacity review asks of each series, from the points alone (no I/O): peak busbw and
// the size that reaches it, the size at half peak, the small-message latency floor, the tail
// spread, efficiency against a link rate, scaling across node counts, and the tuning gains of a
// tune summary. The definitions are in reports/REPORT.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/dataset.hpp"

namespace collbench::report {

// The busbw a GPU can reach, GB/s one way: within a node (its NVLink bandwidth) and across nodes
// (the node's scale-out bandwidth, all NICs). Efficiency = peak busbw / the rate of the series'
// scope (one node: intra; several: inter).
struct Topology {
  std::string name;
  double intra_node_gbps = kNaN;  // GB/s, 1e9 B/s
  double inter_node_gbps = kNaN;
};

// --topology FILE ({"name", "intra_node_gbps", "inter_node_gbps"}) or a preset name
// (h100-sxm, h200-sxm, a100-sxm, b200, gb200, mi300x). Throws InputError naming the input.
Topology load_topology(const std::string& arg);
std::vector<std::string> topology_presets();

struct SeriesMetrics {
  double peak_busbw = kNaN;
  std::uint64_t peak_bytes = 0;
  // The highest busbw of nccl-tests' figure (Point::nccl_tests_busbw) at any size: what an imported
  // nccl-tests log's peak is compared with. NaN when no point has the figure.
  double peak_nccl_tests_busbw = kNaN;
  // The size at half the peak, interpolated between the measured sizes around it on log axes;
  // NaN when the smallest size measured already reaches it (below_range) or nothing does.
  double half_peak_bytes = kNaN;
  bool half_peak_below_range = false;
  double latency_floor_us = kNaN;  // the lowest time at any size
  std::uint64_t floor_bytes = 0;
  // Tail spread: p99 / p50 per size (p99 / mean when the source has no median); NaN when the
  // source has no p99 at all (nccl-tests without -I).
  std::string tail_basis;          // "p99/p50" | "p99/mean" | ""
  double tail_median = kNaN;       // median over sizes
  double tail_max = kNaN;
  std::uint64_t tail_max_bytes = 0;
  double link_gbps = kNaN;         // the topology's rate for this series' scope
  double efficiency = kNaN;        // peak busbw / link_gbps
  std::int64_t wrong = 0;          // summed; -1 when some point was not checked
};

// One row of a scaling table: a series at one node count, against the smallest node count of
// its group (same collective, type, op, placement and configuration label).
struct ScalingRow {
  std::size_t series = 0;
  int nnodes = 0, nranks = 0;
  double peak_busbw = kNaN, latency_floor_us = kNaN;
  double peak_vs_base = kNaN;   // peak busbw / the base's
  double floor_vs_base = kNaN;  // latency floor / the base's
};

struct ScalingGroup {
  std::string collective, datatype, op, placement, config;
  std::vector<ScalingRow> rows;  // ascending node count (ranks when nodes are not known)
};

// A tune summary's gains: the recommended setting per collective and size range.
struct TuneGain {
  std::string collective;
  std::uint64_t min_bytes = 0;
  std::optional<std::uint64_t> max_bytes;  // nullopt: no upper end
  std::string setting;                     // "NCCL_ALGO=ring" …, "default" when nothing beat it
  double gain_min = kNaN, gain_max = kNaN; // time(default) / time(setting) over the range's cells
  bool gain_known = false;
  std::string confidence;                  // the collective's choice confidence
};

struct TuneSection {
  std::string path, backend, workload, global_setting, global_confidence;
  double global_gain = kNaN, global_lo = kNaN, global_hi = kNaN;
  int nranks = 0;
  std::vector<TuneGain> gains;
};

struct Analysis {
  std::vector<SeriesMetrics> metrics;  // parallel to Dataset::series
  std::vector<ScalingGroup> scaling;   // only groups measured at two or more node (or rank) counts
  std::vector<TuneSection> tunes;
  std::optional<Topology> topology;
};

SeriesMetrics metrics_of(const Series& s, const std::optional<Topology>& topo);
Analysis analyse(const Dataset& d, const std::optional<Topology>& topo);

// "8 B", "64 KiB", "1 MiB", "16 GiB"; a size that is not a whole unit gets a decimal ("1.5 MiB").
std::string format_bytes(double bytes);

}  // namespace collbench::report

#include "backend/model/graphs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace collbench::model {

namespace {

constexpr double kLocBw = 5000.0;  // topo.h LOC_BW: a single GPU's path to itself
constexpr int kMaxChannels = 64;   // MAXCHANNELS
constexpr double kEps = 1e-9;

// What the search can use, per GPU: its NVLink (or PCIe) bandwidth, the best single path, and
// the node's NICs.
struct Fabric {
  int gpus = 1, nodes = 1, cc = 90;
  double total_bw = 0;     // getTotalBw: max(NVLink sum, PCI)
  double gpu_gpu_bw = 0;   // one path between two GPUs of a node
  double max_bw = 0;       // system->maxBw: best path to a GPU (one node) or to a NIC (several)
  int nics = 0;
  double nic_bw = 0;       // GB/s: Gb/s / 8 (topo.cc: speed_Mbps / 8000)

  bool net() const { return nodes > 1; }
  // The node's GPU links under a pattern: rings use each GPU's links once per channel; other
  // patterns (trees, NVLS) count totalBw x ngpus/(ngpus-1) (search.cc:1074).
  double intra_total(bool ring) const {
    if (gpus <= 1) return std::numeric_limits<double>::infinity();
    return ring ? total_bw : total_bw * gpus / (gpus - 1);
  }
  int intra_channels(double speed, bool ring) const {
    if (gpus <= 1) return kMaxChannels;
    if (speed > gpu_gpu_bw + kEps) return 0;
    return static_cast<int>(std::floor(intra_total(ring) / speed + kEps));
  }
  // Channels that fit at `speed`: every channel crosses the node's links, and with a network
  // enters and leaves through a NIC.
  int channels(double speed, bool ring, int max_channels) const {
    if (speed > max_bw + kEps) return 0;
    int n = std::min(max_channels, intra_channels(speed, ring));
    if (net()) n = std::min(n, nics * static_cast<int>(std::floor(nic_bw / speed + kEps)));
    return n;
  }
};

Fabric fabric_of(const Topology& t) {
  Fabric f;
  f.gpus = t.gpus_per_node;
  f.nodes = t.nodes;
  f.cc = t.compute_capability;
  const double pci = t.pcie_gbytes();
  const double nvl = t.nvlink_gbytes();
  f.total_bw = std::max(nvl, pci);
  if (t.nvlink_links > 0) f.gpu_gpu_bw = t.nvswitch || t.gpus_per_node <= 1 ? nvl : nvl / (t.gpus_per_node - 1);
  else f.gpu_gpu_bw = pci;
  f.nics = t.nics_per_node;
  f.nic_bw = t.nic_gbits / 8.0;
  if (f.net()) f.max_bw = std::min(pci, f.nic_bw);
  else f.max_bw = f.gpus <= 1 ? kLocBw : f.gpu_gpu_bw;
  return f;
}

struct Pattern {
  bool ring = true;
  int min_channels = 1, max_channels = 32;
};

// ncclTopoCompute, reduced to bandwidth bookkeeping: start at the first speed that fits, keep the
// solution with the most channels x speed, try lower speeds while they are more than .49 of the
// best; then (pass 2) raise a tree's intra-node speed up to twice its inter-node speed; then
// ncclTopoDupChannels.
Graph search(const Fabric& f, const Pattern& pat) {
  const std::vector<double>& speeds = search_speeds(f.cc, f.net());
  const double total = f.intra_total(pat.ring);
  std::size_t i = 0;
  while (i + 1 < speeds.size() && (speeds[i] > f.max_bw + kEps || speeds[i] * pat.min_channels > total + kEps)) ++i;
  int best_n = 0;
  double best_s = 0;
  for (; i < speeds.size(); ++i) {
    const double s = speeds[i];
    if (best_n > 0 && s / best_s <= .49) break;
    const int n = f.channels(s, pat.ring, pat.max_channels);
    if (n >= pat.min_channels && n * s > best_n * best_s + kEps) best_n = n, best_s = s;
  }
  Graph g;
  if (best_n == 0) {  // "Could not find a path": NCCL falls back to one slow channel
    best_n = std::max(1, pat.min_channels);
    best_s = speeds.back();
  }
  g.channels = best_n;
  g.bw_intra = g.bw_inter = best_s;
  if (!pat.ring) {
    for (auto it = std::find(speeds.rbegin(), speeds.rend(), g.bw_intra); it != speeds.rend(); ++it) {
      const double up = *it;
      if (up <= g.bw_intra) continue;
      if (g.bw_intra >= 2 * g.bw_inter - kEps || f.intra_channels(up, false) < g.channels) break;
      if (f.gpus > 1 && up > f.gpu_gpu_bw + kEps) break;
      g.bw_intra = up;
    }
  }
  if (g.bw_intra >= 25.0 && !(f.cc > 80 && g.bw_intra < 50.0 && g.channels > 4)) {
    const int dup = std::min(g.channels * 2, pat.max_channels);
    const int div = (dup + g.channels - 1) / g.channels;
    g.bw_intra /= div;
    g.bw_inter /= div;
    g.channels = dup;
  }
  return g;
}

void apply(Graph& g, const GraphOverride& o) {
  if (o.channels) g.channels = *o.channels;
  if (o.bw_intra) g.bw_intra = *o.bw_intra;
  if (o.bw_inter) g.bw_inter = *o.bw_inter;
  if (o.type_intra) g.type_intra = *o.type_intra;
  if (o.type_inter) g.type_inter = *o.type_inter;
  if (o.latency_inter_us) g.latency_inter_us = *o.latency_inter_us;
  if (o.same_channels) g.same_channels = *o.same_channels;
}

}  // namespace

const std::vector<double>& search_speeds(int cc, bool with_network) {
  static const std::vector<double> sm90_intra = {60, 50, 40, 30, 24, 20, 15, 12, 11, 6, 3};
  static const std::vector<double> sm100_intra = {90, 80, 70, 60, 50, 40, 30, 24, 20, 19, 18};
  static const std::vector<double> intra = {40, 30, 20, 18, 15, 12, 10, 9, 7, 6, 5, 4, 3};
  static const std::vector<double> sm90_inter = {48, 45, 42, 40, 30, 24, 22, 20, 17.5, 15, 12, 6, 3, 2.4, 1.2, 0.24, 0.12};
  static const std::vector<double> sm100_inter = {96, 48, 45.1, 42, 40, 30, 24, 22, 20, 17.5, 15, 12, 6, 3, 2.4, 1.2, 0.24, 0.12};
  static const std::vector<double> inter = {48, 30, 28, 24, 20, 18, 15, 12, 10, 9, 7, 6, 5, 4, 3, 2.4, 1.2, 0.24, 0.12};
  if (cc >= 100) return with_network ? sm100_inter : sm100_intra;
  if (cc >= 90) return with_network ? sm90_inter : sm90_intra;
  return with_network ? inter : intra;
}

System synthesize(const Topology& t) {
  const Fabric f = fabric_of(t);
  System s;
  s.nranks = t.nranks();
  s.nnodes = t.nodes;
  s.cc_min = s.cc_max = t.compute_capability;
  s.cpu = t.cpu;
  s.max_local_ranks = t.gpus_per_node;
  s.nvswitch = t.nvswitch;
  s.nvls_support = t.nvls;
  s.collnet_support = t.collnet;
  s.host_net = t.host_net;

  const Graph ring = search(f, {true, 1, kMaxChannels / 2});
  const Graph tree = search(f, {false, ring.channels, ring.channels});
  auto& g = s.graphs;
  g[static_cast<int>(Algo::ring)] = ring;
  g[static_cast<int>(Algo::tree)] = tree;
  g[static_cast<int>(Algo::pat)] = ring;
  const int nvls_max = std::min(32, t.gpus_per_node);
  if (t.nvls) {
    const Graph nvls = search(f, {false, t.nodes == 1 ? nvls_max : 1, nvls_max});
    g[static_cast<int>(Algo::nvls)] = nvls;
    g[static_cast<int>(Algo::nvls_tree)] = nvls;
  }
  if (t.collnet) {
    g[static_cast<int>(Algo::collnet_chain)] = tree;
    g[static_cast<int>(Algo::collnet_direct)] = search(f, {false, 1, std::min(8, t.gpus_per_node)});
  }

  const Path intra = t.gpus_per_node <= 1 ? Path::loc : t.nvlink_links > 0 ? Path::nvl : t.gpu_gpu_path;
  const Path inter = t.nodes > 1 ? t.gpu_nic_path : Path::pix;
  for (Graph& x : g) {
    x.type_intra = intra;
    x.type_inter = inter;
    x.latency_inter_us = t.nic_latency_us;
  }
  for (const auto& [a, o] : t.graphs) apply(g[static_cast<std::size_t>(a)], o);

  // connect.cc:452-492: execution channels are twice the ring's, doubled again on sm90+ across
  // nodes when the ring is fast and narrow.
  int comm = 2 * g[static_cast<int>(Algo::ring)].channels;
  if (t.compute_capability >= 90 && t.nodes > 1 && g[static_cast<int>(Algo::ring)].bw_intra > 45 && comm < 16) comm *= 2;
  s.comm_channels = t.comm_channels ? *t.comm_channels : std::min(comm, kMaxChannels);
  return s;
}

Topology with_nodes(const Topology& t, int nodes) {
  if (nodes < 1) throw core::InputError(fmt::format("--nodes {}: expected a node count of at least 1", nodes));
  if (nodes > 1 && t.nics_per_node <= 0)
    throw core::InputError(fmt::format("--nodes {}: '{}' has no network (nic.per_node); expected a topology with NICs for "
                                       "more than one node",
                                       nodes, t.source));
  Topology out = t;
  out.nodes = nodes;
  return out;
}

std::vector<std::pair<std::string, std::string>> describe_graphs(const System& s) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int a = 0; a < kAlgos; ++a) {
    const Graph& g = s.graphs[static_cast<std::size_t>(a)];
    if (g.channels <= 0) continue;
    out.emplace_back(std::string(name(static_cast<Algo>(a))),
                     fmt::format("{} channels x {:g}/{:g} GB/s (intra/inter), type {}/{}", g.channels, g.bw_intra,
                                 g.bw_inter, name(g.type_intra), name(g.type_inter)));
  }
  return out;
}

}  // namespace collbench::model

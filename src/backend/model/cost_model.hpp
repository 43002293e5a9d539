#pragma once
// NCCL 2.28.9's analytic tuning model (src/graph/tuning.cc, src/enqueue.cc), as read in
// ../shared/reference/nccl-cost-model.md. At communicator init NCCL computes, per (collective,
// algorithm, protocol), a bandwidth and a latency from the graphs its topology search found; at
// each call, time = latency + bytes / bandwidth, and its default choice is the argmin. This is
// that arithmetic, nothing else: no CUDA, no NCCL, no MPI. Section numbers (§) refer to the note.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/collective.hpp"

namespace collbench::model {

// NCCL's index orders (nccl_tuner.h, nccl_common.h): loops and ties follow them.
enum class Algo { tree, ring, collnet_direct, collnet_chain, nvls, nvls_tree, pat };
enum class Proto { ll, ll128, simple };
enum class Coll { broadcast, reduce, allgather, reducescatter, allreduce };
inline constexpr int kAlgos = 7, kProtos = 3, kColls = 5;

// Path types, in topo.h's order: a larger value is a longer path.
enum class Path { loc, nvl, nvb, c2c, pix, pxb, p2c, pxn, phb, sys, net };

enum class Cpu { intel, amd, arm, power, mixed };

std::string_view name(Algo a);       // "tree" … as NCCL_ALGO spells it (lower case)
std::string_view nccl_name(Algo a);  // "Tree", "Ring", "CollNetDirect" … as NCCL's logs print it
std::string_view name(Proto p);      // "ll", "ll128", "simple"
std::string_view nccl_name(Proto p); // "LL", "LL128", "Simple"
std::string_view name(Path p);       // "LOC", "NVL" …
std::string_view name(Cpu c);        // "intel" …
// The model covers five collectives; all-to-all (send/recv) is not modelled (§7).
std::optional<Coll> model_coll(core::Collective c);

// What NCCL's search leaves in graphs[a] (§2): per-channel GB/s, channel count, path types.
struct Graph {
  int channels = 0;
  double bw_intra = 0, bw_inter = 0;
  Path type_intra = Path::nvl, type_inter = Path::pix;
  double latency_inter_us = 0;  // the NIC's reported latency (IB and sockets report 0)
  bool same_channels = false;
};

// The model's inputs about the job (§2).
struct System {
  int nranks = 1, nnodes = 1;
  int cc_min = 90, cc_max = 90;  // compute capability x10: 70 Volta … 100 Blackwell
  Cpu cpu = Cpu::intel;
  std::array<Graph, kAlgos> graphs{};
  int comm_channels = 0;        // execution channels (comm->nChannels): the ring plateau test (§6)
  int max_local_ranks = 1;      // GPUs per node
  bool nvswitch = false;        // CollNetDirect needs one
  bool nvls_support = false;    // the hardware can do NVLS (before NCCL_NVLS_ENABLE)
  bool collnet_support = false; // a CollNet (SHARP) network plugin (before NCCL_COLLNET_ENABLE)
  bool host_net = true;         // PAT's auto mode needs a host (non-offloaded) net device
};

// The NCCL settings the model reads. Everything else (channel limits, buffer sizes, CTAs …)
// changes measured performance but not NCCL's prediction (§2.1).
struct Settings {
  // NCCL_ALGO / NCCL_PROTO: enabled cells per collective. Protocols: 0 off, 1 named, 2 auto
  // (LL128's default: on only where §3's rule allows it).
  std::array<std::array<bool, kAlgos>, kColls> algo_on{};
  std::array<std::array<int, kProtos>, kColls> proto_on{};
  int nvls_enable = 2;     // NCCL_NVLS_ENABLE
  int collnet_enable = 0;  // NCCL_COLLNET_ENABLE (or ncclConfig_t.collnetEnable)
  int pat_enable = 2;      // NCCL_PAT_ENABLE
  bool ll128_c2c = true;   // NCCL_LL128_C2C
  std::optional<double> net_overhead_us;  // NCCL_NET_OVERHEAD (ns in the variable)
  Settings();
};

// Reads NCCL_ALGO, NCCL_PROTO, NCCL_NVLS_ENABLE, NCCL_COLLNET_ENABLE, NCCL_PAT_ENABLE,
// NCCL_LL128_C2C and NCCL_NET_OVERHEAD through `get` (nullopt: unset), in NCCL's own syntax: a
// bare list ("Ring,Tree"), "^" for all but, or per collective ("allreduce:tree;allgather:ring").
// Throws InputError naming the variable and what was expected.
using EnvGet = std::function<std::optional<std::string>(const std::string&)>;
Settings parse_settings(const EnvGet& get);
Settings settings_from_environment();  // the process environment
Settings settings_from_map(const std::map<std::string, std::string>& env);
// "NCCL defaults", or what differs from them: "NCCL_ALGO allreduce:Ring; NCCL_NVLS_ENABLE=0".
std::string describe(const Settings& s);

struct Choice {
  Algo algo = Algo::ring;
  Proto proto = Proto::simple;
  double time_us = 0;
};

// One call as the model sees it (§6): nBytes is nccl-tests' size (for allgather and
// reducescatter the large buffer), numPipeOps collectives aggregated in one group.
struct Call {
  Coll coll = Coll::allreduce;
  std::uint64_t bytes = 0;
  bool avg_op = false;   // ncclAvg: PAT reducescatter is skipped
  bool fp8 = false;      // fp8 types: Ring costs x1024 on more than 8 ranks
  int pipe_ops = 1;
};

class CostModel {
 public:
  // ncclTopoTuneModel: every cell's bandwidth and latency, with NCCL's filters applied.
  CostModel(const System& sys, const Settings& settings);

  // The algorithm bandwidth NCCL stores (GB/s of the user buffer), 0 for an unusable cell.
  double bandwidth(Coll c, Algo a, Proto p) const { return m_bw[idx(c)][idx(a)][idx(p)]; }
  // As nccl-tests counts it: bandwidth × the collective's bus factor.
  double bus_bandwidth(Coll c, Algo a, Proto p) const;
  double latency(Coll c, Algo a, Proto p) const { return m_lat[idx(c)][idx(a)][idx(p)]; }
  bool usable(Coll c, Algo a, Proto p) const { return m_bw[idx(c)][idx(a)][idx(p)] > 0; }

  // ncclTopoGetAlgoTime with the enqueue-time filters: microseconds, or -1 when NCCL would not
  // consider the cell for this call.
  double time_us(const Call& call, Algo a, Proto p) const;
  // NCCL's default: the smallest time >= 0, ties to the first in (algo, proto) order. Empty when
  // no cell is usable.
  std::optional<Choice> choose(const Call& call) const;

  const System& system() const { return m_sys; }
  const Settings& settings() const { return m_set; }

 private:
  static constexpr int idx(Coll c) { return static_cast<int>(c); }
  static constexpr int idx(Algo a) { return static_cast<int>(a); }
  static constexpr int idx(Proto p) { return static_cast<int>(p); }
  void compute(Coll c, Algo a, Proto p);
  bool allowed_at_enqueue(Coll c, Algo a) const;

  System m_sys;
  Settings m_set;
  bool m_collnet = false, m_nvls = false, m_pat = false;
  double m_bw[kColls][kAlgos][kProtos] = {};
  double m_lat[kColls][kAlgos][kProtos] = {};
  bool m_enqueue_ok[kColls][kAlgos] = {};
};

}  // namespace collbench::model

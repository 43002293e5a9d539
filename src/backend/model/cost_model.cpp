#include "backend/model/cost_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "core/error.hpp"
#include "core/text.hpp"

namespace collbench::model {

namespace {

constexpr int TREE = 0, RING = 1, CND = 2, CNC = 3, NVLS = 4, NVLST = 5, PAT = 6;
constexpr int LL = 0, LL128 = 1, SIMPLE = 2;
constexpr int BCAST = 0, REDUCE = 1, AG = 2, RS = 3, AR = 4;
constexpr int HW_NVLINK = 0, HW_PCI = 1, HW_NET = 2;

// §1.1 baseLatencies[algo][proto] (us), tuning.cc:143-148.
constexpr double kBaseLat[kAlgos][kProtos] = {
    {6.8, 14.0, 8.4}, {6.6, 14.0, 8.4}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {8.0, 8.0, 8.0}};
// §1.2 hwLatencies[hw][algo][proto] (us), tuning.cc:149-168.
constexpr double kHwLat[3][kAlgos][kProtos] = {
    {{.6, 1.25, 4.0}, {.6, 1.9, 3.4}, {0, 0, 3.7}, {0, 0, 2.8}, {0, 0, 25}, {0, 0, 25}, {0, 0, 4.0}},
    {{1.0, 1.9, 4.0}, {1.0, 2.5, 5.7}, {0, 0, 3.7}, {0, 0, 2.8}, {0, 0, 0}, {0, 0, 0}, {0, 0, 4.0}},
    {{5.0, 8.5, 14}, {2.7, 4.0, 14.0}, {0, 0, 31}, {0, 0, 30}, {0, 0, 18}, {0, 0, 20.9}, {0, 0, 14}}};
// §1.3 caps [compCapIdx or cpu row][N1, N2, N>=4] (GB/s), tuning.cc:169-199.
constexpr double kLlMaxBw[4][3] = {{39.0, 39.0, 20.4}, {87.7, 22.5, 19.0}, {141.0, 45.0, 35.0}, {282.0, 90.0, 70.0}};
constexpr double kPerChMaxRingLL128Bw[4][3] = {{20, 20, 20}, {20, 20, 20}, {36.7, 36.7, 36.7}, {73.4, 34.6, 73.4}};
constexpr double kPerChMaxTreeLL128Bw[4][3] = {{20, 20, 20}, {20, 20, 20}, {36.7, 36.7, 29.0}, {55.6, 31.67, 20.0}};
constexpr double kPerChMaxTreeBw[4][3] = {{26.5, 18.5, 10.0}, {24.0, 23.6, 17.8}, {38.7, 41.4, 36.0}, {70.0, 42.8, 24.0}};
constexpr double kPerChMaxNVLSTreeBw[4][3] = {{26.5, 18.5, 10.0}, {24.0, 23.6, 17.8}, {0, 57.7, 45.5}, {0, 96.0, 43.8}};
constexpr double kNvlsEfficiency[4] = {0, 0, .85, .74};
// treeCorrectionFactor[proto][log2(nBytes/64)], tuning.cc:578-582.
constexpr double kTreeCorrection[kProtos][23] = {
    {1.0, 1.0, 1.0, 1.0, .9, .8, .7, .7, .7, .7, .6, .5, .4, .4, .5, .6, .7, .8, .9, 1.0, 1.0, 1.0, 1.0},
    {1.0, 1.0, 1.0, 1.0, 1.0, .9, .8, .8, .8, .7, .6, .6, .6, .6, .6, .6, .8, .9, .9, .9, .9, 1.0, 1.0},
    {.9, .9, .9, .9, .9, .9, .9, .8, .7, .6, .6, .5, .5, .5, .5, .6, .7, .8, .7, .7, .8, .9, .9}};

int log2i(std::uint64_t n) {  // utils.h log2Down; -1 for 0
  int r = -1;
  while (n) ++r, n >>= 1;
  return r;
}

int cc_index(int cc) { return cc >= 100 ? 3 : cc >= 90 ? 2 : cc >= 80 ? 1 : 0; }

// NCCL's parseList (tuning.cc:406-428, with the per-collective form of 2.24+): a bare list
// applies to every collective; "coll:list;coll:list" to the collectives named (others keep
// their default); a leading '^' enables all but the list.
template <std::size_t N>
void parse_list(const std::string& var, const std::string& value, const std::array<const char*, N>& names,
                std::array<std::array<int, N>, kColls>& on, int named_value,
                const std::vector<std::pair<std::string, std::vector<int>>>& aliases) {
  static constexpr const char* kCollNames[kColls] = {"broadcast", "reduce", "allgather", "reducescatter", "allreduce"};
  const std::string expected = N == kAlgos ? "Tree, Ring, CollNetDirect, CollNetChain, NVLS, NVLSTree or PAT"
                                           : "LL, LL128 or Simple";
  bool any = false;
  for (const core::NcclListPart& part : core::split_nccl_list(value)) {
    any = true;
    std::vector<int> colls;
    for (int c = 0; c < kColls; ++c)
      if (part.collective.empty() || part.collective == kCollNames[c]) colls.push_back(c);
    if (colls.empty())
      throw core::InputError(fmt::format("{}='{}': '{}' is not a collective; expected allreduce, allgather, reducescatter, "
                                         "broadcast or reduce",
                                         var, value, part.collective));
    std::array<bool, N> named{};
    for (const std::string& tok : part.names) {
      if (tok.empty()) continue;
      bool found = false;
      for (std::size_t i = 0; i < N; ++i)
        if (tok == core::to_lower(names[i])) named[i] = true, found = true;
      for (const auto& [alias, ids] : aliases)
        if (tok == alias) {
          for (int i : ids) named[static_cast<std::size_t>(i)] = true;
          found = true;
        }
      if (!found) throw core::InputError(fmt::format("{}='{}': unknown name '{}'; expected {}", var, value, tok, expected));
    }
    for (int c : colls)
      for (std::size_t i = 0; i < N; ++i) on[static_cast<std::size_t>(c)][i] = (named[i] != part.except) ? named_value : 0;
  }
  if (!any) throw core::InputError(fmt::format("{}='{}': expected a list of {}", var, value, expected));
}

int parse_enable(const std::string& var, const std::string& value, int lo, int hi) {
  char* end = nullptr;
  const long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || v < lo || v > hi)
    throw core::InputError(fmt::format("{}='{}': expected an integer {}..{}", var, value, lo, hi));
  return static_cast<int>(v);
}

}  // namespace

std::string_view name(Algo a) {
  static constexpr const char* k[] = {"tree", "ring", "collnetdirect", "collnetchain", "nvls", "nvlstree", "pat"};
  return k[static_cast<int>(a)];
}
std::string_view nccl_name(Algo a) {
  static constexpr const char* k[] = {"Tree", "Ring", "CollNetDirect", "CollNetChain", "NVLS", "NVLSTree", "PAT"};
  return k[static_cast<int>(a)];
}
std::string_view name(Proto p) {
  static constexpr const char* k[] = {"ll", "ll128", "simple"};
  return k[static_cast<int>(p)];
}
std::string_view nccl_name(Proto p) {
  static constexpr const char* k[] = {"LL", "LL128", "Simple"};
  return k[static_cast<int>(p)];
}
std::string_view name(Path p) {
  static constexpr const char* k[] = {"LOC", "NVL", "NVB", "C2C", "PIX", "PXB", "P2C", "PXN", "PHB", "SYS", "NET"};
  return k[static_cast<int>(p)];
}
std::string_view name(Cpu c) {
  static constexpr const char* k[] = {"intel", "amd", "arm", "power", "mixed"};
  return k[static_cast<int>(c)];
}

std::optional<Coll> model_coll(core::Collective c) {
  switch (c) {
    case core::Collective::allreduce: return Coll::allreduce;
    case core::Collective::allgather: return Coll::allgather;
    case core::Collective::reducescatter: return Coll::reducescatter;
    case core::Collective::broadcast: return Coll::broadcast;
    case core::Collective::reduce: return Coll::reduce;
    case core::Collective::alltoall:
    case core::Collective::sendrecv:
    case core::Collective::alltoallv: return std::nullopt;
  }
  return std::nullopt;
}

Settings::Settings() {
  for (auto& row : algo_on) row.fill(true);
  for (auto& row : proto_on) row = {1, 2, 1};  // tuning.cc:411: LL128 is "auto"
}

Settings parse_settings(const EnvGet& get) {
  Settings s;
  if (auto v = get("NCCL_ALGO")) {
    std::array<std::array<int, kAlgos>, kColls> on{};
    for (auto& row : on) row.fill(1);
    parse_list<kAlgos>("NCCL_ALGO", *v, {"Tree", "Ring", "CollNetDirect", "CollNetChain", "NVLS", "NVLSTree", "PAT"}, on, 1,
                       {{"collnet", {CND, CNC}}});
    for (int c = 0; c < kColls; ++c)
      for (int a = 0; a < kAlgos; ++a) s.algo_on[c][a] = on[c][a] != 0;
  }
  if (auto v = get("NCCL_PROTO")) parse_list<kProtos>("NCCL_PROTO", *v, {"LL", "LL128", "Simple"}, s.proto_on, 1, {});
  if (auto v = get("NCCL_NVLS_ENABLE")) s.nvls_enable = parse_enable("NCCL_NVLS_ENABLE", *v, 0, 2);
  if (auto v = get("NCCL_COLLNET_ENABLE")) s.collnet_enable = parse_enable("NCCL_COLLNET_ENABLE", *v, 0, 1);
  if (auto v = get("NCCL_PAT_ENABLE")) s.pat_enable = parse_enable("NCCL_PAT_ENABLE", *v, 0, 2);
  if (auto v = get("NCCL_LL128_C2C")) s.ll128_c2c = parse_enable("NCCL_LL128_C2C", *v, 0, 1) != 0;
  if (auto v = get("NCCL_NET_OVERHEAD")) s.net_overhead_us = parse_enable("NCCL_NET_OVERHEAD", *v, 0, 1000000) / 1000.0;
  return s;
}

Settings settings_from_environment() {
  return parse_settings([](const std::string& n) -> std::optional<std::string> {
    const char* v = std::getenv(n.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  });
}

Settings settings_from_map(const std::map<std::string, std::string>& env) {
  return parse_settings([&env](const std::string& n) -> std::optional<std::string> {
    const auto it = env.find(n);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
}

std::string describe(const Settings& s) {
  std::string out;
  static constexpr const char* kColl[kColls] = {"broadcast", "reduce", "allgather", "reducescatter", "allreduce"};
  for (int c = 0; c < kColls; ++c) {
    std::string algos, protos;
    bool all_algos = true, default_protos = s.proto_on[static_cast<std::size_t>(c)] == std::array<int, kProtos>{1, 2, 1};
    for (int a = 0; a < kAlgos; ++a) {
      if (s.algo_on[static_cast<std::size_t>(c)][static_cast<std::size_t>(a)]) algos += (algos.empty() ? "" : ",") + std::string(nccl_name(static_cast<Algo>(a)));
      else all_algos = false;
    }
    for (int p = 0; p < kProtos; ++p)
      if (s.proto_on[static_cast<std::size_t>(c)][static_cast<std::size_t>(p)] != 0)
        protos += (protos.empty() ? "" : ",") + std::string(nccl_name(static_cast<Proto>(p)));
    if (!all_algos) out += fmt::format("{}NCCL_ALGO {}:{}", out.empty() ? "" : "; ", kColl[c], algos);
    if (!default_protos) out += fmt::format("{}NCCL_PROTO {}:{}", out.empty() ? "" : "; ", kColl[c], protos);
  }
  if (s.nvls_enable != 2) out += fmt::format("{}NCCL_NVLS_ENABLE={}", out.empty() ? "" : "; ", s.nvls_enable);
  if (s.collnet_enable != 0) out += fmt::format("{}NCCL_COLLNET_ENABLE={}", out.empty() ? "" : "; ", s.collnet_enable);
  if (s.pat_enable != 2) out += fmt::format("{}NCCL_PAT_ENABLE={}", out.empty() ? "" : "; ", s.pat_enable);
  if (!s.ll128_c2c) out += fmt::format("{}NCCL_LL128_C2C=0", out.empty() ? "" : "; ");
  if (s.net_overhead_us) out += fmt::format("{}NCCL_NET_OVERHEAD={:g}", out.empty() ? "" : "; ", *s.net_overhead_us * 1000);
  return out.empty() ? "NCCL defaults" : out;
}

CostModel::CostModel(const System& sys, const Settings& settings) : m_sys(sys), m_set(settings) {
  if (m_sys.nranks < 1 || m_sys.nnodes < 1 || m_sys.nranks % m_sys.nnodes != 0)
    throw core::InputError(fmt::format("model: {} ranks on {} nodes; expected a whole number of ranks per node",
                                       m_sys.nranks, m_sys.nnodes));
  m_collnet = m_sys.collnet_support && m_set.collnet_enable == 1;
  m_nvls = m_sys.nvls_support && m_set.nvls_enable != 0;
  // ncclPatEnable (tuning.cc:201-209).
  m_pat = m_set.pat_enable != 0 && m_sys.cc_min >= 60 &&
          (m_set.pat_enable != 2 || (m_sys.nnodes == m_sys.nranks && m_sys.host_net));
  for (int c = 0; c < kColls; ++c)
    for (int a = 0; a < kAlgos; ++a) {
      m_enqueue_ok[c][a] = allowed_at_enqueue(static_cast<Coll>(c), static_cast<Algo>(a));
      for (int p = 0; p < kProtos; ++p) compute(static_cast<Coll>(c), static_cast<Algo>(a), static_cast<Proto>(p));
    }
}

// enqueue.cc:1796-1806: filters applied to every call before the cost table is filled.
bool CostModel::allowed_at_enqueue(Coll c, Algo algo) const {
  const int a = idx(algo);
  if ((a == CND || a == CNC) && (!m_collnet || m_sys.max_local_ranks > 8)) return false;
  if (a == NVLS || a == NVLST) {
    if (!m_nvls) return false;
    if (c != Coll::allreduce && m_sys.max_local_ranks > 32) return false;
    if (a == NVLS && m_sys.nnodes > 1 && !m_collnet) return false;
  }
  return true;
}

void CostModel::compute(Coll coll, Algo algo, Proto proto) {
  const int c = idx(coll), a = idx(algo), p = idx(proto);
  double& out_bw = m_bw[c][a][p];
  double& out_lat = m_lat[c][a][p];
  out_bw = 0;
  out_lat = 0;
  // §3: the cells the loop computes (tuning.cc:272-282).
  if ((c == BCAST || c == REDUCE) && a != RING) return;
  if ((c == AG || c == RS) && a != PAT && a != RING && a != NVLS && a != CND) return;
  if (c == AR && a == PAT) return;
  if ((a == NVLS || a == NVLST) && p != SIMPLE) return;
  if (a == PAT && (p != SIMPLE || !m_pat)) return;
  const Graph& g = m_sys.graphs[static_cast<std::size_t>(a)];
  if ((a == NVLS || a == NVLST) && g.channels < 2) return;
  if (g.channels <= 0) return;

  const int n = m_sys.nranks, nodes = m_sys.nnodes;
  const double ppn = static_cast<double>(n) / nodes;
  const int cci = cc_index(m_sys.cc_min);
  const int index2 = nodes <= 2 ? nodes - 1 : 2;
  const int index1 = nodes == 1 ? cci : (m_sys.cpu == Cpu::amd || m_sys.cpu == Cpu::mixed ? 1 : 0);
  const double ll_max_bw = kLlMaxBw[index1][index2];
  const int nsteps = c == AR ? 2 * (n - 1) : (c == AG || c == RS) ? n - 1 : n;
  const double nch = g.channels;

  // §4 bandwidth (tuning.cc:283-352).
  const bool collnet = a == CND || a == CNC;
  double bw = (nodes <= 2 || collnet) ? g.bw_intra : g.bw_inter;
  if (a == NVLS || a == NVLST) {
    double intra = g.bw_intra * kNvlsEfficiency[cci] * (nch - 1) / nch;
    intra *= c == AR ? 2.0 : (ppn - 1) / ppn;
    const double inter = g.bw_inter * ((nodes <= 2 && a == NVLST) ? 2 : 1);
    bw = std::min(intra, inter);
    if (a == NVLST) bw = std::min(bw, kPerChMaxNVLSTreeBw[cci][index2]);
  }
  double bus = nch * bw;
  if (a == RING && p == LL) bus = std::min(ll_max_bw, bus * 0.5);
  if (a == RING && p == LL128) bus = std::min(bus * 0.92, nch * kPerChMaxRingLL128Bw[cci][index2]);
  if (a == TREE && c == AR) bus = std::min(bus * 0.92, nch * kPerChMaxTreeBw[cci][index2]);
  if (a == TREE && p == LL) bus = std::min(bus / 3.8, ll_max_bw);
  if (a == TREE && p == LL128) bus = std::min(bus * (nodes == 1 ? 7.0 / 9.0 : 120.0 / 128.0), nch * kPerChMaxTreeLL128Bw[cci][index2]);
  if (a == PAT) bus *= 0.75;
  if (collnet && p != SIMPLE) bus = 0;
  if (a == CND && p == SIMPLE) {
    if (c == AG || c == RS) {
      bus = ppn * std::min(g.bw_intra, g.bw_inter * 0.9);
    } else {
      double factor = ppn / nch;
      factor -= (factor - 1) / 2;
      bus /= factor;
      if (m_sys.cc_min >= 90) bus *= 0.85;
    }
  }
  // AG/RS with NVLS or CollNetDirect across nodes need the CollNet plugin's iallgather /
  // ireducescatter, which the model does not assume (tuning.cc:326-343).
  if ((c == AG || c == RS) && (a == NVLS || a == CND) && nodes > 1) bus = 0;
  if (!(a != RING && (c == AG || c == RS))) {
    const double ratio = (a == RING || a == NVLS || a == NVLST) ? static_cast<double>(n) / nsteps : 0.5;
    bus *= ratio;
  }

  // §5 latency (tuning.cc:353-401). On POWER, NCCL overwrites hwLat[PCI][Tree][Simple] with the
  // Ring's (tuning.cc:260): every later read of that entry sees it.
  auto hw_lat = [this](int h, int al, int pr) {
    if (m_sys.cpu == Cpu::power && h == HW_PCI && al == TREE && pr == SIMPLE) return kHwLat[HW_PCI][RING][SIMPLE];
    return kHwLat[h][al][pr];
  };
  const int intra_hw = g.type_intra == Path::nvl ? HW_NVLINK : HW_PCI;
  const int hw = nodes == 1 ? intra_hw : HW_NET;
  double lat = kBaseLat[a][p];
  double intra_lat = hw_lat(intra_hw, a, p);
  double inter_lat = ppn == 1 ? hw_lat(HW_NET, TREE, p) : hw_lat(HW_NET, a, p);
  inter_lat += g.latency_inter_us;
  if (p == SIMPLE) inter_lat += g.latency_inter_us;
  if (a == RING) {
    if (c == REDUCE || c == BCAST) {
      double l = hw_lat(hw, RING, p);
      if (g.same_channels) {
        lat += l;
      } else {
        if (p == SIMPLE) l = hw_lat(hw, TREE, p);
        lat += nsteps * l;
      }
    } else {
      double net_overhead = 0;
      if (nodes > 1) {
        net_overhead = m_set.net_overhead_us ? *m_set.net_overhead_us : (m_sys.cpu == Cpu::amd ? 2.0 : 1.0);
        if (p == SIMPLE) net_overhead *= 3;
      }
      intra_lat = std::max(intra_lat, net_overhead);
      const int inter_steps = nodes == 1 ? 0 : (c == AR ? 2 * (nodes - 1) : nodes - 1);
      lat += (nsteps - inter_steps) * intra_lat + inter_steps * inter_lat;
    }
  } else if (a == TREE) {
    lat += 2 * ((n / nodes - 1) * intra_lat + log2i(static_cast<std::uint64_t>(nodes)) * inter_lat);
  } else if (a == CND) {
    lat += 2 * (std::min(1, n / nodes - 1) * intra_lat + (n / nodes - 1) * 0.4) + inter_lat;
  } else if (a == CNC) {
    lat += 2 * (n / nodes - 1) * intra_lat + inter_lat;
  } else if (a == NVLS) {
    lat = intra_lat;
    if (nodes > 1) lat += inter_lat;
  } else if (a == NVLST) {
    lat += intra_lat + 2 * log2i(static_cast<std::uint64_t>(nodes)) * inter_lat;
  } else if (a == PAT) {
    lat += log2i(static_cast<std::uint64_t>(nodes)) * (inter_lat / 3.5) + n * 2.8;
  }

  // §3: cells zeroed after the computation.
  if (!m_set.algo_on[c][a] || m_set.proto_on[c][p] == 0) bus = 0;
  if (a == NVLST && nodes == 1) bus = 0;
  if (!m_collnet && (a == CND || a == CNC || (a == NVLS && nodes > 1))) bus = 0;
  if (!m_sys.nvswitch && a == CND) bus = 0;
  if (p == LL128 && m_set.proto_on[c][p] == 2) {
    const Path inter_limit = (m_set.ll128_c2c && m_sys.cc_min >= 90) ? Path::pxn : Path::pxb;
    const bool on = g.type_inter <= inter_limit && g.type_intra <= Path::nvb && m_sys.cc_min == m_sys.cc_max && m_sys.cc_min >= 70;
    if (!on) bus = 0;
  }
  out_bw = bus;
  out_lat = lat;
}

double CostModel::bus_bandwidth(Coll c, Algo a, Proto p) const {
  static constexpr core::Collective kCore[kColls] = {core::Collective::broadcast, core::Collective::reduce,
                                                     core::Collective::allgather, core::Collective::reducescatter,
                                                     core::Collective::allreduce};
  return bandwidth(c, a, p) * core::bus_factor(kCore[idx(c)], m_sys.nranks);
}

double CostModel::time_us(const Call& call, Algo algo, Proto proto) const {
  const int c = idx(call.coll), a = idx(algo), p = idx(proto);
  double bw = m_bw[c][a][p];
  double lat = m_lat[c][a][p];
  if (!(bw > 0) || !m_enqueue_ok[c][a]) return -1;
  if (a == PAT && call.coll == Coll::reducescatter && call.avg_op) return -1;
  const int log_size = log2i(call.bytes >> 6);
  if (a == TREE && call.coll == Coll::allreduce && log_size >= 0 && log_size < 23) bw *= kTreeCorrection[p][log_size];
  if (a == RING && p == SIMPLE && m_sys.nnodes > 1 && call.coll == Coll::allreduce && m_sys.comm_channels > 0 &&
      call.bytes / static_cast<std::uint64_t>(m_sys.comm_channels * m_sys.nranks) >= 64)
    lat *= m_sys.cc_min < 80 ? 1.9 : 1.4;
  const int pipe = std::max(1, call.pipe_ops);
  const int lat_count = a == RING ? pipe : (pipe + 9) / 10;  // NCCL_MAX_DEV_WORK_BATCH_COLLS = 10
  double t = lat * lat_count + static_cast<double>(call.bytes) / (1000 * bw);
  if (call.fp8 && a == RING && m_sys.nranks > 8) t *= 1024;
  return t;
}

std::optional<Choice> CostModel::choose(const Call& call) const {
  std::optional<Choice> best;
  for (int a = 0; a < kAlgos; ++a)
    for (int p = 0; p < kProtos; ++p) {
      const double t = time_us(call, static_cast<Algo>(a), static_cast<Proto>(p));
      if (t >= 0 && (!best || t < best->time_us)) best = Choice{static_cast<Algo>(a), static_cast<Proto>(p), t};
    }
  return best;
}

}  // namespace collbench::model

#include "plan/knobs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "core/error.hpp"
#include "core/text.hpp"
#include "core/fault.hpp"
#include "core/size.hpp"

namespace collbench::plan {

namespace {

using core::Collective;
constexpr Collective AR = Collective::allreduce, AG = Collective::allgather, RS = Collective::reducescatter,
                     A2A = Collective::alltoall, BC = Collective::broadcast, RD = Collective::reduce,
                     SR = Collective::sendrecv, A2AV = Collective::alltoallv;

Knob integer(std::string name, Scope scope, std::int64_t lo, std::int64_t hi, std::string help,
             std::vector<Collective> colls = {}, std::int64_t multiple = 1) {
  Knob k;
  k.name = name;
  k.backend = "nccl";
  k.scope = scope;
  k.variable = std::move(name);
  k.kind = ValueKind::integer;
  k.lo = lo;
  k.hi = hi;
  k.multiple = multiple;
  k.collectives = std::move(colls);
  k.help = std::move(help);
  return k;
}

Knob bytes(std::string name, std::int64_t lo, std::string help, std::vector<Collective> colls = {}) {
  Knob k = integer(std::move(name), Scope::process, lo, std::int64_t{1} << 40, std::move(help), std::move(colls));
  k.kind = ValueKind::bytes;
  return k;
}

Knob choice(std::string name, Scope scope, std::vector<Choice> choices, std::string help,
            std::vector<Collective> colls = {}) {
  Knob k = integer(std::move(name), scope, 0, 0, std::move(help), std::move(colls));
  k.kind = ValueKind::choice;
  k.choices = std::move(choices);
  return k;
}

std::vector<Choice> numbered(std::initializer_list<std::string_view> names) {  // "0", "1" … with names
  std::vector<Choice> out;
  int id = 0;
  for (std::string_view n : names) out.push_back({std::to_string(id++), {std::string(n)}});
  return out;
}

const std::vector<Choice> kPathLevels = {
    {"LOC", {"0"}}, {"NVL", {}}, {"NVB", {}}, {"C2C", {}}, {"PIX", {"1"}}, {"PXB", {"2"}},
    {"P2C", {}},    {"PXN", {}}, {"PHB", {"3"}}, {"SYS", {"4", "5"}}};

std::vector<Knob> make_nccl_catalog() {
  const Scope C = Scope::communicator, P = Scope::process;
  std::vector<Knob> v;
  Knob algo = integer("NCCL_ALGO", C, 0, 0, "algorithms per collective, e.g. allreduce:tree;allgather:ring");
  algo.kind = ValueKind::algo_list;
  v.push_back(algo);
  Knob proto = integer("NCCL_PROTO", C, 0, 0, "protocols per collective, e.g. allreduce:ll128,simple");
  proto.kind = ValueKind::proto_list;
  v.push_back(proto);
  Knob thr = integer("NCCL_THREAD_THRESHOLDS", C, 0, 0, "six integers: Tree LL LL128 Simple, then Ring LL LL128 Simple (-2 = default)");
  thr.kind = ValueKind::thresholds;
  v.push_back(thr);
  v.push_back(choice("NCCL_COLLNET_ENABLE", C, {{"0", {}}, {"1", {}}}, "CollNet (SHARP) on or off"));
  // NCCL_LAUNCH_MODE is not here: it only changes how one thread launches several communicators'
  // kernels (group.cc:263); collbench drives one GPU per process, so it would measure nothing.
  // ncclConfig_t fields: per communicator, passed to ncclCommInitRankConfig.
  auto config = [&](std::string field, std::int64_t lo, std::int64_t hi, std::string help) {
    Knob k = integer("config." + field, C, lo, hi, std::move(help));
    k.target = Target::nccl_config;
    k.variable = std::move(field);
    v.push_back(std::move(k));
  };
  config("minCTAs", 1, 64, "ncclConfig_t.minCTAs");
  config("maxCTAs", 1, 64, "ncclConfig_t.maxCTAs");
  config("cgaClusterSize", 0, 8, "ncclConfig_t.cgaClusterSize");
  config("nChannelsPerNetPeer", 1, 64, "ncclConfig_t.nChannelsPerNetPeer");
  config("collnetEnable", 0, 1, "ncclConfig_t.collnetEnable");
  {
    Knob k = choice("config.CTAPolicy", C, {{"0", {"default"}}, {"1", {"efficiency"}}, {"2", {"zero"}}}, "ncclConfig_t.CTAPolicy");
    k.target = Target::nccl_config;
    k.variable = "CTAPolicy";
    k.advice = true;
    v.push_back(std::move(k));
  }
  {
    // Not NCCL's: how collbench hands NCCL its buffers (run --register), per communicator. The
    // application does it (ncclCommRegister, ncclCommWindowRegister), so it is advice, never env.
    Knob k = choice("register", C, {{"none", {}}, {"local", {}}, {"symmetric", {}}},
                    "buffers registered with ncclCommRegister (local) or in symmetric windows (ncclCommWindowRegister)");
    k.target = Target::nccl_config;
    k.variable = "register";
    k.advice = true;
    v.push_back(std::move(k));
  }
  // Per process: NCCL caches these at first read.
  v.push_back(bytes("NCCL_BUFFSIZE", 65536, "Simple protocol buffer per channel (default 4M)"));
  v.push_back(bytes("NCCL_LL_BUFFSIZE", 4096, "LL buffer"));
  v.push_back(bytes("NCCL_LL128_BUFFSIZE", 4096, "LL128 buffer"));
  v.push_back(integer("NCCL_NTHREADS", P, 64, 512, "threads per CTA (Simple/LL)", {}, 32));
  v.push_back(integer("NCCL_LL128_NTHREADS", P, 160, 640, "threads per CTA (LL128)", {}, 32));
  v.push_back(integer("NCCL_MIN_NCHANNELS", P, 0, 64, "lower bound on channels"));
  v.push_back(integer("NCCL_MAX_NCHANNELS", P, 1, 64, "upper bound on channels"));
  v.push_back(integer("NCCL_MIN_CTAS", P, 1, 64, "overrides ncclConfig_t.minCTAs"));
  v.push_back(integer("NCCL_MAX_CTAS", P, 1, 64, "overrides ncclConfig_t.maxCTAs"));
  {
    Knob k = choice("NCCL_CTA_POLICY", P, {{"0", {"default"}}, {"1", {"efficiency"}}, {"2", {"zero"}}}, "overrides ncclConfig_t.CTAPolicy");
    k.advice = true;  // the application's policy choice: advice, not a job-wide environment setting
    v.push_back(std::move(k));
  }
  v.push_back(integer("NCCL_CGA_CLUSTER_SIZE", P, 0, 8, "overrides ncclConfig_t.cgaClusterSize"));
  v.push_back(integer("NCCL_NCHANNELS_PER_NET_PEER", P, 1, 64, "overrides ncclConfig_t.nChannelsPerNetPeer"));
  v.push_back(choice("NCCL_NVLS_ENABLE", P, {{"0", {}}, {"1", {}}, {"2", {"auto"}}}, "NVLink SHARP (NVLS)", {AR, AG, RS}));
  v.push_back(integer("NCCL_NVLS_NCHANNELS", P, 1, 32, "NVLS channels (overrides ncclConfig_t.nvlsCTAs)", {AR, AG, RS}));
  v.push_back(bytes("NCCL_NVLS_CHUNKSIZE", 4096, "NVLS chunk", {AR, AG, RS}));
  v.push_back(choice("NCCL_PAT_ENABLE", P, {{"0", {}}, {"1", {}}, {"2", {"auto"}}}, "PAT algorithm (allgather, reducescatter)", {AG, RS}));
  v.push_back(choice("NCCL_P2P_LEVEL", P, kPathLevels, "furthest path for P2P transport"));
  v.push_back(choice("NCCL_NET_GDR_LEVEL", P, kPathLevels, "furthest path for GPUDirect RDMA"));
  v.push_back(choice("NCCL_NET_GDR_READ", P, {{"0", {}}, {"1", {}}}, "GPUDirect RDMA for sends"));
  v.push_back(choice("NCCL_CROSS_NIC", P, {{"0", {}}, {"1", {}}, {"2", {}}}, "rings/trees across NICs"));
  v.push_back(choice("NCCL_PXN_DISABLE", P, {{"0", {}}, {"1", {}}}, "PXN (NVLink to the NIC's GPU)"));
  v.push_back(choice("NCCL_P2P_PXN_LEVEL", P, {{"0", {}}, {"1", {}}, {"2", {}}}, "when to use PXN"));
  v.push_back(integer("NCCL_IB_QPS_PER_CONNECTION", P, 1, 128, "IB queue pairs per connection"));
  v.push_back(choice("NCCL_IB_SPLIT_DATA_ON_QPS", P, {{"0", {}}, {"1", {}}}, "split each message across QPs"));
  v.push_back(choice("NCCL_IB_ADAPTIVE_ROUTING", P, {{"0", {}}, {"1", {}}}, "IB adaptive routing"));
  v.push_back(integer("NCCL_SOCKET_NTHREADS", P, 1, 16, "socket transport helper threads"));
  v.push_back(integer("NCCL_NSOCKS_PERTHREAD", P, 1, 64, "sockets per helper thread"));
  v.push_back(choice("NCCL_NET_SHARED_BUFFERS", P, {{"0", {}}, {"1", {}}}, "shared network buffers"));
  v.push_back(choice("NCCL_LL128_C2C", P, {{"0", {}}, {"1", {}}}, "LL128 over C2C"));
  v.push_back(choice("NCCL_GRAPH_REGISTER", P, {{"0", {}}, {"1", {}}}, "user buffer registration in CUDA graphs"));
  v.push_back(choice("NCCL_LOCAL_REGISTER", P, {{"0", {}}, {"1", {}}}, "local user buffer registration"));
  // Point-to-point (all-to-all is NCCL send/recv).
  v.push_back(bytes("NCCL_P2P_NET_CHUNKSIZE", 1024, "p2p chunk over the network", {A2A, SR, A2AV}));
  v.push_back(bytes("NCCL_P2P_NVL_CHUNKSIZE", 1024, "p2p chunk over NVLink", {A2A, SR, A2AV}));
  v.push_back(bytes("NCCL_P2P_PCI_CHUNKSIZE", 1024, "p2p chunk over PCI", {A2A, SR, A2AV}));
  v.push_back(bytes("NCCL_CHUNK_SIZE", 1024, "p2p chunk size", {A2A, SR, A2AV}));
  v.push_back(bytes("NCCL_P2P_LL_THRESHOLD", 1, "p2p uses LL below this", {A2A, SR, A2AV}));
  v.push_back(integer("NCCL_MIN_P2P_NCHANNELS", P, 1, 64, "p2p channels, lower bound", {A2A, SR, A2AV}));
  v.push_back(integer("NCCL_MAX_P2P_NCHANNELS", P, 1, 64, "p2p channels, upper bound", {A2A, SR, A2AV}));
  return v;
}

std::vector<Knob> make_mpi_catalog() {
  std::vector<Knob> v;
  // Per communicator through MPI_T where tests/mpi/test_mpit_scope.cpp shows a communicator
  // configured that way sends the same messages and gives the same result bits as a process
  // launched with OMPI_MCA_<name> (../shared/reference/ompi-mpit.md): every algorithm, the segment
  // sizes and the chain fanouts. The tree fanouts changed no message of any algorithm tried (Open
  // MPI 4.1 passes bcast and reduce the chain fanout only), so nothing shows that MPI_T reaches
  // them: they stay per process, in the launch's environment.
  auto per_comm = [](Knob k) {
    k.backend = "mpi";
    k.scope = Scope::communicator;
    k.target = Target::mpi_t;
    k.variable = k.name;
    return k;
  };
  auto algorithm = [&](std::string coll, Collective c, std::vector<Choice> ids) {
    v.push_back(per_comm(choice("coll_tuned_" + coll + "_algorithm", Scope::communicator, std::move(ids), "Open MPI tuned algorithm", {c})));
  };
  algorithm("allreduce", AR, numbered({"ignore", "basic_linear", "nonoverlapping", "recursive_doubling", "ring",
                                       "segmented_ring", "rabenseifner"}));
  algorithm("allgather", AG, numbered({"ignore", "linear", "bruck", "recursive_doubling", "ring", "neighbor", "two_proc"}));
  algorithm("reduce_scatter_block", RS, numbered({"ignore", "basic_linear", "recursive_doubling", "recursive_halving", "butterfly"}));
  algorithm("alltoall", A2A, numbered({"ignore", "linear", "pairwise", "modified_bruck", "linear_sync", "two_proc"}));
  algorithm("bcast", BC, numbered({"ignore", "basic_linear", "chain", "pipeline", "split_binary_tree", "binary_tree",
                                   "binomial", "knomial", "scatter_allgather", "scatter_allgather_ring"}));
  algorithm("reduce", RD, numbered({"ignore", "linear", "chain", "pipeline", "binary", "binomial", "in_order_binary", "rabenseifner"}));
  auto param = [&](std::string coll, Collective c, std::string suffix, ValueKind kind, std::int64_t lo, std::int64_t hi) {
    Knob k = integer("coll_tuned_" + coll + "_algorithm_" + suffix, Scope::process, lo, hi,
                     "used with coll_tuned_" + coll + "_algorithm", {c});
    k.backend = "mpi";
    k.kind = kind;
    k.variable = "OMPI_MCA_" + k.name;
    if (suffix != "tree_fanout") k = per_comm(std::move(k));
    v.push_back(std::move(k));
  };
  for (auto [coll, c] : {std::pair{"allreduce", AR}, std::pair{"bcast", BC}, std::pair{"reduce", RD}})
    param(coll, c, "segmentsize", ValueKind::bytes, 0, std::int64_t{1} << 30);
  for (auto [coll, c] : {std::pair{"bcast", BC}, std::pair{"reduce", RD}}) {
    param(coll, c, "tree_fanout", ValueKind::integer, 1, 32);
    param(coll, c, "chain_fanout", ValueKind::integer, 1, 32);
  }
  return v;
}

Knob inject_knob() {
  Knob k;
  k.name = k.variable = "COLLBENCH_INJECT";
  k.backend = "any";
  k.kind = ValueKind::faults;
  k.help = "test only: fault injection (corrupt:R, delay:R:US, crash:R, hang:R)";
  return k;
}

std::vector<Knob> with_inject(std::vector<Knob> knobs) {
  knobs.push_back(inject_knob());
  return knobs;
}

// ---- NCCL_ALGO / NCCL_PROTO in the per-collective syntax ----

const std::vector<std::string> kAlgos = {"tree", "ring", "collnetdirect", "collnetchain", "nvls", "nvlstree", "pat"};
const std::vector<std::string> kProtos = {"ll", "ll128", "simple"};

// tuning.cc:272-282: which algorithms NCCL computes for each collective.
std::vector<std::string> algos_for(Collective c) {
  switch (c) {
    case AR: return {"tree", "ring", "collnetdirect", "collnetchain", "nvls", "nvlstree"};
    case AG:
    case RS: return {"ring", "pat", "nvls", "collnetdirect"};
    case BC:
    case RD: return {"ring"};
    case A2A:
    case SR:
    case A2AV: return {};
  }
  return {};
}

bool simple_only(const std::string& algo) { return algo != "tree" && algo != "ring"; }

struct ListEntry {
  Collective coll;
  std::set<std::string> tokens;  // after applying '^'
  std::string text;              // canonical
};

std::vector<ListEntry> parse_list(const Knob& k, std::string_view value) {
  const bool is_algo = k.kind == ValueKind::algo_list;
  const auto& universe = is_algo ? kAlgos : kProtos;
  const std::string example = is_algo ? "allreduce:tree;allgather:ring" : "allreduce:ll128,simple";
  std::vector<ListEntry> entries;
  for (const core::NcclListPart& part : core::split_nccl_list(value)) {
    if (part.collective.empty())
      throw core::InputError(fmt::format("{} '{}': expected the per-collective form, e.g. {} (a bare list applies to "
                                         "every collective, and most algorithms exist for one collective only)",
                                         k.name, value, example));
    const std::string& prefix = part.collective;
    Collective c{};
    bool found = false;
    for (Collective cand : {AR, AG, RS, BC, RD})
      if (prefix == core::name(cand)) c = cand, found = true;
    if (!found)
      throw core::InputError(fmt::format("{} '{}': '{}' is not a collective NCCL_ALGO/NCCL_PROTO can name; expected "
                                         "allreduce, allgather, reducescatter, broadcast or reduce (all-to-all is "
                                         "send/recv and has no algorithm choice)", k.name, value, prefix));
    for (const auto& e : entries)
      if (e.coll == c) throw core::InputError(fmt::format("{} '{}': {} is named twice", k.name, value, prefix));
    const bool except = part.except;
    std::set<std::string> named;
    std::vector<std::string> order;
    for (const std::string& tok : part.names) {
      if (std::find(universe.begin(), universe.end(), tok) == universe.end())
        throw core::InputError(fmt::format("{} '{}': unknown {} '{}'; expected {}", k.name, value,
                                           is_algo ? "algorithm" : "protocol", tok, fmt::join(universe, ", ")));
      if (named.insert(tok).second) order.push_back(tok);
    }
    ListEntry e;
    e.coll = c;
    if (is_algo) {
      const auto valid = algos_for(c);
      if (!except)
        for (const auto& a : named)
          if (std::find(valid.begin(), valid.end(), a) == valid.end())
            throw core::InputError(fmt::format("{} '{}': {} has no algorithm '{}'; expected one of {}", k.name, value,
                                               prefix, a, fmt::join(valid, ", ")));
      for (const auto& a : valid)
        if (named.count(a) != (except ? 0u : 1u)) continue;
        else e.tokens.insert(a);
    } else {
      for (const auto& t : kProtos)
        if ((named.count(t) == 1) != except) e.tokens.insert(t);
    }
    if (e.tokens.empty())
      throw core::InputError(fmt::format("{} '{}': leaves {} with no {}", k.name, value, prefix,
                                         is_algo ? "algorithm" : "protocol"));
    std::sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
      return std::find(universe.begin(), universe.end(), a) < std::find(universe.begin(), universe.end(), b);
    });
    e.text = fmt::format("{}:{}{}", prefix, except ? "^" : "", fmt::join(order, ","));
    entries.push_back(std::move(e));
  }
  if (entries.empty()) throw core::InputError(fmt::format("{} '{}': expected e.g. {}", k.name, value, example));
  std::sort(entries.begin(), entries.end(), [](const ListEntry& a, const ListEntry& b) { return a.coll < b.coll; });
  return entries;
}

std::string join_entries(const std::vector<ListEntry>& entries) {
  std::string out;
  for (const auto& e : entries) out += (out.empty() ? "" : ";") + e.text;
  return out;
}

std::int64_t parse_int(const Knob& k, std::string_view text, const std::string& expected) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size())
    throw core::InputError(fmt::format("{} '{}': expected {}", k.name, text, expected));
  return v;
}

std::string expected_integer(const Knob& k) {
  if (k.multiple > 1) return fmt::format("a multiple of {} from {} to {}", k.multiple, k.lo, k.hi);
  return fmt::format("an integer from {} to {}", k.lo, k.hi);
}

}  // namespace

// The model backend: the NCCL settings its cost model reads (reports/MODEL.md). Every other NCCL
// knob changes measured performance only, so predictions would not change. All of them are read
// per configuration in one process: per-communicator scope, one launch for the whole sweep.
std::vector<Knob> make_model_catalog(const std::vector<Knob>& nccl) {
  std::vector<Knob> v;
  for (const char* name : {"NCCL_ALGO", "NCCL_PROTO", "NCCL_NVLS_ENABLE", "NCCL_COLLNET_ENABLE", "NCCL_PAT_ENABLE", "NCCL_LL128_C2C"})
    for (const Knob& k : nccl)
      if (k.name == name) {
        Knob m = k;
        m.backend = "model";
        m.scope = Scope::communicator;
        v.push_back(std::move(m));
      }
  return v;
}

std::span<const Knob> catalog(std::string_view backend) {
  static const std::vector<Knob> nccl = with_inject(make_nccl_catalog());
  static const std::vector<Knob> mpi = with_inject(make_mpi_catalog());
  static const std::vector<Knob> model = make_model_catalog(nccl);
  if (backend == "nccl") return nccl;
  if (backend == "mpi") return mpi;
  if (backend == "model") return model;
  return {};
}

const Knob* find_knob(std::string_view backend, std::string_view name) {
  for (const Knob& k : catalog(backend))
    if (k.name == name) return &k;
  return nullptr;
}

const Knob& knob_or_throw(std::string_view backend, std::string_view name) {
  if (const Knob* k = find_knob(backend, name)) return *k;
  std::string hint;
  for (std::string_view other : {"nccl", "mpi"})
    if (other != backend && find_knob(other, name))
      hint = fmt::format(" ({} is a knob of the {} backend)", name, other);
  if (backend == "model" && find_knob("nccl", name)) {
    std::vector<std::string> names;
    for (const Knob& k : catalog(backend)) names.push_back(k.name);
    hint = fmt::format(": NCCL's cost model does not read it (it changes measured performance, not NCCL's prediction); "
                       "expected one of: {}", fmt::join(names, ", "));
  }
  if (hint.empty()) {
    std::vector<std::string> names;
    for (const Knob& k : catalog(backend)) names.push_back(k.name);
    hint = fmt::format("; expected one of: {}", fmt::join(names, ", "));
  }
  if (name == "NCCL_LAUNCH_MODE")
    throw core::InputError("NCCL_LAUNCH_MODE: not a knob collbench sweeps: it only changes how one thread launches "
                           "several communicators (NCCL group.cc:263), and collbench drives one GPU per process");
  throw core::InputError(fmt::format("unknown knob '{}' for the {} backend{}", name, backend, hint));
}

std::string canonical_value(const Knob& k, std::string_view text) {
  switch (k.kind) {
    case ValueKind::integer: {
      const std::int64_t v = parse_int(k, text, expected_integer(k));
      if (v < k.lo || v > k.hi || v % k.multiple != 0)
        throw core::InputError(fmt::format("{} '{}': expected {}", k.name, text, expected_integer(k)));
      return std::to_string(v);
    }
    case ValueKind::bytes: {
      std::uint64_t v = 0;
      if (text == "0" && k.lo == 0) return "0";
      try {
        v = core::parse_size(text, k.name);
      } catch (const core::InputError&) {
        throw core::InputError(fmt::format("{} '{}': expected a size in bytes (e.g. 65536 or 64K)", k.name, text));
      }
      if (v < static_cast<std::uint64_t>(k.lo) || v > static_cast<std::uint64_t>(k.hi))
        throw core::InputError(fmt::format("{} '{}': expected a size from {} to {}", k.name, text,
                                           core::format_size(static_cast<std::uint64_t>(k.lo)),
                                           core::format_size(static_cast<std::uint64_t>(k.hi))));
      return std::to_string(v);
    }
    case ValueKind::choice: {
      const std::string t = core::to_lower(text);
      std::vector<std::string> shown;
      for (const Choice& c : k.choices) {
        if (core::to_lower(c.value) == t) return c.value;
        for (const auto& a : c.aliases)
          if (core::to_lower(a) == t) return c.value;
        shown.push_back(c.aliases.empty() || !std::isdigit(static_cast<unsigned char>(c.value[0]))
                            ? c.value
                            : c.value + " (" + c.aliases.front() + ")");
      }
      throw core::InputError(fmt::format("{} '{}': expected one of {}", k.name, text, fmt::join(shown, ", ")));
    }
    case ValueKind::algo_list:
    case ValueKind::proto_list:
      return join_entries(parse_list(k, text));
    case ValueKind::thresholds: {
      std::vector<std::string> parts;
      std::string cur;
      for (char ch : std::string(text) + " ") {
        if (ch == ' ' || ch == '\t') {
          if (!cur.empty()) parts.push_back(cur), cur.clear();
        } else {
          cur += ch;
        }
      }
      const std::string expected = "six integers >= -2: Tree LL LL128 Simple, then Ring LL LL128 Simple";
      if (parts.size() != 6) throw core::InputError(fmt::format("{} '{}': expected {}", k.name, text, expected));
      for (const auto& p : parts)
        if (parse_int(k, p, expected) < -2) throw core::InputError(fmt::format("{} '{}': expected {}", k.name, text, expected));
      return fmt::format("{}", fmt::join(parts, " "));
    }
    case ValueKind::faults:
      core::parse_faults(text);  // throws InputError naming COLLBENCH_INJECT
      return std::string(text);
  }
  return std::string(text);
}

std::optional<std::string> restrict_to(const Knob& k, const std::string& value, Collective c) {
  if (k.kind == ValueKind::algo_list || k.kind == ValueKind::proto_list) {
    for (const ListEntry& e : parse_list(k, value))
      if (e.coll == c) return e.text;
    return std::nullopt;
  }
  if (!k.collectives.empty() && std::find(k.collectives.begin(), k.collectives.end(), c) == k.collectives.end())
    return std::nullopt;
  return value;
}

namespace {

std::optional<std::int64_t> int_of(const Config& cfg, const std::string& name) {
  const auto it = cfg.find(name);
  if (it == cfg.end()) return std::nullopt;
  return std::stoll(it->second);
}

void check_nccl(const Config& cfg) {
  const std::string where = describe(cfg);
  auto fail = [&](const std::string& why) { throw core::InputError(fmt::format("configuration {}: {}", where, why)); };
  // An env twin overrides the ncclConfig_t field (init.cc envConfigOverride): sweeping both measures one.
  for (auto [env, field] : {std::pair{"NCCL_MIN_CTAS", "config.minCTAs"}, std::pair{"NCCL_MAX_CTAS", "config.maxCTAs"},
                            std::pair{"NCCL_CTA_POLICY", "config.CTAPolicy"},
                            std::pair{"NCCL_CGA_CLUSTER_SIZE", "config.cgaClusterSize"},
                            std::pair{"NCCL_NCHANNELS_PER_NET_PEER", "config.nChannelsPerNetPeer"},
                            std::pair{"NCCL_COLLNET_ENABLE", "config.collnetEnable"}})
    if (cfg.count(env) && cfg.count(field))
      fail(fmt::format("{} overrides {} (NCCL: the environment wins over ncclConfig_t); set one of them", env, field));
  // NCCL checks the config's pair before the environment overrides it (init.cc:1865-1873, then
  // 1661-1681), so a crossed env/config pair would reach NCCL unchecked.
  for (auto [lo, hi] : {std::pair{"NCCL_MIN_NCHANNELS", "NCCL_MAX_NCHANNELS"}, std::pair{"NCCL_MIN_CTAS", "NCCL_MAX_CTAS"},
                        std::pair{"config.minCTAs", "config.maxCTAs"}, std::pair{"NCCL_MIN_CTAS", "config.maxCTAs"},
                        std::pair{"config.minCTAs", "NCCL_MAX_CTAS"},
                        std::pair{"NCCL_MIN_P2P_NCHANNELS", "NCCL_MAX_P2P_NCHANNELS"}}) {
    const auto a = int_of(cfg, lo), b = int_of(cfg, hi);
    if (a && b && *a > *b) fail(fmt::format("{} {} is above {} {}", lo, *a, hi, *b));
  }
  const auto threads = int_of(cfg, "NCCL_SOCKET_NTHREADS"), socks = int_of(cfg, "NCCL_NSOCKS_PERTHREAD");
  if (threads && socks && *threads * *socks > 64)
    fail(fmt::format("NCCL_SOCKET_NTHREADS x NCCL_NSOCKS_PERTHREAD = {}: NCCL allows at most 64 sockets", *threads * *socks));

  const Knob& algo_knob = *find_knob("nccl", "NCCL_ALGO");
  const Knob& proto_knob = *find_knob("nccl", "NCCL_PROTO");
  const bool collnet_on = int_of(cfg, "NCCL_COLLNET_ENABLE").value_or(0) == 1 || int_of(cfg, "config.collnetEnable").value_or(0) == 1;
  for (Collective c : {AR, AG, RS, BC, RD}) {
    std::set<std::string> algos, protos(kProtos.begin(), kProtos.end());
    for (const auto& a : algos_for(c)) algos.insert(a);
    if (auto it = cfg.find("NCCL_ALGO"); it != cfg.end())
      for (const auto& e : parse_list(algo_knob, it->second))
        if (e.coll == c) algos = e.tokens;
    if (auto it = cfg.find("NCCL_PROTO"); it != cfg.end())
      for (const auto& e : parse_list(proto_knob, it->second))
        if (e.coll == c) protos = e.tokens;
    // Switched-off features leave only what is still on; each algorithm left out says why.
    bool any = false;
    std::string why = "NCCL would find no algorithm/protocol for " + std::string(core::name(c));
    for (const auto& a : algos) {
      std::string off;
      if ((a == "nvls" || a == "nvlstree") && cfg.count("NCCL_NVLS_ENABLE") && cfg.at("NCCL_NVLS_ENABLE") == "0")
        off = "NVLS is off (NCCL_NVLS_ENABLE=0)";
      else if (a == "pat" && cfg.count("NCCL_PAT_ENABLE") && cfg.at("NCCL_PAT_ENABLE") == "0")
        off = "PAT is off (NCCL_PAT_ENABLE=0)";
      else if ((a == "collnetdirect" || a == "collnetchain") && !collnet_on)
        off = a + " needs NCCL_COLLNET_ENABLE=1 or config.collnetEnable=1";
      else if (simple_only(a) && !protos.count("simple"))
        off = a + " runs the Simple protocol only";
      any = any || off.empty();
      if (!off.empty()) why += "; " + off;
    }
    if (!any) fail(why);
  }
}

void check_mpi(const Config& cfg, int nranks) {
  const std::string where = describe(cfg);
  for (const auto& [name, value] : cfg) {
    const std::string marker = "_algorithm_";
    const std::size_t at = name.find(marker);
    if (at != std::string::npos) {  // a segment size or fanout: only read with a forced algorithm
      const std::string algo = name.substr(0, at + marker.size() - 1);
      const auto it = cfg.find(algo);
      if (it == cfg.end() || it->second == "0")
        throw core::InputError(fmt::format("configuration {}: {} has an effect only with {} set to an algorithm "
                                           "(Open MPI reads it with a forced algorithm only)", where, name, algo));
    }
  }
  for (auto [name, id] : {std::pair{"coll_tuned_allgather_algorithm", "6"}, std::pair{"coll_tuned_alltoall_algorithm", "5"}})
    if (nranks != 2 && cfg.count(name) && cfg.at(name) == id)
      throw core::InputError(fmt::format("configuration {}: {}={} (two_proc) runs on exactly 2 ranks, not {}", where,
                                         name, id, nranks));
}

}  // namespace

void check_config(std::string_view backend, const Config& config, int nranks) {
  if (backend == "nccl" || backend == "model") check_nccl(config);
  if (backend == "mpi") check_mpi(config, nranks);
}

std::map<std::string, std::optional<std::string>> environment(std::string_view backend, const Config& config,
                                                              std::span<const std::string> knobs, Scope scope) {
  std::map<std::string, std::optional<std::string>> env;
  for (const std::string& name : knobs) {
    const Knob& k = knob_or_throw(backend, name);
    if (k.target != Target::env || k.scope != scope) continue;
    const auto it = config.find(name);
    env[k.variable] = it == config.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  return env;
}

std::map<std::string, std::optional<std::string>> deploy_environment(std::string_view backend, const Config& config,
                                                                     std::span<const std::string> knobs) {
  std::map<std::string, std::optional<std::string>> env;
  bool tuned_owned = false, tuned_forced = false;
  for (const std::string& name : knobs) {
    const Knob& k = knob_or_throw(backend, name);
    if (k.target == Target::nccl_config || k.advice) continue;
    const auto it = config.find(name);
    env[k.target == Target::mpi_t ? "OMPI_MCA_" + k.variable : k.variable] =
        it == config.end() ? std::nullopt : std::optional<std::string>(it->second);
    if (name.rfind("coll_tuned_", 0) == 0) {
      tuned_owned = true;
      tuned_forced = tuned_forced || (it != config.end() && name.ends_with("_algorithm") && it->second != "0");
    }
  }
  if (tuned_owned)
    env["OMPI_MCA_coll_tuned_use_dynamic_rules"] = tuned_forced ? std::optional<std::string>("1") : std::nullopt;
  return env;
}

std::map<std::string, std::string> mpi_t_settings(std::string_view backend, const Config& config) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : config)
    if (const Knob* k = find_knob(backend, name); k && k->target == Target::mpi_t) out[k->variable] = value;
  return out;
}

std::string describe(const Config& config) {
  if (config.empty()) return "default";
  std::string out;
  for (const auto& [k, v] : config) out += (out.empty() ? "" : " ") + k + "=" + v;
  return out;
}

}  // namespace collbench::plan

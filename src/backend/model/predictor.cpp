#include "backend/model/predictor.hpp"

#include <fmt/format.h>

#include <cctype>

#include "core/error.hpp"
#include "results/identity.hpp"
#include "stats/bandwidth.hpp"

namespace collbench::model {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string settings_text(const Settings& s) {
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

}  // namespace

std::string_view log_name(Algo a) {
  static constexpr const char* k[] = {"TREE", "RING", "COLLNET_DIRECT", "COLLNET_CHAIN", "NVLS", "NVLS_TREE", "PAT"};
  return k[static_cast<int>(a)];
}
std::string_view log_name(Proto p) {
  static constexpr const char* k[] = {"LL", "LL128", "SIMPLE"};
  return k[static_cast<int>(p)];
}

std::optional<Algo> algo_from_text(std::string_view s) {
  std::string u = upper(s);
  std::erase(u, '_');
  for (int a = 0; a < kAlgos; ++a) {
    std::string n(log_name(static_cast<Algo>(a)));
    std::erase(n, '_');
    if (u == n) return static_cast<Algo>(a);
  }
  return std::nullopt;
}

std::optional<Proto> proto_from_text(std::string_view s) {
  const std::string u = upper(s);
  for (int p = 0; p < kProtos; ++p)
    if (u == log_name(static_cast<Proto>(p))) return static_cast<Proto>(p);
  return std::nullopt;
}

stats::Summary predicted_summary(double t) {
  stats::Summary s;
  s.n = 1;
  s.min = s.mean = s.p50 = s.p90 = s.p99 = s.p999 = s.max = t;
  s.median_ci.lo = s.median_ci.hi = t;
  return s;
}

std::optional<Call> call_for(core::Collective c, core::DataType t, core::RedOp op, std::uint64_t bytes) {
  const std::optional<Coll> coll = model_coll(c);
  if (!coll) return std::nullopt;
  Call call;
  call.coll = *coll;
  call.bytes = bytes;
  call.avg_op = core::takes_op(c) && op == core::RedOp::avg;
  call.fp8 = t == core::DataType::fp8_e4m3 || t == core::DataType::fp8_e5m2;
  return call;
}

Topology scaled_to(const Topology& t, int nranks, const std::string& flag) {
  if (nranks == t.nranks()) return t;
  if (nranks >= 1 && nranks % t.gpus_per_node == 0) return with_nodes(t, nranks / t.gpus_per_node);
  if (nranks >= 1 && nranks < t.gpus_per_node) {
    Topology one = t;
    one.nodes = 1;
    one.gpus_per_node = nranks;
    one.nvls = t.nvls && nranks > 1;
    return one;
  }
  throw core::InputError(fmt::format("{} '{}': describes {} GPUs per node; {} ranks are neither whole nodes nor part of one; "
                                     "expected a topology of the job's nodes",
                                     flag, t.source, t.gpus_per_node, nranks));
}

Predictor::Predictor(Topology topology, const Settings& settings)
    : m_topology(std::move(topology)), m_model(synthesize(m_topology), settings) {}

results::ResultRecord Predictor::predict(core::Collective c, core::DataType t, core::RedOp op, int root, bool in_place,
                                         std::uint64_t requested_bytes) const {
  results::ResultRecord rec = results::identify_case(c, t, op, root, in_place, requested_bytes, nranks());
  rec.checked = false;
  rec.wrong = -1;
  rec.stop_reason = "model";
  rec.backend_notes["predicted"] = "true";
  if (!model_coll(c)) {
    rec.status = "skipped";
    rec.error = "all-to-all runs on NCCL's send/recv path, which its cost model does not cover (reports/MODEL.md)";
    return rec;
  }
  if (rec.bytes == 0) {
    rec.status = "skipped";
    rec.error = fmt::format("0 bytes per rank at {} B on {} ranks: NCCL returns without communicating", requested_bytes, nranks());
    return rec;
  }
  const Call call = *call_for(c, t, op, rec.bytes);
  for (int a = 0; a < kAlgos; ++a)
    for (int p = 0; p < kProtos; ++p) {
      const double us = m_model.time_us(call, static_cast<Algo>(a), static_cast<Proto>(p));
      if (us >= 0)
        rec.backend_notes[fmt::format("model_us.{}/{}", nccl_name(static_cast<Algo>(a)), nccl_name(static_cast<Proto>(p)))] =
            fmt::format("{:.3f}", us);
    }
  const std::optional<Choice> best = m_model.choose(call);
  if (!best) {
    rec.status = "skipped";
    rec.error = fmt::format("no algorithm/protocol is usable for {} on {} under {} (NCCL refuses such a call)",
                            core::name(c), m_topology.name, settings_text(m_model.settings()));
    return rec;
  }
  rec.status = "ok";
  rec.time_us = predicted_summary(best->time_us);
  const double factor = core::bus_factor(c, nranks());
  rec.algbw_gbps = rec.algbw_mean_gbps = stats::algbw_gbps(rec.bytes, best->time_us);
  rec.busbw_gbps = rec.busbw_mean_gbps = stats::busbw_gbps(rec.algbw_gbps, factor);
  rec.backend_notes["nccl_algo"] = std::string(log_name(best->algo));
  rec.backend_notes["nccl_proto"] = std::string(log_name(best->proto));
  rec.backend_notes["nccl_estimated_us"] = fmt::format("{:.3f}", best->time_us);
  rec.backend_notes["nccl_channels"] = std::to_string(m_model.system().graphs[static_cast<std::size_t>(best->algo)].channels);
  return rec;
}

std::map<std::string, std::string> Predictor::details() const {
  std::map<std::string, std::string> d;
  d["model.topology"] = m_topology.describe();
  d["model.topology_file"] = m_topology.source;
  d["model.settings"] = settings_text(m_model.settings());
  d["model.comm_channels"] = std::to_string(m_model.system().comm_channels);
  const std::vector<std::string> graphs = describe_graphs(m_model.system());
  for (const std::string& g : graphs) d["model.graph." + g.substr(0, g.find(':'))] = g.substr(g.find(':') + 2);
  d["model.note"] = "predicted by NCCL's analytic cost model from a described topology; graphs synthesized from the "
                    "topology unless it gives them (reports/MODEL.md)";
  return d;
}

}  // namespace collbench::model

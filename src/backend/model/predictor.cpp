#include "backend/model/predictor.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text.hpp"
#include "results/identity.hpp"
#include "stats/bandwidth.hpp"

namespace collbench::model {

std::string_view log_name(Algo a) {
  static constexpr const char* k[] = {"TREE", "RING", "COLLNET_DIRECT", "COLLNET_CHAIN", "NVLS", "NVLS_TREE", "PAT"};
  return k[static_cast<int>(a)];
}
std::string_view log_name(Proto p) {
  static constexpr const char* k[] = {"LL", "LL128", "SIMPLE"};
  return k[static_cast<int>(p)];
}

std::optional<Algo> algo_from_text(std::string_view s) {
  std::string l = core::to_lower(s);  // "NVLS_TREE" and "nvlstree" alike
  std::erase(l, '_');
  for (int a = 0; a < kAlgos; ++a)
    if (l == name(static_cast<Algo>(a))) return static_cast<Algo>(a);
  return std::nullopt;
}

std::optional<Proto> proto_from_text(std::string_view s) {
  const std::string l = core::to_lower(s);
  for (int p = 0; p < kProtos; ++p)
    if (l == name(static_cast<Proto>(p))) return static_cast<Proto>(p);
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

CasePrediction Predictor::choose(core::Collective c, core::DataType t, core::RedOp op, std::uint64_t requested_bytes) const {
  CasePrediction out;
  out.bytes = core::shape(c, requested_bytes, t, nranks()).bytes;
  out.call = call_for(c, t, op, out.bytes);
  if (!out.call) {
    out.why_not = (c == core::Collective::alltoall ? std::string("all-to-all") : std::string(core::name(c))) +
                  " runs on NCCL's send/recv path, which its cost model does not cover (reports/MODEL.md)";
  } else if (out.bytes == 0) {
    out.why_not = fmt::format("0 bytes per rank at {} B on {} ranks: NCCL returns without communicating", requested_bytes, nranks());
  } else if (!(out.choice = m_model.choose(*out.call))) {
    out.why_not = fmt::format("no algorithm/protocol is usable for {} on {} under {} (NCCL refuses such a call)", core::name(c),
                              m_topology.name, describe(m_model.settings()));
  } else {
    out.channels = m_model.system().graphs[static_cast<std::size_t>(out.choice->algo)].channels;
    out.algbw_gbps = stats::algbw_gbps(out.bytes, out.choice->time_us);
    out.busbw_gbps = stats::busbw_gbps(out.algbw_gbps, core::bus_factor(c, nranks()));
  }
  return out;
}

results::ResultRecord Predictor::predict(core::Collective c, core::DataType t, core::RedOp op, int root, bool in_place,
                                         std::uint64_t requested_bytes) const {
  results::ResultRecord rec = results::identify_case(c, t, op, root, in_place, requested_bytes, nranks());
  rec.checked = false;
  rec.wrong = -1;
  rec.stop_reason = "model";
  rec.backend_notes["predicted"] = "true";
  const CasePrediction cp = choose(c, t, op, requested_bytes);
  if (cp.call && cp.bytes > 0)
    for (int a = 0; a < kAlgos; ++a)
      for (int p = 0; p < kProtos; ++p) {
        const double us = m_model.time_us(*cp.call, static_cast<Algo>(a), static_cast<Proto>(p));
        if (us >= 0)
          rec.backend_notes[fmt::format("model_us.{}/{}", nccl_name(static_cast<Algo>(a)), nccl_name(static_cast<Proto>(p)))] =
              fmt::format("{:.3f}", us);
      }
  if (!cp.choice) {
    rec.status = "skipped";
    rec.error = cp.why_not;
    return rec;
  }
  rec.status = "ok";
  rec.time_us = predicted_summary(cp.choice->time_us);
  rec.algbw_gbps = rec.algbw_mean_gbps = cp.algbw_gbps;
  rec.busbw_gbps = rec.busbw_mean_gbps = cp.busbw_gbps;
  // One predicted time for every rank: nccl-tests' figure (the mean over ranks) is that time too.
  rec.nccl_tests = results::NcclTestsFigure{cp.choice->time_us, cp.algbw_gbps, cp.busbw_gbps};
  rec.backend_notes["nccl_algo"] = std::string(log_name(cp.choice->algo));
  rec.backend_notes["nccl_proto"] = std::string(log_name(cp.choice->proto));
  rec.backend_notes["nccl_estimated_us"] = fmt::format("{:.3f}", cp.choice->time_us);
  rec.backend_notes["nccl_channels"] = std::to_string(cp.channels);
  return rec;
}

std::map<std::string, std::string> Predictor::details() const {
  std::map<std::string, std::string> d;
  d["model.topology"] = m_topology.describe();
  d["model.topology_file"] = m_topology.source;
  d["model.settings"] = describe(m_model.settings());
  d["model.comm_channels"] = std::to_string(m_model.system().comm_channels);
  for (const auto& [algo, text] : describe_graphs(m_model.system())) d["model.graph." + algo] = text;
  d["model.note"] = "predicted by NCCL's analytic cost model from a described topology; graphs synthesized from the "
                    "topology unless it gives them (reports/MODEL.md)";
  return d;
}

}  // namespace collbench::model

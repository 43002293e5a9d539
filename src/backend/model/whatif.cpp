#include "backend/model/whatif.hpp"

#include <fmt/format.h>

#include <cmath>

#include "backend/model/predictor.hpp"

namespace collbench::model {

WhatIf what_if(const Topology& t, const Settings& s, const std::vector<core::Collective>& colls,
               const std::vector<std::uint64_t>& sizes, const std::vector<int>& nodes, core::DataType dtype) {
  WhatIf w;
  w.topology = t;
  w.dtype = dtype;
  w.collectives = colls;
  w.sizes = sizes;
  w.nodes = nodes;
  std::vector<Predictor> predictors;
  predictors.reserve(nodes.size());
  for (int n : nodes) predictors.emplace_back(with_nodes(t, n), s);
  w.settings = describe(s);
  for (core::Collective c : colls)
    for (std::uint64_t bytes : sizes)
      for (const Predictor& p : predictors) {
        const CasePrediction cp = p.choose(c, dtype, core::RedOp::sum, bytes);
        WhatIfPoint pt;
        pt.coll = c;
        pt.nodes = p.topology().nodes;
        pt.nranks = p.nranks();
        pt.bytes = cp.bytes;
        if (cp.choice) {
          pt.time_us = cp.choice->time_us;
          pt.algbw_gbps = cp.algbw_gbps;
          pt.busbw_gbps = cp.busbw_gbps;
          pt.algo = std::string(log_name(cp.choice->algo));
          pt.proto = std::string(log_name(cp.choice->proto));
          pt.channels = cp.channels;
        } else {
          pt.note = cp.why_not;
        }
        w.points.push_back(std::move(pt));
      }
  return w;
}

nlohmann::json what_if_json(const WhatIf& w) {
  using nlohmann::json;
  json pts = json::array();
  for (const WhatIfPoint& p : w.points) {
    json j = {{"collective", std::string(core::name(p.coll))}, {"nodes", p.nodes}, {"nranks", p.nranks}, {"bytes", p.bytes}};
    if (p.time_us >= 0) {
      j["time_us"] = p.time_us;
      j["algbw_gbps"] = p.algbw_gbps;
      j["busbw_gbps"] = p.busbw_gbps;
      j["algo"] = p.algo;
      j["proto"] = p.proto;
      j["channels"] = p.channels;
    } else {
      j["time_us"] = nullptr;
      j["note"] = p.note;
    }
    pts.push_back(std::move(j));
  }
  json colls = json::array(), sizes = json::array();
  for (core::Collective c : w.collectives) colls.push_back(std::string(core::name(c)));
  for (std::uint64_t b : w.sizes) sizes.push_back(b);
  return {{"schema", kWhatIfSchema},
          {"schema_version", kWhatIfVersion},
          {"predicted", true},
          {"model", kModelLibrary},
          {"note", "Predicted by NCCL's analytic cost model for a described topology; nothing was measured (reports/MODEL.md)"},
          {"topology", topology_json(w.topology)},
          {"settings", w.settings},
          {"datatype", std::string(core::name(w.dtype))},
          {"collectives", colls},
          {"sizes", sizes},
          {"nodes", w.nodes},
          {"points", pts}};
}

}  // namespace collbench::model

#pragma once
// Capacity planning: NCCL's predicted bus bandwidth against the node count (1 … 1024 nodes of a
// described kind), per collective and size. Predictions, not measurements: every document made
// from it says so (schema collbench.whatif, "predicted": true).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/model/cost_model.hpp"
#include "backend/model/topology.hpp"
#include "core/collective.hpp"
#include "core/datatype.hpp"

namespace collbench::model {

inline constexpr const char* kWhatIfSchema = "collbench.whatif";
inline constexpr int kWhatIfVersion = 1;

struct WhatIfPoint {
  core::Collective coll = core::Collective::allreduce;
  int nodes = 1, nranks = 1;
  std::uint64_t bytes = 0;  // nccl-tests' size at this rank count
  double time_us = -1;      // -1: no prediction (see `note`)
  double algbw_gbps = 0, busbw_gbps = 0;
  std::string algo, proto;  // NCCL's default choice ("RING", "SIMPLE")
  int channels = 0;
  std::string note;         // why there is no prediction
};

struct WhatIf {
  Topology topology;         // as described; each point scales its node count
  std::string settings;      // the NCCL settings in force ("NCCL defaults")
  core::DataType dtype = core::DataType::float32;
  std::vector<core::Collective> collectives;
  std::vector<std::uint64_t> sizes;  // requested sizes
  std::vector<int> nodes;
  std::vector<WhatIfPoint> points;   // collective-major, then size, then nodes
};

// Throws InputError for a node count the topology cannot take (more than one node without NICs).
WhatIf what_if(const Topology& t, const Settings& s, const std::vector<core::Collective>& colls,
               const std::vector<std::uint64_t>& sizes, const std::vector<int>& nodes, core::DataType dtype);

nlohmann::json what_if_json(const WhatIf& w);

}  // namespace collbench::model

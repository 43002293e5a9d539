#pragma once
// What the model's unit tests share: short names for the collectives, array indices of the enums,
// the shipped topologies, a call and NCCL settings from a map of variables.
#include <cstdint>
#include <map>
#include <string>

#include "backend/model/cost_model.hpp"

namespace collbench::model::model_test {

inline const Coll AR = Coll::allreduce, AG = Coll::allgather, RS = Coll::reducescatter, BC = Coll::broadcast;
inline constexpr int kAllColls[] = {0, 1, 2, 3, 4};

constexpr std::size_t ix(Algo a) { return static_cast<std::size_t>(a); }
constexpr std::size_t ix(Proto p) { return static_cast<std::size_t>(p); }

inline std::string topo(const std::string& name) { return std::string(COLLBENCH_SOURCE_DIR) + "/sweeps/topologies/" + name; }

inline Call call(Coll c, std::uint64_t bytes) {
  Call k;
  k.coll = c;
  k.bytes = bytes;
  return k;
}

inline Settings env(const std::map<std::string, std::string>& vars) { return settings_from_map(vars); }

}  // namespace collbench::model::model_test

#pragma once
// The workload a per-collective or global recommendation is chosen for: how many calls of each
// collective at each size. Without one, every measured size of a collective counts once.
// Format (reports/TUNE.md), JSON with comments:
//   { "name": "llm-dp", "collectives": { "allreduce": { "64K": 1200, "256M": 40 }, "allgather": { "64M": 80 } } }
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tune/choose.hpp"
#include "tune/input.hpp"

namespace collbench::tune {

struct Workload {
  std::string source;  // the file; empty for the default (uniform over the measured sizes)
  std::string name;
  std::map<std::string, std::map<std::uint64_t, double>> calls;  // collective -> size in bytes -> calls
  bool uniform() const { return source.empty(); }
};

// Throws InputError "FILE: key: expected …".
Workload parse_workload(const std::string& text, const std::string& source);
Workload read_workload(const std::string& path);

// The cells of `collective` on `nranks` ranks with their weights: a workload size counts at the
// nearest measured size (log scale), its calls split evenly over the datatypes, ops and
// placements measured there. `notes` gets a line for a size far outside the measured ones.
std::vector<WeightedCell> weigh(const TuneInput& in, const Workload& w, const std::string& collective, int nranks,
                                std::vector<std::string>* notes);

}  // namespace collbench::tune

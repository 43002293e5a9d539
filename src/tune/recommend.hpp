#pragma once
// The three levels of recommendation (reports/TUNE.md):
//   1. per collective and size range: the per-size winner among the settings a per-size mechanism
//      can apply (NCCL: one algorithm and one protocol, through our tuner plugin's rules; Open MPI:
//      an algorithm with its segment size and fanout, through a dynamic rules file); adjacent
//      sizes with the same winner merged;
//   2. per collective: one setting for all sizes (NCCL_ALGO/NCCL_PROTO in the per-collective
//      syntax; Open MPI's coll_tuned_<coll>_algorithm), chosen for the workload;
//   3. one global set of the remaining (per-process and communicator-wide) settings, chosen for
//      the workload over every collective.
// Levels 2 and 3 together are what the env files deploy.
#include <cstdint>
#include <string>
#include <vector>

#include "plan/knobs.hpp"
#include "tune/advice.hpp"
#include "tune/choose.hpp"
#include "tune/input.hpp"
#include "tune/workload.hpp"

namespace collbench::tune {

struct CellChoice {
  const Cell* cell = nullptr;
  Choice choice;  // among every configuration measured at the cell
};

struct SizeStep {           // one measured size of a level-1 series
  std::uint64_t bytes = 0;
  Choice choice;
};

struct SizeRange {
  std::uint64_t lo = 0, hi = UINT64_MAX;  // bytes, inclusive; hi = UINT64_MAX: no upper bound
  std::uint64_t first = 0, last = 0;      // the measured sizes it covers
  plan::Config setting;                   // {} = the library's own choice
  double gain_min = 1, gain_max = 1;      // over its measured sizes (ratio default / winner)
  bool gain_known = false;
};

struct CollectiveRecommendation {
  std::string collective;
  int nranks = 0;
  std::vector<SizeStep> steps;    // level 1, per measured size
  std::vector<SizeRange> ranges;  // level 1, merged
  bool has_workload = false;      // level 2 was chosen (the workload has calls of it)
  Choice per_collective;          // level 2
};

struct Recommendation {
  std::string backend;
  int nranks = 0;   // the ranks levels 2 and 3 were chosen for
  int nodes = -1;
  bool standin = false;  // measured on the GPU stand-in (tests only): say so in every output
  std::string workload;  // "uniform over the measured sizes" or the file and its name
  TuneOptions options;
  std::vector<CellChoice> cells;
  std::vector<CollectiveRecommendation> collectives;  // every (collective, ranks) measured
  Choice global;                                       // level 3
  plan::Config deploy;                                 // levels 2 + 3
  std::vector<Advice> advice;                          // the application's choices: reported, never deployed
  std::vector<std::string> notes;
};

// Which level a knob belongs to: per-collective knobs (NCCL_ALGO/NCCL_PROTO, Open MPI's
// coll_tuned_* of one collective) or global ones.
bool is_per_collective_knob(const std::string& backend, const std::string& knob);

Recommendation recommend(const TuneInput& in, const Workload& w, const TuneOptions& opt);

}  // namespace collbench::tune

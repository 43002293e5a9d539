#pragma once
// One case, end to end: warm-up, timed iterations (fixed or adaptive), a short probe that splits
// each rank's iteration into time outside and inside the call, the correctness check, and the
// cross-rank merge into a ResultRecord (complete on rank 0).
#include <cstdint>
#include <optional>
#include <vector>

#include "backend/backend.hpp"
#include "measure/world.hpp"
#include "results/record.hpp"

namespace collbench::measure {

struct MeasureOptions {
  int warmup_iters = 5;
  int iters = 20;              // fixed mode
  bool adaptive = false;       // --target-rel-ci / --min-iters / --max-iters / --time-budget
  int min_iters = 20;
  int max_iters = 10000;
  double target_rel_ci = 0.01; // stop when the median's 95% CI half-width / median is below
  double time_budget_s = 10.0; // adaptive: stop adding iterations after this long (per case)
  int probe_iters = 10;        // iterations of the outside/inside-call probe (0 disables)
  bool check = true;
  bool keep_samples = false;
  std::uint64_t seed = 0;
};

// The identifying fields of a case's record (collective, sizes, type, op, placement).
results::ResultRecord describe_case(const backend::CaseSpec& spec, int nranks);

results::ResultRecord measure_case(backend::Backend& be, const World& world,
                                   const backend::CaseSpec& spec, const MeasureOptions& opt);

// Picks the rank others waited on: the largest outside-call median, when it exceeds both 5 us and
// 4x the median of the other ranks' values. Pure; tested with synthetic summaries.
std::optional<results::Straggler> find_straggler(const std::vector<results::RankSummary>& ranks);

// nccl-tests' default figure (-a 1, results::NcclTestsFigure) from the ranks' own summaries: the
// mean over ranks of each rank's mean iteration time (a rank's durations are consecutive, so its
// mean is its loop time / iterations, as nccl-tests' per-process time), and algbw / busbw from it
// for `bytes` and `bus_factor`. nullopt when there is no rank or a rank has no positive finite
// mean. Pure; tested with synthetic summaries.
std::optional<results::NcclTestsFigure> nccl_tests_figure(const std::vector<results::RankSummary>& ranks,
                                                          std::uint64_t bytes, double bus_factor);

}  // namespace collbench::measure

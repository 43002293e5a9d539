#pragma once
// What tune --validate measures (reports/TUNE.md "--validate"): the tuned store's own spec (its
// launcher, sizes, datatypes, ops, placements and measure options) with its configurations
// replaced by
//   - the default, at every size;
//   - the deployed recommendation (levels 2 + 3), at every size, when it is not the default;
//   - each level-1 range's winner (what ompi-rules.conf / nccl_tuner.conf deploy for the range),
//     at the range's measured sizes only, when it is not the default.
// One sweep: the planner measures a configuration listed twice once (at the union of its sizes),
// runs per-communicator settings side by side in one launch and gives per-process ones launches
// of their own, and interleaves the repetitions (A B A B …).
#include <cstdint>
#include <string>
#include <vector>

#include "plan/sweep_spec.hpp"
#include "tune/recommend.hpp"

namespace collbench::tune {

// Why a level-1 range is not validated ("" when it is): its winner is the default, the rules file
// carries no rule for it, or it was measured on another rank count than the validation runs.
std::string level1_skip_reason(const Recommendation& r, const CollectiveRecommendation& c, const SizeRange& range);

// The measured sizes a level-1 range covers (its steps from `first` to `last`).
std::vector<std::uint64_t> range_sizes(const CollectiveRecommendation& c, const SizeRange& range);

// The level-1 ranges a validation measures (level1_skip_reason is "").
std::size_t level1_ranges_to_validate(const Recommendation& r);

// The validation sweep's spec, from the tuned store's spec (launcher already as it was swept).
plan::SweepSpec validation_spec(plan::SweepSpec spec, const Recommendation& r, int repetitions);

}  // namespace collbench::tune

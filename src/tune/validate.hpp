#pragma once
// tune --validate: the default and the recommended settings measured again, interleaved
// (A B A B …, one sweep with both as its cases), and compared per collective and size with the
// same noise rule as the ranking: FASTER or SLOWER only when the confidence intervals part.
// Level 1 as well: each size range's winner measured at the range's sizes beside the default
// (validate_plan.hpp), per size and per range.
#include <string>
#include <vector>

#include "tune/choose.hpp"
#include "tune/input.hpp"
#include "tune/recommend.hpp"
#include "tune/workload.hpp"

namespace collbench::tune {

struct Verdict {
  std::string collective, datatype, op, placement;  // empty datatype: the collective as a whole
  int nranks = 0;
  std::uint64_t bytes = 0;           // 0 for the collective as a whole
  bool measured = false;             // both settings have complete, correct results here
  std::string why;                   // when not measured
  Estimate def, rec;                 // this validation
  double observed = 1;               // default time / recommended time
  double observed_lo = 1, observed_hi = 1;
  double expected = 1;               // the same ratio in the tuned stores (0 when not known)
  std::string result;                // "faster" | "same" | "slower"
};

// One level-1 range (a rule of ompi-rules.conf / nccl_tuner.conf) measured again.
struct RangeVerdict {
  SizeRange range;               // as the rules file has it (setting {}: the default)
  bool validated = false;        // false: nothing to validate (overall.why says why)
  Verdict overall;               // over the range's measured sizes, each counted once (bytes 0)
  std::vector<Verdict> per_size; // per measured size, its datatypes, ops and placements summed (datatype "")
};

struct Validation {
  plan::Config recommended;
  std::vector<Verdict> per_size;
  std::vector<Verdict> per_collective;  // workload-weighted, as the recommendation was chosen
  std::vector<RangeVerdict> level1;     // every level-1 range, in summary.json's order
  bool level1_held = true;              // no level-1 range slower than the default beyond noise
  // No collective slower than the default beyond noise over its workload (levels 2 + 3), and
  // level1_held.
  bool held = true;
};

// `tuned`: the stores the recommendation came from; `run`: the validation sweep's store. Levels
// 2 + 3 are compared only when the recommendation deploys something (per_size and
// per_collective stay empty otherwise).
Validation validate(const TuneInput& tuned, const TuneInput& run, const Recommendation& r, const Workload& w,
                    const TuneOptions& opt);

std::string validation_md(const Validation& v);
std::string validation_json(const Validation& v);

}  // namespace collbench::tune

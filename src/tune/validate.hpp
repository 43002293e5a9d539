#pragma once
// tune --validate: the default and the recommended settings measured again, interleaved
// (A B A B …, one sweep with both as its cases), and compared per collective and size with the
// same noise rule as the ranking: FASTER or SLOWER only when the confidence intervals part.
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

struct Validation {
  plan::Config recommended;
  std::vector<Verdict> per_size;
  std::vector<Verdict> per_collective;  // workload-weighted, as the recommendation was chosen
  bool held = true;                     // no collective slower than the default beyond noise
};

// `tuned`: the stores the recommendation came from; `run`: the validation sweep's store.
Validation validate(const TuneInput& tuned, const TuneInput& run, const Recommendation& r, const Workload& w,
                    const TuneOptions& opt);

std::string validation_md(const Validation& v);
std::string validation_json(const Validation& v);

}  // namespace collbench::tune

#pragma once
// `collbench tune STORE… --out DIR [--workload FILE] [--validate]`: ranks the configurations a
// sweep measured and writes the recommended settings in the forms people deploy; with validate,
// measures the default and the recommendation again (a sweep) and says whether the gain held.
#include <string>
#include <vector>

#include "app/sweep.hpp"

namespace collbench::app {

struct TuneRequest {
  std::vector<std::string> stores;  // sweep stores
  std::string out;                  // the directory for the recommended settings
  std::string workload;             // calls per collective and size (empty: every measured size once)
  double tail_weight = 0.1;         // score penalty per unit of p99/p50 above 1
  double max_p99_vs_default = 1.5;  // a candidate's p99 may not exceed this x the default's (0: no limit)
  bool validate = false;
  int validate_reps = 3;
};

// 0: written (and with validate, the recommendation held); 1: validate found a collective slower
// than the default beyond noise; 2: bad input; 3: the validation sweep failed; 130 interrupted.
// `check` checks the validation sweep's run arguments (app/sweep.hpp).
int tune(const TuneRequest& request, const RunArgsCheck& check);

}  // namespace collbench::app

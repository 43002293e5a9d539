#pragma once
// `collbench report INPUT… [--format json|html|md] [--out FILE]` and `collbench compare A B`:
// capacity-review reports and noise-aware comparisons of results, stores, tune outputs and logs.
#include <string>
#include <vector>

namespace collbench::app {

struct ReportRequest {
  std::vector<std::string> inputs;
  std::string format;    // json | html | md; empty: from the out extension, else md
  std::string out;       // empty or "-": standard output
  std::string topology;  // link rates for efficiency: a preset or a JSON file
  double link_gbps = 0;  // one link rate instead of topology (0: none)
};

// Writes the report; one line on stderr names what went where. 0; 2 bad input.
int report(const ReportRequest& request);

struct CompareRequest {
  std::vector<std::string> inputs;  // exactly A and B
  double threshold_pct = 5;         // the smallest change that counts
  double fail_pct = -1;             // fail on a regression of this many percent; < 0: never
  std::string a_label, b_label;     // the series of A and B, when one holds several
  std::string json;                 // the comparison as JSON
};

// Prints the comparison. 0; 1 when fail_pct >= 0 and a case is SLOWER by at least that much;
// 2 bad input.
int compare(const CompareRequest& request);

}  // namespace collbench::app

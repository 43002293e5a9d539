#pragma once
// `collbench baseline` and `collbench check`: rack acceptance verdicts per collective and size
// (reports/CHECK.md). Each runs as one plain process, not under a launcher.
#include <string>
#include <vector>

namespace collbench::app {

struct BaselineRequest {
  std::vector<std::string> inputs;  // run JSON files or sweep stores of known-good runs
  std::string out;                  // the baseline file to write
  std::string config;               // sweep stores: the configuration's label (empty: the default)
};

// Writes the baseline and prints its summary; warns on stderr when a node was slow in most cases
// of the "known-good" runs. 0; throws InputError (exit 2) for bad inputs.
int baseline(const BaselineRequest& request);

struct CheckRequest {
  std::vector<std::string> inputs;  // run JSON files or sweep stores to check
  std::string baseline;             // from known-good runs (collbench baseline)
  std::string expect;               // absolute thresholds per collective and size
  std::string rules;                // overrides of the default limits
  std::string config;               // sweep stores: the configuration to check
  std::string json;                 // the verdict as JSON (schema collbench.check)
  std::string junit;                // the verdict as JUnit XML
  std::string prometheus;           // the inputs' metrics and the verdict's (reports/METRICS.md)
  bool per_node = false;            // require and compare the per-node measurements
  bool pairs = false;               // require and compare the pair measurements
  bool quiet = false;               // print only failures, suspects and the verdict line
  std::string model;                // a topology: busbw against NCCL's cost-model prediction
  double model_min = -1;            // percent of the prediction (-1: the rules' default)
};

// Prints the verdict (and writes --json/--junit). `command_line` goes into the verdict files.
// 0 pass, 1 fail, 2 bad input, 3 the run itself failed (a crash, a timeout, a case not measured).
int check(const CheckRequest& request, const std::string& command_line);

}  // namespace collbench::app

#pragma once
// `collbench tune STORE… --out DIR [--workload FILE] [--validate]`: ranks the configurations a
// sweep measured and writes the recommended settings in the forms people deploy.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace collbench::cli {

struct TuneArgs {
  std::vector<std::string> stores;
  std::string out;
  std::string workload;
  double tail_weight = 0.1;
  double max_p99_vs_default = 1.5;
  bool validate = false;
  int validate_reps = 3;
};

CLI::App* add_tune_command(CLI::App& app, TuneArgs& args);

// 0: written (and with --validate, the recommendation held); 1: --validate found a collective
// slower than the default beyond noise; 2: bad input; 3: the validation sweep failed; 130
// interrupted.
int tune_command(const TuneArgs& args);

}  // namespace collbench::cli

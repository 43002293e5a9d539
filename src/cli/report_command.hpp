#pragma once
// `collbench report INPUT… --format json|html|md --out FILE` and `collbench compare A B`.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace collbench::cli {

struct ReportArgs {
  std::vector<std::string> inputs;
  std::string format;
  std::string out;
  std::string topology;
  double link_gbps = 0;
};

struct CompareArgs {
  std::vector<std::string> inputs;  // exactly A and B
  double threshold_pct = 5;
  double fail_pct = -1;             // --fail-on-regression; < 0: never fail
  std::string a_label, b_label;
  std::string json;
};

CLI::App* add_report_command(CLI::App& app, ReportArgs& args);
CLI::App* add_compare_command(CLI::App& app, CompareArgs& args);

int report_command(const ReportArgs& args);
// 0; 1 when --fail-on-regression is given and a case is SLOWER by at least that much; 2 bad input.
int compare_command(const CompareArgs& args);

}  // namespace collbench::cli

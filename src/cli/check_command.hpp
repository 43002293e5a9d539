#pragma once
// `collbench baseline RESULTS… --out FILE` and `collbench check RESULTS… --baseline FILE |
// --expect FILE`: rack acceptance verdicts per collective and size (reports/CHECK.md).
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace collbench::cli {

struct BaselineArgs {
  std::vector<std::string> inputs;
  std::string out;
  std::string config;
};

struct CheckArgs {
  std::vector<std::string> inputs;
  std::string baseline;
  std::string expect;
  std::string rules;
  std::string config;
  std::string json;
  std::string junit;
  bool per_node = false;
  bool pairs = false;
  bool quiet = false;
  std::string model;       // --model TOPOLOGY
  double model_min = -1;   // --model-min PCT (-1: the rules' default)
};

CLI::App* add_baseline_command(CLI::App& app, BaselineArgs& args);
CLI::App* add_check_command(CLI::App& app, CheckArgs& args);

int baseline_command(const BaselineArgs& args, const std::string& command_line);
// 0 pass, 1 fail, 2 bad input, 3 the run itself failed (a crash, a timeout, a case not measured).
int check_command(const CheckArgs& args, const std::string& command_line);

}  // namespace collbench::cli

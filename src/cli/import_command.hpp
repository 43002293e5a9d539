#pragma once
// `collbench import LOG… --out STORE`: nccl-tests / rccl-tests output (text of every generation,
// -J JSON) into an import store that report and compare read.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace collbench::cli {

struct ImportArgs {
  std::vector<std::string> logs;
  std::string out;
  std::string label;
  std::string collective;
  bool quiet = false;
};

CLI::App* add_import_command(CLI::App& app, ImportArgs& args);
// 0 imported; 2 a log is not one (nothing is written then: every log is read before the store).
int import_command(const ImportArgs& args, const std::string& command_line);

}  // namespace collbench::cli

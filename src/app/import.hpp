#pragma once
// `collbench import LOG… --out STORE`: nccl-tests / rccl-tests output (text of every generation,
// -J JSON) into an import store that report and compare read.
#include <string>
#include <vector>

namespace collbench::app {

struct ImportRequest {
  std::vector<std::string> logs;
  std::string out;         // the store directory (created, or added to)
  std::string label;       // the source's label (one log only; empty: the file name)
  std::string collective;  // when the log does not name its test and its columns cannot tell
  bool quiet = false;      // print nothing but errors
};

// 0 imported; 2 a log is not one (nothing is written then: every log is read before the store).
// `command_line` goes into the store's manifest.
int import_logs(const ImportRequest& request, const std::string& command_line);

}  // namespace collbench::app

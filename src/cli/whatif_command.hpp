#pragma once
// `collbench whatif`: capacity planning with NCCL's cost model. Predicted bus bandwidth against the
// node count (1 … 1024 nodes of a described kind) per collective and size, as Markdown, HTML or
// JSON; every number is labelled as a prediction.
#include <CLI/CLI.hpp>

#include <string>

namespace collbench::cli {

struct WhatIfArgs {
  std::string topology;
  std::string nodes = "1,2,4,8,16,32,64,128,256,512,1024";
  std::string coll = "allreduce,allgather,reducescatter";
  std::string sizes = "64K,1M,16M,256M,4G";
  std::string datatype = "float";
  std::string format = "md";
  std::string out = "-";
};

CLI::App* add_whatif_command(CLI::App& app, WhatIfArgs& args);
int whatif_command(const WhatIfArgs& args);

}  // namespace collbench::cli

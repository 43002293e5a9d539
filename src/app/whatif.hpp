#pragma once
// `collbench whatif`: capacity planning with NCCL's cost model. Predicted bus bandwidth against the
// node count (1 … 1024 nodes of a described kind) per collective and size, as Markdown, HTML or
// JSON; every number is labelled as a prediction.
#include <string>

namespace collbench::app {

struct WhatIfRequest {
  std::string topology;  // the described fabric (reports/MODEL.md)
  std::string nodes = "1,2,4,8,16,32,64,128,256,512,1024";
  std::string coll = "allreduce,allgather,reducescatter";
  std::string sizes = "64K,1M,16M,256M,4G";
  std::string datatype = "float";
  std::string format = "md";  // md, html or json
  std::string out = "-";      // "-": standard output
};

// Writes the predictions; NCCL_* settings of this process's environment apply as NCCL reads them.
// 0; 2 bad input.
int whatif(const WhatIfRequest& request);

}  // namespace collbench::app

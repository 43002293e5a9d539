#pragma once
// `collbench export RESULTS… --format prometheus [--out FILE] [--push URL]`: results and check
// verdicts as Prometheus metrics (reports/METRICS.md), for node_exporter's textfile collector or a
// Pushgateway; and the same exposition for `run --prometheus` and `check --prometheus`.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/record.hpp"

namespace collbench::app {

struct ExportRequest {
  std::vector<std::string> inputs;  // run JSON, sweep/import stores, nccl-tests logs, check verdicts (check --json)
  std::string format = "prometheus";
  std::string out;                  // "" / "-": standard output (unless pushing)
  std::string push;                 // a Pushgateway's base URL
  std::string job = "collbench";    // the Pushgateway's job in the grouping key
  bool per_rank = false;            // per-rank series
};

// 0; 2 bad input (one line naming it); 3 the push failed (the --out file, if any, was written).
int export_metrics(const ExportRequest& request);

// run --prometheus: the document (its source named `source`) as metrics, written atomically.
void write_run_prometheus(const std::string& path, const results::RunDocument& doc, const std::string& source);
// check --prometheus: the checked inputs' metrics and the verdict's, written atomically.
void write_check_prometheus(const std::string& path, const std::vector<std::string>& inputs, const nlohmann::json& verdict);

}  // namespace collbench::app

#pragma once
// What collbench exports to Prometheus (reports/METRICS.md documents every family): the figures of
// results (run JSON, sweep and import stores, nccl-tests logs) and the verdicts of check. One
// series per case and size, never per iteration; per-rank series only when asked.
#include <string>

#include <nlohmann/json.hpp>

#include "exposition/text_format.hpp"
#include "report/dataset.hpp"

namespace collbench::exposition {

struct MetricOptions {
  bool per_rank = false;  // each rank's p50 time and time outside the call, per case
};

// Every source and series of the dataset. Figures of the model backend are labelled
// origin="predicted", the GPU stand-in's origin="standin"; neither appears under Inspector's names.
void add_results(Exposition& e, const report::Dataset& d, const MetricOptions& options);

// A check verdict (schema collbench.check, as `check --json` writes it). Throws InputError naming
// `path` and the field when `verdict` is not one.
void add_verdict(Exposition& e, const nlohmann::json& verdict, const std::string& path);

// NCCL Inspector's names, so that benchmark figures sit beside its live ones: the collective as
// ncclFuncToString spells it (plugins/profiler/inspector/inspector.cc:205), and the message-size
// bucket of inspector_prom.cc:129-160 ("1-2MB": the size in the largest 1024-based unit, floor to
// floor + 1).
std::string inspector_collective(const std::string& collective);
std::string inspector_message_size(std::uint64_t bytes);

// Seconds since the epoch of an ISO 8601 UTC time ("2026-12-06T21:00:00Z", fractions allowed);
// NaN when `iso` is not one.
double epoch_seconds(const std::string& iso);

}  // namespace collbench::exposition

#pragma once
// A whole `collbench run`: every case of the plan, in nccl-tests' order (per collective, per
// size, out-of-place then in-place), each under a watchdog; records go to a sink on rank 0.
#include <functional>
#include <span>

#include "backend/backend.hpp"
#include "core/error.hpp"
#include "measure/case_runner.hpp"
#include "measure/world.hpp"
#include "plan/run_plan.hpp"
#include "results/record.hpp"

namespace collbench::measure {

class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void begin_collective(core::Collective c) = 0;
  // All placements of one size, out-of-place first.
  virtual void row(std::span<const results::ResultRecord> records) = 0;
  virtual void end_collective(core::Collective c) = 0;
};

// What ranks other than 0 pass: they measure, rank 0 reports.
class NullSink final : public ResultSink {
 public:
  void begin_collective(core::Collective) override {}
  void row(std::span<const results::ResultRecord>) override {}
  void end_collective(core::Collective) override {}
};

struct SessionOptions {
  MeasureOptions measure;
  double timeout_s = 300.0;  // per case; 0 disables
  // When set, only the cases it accepts run (a resumed sweep); the others leave no record.
  std::function<bool(const backend::CaseSpec&)> want;
};

// Returns ok; wrong when any case had wrong elements; run_failed when the library refused a case
// (recorded "failed", the others measured). `sink` is used on rank 0 only.
core::ExitCode run_session(backend::Backend& be, const World& world, const plan::RunPlan& plan,
                           const SessionOptions& opt, ResultSink& sink);

}  // namespace collbench::measure

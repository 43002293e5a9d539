#pragma once
// The measuring loop under every run: blocks of cases (a run's collectives, a sweep's launch, a
// group's plan), in order, each case under a watchdog; records go to a sink on rank 0, each with
// the planned case (and so the id) it answers.
#include <functional>
#include <memory>
#include <span>

#include "backend/backend.hpp"
#include "core/error.hpp"
#include "measure/case_runner.hpp"
#include "measure/world.hpp"
#include "plan/sweep_plan.hpp"
#include "results/record.hpp"

namespace collbench::measure {

// What the run driver feeds: the table, the results document, a sweep's store, a group's
// collection (app/record_sinks.hpp), or several at once.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void begin_block(const plan::Block&) {}
  // The cases of one size, out-of-place first: records[i] answers cases[i].
  virtual void row(const plan::Block& b, std::span<const plan::PlannedCase> cases,
                   std::span<const results::ResultRecord> records) = 0;
  virtual void end_block(const plan::Block&) {}
};

// What ranks other than 0 pass: they measure, rank 0 reports.
class NullSink final : public RecordSink {
 public:
  void row(const plan::Block&, std::span<const plan::PlannedCase>, std::span<const results::ResultRecord>) override {}
};

struct SessionOptions {
  MeasureOptions measure;
  double timeout_s = 300.0;  // per case; 0 disables
  std::shared_ptr<const core::Traffic> traffic;  // alltoallv's (--alltoallv-traffic); null: nccl-tests' default
  bool reverse_ring = false;                     // sendrecv's ring reversed (--sendrecv-ring reverse)
  // A backend whose durations are predictions (the model) makes each case's whole record itself:
  // nothing is measured, nothing is watched.
  std::function<results::ResultRecord(const backend::CaseSpec&)> predict;
};

// What the blocks' cases came to: wrong when any case had wrong elements; failed when the
// library refused a case (recorded "failed", the others measured).
struct Outcome {
  bool wrong = false;
  bool failed = false;
  // run_failed before wrong: every record is kept, but not every case was measured.
  core::ExitCode code() const {
    return failed ? core::ExitCode::run_failed : wrong ? core::ExitCode::wrong : core::ExitCode::ok;
  }
};

// Runs blocks of cases on one backend, in the order given. `sink` is used on rank 0 only.
class Session {
 public:
  Session(backend::Backend& be, const World& world, const SessionOptions& opt, RecordSink& sink);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Buffers for the largest case of `blocks` (throws core::Error when they cannot be had).
  void reserve_for(std::span<const plan::Block> blocks);
  // Every case of `b`, a row per size. A timeout is recorded, then thrown (core::TimeoutError).
  void run(const plan::Block& b);
  const Outcome& outcome() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace collbench::measure

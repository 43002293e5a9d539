#pragma once
// Runs a planned sweep into its store: one launch at a time, skipping what the store already
// holds, recording the cases of a launch that crashed, timed out or was killed as failed, and
// going on. An interrupt (Ctrl-C, SIGTERM) stops the launch in flight and leaves a store that
// --resume completes: nothing measured is lost, nothing is measured twice.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "plan/sweep_plan.hpp"
#include "plan/sweep_spec.hpp"

namespace collbench::sweep {

struct SweepOptions {
  std::string out_dir;
  bool resume = false;
  bool retry_failed = false;
  std::string collbench;              // the binary each launch runs
  std::vector<std::string> run_args;  // "run --backend B <measure flags>" (the launch file is added)
  double case_timeout_s = 300;        // a launch that records nothing for longer than this (+ grace) is killed
  std::string version;                // collbench version, for the manifest
};

struct Progress {
  std::size_t done = 0, total = 0, failed = 0;  // this session's cases
  std::string launch;                           // "L003-r0"
  std::string configuration;                    // what the launch sets
  double elapsed_s = 0, eta_s = -1;             // eta < 0: not known yet
};

struct SweepOutcome {
  core::ExitCode code = core::ExitCode::ok;
  bool interrupted = false;
  bool budget_reached = false;
  bool setup_failed = false;      // a launch failed before it started measuring: the sweep stopped
  std::size_t planned = 0, already_done = 0, measured = 0, failed = 0, wrong = 0, skipped = 0, left = 0;
  std::size_t launches = 0;       // launches started this session (retries of a launch included)
  double wall_s = 0;              // this session
  double measured_s = 0;          // time inside the timed collective loops, summed over cases
  std::string store_path, manifest_path;
  std::vector<std::string> notes;  // torn line dropped, failures …
  bool standin = false;            // a record of this session came from the GPU stand-in (tests only)
};

// Throws InputError for a store that does not match (--out holds another sweep, --resume without
// a sweep, a locked store, a corrupt results file).
SweepOutcome run_sweep(const plan::SweepSpec& spec, const plan::SweepPlan& plan, const SweepOptions& opt,
                       const std::function<void(const Progress&)>& on_progress);

// Hash of everything that decides what a case id measures: cases, launcher, backend, options.
std::string plan_fingerprint(const plan::SweepSpec& spec, const plan::SweepPlan& plan, const SweepOptions& opt);

}  // namespace collbench::sweep

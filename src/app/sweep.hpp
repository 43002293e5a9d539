#pragma once
// `collbench sweep SPEC --out DIR`: plans a sweep spec and runs it launch by launch into a
// resumable store. Runs as a plain process (not under mpirun): it starts the launches itself,
// through the spec's launcher template.
#include <functional>
#include <string>
#include <vector>

#include "plan/sweep_spec.hpp"
#include "sweep/runner.hpp"

namespace collbench::app {

// Checks the `collbench run` arguments every launch of a sweep gets (the spec's measure options)
// with run's own parser, so that a sweep accepts exactly what run accepts, and returns the case
// timeout they set. Throws InputError naming the bad option. The CLI provides it (cli/run_options).
using RunArgsCheck = std::function<double(const std::vector<std::string>& run_args)>;

// The options every launch of `spec` runs with (its measure options checked by `check`), this
// binary and the version: what `sweep` and `tune --validate` hand the runner.
sweep::SweepOptions sweep_options(const plan::SweepSpec& spec, const std::string& out_dir, const RunArgsCheck& check);

struct SweepRequest {
  std::string spec;
  std::string out;
  bool resume = false;
  bool retry_failed = false;  // with resume: measure the failed cases again
  bool dry_run = false;       // print the plan and exit
  std::string list_knobs;     // a backend: print its knob catalog and exit
  std::string launcher;       // overrides the spec's launcher.kind
  int ranks = 0;              // overrides the spec's launcher.ranks
  bool no_mpi_t = false;      // Open MPI's settings per launch, not per communicator
};

// The process exit status: 0 every case measured and verified, 1 wrong results, 2 bad input,
// 3 a configuration failed (crash, timeout), 130 interrupted (the store resumes).
int sweep(const SweepRequest& request, const RunArgsCheck& check);

}  // namespace collbench::app

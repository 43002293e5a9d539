#pragma once
// `collbench sweep SPEC --out DIR [--resume] [--retry-failed] [--dry-run]`: plans a sweep spec
// and runs it launch by launch into a resumable store. Runs as a plain process (not under
// mpirun): it starts the launches itself, through the spec's launcher template.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "plan/sweep_spec.hpp"
#include "sweep/runner.hpp"

namespace collbench::cli {

struct SweepArgs {
  std::string spec;
  std::string out;
  bool resume = false;
  bool retry_failed = false;
  bool dry_run = false;
  std::string list_knobs;  // a backend: print its knob catalog
  std::string launcher;    // overrides the spec's launcher.kind
  int ranks = 0;           // overrides the spec's launcher.ranks
  bool no_mpi_t = false;   // Open MPI's settings per launch, not per communicator
};

// The options every launch of `spec` runs with (its measure options checked by run's own
// parser), the binary and the version: what `sweep` and `tune --validate` hand the runner.
sweep::SweepOptions sweep_options(const plan::SweepSpec& spec, const std::string& out_dir);

CLI::App* add_sweep_command(CLI::App& app, SweepArgs& args);

// The process exit status: 0 every case measured and verified, 1 wrong results, 2 bad input,
// 3 a configuration failed (crash, timeout), 130 interrupted (the store resumes).
int sweep_command(const SweepArgs& args);

}  // namespace collbench::cli

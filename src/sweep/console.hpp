#pragma once
// What `collbench sweep` prints: the plan (--dry-run), the knob catalog (--list-knobs) and the
// outcome of a session. Text from plain records, so each has a golden test (tests/golden/sweep);
// the CLI prints it. The progress line (stderr, terminals only) stays with the CLI.
#include <string>
#include <vector>

#include "plan/sweep_plan.hpp"
#include "plan/sweep_spec.hpp"
#include "sweep/runner.hpp"

namespace collbench::sweep {

// "45 s", "3 min 07 s", "2.5 h".
std::string duration_text(double s);

// The plan as --dry-run prints it: `args` are the launches' run arguments (SweepOptions::run_args),
// `out_dir` the store ("DIR" when not given), `collbench` the binary the launches run.
std::string plan_text(const plan::SweepSpec& spec, const plan::SweepPlan& p, const std::vector<std::string>& args,
                      const std::string& out_dir, const std::string& collbench);

// The knobs a spec may vary for `backend`. Throws InputError for a backend other than nccl, mpi
// or model.
std::string catalog_text(const std::string& backend);

// The session's summary: cases, launches and wall time, the store, notes, the time budget.
std::string outcome_text(const plan::SweepSpec& spec, const SweepOutcome& o);

}  // namespace collbench::sweep

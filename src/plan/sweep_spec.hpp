#pragma once
// A sweep spec (sweeps/README.md): what to measure, how to launch it, and which knobs to vary.
// Parsed from JSON with comments; every value is checked against the backend's knob catalog
// here, so a bad spec exits 2 before anything is launched.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/collective.hpp"
#include "core/datatype.hpp"
#include "core/redop.hpp"
#include "plan/knobs.hpp"

namespace collbench::plan {

struct LauncherSpec {
  std::string kind = "mpirun";     // "mpirun" | "srun" | "launch" | "torchrun": which default template
  int ranks = 4;
  // empty: the local machine (mpirun) or the allocation (srun); launch and torchrun take none
  std::vector<std::string> hosts;
  // More ranks than CPUs: mpirun --oversubscribe, srun -O. Default: mpirun on the local machine
  // only. Shapes the default template; a template of one's own says it itself.
  std::optional<bool> oversubscribe;
  // Placeholders: {ranks} {hosts} {collbench} {args} {x_env} (mpirun's -x NAME for each variable
  // the launch sets). Split on spaces after substitution; no shell is involved. launch and
  // torchrun take neither {hosts} nor {x_env}.
  std::string command_template;
  bool template_given = false;     // the spec wrote its own template
};

// The launcher kinds a spec and `sweep --launcher` accept.
const std::set<std::string>& launcher_kinds();

// The default template of a launcher kind:
//   mpirun:   "mpirun -np {ranks} [--oversubscribe | --host {hosts}] {x_env} {collbench} {args}"
//   srun:     "srun -n {ranks} [--nodelist={hosts}] [-O] --mpi=pmix --export=ALL --kill-on-bad-exit=1 {collbench} {args}"
//   launch:   "{collbench} launch --nproc-per-node {ranks} {args}"
//   torchrun: "torchrun --standalone --nnodes 1 --nproc-per-node {ranks} --no-python {collbench} {args}"
// srun passes the environment on (--export=ALL even where a site's default is NONE) and starts
// the tasks through PMIx, the only process-management interface Debian's Open MPI is built for.
// launch and torchrun start every rank on this machine, without MPI (the ranks meet through
// NCCL's bootstrap: the nccl backend only), with the launch's environment inherited.
std::string default_launcher_template(const LauncherSpec& launcher);

struct KnobAxis {
  std::string knob;
  std::vector<std::optional<std::string>> values;  // canonical; nullopt = the library's default
};

struct SweepSpec {
  std::string source;  // the file, for messages
  std::string text;    // the spec as written (kept in the sweep's manifest)
  std::string name;
  std::string backend;  // "mpi" | "nccl"
  std::vector<core::Collective> collectives;
  std::vector<std::uint64_t> sizes;
  std::vector<core::DataType> datatypes;
  std::vector<core::RedOp> ops;
  std::vector<bool> placements;  // in_place flags, out-of-place first
  int root = 0;
  LauncherSpec launcher;
  std::vector<KnobAxis> axes;      // cartesian product, in spec order
  std::vector<Config> cases;       // explicit configurations, added to the product
  // The sizes an explicit case is measured at ("sizes" inside the case), parallel to `cases`; an
  // empty entry (or none: the vector may be shorter) is every size of the sweep. Each is one of
  // `sizes`. tune --validate measures each level-1 range's winner at the range's sizes this way.
  std::vector<std::vector<std::uint64_t>> case_sizes;
  std::vector<Config> exclude;     // partial configurations: a configuration matching one is dropped
  // An invalid combination out of the product (NVLS x LL …) is an error, or with
  // "invalid_combinations": "skip" dropped and listed. Explicit cases are always checked.
  bool skip_invalid = false;
  int repetitions = 1;
  double time_budget_s = 0;        // 0: none
  // `collbench run` options for every launch, as flag -> value ("--iters" -> "50"); an on/off
  // flag set to true has the value "" ("--samples" -> "").
  std::vector<std::pair<std::string, std::string>> measure;
  // backend "model": the described fabric (absolute path) and, optionally, its node count.
  std::string topology;
  int nodes = 0;
  // `collbench sweep --no-mpi-t`: Open MPI's settings go into each launch's environment (a launch
  // per configuration and repetition, as before they were written per communicator through MPI_T).
  bool no_mpi_t = false;
};

// Throws InputError "SOURCE: …": malformed JSON with line and column, an unknown key, knob or
// value, an invalid combination, a bad launcher template.
SweepSpec parse_sweep_spec(const std::string& text, const std::string& source);
SweepSpec read_sweep_spec(const std::string& path);

// `collbench sweep --launcher KIND --ranks N`: the same spec launched another way, e.g. by srun
// on every task of an allocation (scripts/sweep-tune.sbatch). "" and 0 leave each as it is.
// Throws InputError for the model backend, for a spec with a template of its own, for a root the
// new rank count does not have, for hosts that kind cannot reach, and for launch or torchrun with
// the mpi backend.
void override_launcher(SweepSpec& spec, const std::string& kind, int ranks);

// The measure keys a spec may set (run's long flag names without "--").
const std::vector<std::string>& measure_keys();

}  // namespace collbench::plan

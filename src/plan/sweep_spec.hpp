#pragma once
// A sweep spec (sweeps/README.md): what to measure, how to launch it, and which knobs to vary.
// Parsed from JSON with comments; every value is checked against the backend's knob catalog
// here, so a bad spec exits 2 before anything is launched.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/collective.hpp"
#include "core/datatype.hpp"
#include "core/redop.hpp"
#include "plan/knobs.hpp"

namespace collbench::plan {

struct LauncherSpec {
  int ranks = 4;
  std::vector<std::string> hosts;  // empty: the local machine
  // Placeholders: {ranks} {hosts} {collbench} {args} {x_env} (mpirun's -x NAME for each variable
  // the launch sets). Split on spaces after substitution; no shell is involved.
  std::string command_template;
};

// The default template: mpirun on the local machine (oversubscribed), or across `hosts`.
std::string default_launcher_template(bool with_hosts);

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
};

// Throws InputError "SOURCE: …": malformed JSON with line and column, an unknown key, knob or
// value, an invalid combination, a bad launcher template.
SweepSpec parse_sweep_spec(const std::string& text, const std::string& source);
SweepSpec read_sweep_spec(const std::string& path);

// The measure keys a spec may set (run's long flag names without "--").
const std::vector<std::string>& measure_keys();

}  // namespace collbench::plan

#pragma once
// From a sweep spec to launches. Configurations are the cartesian product of the knob axes, plus
// the explicit cases (each at its own sizes, when it lists them), minus the exclusions; each is
// checked against the catalog's rules. A knob that cannot change a collective is dropped for it,
// so the same measurement is never planned twice (a unit standing for several configurations is
// measured at the union of their sizes). Units (collective x configuration) are packed into
// launches whose per-process settings agree; inside a launch each per-communicator configuration
// gets its own communicator. Every launch of an mpi sweep sets
// OMPI_MCA_coll_tuned_use_dynamic_rules=1, without which Open MPI ignores the algorithms written
// per communicator (with it and nothing forced, Open MPI decides as without it:
// tests/mpi/test_mpit_scope.cpp).
// Repetitions are interleaved: every launch of repetition 0, then every launch of repetition 1 —
// except in mpi sweeps, where one launch holds every repetition of its configurations (repetition
// 0's blocks, then repetition 1's …): a repetition's communicators are made anew either way, and
// a launch of Open MPI costs more than most of its cases. NCCL keeps a process per repetition: its
// init draws topology, channels and rings per process, and a fresh process samples them.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plan/knobs.hpp"
#include "plan/run_plan.hpp"
#include "plan/sweep_spec.hpp"

namespace collbench::plan {

using EnvChanges = std::map<std::string, std::optional<std::string>>;  // nullopt: unset

struct PlannedCase {
  std::string id;  // unique in the sweep; the store's key
  std::uint64_t bytes = 0;
  bool in_place = false;
};

// One collective, datatype and op under one configuration: the cases one communicator runs.
struct Block {
  std::string config_id;  // short, stable id of `knobs`
  Config knobs;           // the configuration as it applies to this collective
  EnvChanges comm_env;    // per-communicator environment, set before the communicator is made
  std::map<std::string, std::string> nccl_config;  // ncclConfig_t field -> value
  std::map<std::string, std::string> mpi_t;        // Open MPI control variable -> value (MPI_T)
  core::Collective coll = core::Collective::allreduce;
  core::DataType dtype = core::DataType::float32;
  core::RedOp op = core::RedOp::sum;
  int root = 0;
  int rep = 0;                     // the repetition its cases belong to
  std::vector<PlannedCase> cases;  // sizes ascending, out-of-place before in-place
};

struct Launch {
  int index = 0;  // within its repetition
  int rep = 0;    // its (first) repetition
  int reps = 1;   // how many repetitions it holds, from `rep` on
  Config process;  // per-process knob values the launch sets
  EnvChanges env;  // the launch's environment changes (per-process knobs)
  std::vector<Block> blocks;
  std::string label() const;  // "L003-r0"; "L003-r0-2" for a launch holding repetitions 0 to 2
  std::size_t cases() const;
};

struct SweepPlan {
  std::vector<Launch> launches;  // in execution order
  std::size_t total_cases = 0;
  std::size_t configurations = 0;  // distinct configurations after exclusions
  std::size_t units = 0;           // collective x configuration pairs measured
  std::vector<std::string> knobs;  // the knobs the sweep varies
  // Invalid combinations of the product dropped under "invalid_combinations": "skip": why, each.
  std::vector<std::string> dropped;
};

// Whether a launch holds every repetition (mpi sweeps) rather than one.
bool repetitions_in_one_launch(const SweepSpec& spec);

// Throws InputError "SOURCE: …" for an invalid combination, a knob that changes none of the
// sweep's collectives, or a sweep with nothing left after the exclusions.
SweepPlan make_plan(const SweepSpec& spec);

// The case id: "<config>|<collective>|<datatype>|<op>|<placement>|<bytes>|r<rep>".
std::string case_id(const Config& knobs, core::Collective c, core::DataType d, core::RedOp op, bool in_place,
                    std::uint64_t bytes, int rep);
std::string config_id(const Config& knobs);  // 8 hex digits, stable across runs and machines

// A rough time for the plan: launches, communicator inits, and each case's iterations at a
// nominal latency and bandwidth for the backend. For planning, not a measurement.
double estimate_seconds(const SweepSpec& spec, const SweepPlan& plan);

// A run's plan as blocks (one per collective, default configuration, cases without ids): what
// the run driver runs, as it runs a sweep's launch. Cases are in nccl-tests' order: sizes
// ascending, the plan's placements (out-of-place first) at each size.
std::vector<Block> blocks_of(const RunPlan& plan);
// The block's placements, out-of-place first: the table's columns.
std::vector<bool> placements_of(const Block& b);

}  // namespace collbench::plan

#pragma once
// Knob catalogs: every setting a sweep may vary, per backend, with its values, its validity rules
// and its scope. The scope decides how a sweep runs it (../shared/reference/nccl-knobs.md,
// ompi-tuned.md): a per-communicator knob can change between communicator inits inside one
// process; a per-process knob is frozen at the library's first read, so each value needs a launch.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/collective.hpp"

namespace collbench::plan {

enum class Scope { communicator, process };

// How a value reaches the library: an environment variable (NCCL_*, OMPI_MCA_*, COLLBENCH_*), a
// field of ncclConfig_t passed to ncclCommInitRankConfig, or an Open MPI control variable written
// through MPI_T before the communicator's MPI_Comm_dup (../shared/reference/ompi-mpit.md; its
// deployment twin is the environment variable OMPI_MCA_<name>).
enum class Target { env, nccl_config, mpi_t };

enum class ValueKind {
  integer,      // [lo, hi], a multiple of `multiple`
  bytes,        // "64K", 65536; canonical: decimal bytes
  choice,       // one of `choices` (aliases map to a canonical token)
  algo_list,    // NCCL_ALGO in the per-collective syntax
  proto_list,   // NCCL_PROTO in the per-collective syntax
  thresholds,   // NCCL_THREAD_THRESHOLDS: six integers
  faults,       // COLLBENCH_INJECT (test only)
};

struct Choice {
  std::string value;                 // canonical, as passed to the library
  std::vector<std::string> aliases;  // accepted spellings (case-insensitive)
};

struct Knob {
  std::string name;      // as written in a sweep spec
  std::string backend;   // "nccl", "mpi" or "any"
  Scope scope = Scope::process;
  Target target = Target::env;
  std::string variable;  // the environment variable, the ncclConfig_t field, or the MPI_T control variable
  ValueKind kind = ValueKind::integer;
  std::int64_t lo = 0, hi = 0, multiple = 1;
  std::vector<Choice> choices;
  // Collectives the knob can change; empty = every collective. NCCL_ALGO/NCCL_PROTO apply to the
  // collectives their value names.
  std::vector<core::Collective> collectives;
  std::string help;
  // An application-side choice (registering buffers, the CTA policy): the application's own code
  // makes it, so tune reports its gain as advice and never writes it into env files or rules.
  bool advice = false;
};

// A configuration: knob name -> canonical value. A knob absent from the map is at its default.
using Config = std::map<std::string, std::string>;

// The catalog of one backend ("nccl" or "mpi"), test-only knobs included.
std::span<const Knob> catalog(std::string_view backend);
// nullptr when `name` is not a knob of `backend`.
const Knob* find_knob(std::string_view backend, std::string_view name);
// The knob or an InputError naming it and the backend's knobs.
const Knob& knob_or_throw(std::string_view backend, std::string_view name);

// The canonical form of a value ("4M" -> "4194304", "rabenseifner" -> "6", "allreduce:Tree" ->
// "allreduce:tree"). Throws InputError "KNOB 'VALUE': expected …".
std::string canonical_value(const Knob& k, std::string_view text);

// What of `value` applies to collective `c`: the value itself, the part of an NCCL_ALGO/PROTO
// list naming `c`, or nullopt when the knob cannot change `c`.
std::optional<std::string> restrict_to(const Knob& k, const std::string& value, core::Collective c);

// Rules across knobs and against the job: NVLS outside allreduce/allgather/reducescatter, a
// protocol the chosen algorithm cannot use, an env twin that overrides a config field, a segment
// size without a forced algorithm, a two_proc algorithm on more than 2 ranks, min > max …
// Throws InputError naming the configuration and the rule.
void check_config(std::string_view backend, const Config& config, int nranks);

// The environment a configuration's knobs of `scope` (env target) set; a knob the configuration
// leaves at its default maps to nullopt (unset it, so an inherited value cannot leak in). `knobs`
// lists the knobs to cover. What a sweep sets around a launch or a communicator.
std::map<std::string, std::optional<std::string>> environment(std::string_view backend, const Config& config,
                                                              std::span<const std::string> knobs, Scope scope);

// The environment that deploys a configuration in an application's launch: every knob that has an
// environment variable (env targets of both scopes, and the MPI_T knobs' OMPI_MCA_<name> twins);
// a forced Open MPI algorithm also switches on OMPI_MCA_coll_tuned_use_dynamic_rules, without
// which Open MPI ignores it. Knobs left at their default map to nullopt.
std::map<std::string, std::optional<std::string>> deploy_environment(std::string_view backend, const Config& config,
                                                                     std::span<const std::string> knobs);

// The MPI_T settings (control variable -> value) of a configuration's knobs: what a communicator
// of the mpi backend is configured with. Knobs at their default are absent (the process's value,
// which a sweep launch keeps at Open MPI's default, stays).
std::map<std::string, std::string> mpi_t_settings(std::string_view backend, const Config& config);

// "k=v k=v" in name order, or "default".
std::string describe(const Config& config);

}  // namespace collbench::plan

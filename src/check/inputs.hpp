#pragma once
// What `collbench baseline` and `collbench check` read: run JSON files and sweep stores, as a flat
// list of measured records (observations), each keyed by its case and scope, plus what each input
// says of its own run (finished, crashed, cut short) so that check can tell a failed run (exit 3)
// from a slow one (exit 1).
#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "results/record.hpp"

namespace collbench::check {

// A case as baseline and check match it. `scope` is "world" (the whole job), "node" (one node
// alone, --per-node) or "pair" (two nodes, --pairs); `nranks` is the ranks that measured it.
struct CaseKey {
  std::string collective, datatype, op, placement;
  int nranks = 0;
  std::uint64_t bytes = 0;
  std::string scope = "world";
  auto operator<=>(const CaseKey&) const = default;
  // "allreduce 1M float sum out_of_place (4 ranks)", with the scope when it is not the world.
  std::string describe() const;
};

struct Observation {
  int input = 0;        // index into Inputs::sources
  int rep = 0;          // the sweep repetition; 0 for run files
  std::string where;    // "run.json" or "STORE/results.jsonl:12"
  results::ResultRecord rec;
  CaseKey key() const;
  // "" for the whole job; "node vm:2-3 (ranks 2-3)"; "pair vm:0-1 + vm:2-3 (round 2)".
  std::string group_label() const;
};

struct Source {
  std::string path;
  std::string kind;            // "run" | "store"
  std::string backend;
  int nranks = 0;
  std::vector<results::HostRanks> hosts;  // run files only
  std::string config;          // stores: the configuration read ("default" …); runs: ""
  // The NCCL settings in force: a run's recorded environment, or a store configuration's knobs.
  std::map<std::string, std::string> env;
  // Why this input's run did not complete, one sentence each ("'r.json': the run stopped before
  // it finished (status \"running\": crashed, killed or timed out)"). Empty when it completed.
  std::vector<std::string> run_failures;
};

struct Inputs {
  std::vector<Source> sources;
  std::vector<Observation> obs;  // in input order; for stores the last record of a case wins
  std::string backend;
};

// Reads run JSON files and sweep store directories. From a store, only the records of the
// configuration labelled `config` ("default" when empty; plan::describe's label otherwise).
// Throws InputError naming the input: unreadable, not a collbench run or store, no such
// configuration, inputs of different backends.
Inputs read_inputs(const std::vector<std::string>& paths, const std::string& config);

}  // namespace collbench::check

#pragma once
// What tune reads of one or more sweep stores: for every cell (collective, datatype, op,
// placement, ranks, size) the configurations measured there, each with its repetitions.
// Nothing is dropped here: a configuration's problems (a failed, wrong, timed-out or missing
// repetition) are kept beside it so the ranking can say why it is not a candidate.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "plan/knobs.hpp"

namespace collbench::tune {

struct Series {
  std::string collective, datatype, op, placement;
  int nranks = 0;
  auto operator<=>(const Series&) const = default;
};

// One repetition of one configuration at one cell, from the store's record.
struct Rep {
  double p50_us = 0, p99_us = 0;
  double ci_lo_us = 0, ci_hi_us = 0;  // confidence interval of the median iteration time
  double busbw_gbps = 0;
  std::uint64_t iters = 0;
};

struct ConfigCell {
  int config = -1;              // index into TuneInput::configs
  std::vector<Rep> reps;        // the repetitions measured "ok"
  int expected = 0;             // repetitions planned (summed over the stores that measured it)
  std::vector<std::string> problems;  // "r1 failed: …", "r0 wrong (12 elements)", "r2 missing"
  bool complete() const { return problems.empty() && !reps.empty(); }
};

struct Cell {
  Series series;
  std::uint64_t bytes = 0;
  std::vector<ConfigCell> configs;
  const ConfigCell* find(int config) const;
};

struct ConfigInfo {
  std::string id;      // config_id (8 hex digits)
  plan::Config knobs;  // as it applies to the collective ({} = the library's default)
  std::string label;   // plan::describe(knobs)
};

struct StoreInfo {
  std::string dir;
  std::string results_path;  // DIR/results.jsonl
  std::string backend;
  int repetitions = 1;
  int nodes = -1;          // hosts in the launches' metadata; -1 when not known
  bool standin = false;    // a launch ran on the GPU stand-in (metadata.standin): nothing is a GPU measurement
  std::uint64_t records = 0;
  bool torn_tail = false;
  std::string spec_text, spec_path;  // the spec the sweep ran (for --validate)
  // How it was launched, where `sweep --launcher/--ranks` overrode the spec ("" / 0: not said).
  std::string launcher_kind;
  int launcher_ranks = 0;
};

struct TuneInput {
  std::string backend;
  std::vector<StoreInfo> stores;
  std::vector<ConfigInfo> configs;
  std::vector<Cell> cells;  // ordered by series, then bytes
  std::uint64_t records = 0;
  std::unordered_map<std::string, int> by_label;  // ConfigInfo::label -> index into configs
  int find_config(const std::string& label) const;  // -1 when no such configuration
};

// Reads sweep stores (directories holding manifest.json and results.jsonl). Throws InputError
// naming the input: not a store, stores of different backends, a malformed line.
TuneInput load_stores(const std::vector<std::string>& dirs);

}  // namespace collbench::tune

#pragma once
// `collbench baseline`: what known-good runs measured, per case and scope, with how much they
// varied. reports/CHECK.md documents the file and every statistic.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "check/inputs.hpp"

namespace collbench::check {

inline constexpr const char* kBaselineSchema = "collbench.baseline";
inline constexpr int kBaselineVersion = 1;

struct Spread {
  double median = 0, min = 0, max = 0;
};

struct Expectation {
  CaseKey key;
  int samples = 0;        // records: runs x repetitions x groups (nodes or pairs)
  int runs = 0;           // distinct (input, repetition)
  int groups = 0;         // distinct groups (1 for the whole job)
  Spread busbw_gbps;      // bus bandwidth from each sample's median time
  Spread time_us;         // each sample's median iteration time
  Spread p99_us;          // each sample's p99 iteration time
  Spread cv;              // each sample's coefficient of variation
  double ci_rel = 0;      // median of the samples' median-CI relative half-widths
  // Nodes and pairs: each group's median time over the median of the others' that measured the
  // case beside it (as check's peer rule computes it). All 0 at the world scope or with one group.
  Spread peer_ratio;
  // How far a known-good sample fell below the typical one: (max time - median) / max time, the
  // same as (median busbw - min busbw) / median busbw. 0 with one sample.
  double slow_spread() const { return time_us.max > 0 ? (time_us.max - time_us.median) / time_us.max : 0.0; }
};

struct Baseline {
  std::string path;       // where it was read from ("" when built)
  std::string created, tool_version, backend, config;
  std::vector<std::string> sources;
  std::vector<Expectation> expectations;  // sorted by key
  const Expectation* find(const CaseKey& key) const;
};

// Throws InputError when an input is not known-good (a run that did not finish, a failed or
// timed-out case, wrong results) or holds no measured case: a baseline must come from good runs.
Baseline build_baseline(const Inputs& in, const std::string& config);

nlohmann::json baseline_json(const Baseline& b);
// Throws InputError "PATH: FIELD: expected …" when the file is not a baseline this build reads.
Baseline parse_baseline(const nlohmann::json& j, const std::string& path);
Baseline read_baseline_file(const std::string& path);

}  // namespace collbench::check

#pragma once
// `collbench check`: every rule applied to every measured case, as one list of verdict items (one
// JUnit testcase each), plus the nodes and ranks the failures point at. reports/CHECK.md
// documents the rules and their statistics.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "check/baseline.hpp"
#include "check/inputs.hpp"
#include "check/locate.hpp"
#include "check/rules.hpp"
#include "core/error.hpp"

namespace collbench::check {

struct Item {
  std::string suite;      // "allreduce", "allreduce per node", "allreduce pairs"
  std::string classname;  // "collbench.check.allreduce", "….node", "….pair"
  std::string name;       // "busbw 1M float sum out_of_place 4r", with the group and input when needed
  std::string label;      // the case alone: "1M float sum out_of_place 4r"
  std::string rule;       // present | run | wrong | busbw | time | p99 | cv | peer | expect_busbw | expect_time | expect_p99 | expect_cv | model_busbw
  std::string status;     // "pass" | "fail" | "error" (the run failed) | "skipped"
  std::string message;    // one line; empty for a plain pass
  std::optional<double> measured, limit, reference;
  std::string unit;       // "GB/s", "us", "" (ratios, counts)
  CaseKey key;
  std::string group;      // Observation::group_label()
  std::string where;      // the input (and line, for stores)
  double time_s = 0;      // the case's timed iterations, for JUnit's time attribute
};

// What NCCL's cost model predicts for a measured case (--model), or why it predicts nothing.
struct ModelPrediction {
  double busbw_gbps = 0;
  double time_us = 0;
  std::string cell;     // "RING/SIMPLE": the cell compared against
  std::string basis;    // "NCCL's default choice" | "the cell NCCL used (nccl_algo/nccl_proto)"
  std::string why_not;  // non-empty: no prediction (all-to-all, no usable cell …); the rule is skipped
};
using ModelFn = std::function<ModelPrediction(const Observation&, const Source&)>;

struct CheckOptions {
  const Baseline* baseline = nullptr;
  const ExpectFile* expect = nullptr;
  RuleSet rules;
  bool require_per_node = false;  // --per-node: the results must hold per-node measurements
  bool require_pairs = false;     // --pairs: … and pair measurements
  ModelFn model;                  // --model: measured busbw >= model_min x the prediction
  std::string model_name;         // the topology, for messages
};

struct Verdict {
  std::vector<Item> items;
  std::vector<std::string> run_failures;  // why the run itself failed (exit 3), one line each
  Localization localization;
  std::vector<std::string> named;         // the ranks and hosts failures point at, one line each
  int passed = 0, failed = 0, errors = 0, skipped = 0;
  bool standin = false;                   // some record came from the GPU stand-in (tests only)
  core::ExitCode code = core::ExitCode::ok;
  std::string verdict() const;            // "PASS" | "FAIL" | "RUN FAILED"
  std::string headline() const;           // "FAIL: 3 of 120 checks failed; …"
};

// Throws InputError when the inputs cannot be checked as asked: a baseline of another backend or
// job size, --per-node / --pairs without such measurements, nothing to check against.
Verdict evaluate(const Inputs& in, const CheckOptions& opt);

}  // namespace collbench::check

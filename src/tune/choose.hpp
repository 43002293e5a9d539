#pragma once
// The noise-aware choice, one function for every level of recommendation: given cells with
// weights (one cell; the sizes of one collective under a workload; every collective) and
// candidate settings, pick the setting that serves the weighted cells best, and say whether it
// beats the default beyond noise. reports/TUNE.md documents the score; in short:
//
//   per cell, per setting:   t  = median over repetitions of the median iteration time
//                            [lo, hi] = union of the repetitions' confidence intervals of the median
//                            penalty  = 1 + tail_weight * max(0, p99/p50 - 1)   (p99: median over reps)
//   over the weighted cells: T = sum(w * t * penalty), L = sum(w * lo * penalty), H = sum(w * hi * penalty)
//   score (for one cell)     = busbw / penalty   (the busbw of the median time)
//
// A setting is a candidate where it has complete, correct results in every weighted cell and its
// p99 stays within max_p99_vs_default x the default's p99. The leader has the lowest T. Settings
// whose [L, H] overlaps the default's are ties with the default, and ties go to the default (no
// setting): a recommendation must beat the default beyond noise. Among the settings that do and
// that tie with the leader, the simplest (fewest knobs) wins, then the lowest T.
#include <string>
#include <vector>

#include "plan/knobs.hpp"
#include "tune/input.hpp"

namespace collbench::tune {

struct TuneOptions {
  double tail_weight = 0.1;         // score penalty per unit of p99/p50 above 1
  double max_p99_vs_default = 1.5;  // a candidate's p99 may not exceed this x the default's; 0 = no limit
};

struct WeightedCell {
  const Cell* cell = nullptr;
  double weight = 1;
};

// One setting's estimate over the weighted cells (for one cell: that cell).
struct Estimate {
  double t_us = 0, lo_us = 0, hi_us = 0;  // penalised, weighted sums
  double p50_us = 0, p99_us = 0;          // for one cell: the medians over repetitions (unpenalised)
  double busbw_gbps = 0;                  // for one cell: median over repetitions
  int reps = 0;
};

struct Candidate {
  plan::Config setting;   // the full setting (knobs of every collective it touches)
  bool is_default = false;  // the setting is {}: the library's own choice
  int config = -1;          // choose_cell: the configuration's index in TuneInput::configs
  int knob_count = 0;
  bool feasible = false;  // complete and correct in every weighted cell, tail within the limit
  std::string excluded;   // why it is not a candidate ("" when feasible)
  Estimate est;
  bool tied_with_leader = false;
  bool beats_default = false;  // its [L, H] lies below the default's
  bool pareto = false;         // one cell only: not dominated in (busbw up, p99 down)
};

struct Gain {
  bool known = false;  // false when the default has no complete, correct result
  double ratio = 1, lo = 1, hi = 1;  // default time / winner time, and its interval
};

struct Choice {
  // Ranked: feasible first, by T; the default included. choose_cell keeps only the five best,
  // the winner, the default and the Pareto front (total and excluded count them all).
  std::vector<Candidate> candidates;
  std::size_t total = 0, excluded = 0;  // candidates considered, and those not feasible
  int winner = -1;                    // index into candidates; -1 when none is feasible
  int default_index = -1;             // the default's index, -1 when it was not measured
  // "significant" (beats the default beyond noise) | "tie" (nothing does: the default stays) |
  // "no default" (the default was not measured completely: the best candidate, gain unknown) |
  // "none" (no candidate has complete, correct results)
  std::string confidence;
  Gain gain;

  const Candidate* best() const { return winner >= 0 ? &candidates[static_cast<std::size_t>(winner)] : nullptr; }
  bool winner_is_default() const { return best() && best()->is_default; }
};

// The configuration `setting` becomes at collective `coll` (knobs that cannot change it dropped).
plan::Config resolve(const std::string& backend, const plan::Config& setting, const std::string& coll);

// Chooses among `settings` (the default is added when absent) over `cells`.
Choice choose(const TuneInput& in, const std::vector<WeightedCell>& cells, const std::vector<plan::Config>& settings,
              const TuneOptions& opt);

// choose() over one cell among every configuration measured there (the per-cell ranking; no
// resolving of settings, as each configuration is already the cell's own).
Choice choose_cell(const TuneInput& in, const Cell& cell, const TuneOptions& opt);


}  // namespace collbench::tune

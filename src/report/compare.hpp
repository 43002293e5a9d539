#pragma once
// collbench compare A B: per collective and size, is B FASTER, SLOWER or the SAME as A, with the
// ratio and how sure. Noise-aware: with confidence intervals on both sides (collbench results)
// a verdict needs the ratio's interval clear of 1 and the change past the threshold; without
// them (nccl-tests logs print one mean), a change must exceed the threshold and the noise each
// side shows between its out-of-place and in-place measurements of the same size. Against an
// imported nccl-tests log, both sides are compared on nccl-tests' figure (results::NcclTestsFigure).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/dataset.hpp"

namespace collbench::report {

// 2: rows[].basis and summary.nccl_tests_rows; a_/b_time_us are nccl-tests' figure against imports.
inline constexpr int kCompareSchemaVersion = 2;

struct CompareOptions {
  double threshold = 0.05;  // the smallest change that counts (5%)
  std::string label_a, label_b;  // which series of a side with several (source or configuration label)
};

struct CompareRow {
  std::string collective, datatype, op, placement;
  int nranks = 0;
  std::uint64_t bytes = 0;
  std::string basis;                      // the times compared: "nccl_tests" | "median" | "mean"
  double a_us = kNaN, b_us = kNaN;        // central times
  double a_busbw = kNaN, b_busbw = kNaN;
  double ratio = kNaN;                    // busbw B / A = time A / B: > 1 means B is faster
  double lo = kNaN, hi = kNaN;            // the ratio's interval; NaN when a side has none
  double band = kNaN;                     // no interval: the change needed (threshold or noise)
  std::string verdict;                    // "FASTER" | "SLOWER" | "SAME"
  std::string confidence;                 // "95% CI [0.91, 0.95]" or "no CI: ±7.0% band (noise …)"
};

struct Comparison {
  std::string a_label, b_label;
  double noise_a = kNaN, noise_b = kNaN;  // placement noise estimates (relative), NaN when not known
  std::vector<CompareRow> rows;
  std::size_t only_a = 0, only_b = 0;     // cases one side measured and the other did not
  int faster = 0, slower = 0, same = 0;
  std::size_t nccl_tests_rows = 0;        // rows compared on nccl-tests' figure (against an import)
  double worst_ratio = kNaN;              // the lowest ratio among SLOWER rows
};

// Throws InputError when a side has several series for one case and no label picks one, or the
// sides share no case.
Comparison compare(const Dataset& a, const Dataset& b, const CompareOptions& options);

// The relative noise a series pair shows between placements: the 90th percentile over sizes of
// |t_out / t_in - 1|. NaN when the series lacks one placement.
double placement_noise(const Series& out_of_place, const Series& in_place);

std::string compare_text(const Comparison& c, const CompareOptions& options);
nlohmann::json compare_json(const Comparison& c, const CompareOptions& options);

}  // namespace collbench::report

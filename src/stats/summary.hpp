#pragma once
// Pure statistics over timing samples (microseconds). No I/O, no MPI: tested with synthetic data.
#include <cstddef>
#include <span>
#include <vector>

namespace collbench::stats {

// A distribution-free confidence interval of the median (order statistics, binomial).
struct MedianCI {
  double lo = 0.0;
  double hi = 0.0;
  double level = 0.95;  // the coverage actually asked for
  // (hi - lo) / 2 / median; 0 when median is 0. The adaptive stopping rule compares this.
  double rel_half_width = 0.0;
};

struct Summary {
  std::size_t n = 0;
  double min = 0.0;
  double mean = 0.0;
  double p50 = 0.0;
  double p90 = 0.0;
  double p99 = 0.0;
  double p999 = 0.0;
  double max = 0.0;
  double stddev = 0.0;  // sample standard deviation (n-1); 0 for n < 2
  double cv = 0.0;      // stddev / mean; 0 when mean is 0
  MedianCI median_ci;
};

// Percentile q in [0,1] of ascending `sorted` by linear interpolation between closest ranks
// (Hyndman-Fan type 7, numpy's default): h = (n-1)q, x[floor h] + (h - floor h)(x[floor h+1] - x[floor h]).
double percentile(std::span<const double> sorted, double q);

// CI of the median at `level` from ascending `sorted`: with n samples, the ranks
// j = floor(n/2 - z*sqrt(n)/2), k = ceil(n/2 + z*sqrt(n)/2) (normal approximation of
// Binomial(n, 1/2); z the two-sided normal quantile of `level`), clamped to [0, n-1]:
// [sorted[j], sorted[k]]. For n < 2 the interval is [x, x].
MedianCI median_ci(std::span<const double> sorted, double level = 0.95);

// Summary of unsorted samples. An empty input gives a zero Summary.
Summary summarize(std::span<const double> samples, double ci_level = 0.95);

}  // namespace collbench::stats

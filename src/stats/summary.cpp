#include "stats/summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace collbench::stats {

namespace {

// Inverse of the standard normal CDF for p in (0, 1): Acklam's rational approximation
// (relative error < 1.15e-9) polished by one Halley step against std::erfc, which brings it
// to near double precision.
double inverse_normal_cdf(double p) {
  constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                          1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                          6.680131188771972e+01, -1.328068155288572e+01};
  constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                          -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                          3.754408661907416e+00};
  constexpr double p_low = 0.02425;

  double x = 0.0;
  if (p < p_low || p > 1.0 - p_low) {
    const double tail = p < p_low ? p : 1.0 - p;
    const double q = std::sqrt(-2.0 * std::log(tail));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    if (p > 1.0 - p_low) x = -x;
  } else {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  const double e = 0.5 * std::erfc(-x / std::numbers::sqrt2) - p;
  const double u = e * std::sqrt(2.0 * std::numbers::pi) * std::exp(0.5 * x * x);
  return x - u / (1.0 + 0.5 * x * u);
}

// Two-sided standard normal quantile: P(|Z| <= z) = level. level <= 0 (or NaN) gives 0,
// level >= 1 gives +infinity (the interval then spans all samples).
double two_sided_z(double level) {
  if (!(level > 0.0)) return 0.0;
  if (level >= 1.0) return std::numeric_limits<double>::infinity();
  return -inverse_normal_cdf(0.5 * (1.0 - level));  // upper tail computed from its small side
}

// Clamps a (possibly infinite) rank to [0, n-1] before converting, so the cast is defined.
std::size_t clamp_rank(double rank, std::size_t n) {
  const double last = static_cast<double>(n - 1);
  if (!(rank > 0.0)) return 0;
  if (rank >= last) return n - 1;
  return static_cast<std::size_t>(rank);
}

// Neumaier-compensated sum: accurate for millions of terms of mixed magnitude.
class CompensatedSum {
 public:
  void add(double x) {
    const double t = sum_ + x;
    if (std::fabs(sum_) >= std::fabs(x)) {
      comp_ += (sum_ - t) + x;
    } else {
      comp_ += (x - t) + sum_;
    }
    sum_ = t;
  }
  double value() const { return sum_ + comp_; }

 private:
  double sum_ = 0.0;
  double comp_ = 0.0;
};

}  // namespace

double percentile(std::span<const double> sorted, double q) {
  const std::size_t n = sorted.size();
  if (n == 0) return 0.0;
  q = std::clamp(q, 0.0, 1.0);  // NaN q passes through clamp; treated below as 0
  if (!(q > 0.0)) return sorted.front();
  const double h = static_cast<double>(n - 1) * q;
  const double lower = std::floor(h);
  const auto i = static_cast<std::size_t>(lower);
  if (i + 1 >= n) return sorted[n - 1];
  return sorted[i] + (h - lower) * (sorted[i + 1] - sorted[i]);
}

MedianCI median_ci(std::span<const double> sorted, double level) {
  MedianCI ci;
  ci.level = level;
  const std::size_t n = sorted.size();
  if (n == 0) return ci;
  if (n == 1) {
    ci.lo = ci.hi = sorted[0];
    return ci;
  }
  const double nd = static_cast<double>(n);
  const double half_width = two_sided_z(level) * std::sqrt(nd) / 2.0;
  const std::size_t j = clamp_rank(std::floor(nd / 2.0 - half_width), n);
  const std::size_t k = clamp_rank(std::ceil(nd / 2.0 + half_width), n);
  ci.lo = sorted[j];
  ci.hi = sorted[k];
  const double p50 = percentile(sorted, 0.5);
  ci.rel_half_width = p50 == 0.0 ? 0.0 : (ci.hi - ci.lo) / 2.0 / p50;
  return ci;
}

Summary summarize(std::span<const double> samples, double ci_level) {
  Summary s;
  if (samples.empty()) return s;
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  const std::span<const double> view(sorted);

  s.n = sorted.size();
  s.min = sorted.front();
  s.max = sorted.back();
  const double nd = static_cast<double>(s.n);

  CompensatedSum sum;
  for (const double x : sorted) sum.add(x);
  s.mean = sum.value() / nd;

  if (s.n >= 2) {
    // Corrected two-pass: the second term cancels the rounding error left in the mean.
    CompensatedSum sq;
    CompensatedSum dev;
    for (const double x : sorted) {
      const double d = x - s.mean;
      sq.add(d * d);
      dev.add(d);
    }
    const double var = (sq.value() - dev.value() * dev.value() / nd) / (nd - 1.0);
    s.stddev = var > 0.0 ? std::sqrt(var) : 0.0;
  }
  s.cv = s.mean == 0.0 ? 0.0 : s.stddev / s.mean;

  s.p50 = percentile(view, 0.5);
  s.p90 = percentile(view, 0.9);
  s.p99 = percentile(view, 0.99);
  s.p999 = percentile(view, 0.999);
  s.median_ci = median_ci(view, ci_level);
  return s;
}

}  // namespace collbench::stats

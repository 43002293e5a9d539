#include "stats/summary.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <random>
#include <vector>

namespace collbench::stats {
namespace {

// 1, 2, ..., n (already ascending).
std::vector<double> iota_samples(std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(i + 1);
  return v;
}

TEST(Percentile, EmptyIsZero) {
  EXPECT_DOUBLE_EQ(percentile({}, 0.5), 0.0);
}

TEST(Percentile, SingleElement) {
  const std::vector<double> v{7.5};
  EXPECT_DOUBLE_EQ(percentile(v, 0.0), 7.5);
  EXPECT_DOUBLE_EQ(percentile(v, 0.5), 7.5);
  EXPECT_DOUBLE_EQ(percentile(v, 1.0), 7.5);
}

TEST(Percentile, LinearInterpolationType7) {
  const std::vector<double> v{1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(percentile(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(percentile(v, 0.25), 1.75);  // h = 0.75
  EXPECT_DOUBLE_EQ(percentile(v, 0.5), 2.5);    // h = 1.5
  EXPECT_NEAR(percentile(v, 0.9), 3.7, 1e-12);  // h = 2.7
  EXPECT_DOUBLE_EQ(percentile(v, 1.0), 4.0);
}

TEST(Percentile, QIsClamped) {
  const std::vector<double> v{1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(percentile(v, -0.5), 1.0);
  EXPECT_DOUBLE_EQ(percentile(v, 1.5), 4.0);
}

TEST(Percentile, P999Of1000) {
  const auto v = iota_samples(1000);
  // h = 999 * 0.999 = 998.001 -> 999 + 0.001 * (1000 - 999)
  EXPECT_NEAR(percentile(v, 0.999), 999.001, 1e-9);
}

TEST(MedianCI, EmptyIsZero) {
  const MedianCI ci = median_ci({}, 0.95);
  EXPECT_DOUBLE_EQ(ci.lo, 0.0);
  EXPECT_DOUBLE_EQ(ci.hi, 0.0);
  EXPECT_DOUBLE_EQ(ci.rel_half_width, 0.0);
}

TEST(MedianCI, SingleSample) {
  const std::vector<double> v{3.25};
  const MedianCI ci = median_ci(v, 0.95);
  EXPECT_DOUBLE_EQ(ci.lo, 3.25);
  EXPECT_DOUBLE_EQ(ci.hi, 3.25);
  EXPECT_DOUBLE_EQ(ci.rel_half_width, 0.0);
  EXPECT_DOUBLE_EQ(ci.level, 0.95);
}

TEST(MedianCI, HundredSamplesAt95) {
  const auto v = iota_samples(100);
  // z*sqrt(100)/2 = 9.79982: j = floor(40.20018) = 40, k = ceil(59.79982) = 60
  const MedianCI ci = median_ci(v, 0.95);
  EXPECT_DOUBLE_EQ(ci.lo, 41.0);
  EXPECT_DOUBLE_EQ(ci.hi, 61.0);
  EXPECT_DOUBLE_EQ(ci.level, 0.95);
  EXPECT_NEAR(ci.rel_half_width, 0.19801980198019803, 1e-15);  // 10 / 50.5
}

TEST(MedianCI, DefaultLevelIs95) {
  const auto v = iota_samples(100);
  const MedianCI ci = median_ci(v);
  EXPECT_DOUBLE_EQ(ci.lo, 41.0);
  EXPECT_DOUBLE_EQ(ci.hi, 61.0);
  EXPECT_DOUBLE_EQ(ci.level, 0.95);
}

TEST(MedianCI, HigherLevelIsWider) {
  const auto v = iota_samples(100);
  const MedianCI ci95 = median_ci(v, 0.95);
  const MedianCI ci99 = median_ci(v, 0.99);
  // z = 2.575829: half width 12.879 -> j = 37, k = 63
  EXPECT_DOUBLE_EQ(ci99.lo, 38.0);
  EXPECT_DOUBLE_EQ(ci99.hi, 64.0);
  EXPECT_LE(ci99.lo, ci95.lo);
  EXPECT_GE(ci99.hi, ci95.hi);
  EXPECT_GE(ci99.rel_half_width, ci95.rel_half_width);
}

TEST(MedianCI, RanksAtOtherLevelsFor400) {
  const auto v = iota_samples(400);
  // sqrt(400)/2 = 10, so the half width in ranks is 10 z.
  const MedianCI ci50 = median_ci(v, 0.50);  // z = 0.674490: j = 193, k = 207
  EXPECT_DOUBLE_EQ(ci50.lo, 194.0);
  EXPECT_DOUBLE_EQ(ci50.hi, 208.0);
  const MedianCI ci90 = median_ci(v, 0.90);  // z = 1.644854: j = 183, k = 217
  EXPECT_DOUBLE_EQ(ci90.lo, 184.0);
  EXPECT_DOUBLE_EQ(ci90.hi, 218.0);
  EXPECT_DOUBLE_EQ(ci90.level, 0.90);
  const MedianCI ci99 = median_ci(v, 0.99);  // z = 2.575829: j = 174, k = 226
  EXPECT_DOUBLE_EQ(ci99.lo, 175.0);
  EXPECT_DOUBLE_EQ(ci99.hi, 227.0);
}

// n chosen so that n/2 -+ z sqrt(n)/2 falls within ~1e-6 of an integer: only an accurate
// z = 1.95996398454 puts the ranks on the right side (z = 1.96 would give 2777 and 2927).
TEST(MedianCI, InverseNormalIsAccurate) {
  const auto v = iota_samples(5702);  // 2777.0000030, 2924.9999970
  const MedianCI ci = median_ci(v, 0.95);
  EXPECT_DOUBLE_EQ(ci.lo, 2778.0);
  EXPECT_DOUBLE_EQ(ci.hi, 2926.0);
  const auto w = iota_samples(92159);  // 45781.9999985, 46377.0000015
  const MedianCI cw = median_ci(w, 0.95);
  EXPECT_DOUBLE_EQ(cw.lo, 45782.0);
  EXPECT_DOUBLE_EQ(cw.hi, 46379.0);
}

TEST(MedianCI, RanksClampedToSampleRange) {
  const std::vector<double> v{1, 2, 3, 4, 10};
  // z*sqrt(5)/2 = 2.1913: j = floor(0.3087) = 0, k = ceil(4.6913) = 5 -> 4
  const MedianCI ci = median_ci(v, 0.95);
  EXPECT_DOUBLE_EQ(ci.lo, 1.0);
  EXPECT_DOUBLE_EQ(ci.hi, 10.0);
  EXPECT_DOUBLE_EQ(ci.rel_half_width, 1.5);  // 9 / 2 / 3
  const MedianCI all = median_ci(v, 1.0);
  EXPECT_DOUBLE_EQ(all.lo, 1.0);
  EXPECT_DOUBLE_EQ(all.hi, 10.0);
}

TEST(MedianCI, AllEqualHasZeroWidth) {
  const std::vector<double> v(50, 12.0);
  const MedianCI ci = median_ci(v, 0.95);
  EXPECT_DOUBLE_EQ(ci.lo, 12.0);
  EXPECT_DOUBLE_EQ(ci.hi, 12.0);
  EXPECT_DOUBLE_EQ(ci.rel_half_width, 0.0);
}

TEST(MedianCI, ZeroMedianGivesZeroRelativeWidth) {
  const std::vector<double> v{-1, 0, 1};
  const MedianCI ci = median_ci(v, 0.95);
  EXPECT_DOUBLE_EQ(ci.lo, -1.0);
  EXPECT_DOUBLE_EQ(ci.hi, 1.0);
  EXPECT_DOUBLE_EQ(ci.rel_half_width, 0.0);
}

TEST(Summarize, EmptyIsDefault) {
  const Summary s = summarize({});
  EXPECT_EQ(s.n, 0u);
  EXPECT_DOUBLE_EQ(s.min, 0.0);
  EXPECT_DOUBLE_EQ(s.max, 0.0);
  EXPECT_DOUBLE_EQ(s.mean, 0.0);
  EXPECT_DOUBLE_EQ(s.p50, 0.0);
  EXPECT_DOUBLE_EQ(s.stddev, 0.0);
  EXPECT_DOUBLE_EQ(s.cv, 0.0);
  EXPECT_DOUBLE_EQ(s.median_ci.lo, 0.0);
  EXPECT_DOUBLE_EQ(s.median_ci.hi, 0.0);
}

TEST(Summarize, FiveUnsortedSamples) {
  const std::vector<double> v{4, 1, 3, 2, 10};
  const Summary s = summarize(v);
  EXPECT_EQ(s.n, 5u);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 10.0);
  EXPECT_DOUBLE_EQ(s.mean, 4.0);
  EXPECT_DOUBLE_EQ(s.p50, 3.0);
  EXPECT_NEAR(s.p90, 7.6, 1e-12);     // h = 3.6: 4 + 0.6 * 6
  EXPECT_NEAR(s.p99, 9.76, 1e-12);    // h = 3.96
  EXPECT_NEAR(s.p999, 9.976, 1e-12);  // h = 3.996
  EXPECT_NEAR(s.stddev, 3.5355339059327378, 1e-14);  // sqrt(50 / 4)
  EXPECT_NEAR(s.cv, 0.8838834764831844, 1e-14);      // sqrt(12.5) / 4
  EXPECT_DOUBLE_EQ(s.median_ci.lo, 1.0);
  EXPECT_DOUBLE_EQ(s.median_ci.hi, 10.0);
  EXPECT_DOUBLE_EQ(s.median_ci.rel_half_width, 1.5);
  EXPECT_DOUBLE_EQ(v[0], 4.0);  // input left untouched
}

TEST(Summarize, SingleSample) {
  const std::vector<double> v{5.0};
  const Summary s = summarize(v);
  EXPECT_EQ(s.n, 1u);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_DOUBLE_EQ(s.p999, 5.0);
  EXPECT_DOUBLE_EQ(s.stddev, 0.0);
  EXPECT_DOUBLE_EQ(s.cv, 0.0);
  EXPECT_DOUBLE_EQ(s.median_ci.lo, 5.0);
  EXPECT_DOUBLE_EQ(s.median_ci.hi, 5.0);
}

TEST(Summarize, ShuffledThousand) {
  auto v = iota_samples(1000);
  std::mt19937 rng(12345);
  std::shuffle(v.begin(), v.end(), rng);
  const Summary s = summarize(v, 0.99);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 1000.0);
  EXPECT_DOUBLE_EQ(s.mean, 500.5);
  EXPECT_DOUBLE_EQ(s.p50, 500.5);
  EXPECT_NEAR(s.p90, 900.1, 1e-9);    // h = 899.1
  EXPECT_NEAR(s.p99, 990.01, 1e-9);   // h = 989.01
  EXPECT_NEAR(s.p999, 999.001, 1e-9);  // h = 998.001
  EXPECT_NEAR(s.stddev, 288.8194360957494, 1e-10);  // sqrt(1000 * 1001 / 12)
  EXPECT_DOUBLE_EQ(s.median_ci.level, 0.99);
}

TEST(Summarize, MeanIsCompensated) {
  // Summed naively in sorted order, 1 is absorbed by -1e16 and the mean comes out 0.
  const std::vector<double> v{1e16, 1.0, -1e16};
  EXPECT_NEAR(summarize(v).mean, 0.3333333333333333, 1e-15);
}

TEST(Summarize, StddevWithLargeOffset) {
  const std::vector<double> v{1e9 + 1, 1e9 + 2, 1e9 + 3};
  const Summary s = summarize(v);
  EXPECT_DOUBLE_EQ(s.mean, 1e9 + 2);
  EXPECT_DOUBLE_EQ(s.stddev, 1.0);
}

TEST(Summarize, ZeroMeanGivesZeroCv) {
  const std::vector<double> v{-2, 2};
  const Summary s = summarize(v);
  EXPECT_DOUBLE_EQ(s.mean, 0.0);
  EXPECT_NEAR(s.stddev, 2.8284271247461903, 1e-14);  // sqrt(8)
  EXPECT_DOUBLE_EQ(s.cv, 0.0);
}

}  // namespace
}  // namespace collbench::stats

// measure::nccl_tests_figure on synthetic per-rank durations: nccl-tests' figure (-a 1, the mean
// over ranks of each rank's mean time; nccl-tests src/common.cu:310-351, 783) against collbench's
// own (the max over ranks per iteration, then its median or mean), where they differ.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "measure/case_runner.hpp"
#include "stats/bandwidth.hpp"
#include "stats/summary.hpp"

namespace measure = collbench::measure;
namespace results = collbench::results;
namespace stats = collbench::stats;

namespace {

// Each rank's summary of its own durations, as case_runner gathers them.
std::vector<results::RankSummary> ranks_of(const std::vector<std::vector<double>>& durations) {
  std::vector<results::RankSummary> v;
  for (std::size_t r = 0; r < durations.size(); ++r) {
    results::RankSummary s;
    s.rank = static_cast<int>(r);
    s.time_us = stats::summarize(durations[r]);
    v.push_back(s);
  }
  return v;
}

// collbench's iteration times: the max over ranks of each iteration.
std::vector<double> max_over_ranks(const std::vector<std::vector<double>>& durations) {
  std::vector<double> out(durations.front().size(), 0.0);
  for (const auto& d : durations)
    for (std::size_t i = 0; i < d.size(); ++i) out[i] = std::max(out[i], d[i]);
  return out;
}

}  // namespace

TEST(NcclTestsFigure, MeanOverRanksOfEachRanksMeanNotTheMaxPerIteration) {
  // Two ranks, each slow once, in different iterations: every rank's loop takes 70 us over 5
  // iterations (14 us each), while the max over ranks is 30 us in two iterations of five.
  const std::vector<std::vector<double>> d = {{10, 30, 10, 10, 10}, {10, 10, 10, 30, 10}};
  const stats::Summary merged = stats::summarize(max_over_ranks(d));
  ASSERT_DOUBLE_EQ(merged.mean, 18.0);  // collbench's mean: (10+30+10+30+10)/5
  ASSERT_DOUBLE_EQ(merged.p50, 10.0);   // collbench's median
  const std::uint64_t bytes = 1048576;
  const double factor = 1.75;  // allreduce on 8 ranks
  const auto f = measure::nccl_tests_figure(ranks_of(d), bytes, factor);
  ASSERT_TRUE(f.has_value());
  EXPECT_DOUBLE_EQ(f->time_us, 14.0);
  EXPECT_DOUBLE_EQ(f->algbw_gbps, 1048576 / 14.0 / 1e3);
  EXPECT_DOUBLE_EQ(f->busbw_gbps, 1048576 / 14.0 / 1e3 * factor);
  // The figure lies between the median and the mean of the maxima here: neither stands in for it.
  EXPECT_GT(f->busbw_gbps, stats::busbw_gbps(stats::algbw_gbps(bytes, merged.mean), factor));
  EXPECT_LT(f->busbw_gbps, stats::busbw_gbps(stats::algbw_gbps(bytes, merged.p50), factor));
}

TEST(NcclTestsFigure, RanksOfDifferentSpeedAverageTheirOwnMeans) {
  // A slow rank (always 40 us) and two fast ones (10 us): nccl-tests averages 40, 10, 10.
  const std::vector<std::vector<double>> d = {{10, 10, 10, 10}, {40, 40, 40, 40}, {10, 10, 10, 10}};
  const auto f = measure::nccl_tests_figure(ranks_of(d), 4096, 1.0);
  ASSERT_TRUE(f.has_value());
  EXPECT_DOUBLE_EQ(f->time_us, 20.0);
  EXPECT_DOUBLE_EQ(stats::summarize(max_over_ranks(d)).mean, 40.0);
  EXPECT_DOUBLE_EQ(f->busbw_gbps, f->algbw_gbps);  // factor 1
}

TEST(NcclTestsFigure, NoneWithoutRanksOrWithoutAMeanTime) {
  EXPECT_FALSE(measure::nccl_tests_figure({}, 1024, 1.0).has_value());
  auto r = ranks_of({{10, 10}, {12, 12}});
  r[1].time_us.mean = std::numeric_limits<double>::quiet_NaN();  // a rank that sent nothing usable
  EXPECT_FALSE(measure::nccl_tests_figure(r, 1024, 1.0).has_value());
  r[1].time_us.mean = 0.0;
  EXPECT_FALSE(measure::nccl_tests_figure(r, 1024, 1.0).has_value());
}

TEST(NcclTestsFigure, OneRankIsItsOwnMeanWithZeroBusBandwidth) {
  const auto f = measure::nccl_tests_figure(ranks_of({{5, 7, 6}}), 6000, 0.0);
  ASSERT_TRUE(f.has_value());
  EXPECT_DOUBLE_EQ(f->time_us, 6.0);
  EXPECT_DOUBLE_EQ(f->algbw_gbps, 1.0);
  EXPECT_DOUBLE_EQ(f->busbw_gbps, 0.0);
}

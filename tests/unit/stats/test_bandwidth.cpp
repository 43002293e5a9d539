#include "stats/bandwidth.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace collbench::stats {
namespace {

TEST(Bandwidth, AlgbwIsBytesOverTime) {
  EXPECT_DOUBLE_EQ(algbw_gbps(1000000, 1000.0), 1.0);  // 1 MB in 1 ms = 1 GB/s
  EXPECT_DOUBLE_EQ(algbw_gbps(0, 1000.0), 0.0);
}

TEST(Bandwidth, AlgbwZeroForNonPositiveTime) {
  EXPECT_DOUBLE_EQ(algbw_gbps(1000000, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(algbw_gbps(1000000, -5.0), 0.0);
  EXPECT_DOUBLE_EQ(algbw_gbps(1000000, std::numeric_limits<double>::quiet_NaN()), 0.0);
}

TEST(Bandwidth, BusbwScalesByFactor) {
  EXPECT_DOUBLE_EQ(busbw_gbps(10.0, 1.5), 15.0);
  EXPECT_DOUBLE_EQ(busbw_gbps(10.0, 1.0), 10.0);
}

// nccl-tests reports 8 GiB allreduce in 47535 us as algbw 180.71 GB/s;
// with 8 ranks the bus factor 2*(8-1)/8 = 1.75 gives busbw 316.24.
TEST(Bandwidth, MatchesNcclTestsAllreduce) {
  const double algbw = algbw_gbps(8589934592ULL, 47535.0);
  EXPECT_NEAR(algbw, 180.70757530240874, 1e-10);
  EXPECT_DOUBLE_EQ(std::round(algbw * 100.0) / 100.0, 180.71);
  EXPECT_NEAR(busbw_gbps(algbw, 1.75), 316.2382567792153, 1e-10);
}

}  // namespace
}  // namespace collbench::stats

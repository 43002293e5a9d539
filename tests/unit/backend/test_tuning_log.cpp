// NCCL's TUNING debug lines (NCCL_DEBUG=INFO NCCL_DEBUG_SUBSYS=TUNING), as NCCL 2.28 prints them.
#include <gtest/gtest.h>

#include "backend/nccl/tuning_log.hpp"

namespace {

using collbench::backend::nccl::last_tuning_line;
using collbench::backend::nccl::parse_tuning_line;

TEST(TuningLog, ParsesAlgorithmProtocolAndChannels) {
  const auto t = parse_tuning_line(
      "gpu-a01:12345:12345 [0] NCCL INFO AllReduce: 1048576 Bytes -> Algo RING proto SIMPLE channel{Lo..Hi}={0..31}");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->func, "AllReduce");
  EXPECT_EQ(t->bytes, 1048576u);
  EXPECT_EQ(t->algo, "RING");
  EXPECT_EQ(t->proto, "SIMPLE");
  EXPECT_EQ(t->channel_lo, 0);
  EXPECT_EQ(t->channel_hi, 31);
}

TEST(TuningLog, AcceptsTheTrailingCommAndTheOlderFormWithoutChannels) {
  const auto a = parse_tuning_line("h:1:1 [3] NCCL INFO AllGather: 8 Bytes -> Algo NVLS_TREE proto LL128 channel{Lo..Hi}={2..5} comm 0x55a7a339db50");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->algo, "NVLS_TREE");
  EXPECT_EQ(a->proto, "LL128");
  EXPECT_EQ(a->channel_hi - a->channel_lo + 1, 4);
  const auto b = parse_tuning_line("NCCL INFO Broadcast: 4096 Bytes -> Algo Tree proto LL");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->algo, "Tree");
  EXPECT_EQ(b->channel_hi, 0);
}

TEST(TuningLog, RejectsOtherInfoLinesAndTruncatedOnes) {
  EXPECT_FALSE(parse_tuning_line("h:1:1 [0] NCCL INFO comm 0x1 rank 0 nRanks 8 nNodes 1 localRanks 8").has_value());
  EXPECT_FALSE(parse_tuning_line("h:1:1 [0] NCCL INFO AllReduce: 1048576 Bytes -> Algo").has_value());
  EXPECT_FALSE(parse_tuning_line("h:1:1 [0] NCCL INFO AllReduce: many Bytes -> Algo RING proto LL").has_value());
  EXPECT_FALSE(parse_tuning_line("AllReduce: 8 Bytes -> Algo RING proto LL").has_value());
  EXPECT_FALSE(parse_tuning_line("NCCL INFO AllReduce: 8 Bytes -> Algo RING proto LL channel{Lo..Hi}={0..").has_value());
}

TEST(TuningLog, TakesTheLastLineOfTheCollectiveAsked) {
  const std::string log =
      "h:1:1 [0] NCCL INFO AllReduce: 64 Bytes -> Algo TREE proto LL channel{Lo..Hi}={0..0}\n"
      "h:1:1 [0] NCCL INFO Init COMPLETE\n"
      "h:1:1 [0] NCCL INFO ReduceScatter: 64 Bytes -> Algo PAT proto SIMPLE channel{Lo..Hi}={0..1}\n"
      "h:1:1 [0] NCCL INFO AllReduce: 64 Bytes -> Algo RING proto LL128 channel{Lo..Hi}={0..3}";
  const auto t = last_tuning_line(log, "AllReduce");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->algo, "RING");
  EXPECT_EQ(t->proto, "LL128");
  EXPECT_EQ(last_tuning_line(log, "ReduceScatter")->algo, "PAT");
  EXPECT_FALSE(last_tuning_line(log, "Broadcast").has_value());
  EXPECT_FALSE(last_tuning_line("", "AllReduce").has_value());
}

}  // namespace

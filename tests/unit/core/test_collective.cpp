// Byte counts as nccl-tests computes them (src/*_perf.cu), hand-computed.
#include <gtest/gtest.h>

#include "core/collective.hpp"
#include "core/error.hpp"

namespace core = collbench::core;
using core::Collective;
using core::DataType;

TEST(Shape, AllreduceUsesTheWholeCount) {
  const auto s = core::shape(Collective::allreduce, 1000, DataType::float32, 3);
  EXPECT_EQ(s.param_count, 250u);
  EXPECT_EQ(s.bytes, 1000u);
  EXPECT_EQ(core::shape(Collective::allreduce, 1001, DataType::float32, 3).bytes, 1000u);  // whole elements
}

TEST(Shape, AllgatherRoundsEachRanksChunkTo16Bytes) {
  // 1 MiB float on 3 ranks: count 262144, /3 = 87381, & ~3 = 87380 per rank.
  const auto s = core::shape(Collective::allgather, 1u << 20, DataType::float32, 3);
  EXPECT_EQ(s.param_count, 87380u);
  EXPECT_EQ(s.send_count, 87380u);
  EXPECT_EQ(s.recv_count, 262140u);
  EXPECT_EQ(s.bytes, 1048560u);
  // int8: 16 elements per 16 bytes. 100 B on 4 ranks: 25 & ~15 = 16.
  EXPECT_EQ(core::shape(Collective::allgather, 100, DataType::int8, 4).param_count, 16u);
  // Too small to give each rank 16 bytes: 0.
  EXPECT_EQ(core::shape(Collective::allgather, 32, DataType::float32, 4).param_count, 0u);
}

TEST(Shape, ReduceScatterAndAlltoall) {
  const auto rs = core::shape(Collective::reducescatter, 4096, DataType::float64, 4);
  EXPECT_EQ(rs.param_count, 128u);
  EXPECT_EQ(rs.send_count, 512u);
  EXPECT_EQ(rs.recv_count, 128u);
  EXPECT_EQ(rs.bytes, 4096u);
  const auto a2a = core::shape(Collective::alltoall, 4096, DataType::half, 3);
  // count 2048, /3 = 682, & ~7 = 680 per peer.
  EXPECT_EQ(a2a.param_count, 680u);
  EXPECT_EQ(a2a.send_count, 2040u);
  EXPECT_EQ(a2a.bytes, 4080u);
}

TEST(BusFactor, MatchesNcclTests) {
  EXPECT_DOUBLE_EQ(core::bus_factor(Collective::allreduce, 16), 2.0 * 15 / 16);
  EXPECT_DOUBLE_EQ(core::bus_factor(Collective::allgather, 8), 7.0 / 8);
  EXPECT_DOUBLE_EQ(core::bus_factor(Collective::reducescatter, 2), 0.5);
  EXPECT_DOUBLE_EQ(core::bus_factor(Collective::alltoall, 4), 0.75);
  EXPECT_DOUBLE_EQ(core::bus_factor(Collective::broadcast, 4), 1.0);
  EXPECT_DOUBLE_EQ(core::bus_factor(Collective::allreduce, 1), 0.0);
}

TEST(Collectives, ParsesListsAndNamesTheBadToken) {
  EXPECT_EQ(core::parse_collectives("all").size(), 4u);
  EXPECT_EQ(core::parse_collectives("every").size(), 6u);
  const auto two = core::parse_collectives("alltoall,allreduce,alltoall");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0], Collective::alltoall);
  try {
    core::parse_collectives("allreduce,allgahter");
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("allgahter"), std::string::npos);
  }
  EXPECT_THROW(core::parse_collectives(""), core::InputError);
}

// Byte counts as nccl-tests computes them (src/*_perf.cu), hand-computed.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

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
  EXPECT_DOUBLE_EQ(core::bus_factor(Collective::sendrecv, 8), 1.0);    // sendrecv.cu:37-43
  EXPECT_DOUBLE_EQ(core::bus_factor(Collective::alltoallv, 4), 0.75);  // alltoallv.cu:459-461
}

TEST(Shape, SendrecvMovesTheWholeCountToOnePeer) {
  const auto s = core::shape(Collective::sendrecv, 1u << 20, DataType::float32, 8);
  EXPECT_EQ(s.param_count, 262144u);
  EXPECT_EQ(s.send_count, 262144u);
  EXPECT_EQ(s.recv_count, 262144u);
  EXPECT_EQ(s.bytes, 1048576u);
  EXPECT_EQ(core::nccl_tests_name(Collective::sendrecv), "sendrecv_perf");
  EXPECT_EQ(core::find_nccl_tests_program("alltoallv_perf"), Collective::alltoallv);
}

TEST(Shape, AlltoallvFollowsNcclTestsGeneratedTraffic) {
  // 1 MiB float on 4 ranks: per-peer count 262144/4 = 65536 (& ~3), total 1048576 B. Spread 1:
  // distance d gets d*1048576/6 B, 16-aligned: 174752, 349520, 524288 (and 0 to itself), 1048560 B.
  const auto s = core::shape(Collective::alltoallv, 1u << 20, DataType::float32, 4);
  EXPECT_EQ(s.param_count, 65536u);
  EXPECT_EQ(s.send_count, 262140u);
  EXPECT_EQ(s.recv_count, 262140u);
  EXPECT_EQ(s.bytes, 1048560u);
  // Uniform: 262144 B to each peer, itself included.
  const core::Traffic uniform = core::Traffic::generated(0);
  EXPECT_EQ(core::shape(Collective::alltoallv, 1u << 20, DataType::float32, 4, &uniform).bytes, 1048576u);
  const core::PeerCounts c = core::peer_counts(nullptr, 1, 4, 65536, DataType::float32);
  EXPECT_EQ(c.send, (std::vector<std::uint64_t>{524288 / 4, 0, 174752 / 4, 349520 / 4}));
  EXPECT_EQ(c.recv, (std::vector<std::uint64_t>{174752 / 4, 0, 524288 / 4, 349520 / 4}));
  EXPECT_EQ(c.recv_offset, (std::vector<std::uint64_t>{0, 43688, 43688, 174760}));
  // Rank 1's block in rank 2's buffer comes after what rank 2 sends rank 0 (distance 2).
  EXPECT_EQ(c.source_offset[2], 349520u / 4);
}

TEST(Traffic, MatrixFilesAreReadAsNcclTestsReadsThem) {
  const std::string path = ::testing::TempDir() + "/collbench_matrix.txt";
  const auto write = [&](const char* text) {
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(text, f);
    std::fclose(f);
  };
  write("100 200 150\n50 100 75\n300 150 200\n");  // alltoallv.cu's example
  const core::Traffic t = core::Traffic::parse("matrix:" + path, 2.0, "--alltoallv-traffic");
  EXPECT_EQ(t.dim(), 3);
  EXPECT_EQ(t.peer_bytes(0, 1, 3, 0), 400u);  // 200 * 2
  EXPECT_EQ(t.peer_bytes(1, 2, 3, 0), 144u);  // 75 * 2 = 150, down to 16 bytes
  const auto s = core::shape(Collective::alltoallv, 1u << 20, DataType::int8, 3, &t);
  EXPECT_EQ(s.param_count, 0u);              // the matrix, not the size, fixes the counts
  EXPECT_EQ(s.send_count, 1280u);            // row 2, scaled and 16-aligned: 592 + 288 + 400
  EXPECT_EQ(s.recv_count, 880u);             // columns: 192+96+592, 400+192+288, 288+144+400
  EXPECT_THROW(t.require_ranks(4), core::InputError);
  const auto message = [&](const char* text, const std::string& spec) {
    write(text);
    try {
      core::Traffic::parse(spec, 1.0, "--alltoallv-traffic");
    } catch (const core::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("1 2\n3\n", "matrix:" + path).find("row 2 has 1 values; expected 2"), std::string::npos);
  EXPECT_NE(message("1 2\n3 -4\n", "matrix:" + path).find("row 2 column 2 is '-4'"), std::string::npos);
  EXPECT_NE(message("1 2 3\n4 5 6\n", "matrix:" + path).find("2 rows of 3 values; expected a square matrix"),
            std::string::npos);
  EXPECT_NE(message("", "matrix:" + path).find("no values"), std::string::npos);
  EXPECT_NE(message("", "spread:1.5").find("expected uniform, spread:F"), std::string::npos);
  EXPECT_NE(message("", "matrix:/nonexistent/m.txt").find("traffic matrix '/nonexistent/m.txt'"), std::string::npos);
}

TEST(Collectives, ParsesListsAndNamesTheBadToken) {
  EXPECT_EQ(core::parse_collectives("all").size(), 4u);
  EXPECT_EQ(core::parse_collectives("every").size(), 8u);
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

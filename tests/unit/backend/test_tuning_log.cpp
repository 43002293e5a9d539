// NCCL's TUNING debug lines (NCCL_DEBUG=INFO NCCL_DEBUG_SUBSYS=TUNING), as NCCL 2.28 prints them.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "backend/nccl/tuning_log.hpp"

namespace {

using collbench::backend::nccl::last_tuning_line;
using collbench::backend::nccl::logged_init_ce;
using collbench::backend::nccl::tuning_notes;
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

// symmetric_sched.cc:228-231: "%s [Symmetric]: %ld Bytes -> Kernel %s nchannels %d nthreads %d nWorks %d".
TEST(TuningLog, ParsesTheSymmetricKernelLine) {
  const auto t = parse_tuning_line("gpu-a01:12345:12345 [0] NCCL INFO AllReduce [Symmetric]: 1048576 Bytes -> Kernel "
                                   "AllReduce_RSxLD_AGxST nchannels 8 nthreads 512 nWorks 1");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->func, "AllReduce");
  EXPECT_EQ(t->bytes, 1048576u);
  EXPECT_EQ(t->kernel, "AllReduce_RSxLD_AGxST");
  EXPECT_EQ(t->algo, "");
  EXPECT_EQ(t->proto, "");
  EXPECT_EQ(t->channel_hi - t->channel_lo + 1, 8);
  EXPECT_EQ(t->nthreads, 512);
  EXPECT_EQ(t->nworks, 1);
  const auto g = parse_tuning_line("h:1:1 [2] NCCL INFO AllGather [Symmetric]: 8192 Bytes -> Kernel AllGather_LL nchannels 1 "
                                   "nthreads 512 nWorks 2");
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->kernel, "AllGather_LL");
  EXPECT_EQ(g->nworks, 2);
  EXPECT_FALSE(parse_tuning_line("h:1:1 [0] NCCL INFO AllReduce [Symmetric]: 64 Bytes -> Kernel AllReduce_AGxLL_R").has_value());
  EXPECT_FALSE(parse_tuning_line("h:1:1 [0] NCCL INFO AllReduce [Symmetric]: 64 Bytes -> Kernel X nchannels 0 nthreads 512 "
                                 "nWorks 1").has_value());
  // The last line of the collective asked, whichever path it took.
  const std::string log =
      "h:1:1 [0] NCCL INFO AllReduce: 64 Bytes -> Algo RING proto LL channel{Lo..Hi}={0..1}\n"
      "h:1:1 [0] NCCL INFO AllReduce [Symmetric]: 64 Bytes -> Kernel AllReduce_AGxLL_R nchannels 2 nthreads 512 nWorks 1\n";
  EXPECT_EQ(last_tuning_line(log, "AllReduce")->kernel, "AllReduce_AGxLL_R");
}

// ce_coll.cc:48, subsystem INIT, once per communicator.
TEST(TuningLog, FindsTheCopyEngineInitLine) {
  EXPECT_TRUE(logged_init_ce("h:1:1 [0] NCCL INFO comm 0x1 rank 0 nRanks 4\n"
                             "h:1:1 [0] NCCL INFO Init CE, rank 0 baseUCSymReadyPtr 0x7f00, baseUCSymComplPtr 0x7f40, seq num 0\n"));
  EXPECT_FALSE(logged_init_ce("h:1:1 [0] NCCL INFO Init COMPLETE\n"));
  EXPECT_FALSE(logged_init_ce(""));
  EXPECT_FALSE(logged_init_ce("h:1:1 [0] NCCL WARN Init CE, rank 0 failed\n"));
}

// A case's notes: the usual line gives algorithm and protocol, the symmetric one the kernel; no
// line after "Init CE" (logged once per communicator, maybe cases ago) is the copy-engine path.
TEST(TuningLog, NotesSayWhichPathNcclTook) {
  bool ce = false;
  auto n = tuning_notes("h:1:1 [0] NCCL INFO AllReduce: 64 Bytes -> Algo RING proto LL channel{Lo..Hi}={0..3}\n", "AllReduce",
                        false, ce);
  EXPECT_EQ(n, (std::map<std::string, std::string>{{"nccl_algo", "RING"}, {"nccl_proto", "LL"}, {"nccl_channels", "4"}}));
  n = tuning_notes("h:1:1 [0] NCCL INFO AllReduce [Symmetric]: 64 Bytes -> Kernel AllReduce_AGxLL_R nchannels 1 nthreads 512 "
                   "nWorks 1\n", "AllReduce", false, ce);
  EXPECT_EQ(n, (std::map<std::string, std::string>{{"nccl_kernel", "symmetric AllReduce_AGxLL_R"}, {"nccl_channels", "1"}}));
  EXPECT_TRUE(tuning_notes("", "AllGather", true, ce).empty());  // no "Init CE" yet
  EXPECT_TRUE(tuning_notes("h:1:1 [0] NCCL INFO Init CE, rank 0 baseUCSymReadyPtr 0x1, baseUCSymComplPtr 0x2, seq num 0\n",
                           "AllGather", false, ce).empty());  // not a CE case
  EXPECT_TRUE(ce);
  n = tuning_notes("", "AllGather", true, ce);  // a later case: the communicator's marker stands
  EXPECT_EQ(n.at("nccl_path"), "copy engine (NCCL logged Init CE; no kernel line)");
}

}  // namespace

// collbench import on synthetic text logs written exactly as nccl-tests / rccl-tests print them
// (text_logs.hpp): each generation, launcher wrapping, several runs, cut-off logs, failures, and
// tests collbench does not model. -J JSON, files that are not logs and the store:
// test_import_json.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "ingest/nccl_tests.hpp"
#include "unit/ingest/import_support.hpp"
#include "unit/ingest/text_logs.hpp"
#include "unit/test_support.hpp"

namespace {

namespace ingest = collbench::ingest;
namespace results = collbench::results;
using namespace importlogs;
using namespace importsupport;
using testsupport::error_of;

// The text up to and including the first line that contains `marker` (with its newline).
std::string through_line(std::string_view text, std::string_view marker) {
  const auto at = text.find(marker);
  EXPECT_NE(at, std::string_view::npos) << marker;
  const auto nl = text.find('\n', at);
  return std::string(text.substr(0, nl + 1));
}

// ------------------------------------------------------------------ >= 2.17.3

TEST(TextFormat, NcclTests2176AllGatherWithoutCheck) {
  const auto log = parse(kAllGather2176);
  const auto& doc = log.doc;
  const auto& info = *doc.metadata.imported;
  EXPECT_NE(info.format.find(">= 2.17.3"), std::string::npos) << info.format;
  EXPECT_EQ(info.tool, "nccl-tests");
  EXPECT_EQ(info.tool_version, "2.17.6");
  EXPECT_EQ(info.program, "all_gather_perf");
  EXPECT_EQ(doc.metadata.backend_library, "NCCL 2.27.3");
  EXPECT_EQ(doc.metadata.settings.at("check"), "0");
  EXPECT_TRUE(info.complete);
  EXPECT_EQ(doc.status, "ok");
  EXPECT_DOUBLE_EQ(info.avg_busbw_gbps, 12.5123);
  EXPECT_EQ(info.out_of_bounds, 0);
  EXPECT_EQ(doc.metadata.nranks, 8);
  ASSERT_EQ(doc.results.size(), 6u);
  const std::uint64_t bytes[] = {1024, 1073741824, 2147483648};
  const double times[] = {25.31, 24.87, 49967.2, 49901.6, 100370, 100121};
  for (std::size_t i = 0; i < doc.results.size(); ++i) {
    const auto& r = doc.results[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(r.collective, "allgather");
    EXPECT_EQ(r.op, "none");
    EXPECT_EQ(r.root, -1);
    EXPECT_EQ(r.datatype, "float");
    EXPECT_EQ(r.bytes, bytes[i / 2]);
    EXPECT_EQ(r.count, bytes[i / 2] / 4 / 8);
    EXPECT_EQ(r.placement, i % 2 == 0 ? "out_of_place" : "in_place");
    EXPECT_EQ(r.nranks, 8);
    EXPECT_EQ(r.wrong, -1) << "'N/A': not checked";
    EXPECT_FALSE(r.checked);
    EXPECT_TRUE(has(r.missing, "wrong"));
    EXPECT_EQ(r.status, "ok");
    EXPECT_DOUBLE_EQ(r.time_us.mean, times[i]);
    EXPECT_EQ(r.iters, 20);
    EXPECT_EQ(r.warmup_iters, 1);
    const double alg = algbw(r.bytes, times[i]);
    EXPECT_NEAR(r.algbw_mean_gbps, alg, 1e-9 * alg);
    EXPECT_NEAR(r.busbw_mean_gbps, alg * 7.0 / 8.0, 1e-9 * alg) << "allgather busbw = algbw x (n-1)/n";
  }
  EXPECT_NEAR(doc.results[2].busbw_mean_gbps, 18.80, 0.006);
  EXPECT_NEAR(doc.results[4].busbw_mean_gbps, 18.72, 0.006);
  EXPECT_EQ(log.reps, std::vector<int>(6, 0));
  ASSERT_EQ(doc.metadata.hosts.size(), 2u);
  EXPECT_EQ(doc.metadata.hosts[0].host, "node-a");
  EXPECT_EQ(doc.metadata.hosts[0].ranks, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(doc.metadata.hosts[1].ranks, (std::vector<int>{4, 5, 6, 7}));
  ASSERT_EQ(doc.metadata.devices.size(), 8u);
  EXPECT_EQ(doc.metadata.devices[5].details.at("gpu"), "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(doc.metadata.devices[5].details.at("pci_bus_id"), "0000:05:00");
}

TEST(TextFormat, OldHeaderWithOneSpaceBeforeWrongIsNotReadAsNew) {
  const auto log = parse(kOpenMpiTagged);
  EXPECT_NE(log.doc.metadata.imported->format.find("2.13-2.17.2"), std::string::npos)
      << log.doc.metadata.imported->format;
}

// ------------------------------------------------------------------ -I per-iteration

TEST(TextFormat, PerIterationColumns) {
  const auto log = parse(kPerIter2192);
  const auto& doc = log.doc;
  EXPECT_NE(doc.metadata.imported->format.find("-I per-iteration"), std::string::npos) << doc.metadata.imported->format;
  EXPECT_EQ(doc.metadata.imported->tool_version, "2.19.2");
  ASSERT_EQ(doc.results.size(), 4u);
  struct Want {
    double mean, min, max, p99, cv_pct;
  };
  const Want want[] = {{45.12, 41.5, 60.25, 58.75, 3.42}, {44.87, 41.25, 59.5, 57.0, 2.95},
                       {70.33, 66.0, 95.5, 90.25, 4.1}, {69.9, 65.75, 94.0, 88.5, 3.87}};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    const auto& r = doc.results[i];
    const auto& t = r.time_us;
    EXPECT_EQ(r.collective, "allreduce");
    EXPECT_EQ(r.placement, i % 2 == 0 ? "out_of_place" : "in_place");
    EXPECT_EQ(r.wrong, 0);
    EXPECT_TRUE(r.checked);
    EXPECT_DOUBLE_EQ(t.mean, want[i].mean);
    EXPECT_DOUBLE_EQ(t.min, want[i].min);
    EXPECT_DOUBLE_EQ(t.max, want[i].max);
    EXPECT_DOUBLE_EQ(t.p99, want[i].p99);
    EXPECT_DOUBLE_EQ(t.cv, want[i].cv_pct / 100.0);
    EXPECT_NEAR(t.stddev, want[i].cv_pct / 100.0 * want[i].mean, 1e-9);
    for (const char* k : {"time_us.min", "time_us.max", "time_us.p99", "time_us.cv", "time_us.stddev"})
      EXPECT_FALSE(has(r.missing, k)) << k;
    EXPECT_TRUE(has(r.missing, "time_us.p50")) << "-I prints no median";
    EXPECT_TRUE(std::isnan(t.p50));
    const double alg = algbw(r.bytes, want[i].mean);
    EXPECT_NEAR(r.busbw_mean_gbps, alg, 1e-9 * alg) << "allreduce on 2 ranks: factor 1";
  }
}

// ------------------------------------------------------------------ several collectives, cycles

TEST(TextFormat, TwoCollectivesInOneLog) {
  const auto log = parse(kTwoCollectives);
  const auto& doc = log.doc;
  ASSERT_EQ(doc.results.size(), 8u);
  EXPECT_EQ(doc.metadata.imported->program, "all_reduce_perf,reduce_scatter_perf");
  EXPECT_TRUE(doc.metadata.imported->complete);
  EXPECT_EQ(doc.status, "ok");
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& r = doc.results[i];
    EXPECT_EQ(r.collective, "allreduce") << i;
    EXPECT_EQ(r.count * 4, r.bytes) << i;
    EXPECT_EQ(r.nranks, 4);
    const double alg = algbw(r.bytes, r.time_us.mean);
    EXPECT_NEAR(r.busbw_mean_gbps, alg * 2 * 3 / 4, 1e-9 * alg);
  }
  const std::uint64_t rs_count[] = {65536, 262144};
  const double rs_time[] = {40.10, 39.80, 95.60, 95.00};
  for (std::size_t i = 4; i < 8; ++i) {
    const auto& r = doc.results[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(r.collective, "reducescatter");
    EXPECT_EQ(r.op, "sum");
    EXPECT_EQ(r.count, rs_count[(i - 4) / 2]) << "count: per rank";
    EXPECT_EQ(r.bytes, r.count * 4 * 4) << "size: count x 4 B x 4 ranks";
    EXPECT_EQ(r.nranks, 4);
    EXPECT_DOUBLE_EQ(r.time_us.mean, rs_time[i - 4]);
    const double alg = algbw(r.bytes, rs_time[i - 4]);
    EXPECT_NEAR(r.busbw_mean_gbps, alg * 3 / 4, 1e-9 * alg) << "reducescatter busbw = algbw x (n-1)/n";
  }
  EXPECT_NEAR(doc.results[4].busbw_mean_gbps, 19.61, 0.006);
  EXPECT_EQ(log.reps, std::vector<int>(8, 0));
}

TEST(TextFormat, RunCyclesGiveRepetitions) {
  const auto log = parse(kTwoCycles);
  ASSERT_EQ(log.doc.results.size(), 8u);
  EXPECT_EQ(log.reps, (std::vector<int>{0, 0, 0, 0, 1, 1, 1, 1}));
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(log.doc.results[i].bytes, log.doc.results[i + 4].bytes);
    EXPECT_EQ(log.doc.results[i].placement, log.doc.results[i + 4].placement);
  }
  EXPECT_EQ(log.doc.status, "ok");
}

// ------------------------------------------------------------------ launcher wrapping

void expect_four_rank_allreduce(const ingest::ImportedLog& log) {
  const auto& doc = log.doc;
  ASSERT_EQ(doc.results.size(), 10u) << notes_of(log);
  const std::uint64_t bytes[] = {8, 16, 1024, 1048576, 2097152};
  const double oop[] = {20.11, 20.25, 22.50, 30.12, 48.50};
  for (std::size_t i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    const auto& r = doc.results[2 * i];
    EXPECT_EQ(r.collective, "allreduce");
    EXPECT_EQ(r.bytes, bytes[i]);
    EXPECT_EQ(r.count, bytes[i] / 4);
    EXPECT_EQ(r.placement, "out_of_place");
    EXPECT_EQ(doc.results[2 * i + 1].placement, "in_place");
    EXPECT_DOUBLE_EQ(r.time_us.mean, oop[i]);
    EXPECT_EQ(r.wrong, 0);
    EXPECT_EQ(r.nranks, 4);
  }
  EXPECT_NEAR(doc.results[6].busbw_mean_gbps, 52.22, 0.006);
  EXPECT_EQ(doc.metadata.nranks, 4);
  ASSERT_EQ(doc.metadata.hosts.size(), 2u);
  EXPECT_EQ(doc.metadata.hosts[0].host, "node1");
  EXPECT_EQ(doc.metadata.hosts[1].host, "node2");
  EXPECT_EQ(doc.metadata.imported->program, "all_reduce_perf");
  EXPECT_TRUE(doc.metadata.imported->complete);
  EXPECT_EQ(doc.status, "ok");
  EXPECT_DOUBLE_EQ(doc.metadata.imported->avg_busbw_gbps, 28.6713);
}

TEST(TextFormat, OpenMpiTagOutputWithNcclInfoBetweenRows) {
  const auto log = parse(kOpenMpiTagged);
  expect_four_rank_allreduce(log);
  EXPECT_EQ(log.doc.metadata.backend_library, "NCCL 2.18.5+cuda12.2");
}

TEST(TextFormat, SrunLabelPrefixes) { expect_four_rank_allreduce(parse(kSrunLabelled)); }

// ------------------------------------------------------------------ rccl-tests in-place only

TEST(TextFormat, RcclInPlaceOnlyTable) {
  const auto log = parse(kRcclInPlaceOnly);
  const auto& doc = log.doc;
  EXPECT_EQ(doc.metadata.imported->tool, "rccl-tests");
  EXPECT_EQ(doc.metadata.imported->tool_version, "develop:448c4c7");
  EXPECT_EQ(doc.metadata.backend_library, "RCCL 2.22.3-HEAD:7d8d67c");
  EXPECT_NE(doc.metadata.imported->format.find("rccl-tests"), std::string::npos);
  ASSERT_EQ(doc.results.size(), 3u);
  const double times[] = {30.12, 30.55, 31.02};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& r = doc.results[i];
    EXPECT_EQ(r.placement, "in_place") << i;
    EXPECT_EQ(r.collective, "allreduce");
    EXPECT_EQ(r.bytes, 1024u << i);
    EXPECT_DOUBLE_EQ(r.time_us.mean, times[i]);
    EXPECT_EQ(r.nranks, 8);
    EXPECT_EQ(r.wrong, 0);
  }
  EXPECT_NEAR(doc.results[2].busbw_mean_gbps, 0.23, 0.006);
  EXPECT_EQ(doc.status, "ok");
  ASSERT_EQ(doc.metadata.hosts.size(), 1u);
  EXPECT_EQ(doc.metadata.hosts[0].ranks.size(), 8u);
}

// ------------------------------------------------------------------ cut off, failures

TEST(TextFormat, CutOffMidRowWithoutNewline) {
  // Two complete rows, then the 2 GiB row cut after its out-of-place algbw, no newline.
  std::string text = through_line(kAllGather2176, "  1073741824      33554432");
  text += "  2147483648      67108864     float    none      -1   100370   21.40";
  const auto log = parse(text);
  ASSERT_EQ(log.doc.results.size(), 4u) << notes_of(log);
  EXPECT_EQ(log.doc.results.back().bytes, 1073741824u);
  EXPECT_EQ(log.doc.status, "running");
  EXPECT_FALSE(log.doc.metadata.imported->complete);
  EXPECT_TRUE(has_note(log, "cut off")) << notes_of(log);
  EXPECT_TRUE(std::isnan(log.doc.metadata.imported->avg_busbw_gbps));
}

TEST(TextFormat, CutOffInsideTheLastTokenOfARow) {
  // Every column is there but the last one is cut ("N/" of "N/A"): the row is still not imported.
  std::string text = through_line(kAllGather2176, "  1073741824      33554432");
  text += "  2147483648      67108864     float    none      -1   100370   21.40   18.72    N/A   100121   21.45   18.77    N/";
  const auto log = parse(text);
  ASSERT_EQ(log.doc.results.size(), 4u) << notes_of(log);
  EXPECT_EQ(log.doc.status, "running");
  EXPECT_FALSE(log.doc.metadata.imported->complete);
}

TEST(TextFormat, TestFailureLineMeansFailed) {
  std::string text = through_line(kAllGather2176, "  1073741824      33554432");
  text += " node-a: Test NCCL failure common.cu:1130 'unhandled system error'\n";
  text += " .. node-a pid 1000: Test failure common.cu:1060\n";
  const auto log = parse(text);
  EXPECT_EQ(log.doc.status, "failed");
  EXPECT_EQ(log.doc.results.size(), 4u);
  EXPECT_TRUE(has_note(log, "unhandled system error")) << notes_of(log);
}

TEST(TextFormat, TimestampColumnAfterTheTable) {
  const auto log = parse(kTimestamps);
  ASSERT_EQ(log.doc.results.size(), 4u) << notes_of(log);
  const double times[] = {25.31, 24.87, 49967.2, 49901.6};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(log.doc.results[i].time_us.mean, times[i]) << i;
    EXPECT_EQ(log.doc.results[i].wrong, 0) << i;
    EXPECT_EQ(log.doc.results[i].collective, "allgather");
  }
  EXPECT_EQ(log.doc.status, "ok");
}

TEST(TextFormat, WindowsLineEndings) {
  std::string crlf;
  for (const char c : kAllGather2176) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  const auto log = parse(crlf);
  ASSERT_EQ(log.doc.results.size(), 6u) << notes_of(log);
  EXPECT_DOUBLE_EQ(log.doc.results[5].time_us.mean, 100121);
  EXPECT_EQ(log.doc.metadata.nranks, 8);
  EXPECT_EQ(log.doc.metadata.hosts.size(), 2u);
  EXPECT_EQ(log.doc.metadata.imported->format, parse(kAllGather2176).doc.metadata.imported->format);
  EXPECT_EQ(log.doc.status, "ok");
  EXPECT_DOUBLE_EQ(log.doc.metadata.imported->avg_busbw_gbps, 12.5123);
}

TEST(TextFormat, FailureInsideARow) {
  // NCCLCHECK's message lands on the row's unterminated preamble; main then prints " .. Test failure".
  std::string text = through_line(kAllGather2176, "        1024            32");
  text += "  1073741824      33554432     float    none      -1node-a: Test NCCL failure common.cu:1130 'unhandled system error'\n";
  text += " .. node-a pid 1000: Test failure common.cu:1060\n";
  const auto log = parse(text);
  EXPECT_EQ(log.doc.status, "failed");
  ASSERT_EQ(log.doc.results.size(), 2u) << notes_of(log);
  EXPECT_EQ(log.doc.results.back().bytes, 1024u);
}

TEST(TextFormat, FailedMinBandwidthFooterMeansFailed) {
  std::string text(kAllGather2176);
  const std::string from = "# Avg bus bandwidth    : 12.5123 \n";
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), "# Avg bus bandwidth    : 12.5123 FAILED\n");
  const auto log = parse(text);
  EXPECT_EQ(log.doc.status, "failed");
  EXPECT_DOUBLE_EQ(log.doc.metadata.imported->avg_busbw_gbps, 12.5123);
}

// ------------------------------------------------------------------ point to point: sendrecv_perf

TEST(TextFormat, SendRecvRowsAreImportedBesideTheOtherTest) {
  const std::string text = std::string(kTwoCollectives.substr(0, kTwoCollectives.find("# nccl-tests version", 10))) +
                           std::string(kSendRecv);
  const auto log = parse(text);
  ASSERT_EQ(log.doc.results.size(), 10u) << notes_of(log);
  int sendrecv = 0;
  for (const auto& r : log.doc.results) {
    if (r.collective != "sendrecv") continue;
    ++sendrecv;
    EXPECT_EQ(r.op, "none") << "sendrecv_perf prints the op it loops over; none is applied";
    EXPECT_EQ(r.root, -1);
    EXPECT_EQ(r.datatype, "float");
  }
  EXPECT_EQ(sendrecv, 6);
  EXPECT_FALSE(has_note(log, "skipped")) << notes_of(log);
}

TEST(TextFormat, SendRecvAloneImportsExactly) {
  const auto log = parse(kSendRecv);
  ASSERT_EQ(log.doc.results.size(), 6u) << notes_of(log);
  const auto& first = log.doc.results[0];
  EXPECT_EQ(first.collective, "sendrecv");
  EXPECT_EQ(first.bytes, 1024u);
  EXPECT_EQ(first.count, 256u);
  EXPECT_EQ(first.placement, "out_of_place");
  ASSERT_TRUE(first.nccl_tests.has_value());
  EXPECT_DOUBLE_EQ(first.nccl_tests->time_us, 12.31);
  EXPECT_DOUBLE_EQ(first.nccl_tests->algbw_gbps, 1024 / 12.31 / 1e3);  // from the time's digits
  EXPECT_DOUBLE_EQ(first.nccl_tests->busbw_gbps, first.nccl_tests->algbw_gbps);  // bus factor 1
  EXPECT_EQ(log.doc.metadata.nranks, 2);
}

TEST(TextFormat, UnnamedAllGatherLikeTableNeedsCollective) {
  const std::string msg = error_of([] { parse(kNoProgramAllGatherLike); });
  EXPECT_HAS(msg, "synthetic.log");
  EXPECT_HAS(msg, "--collective");

  ingest::ImportOptions opt;
  opt.collective = "alltoall";
  const auto log = parse(kNoProgramAllGatherLike, opt);
  ASSERT_EQ(log.doc.results.size(), 6u);
  for (const auto& r : log.doc.results) {
    EXPECT_EQ(r.collective, "alltoall");
    EXPECT_EQ(r.nranks, 8);
    EXPECT_EQ(r.op, "none");
    const double alg = algbw(r.bytes, r.time_us.mean);
    EXPECT_NEAR(r.busbw_mean_gbps, alg * 7 / 8, 1e-9 * alg);
  }
  EXPECT_EQ(log.doc.status, "ok");
}

TEST(TextFormat, UnnamedTableWithCollectiveOptionReadsRanksFromBandwidths) {
  ingest::ImportOptions opt;
  opt.collective = "alltoall";
  const auto log = parse(kNoProgramNoDevices, opt);
  ASSERT_EQ(log.doc.results.size(), 6u);
  for (const auto& r : log.doc.results) {
    EXPECT_EQ(r.nranks, 8);
    EXPECT_FALSE(has(r.missing, "nranks"));
  }
}

TEST(TextFormat, UnnamedTableWithoutDevicesStillNeedsCollective) {
  const std::string msg = error_of([] { parse(kNoProgramNoDevices); });
  EXPECT_HAS(msg, "--collective");
}

}  // namespace

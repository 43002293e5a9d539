// Schema 9 on import: each record keeps what its row printed (`printed`) next to collbench's
// recalculation, and the document records which algbw definition the log's all_gather /
// reduce_scatter tables used (nccl-tests #45, changed by ec1b5e2 in 2020), on synthetic logs.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ingest/algbw_definition.hpp"
#include "ingest/nccl_tests.hpp"
#include "unit/ingest/import_support.hpp"
#include "unit/ingest/old_logs.hpp"
#include "unit/ingest/text_logs.hpp"

namespace {

namespace ingest = collbench::ingest;
using ingest::AlgbwDefinition;
using ingest::PrintedRow;
using namespace importsupport;

const std::string kPre2020 = "pre-2020 (nccl-tests #45)";

// ------------------------------------------------------------------ printed figures

TEST(ImportPrinted, TextRowsKeepTheirPrintedFiguresNextToTheRecalculation) {
  const auto log = parse(importlogs::kAllGather2176);
  ASSERT_EQ(log.doc.results.size(), 6u);
  // The rows as printed: time, algbw, busbw per placement.
  const double want[6][3] = {{25.31, 0.04, 0.04},    {24.87, 0.04, 0.04},    {49967.2, 21.49, 18.80},
                             {49901.6, 21.52, 18.83}, {100370, 21.40, 18.72}, {100121, 21.45, 18.77}};
  for (std::size_t i = 0; i < 6; ++i) {
    SCOPED_TRACE(i);
    const auto& r = log.doc.results[i];
    ASSERT_TRUE(r.printed.has_value());
    EXPECT_EQ(r.printed->time_us, want[i][0]);
    EXPECT_EQ(r.printed->algbw_gbps, want[i][1]);
    EXPECT_EQ(r.printed->busbw_gbps, want[i][2]);
  }
  // 1 KiB in 25.31 us: busbw 1024 / 25.31 / 1e3 x 7/8 = 0.0354 recomputed, 0.04 printed. Both kept.
  const auto& small = log.doc.results[0];
  EXPECT_NEAR(small.busbw_mean_gbps, algbw(1024, 25.31) * 7 / 8, 1e-12);
  EXPECT_NE(small.busbw_mean_gbps, small.printed->busbw_gbps);
  EXPECT_NEAR(small.algbw_mean_gbps, algbw(1024, 25.31), 1e-12);
  EXPECT_EQ(log.doc.metadata.imported->algbw_definition, "current") << "nccl-tests version 2.17.6";
}

TEST(ImportPrinted, AllReduceLogRecordsNoAlgbwDefinition) {
  const auto log = parse(importlogs::kPerIter2192);
  EXPECT_EQ(log.doc.metadata.imported->algbw_definition, "") << "the definitions agree for all_reduce";
  ASSERT_FALSE(log.doc.results.empty());
  ASSERT_TRUE(log.doc.results[0].printed.has_value());
  EXPECT_EQ(log.doc.results[0].printed->busbw_gbps, 23.24);
}

// An -J document (nccl-tests' JSON_FILE_VERSION 3 layout, util.cu): all_gather on 4 ranks, one
// bandwidth printed "nan", and a busbw 1.5% off the recalculation (within the note's 2%).
std::string json_log() {
  return R"JSON({"version":3,"start_time":"2025-03-01 09:00:00","args":["./all_gather_perf","-b","64M","-e","128M","-f","2","-J","ag.json"],"env":[],"nccl_version":22703,"config":{"nthreads":1,"ngpus":1,"minimum_bytes":67108864,"maximum_bytes":134217728,"step_factor":2,"warmup_iters":1,"iterations":20,"aggregated_iterations":1,"validation":0,"graph":0,"devices":[{"rank":0,"group":0,"pid":11,"hostname":"n1","device":0,"device_hex":"0000:1b:00","device_info":"NVIDIA H100"},{"rank":1,"group":0,"pid":12,"hostname":"n1","device":1,"device_hex":"0000:2b:00","device_info":"NVIDIA H100"},{"rank":2,"group":0,"pid":13,"hostname":"n2","device":0,"device_hex":"0000:1b:00","device_info":"NVIDIA H100"},{"rank":3,"group":0,"pid":14,"hostname":"n2","device":1,"device_hex":"0000:2b:00","device_info":"NVIDIA H100"}]},"results":[{"size":67108864,"count":4194304,"type":"float","redop":"none","root":"    -1","out_of_place":{"time":1850.250000,"alg_bw":36.270262,"bus_bw":27.612345,"nwrong":null},"in_place":{"time":1841.500000,"alg_bw":"nan","bus_bw":27.331600,"nwrong":null},"actual_iterations":20,"experiment_name":""},{"size":134217728,"count":8388608,"type":"float","redop":"none","root":"    -1","out_of_place":{"time":3620.125000,"alg_bw":37.075715,"bus_bw":27.806786,"nwrong":null},"in_place":{"time":3611.000000,"alg_bw":37.169410,"bus_bw":27.877058,"nwrong":null},"actual_iterations":20,"experiment_name":""}],"out_of_bounds":{"count":0,"okay":"true"},"average_bus_bandwidth":{"bandwidth":27.656947,"okay":"unchecked"},"errors":[],"end_time":"2025-03-01 09:00:02"})JSON";
}

TEST(ImportPrinted, JsonResultsKeepTheirPrintedFigures) {
  const auto log = ingest::parse_json_log(json_log(), "ag.json");
  ASSERT_EQ(log.doc.results.size(), 4u);
  const auto& r0 = log.doc.results[0];
  ASSERT_TRUE(r0.printed.has_value());
  EXPECT_EQ(r0.printed->time_us, 1850.25);
  EXPECT_EQ(r0.printed->algbw_gbps, 36.270262);
  EXPECT_EQ(r0.printed->busbw_gbps, 27.612345);
  // Recomputed: 64 MiB / 1850.25 us x 3/4 = 27.2027; printed 27.612345 (1.5% off): both kept.
  EXPECT_NEAR(r0.busbw_mean_gbps, algbw(67108864, 1850.25) * 0.75, 1e-9);
  EXPECT_NEAR(r0.algbw_mean_gbps, algbw(67108864, 1850.25), 1e-9);
  const auto& r1 = log.doc.results[1];
  ASSERT_TRUE(r1.printed.has_value());
  EXPECT_TRUE(std::isnan(r1.printed->algbw_gbps)) << "\"nan\" printed";
  EXPECT_EQ(r1.printed->busbw_gbps, 27.3316);
  EXPECT_EQ(log.doc.metadata.imported->algbw_definition, "current") << notes_of(log);
}

// ------------------------------------------------------------------ the algbw definition

TEST(ImportAlgbwDefinition, ByVersion) {
  EXPECT_EQ(ingest::definition_of_version("nccl-tests", "2.17.6"), AlgbwDefinition::current);
  EXPECT_EQ(ingest::definition_of_version("nccl-tests", "2.9.0"), AlgbwDefinition::current);
  EXPECT_EQ(ingest::definition_of_version("nccl-tests", "2.0.0"), AlgbwDefinition::pre_2020);
  EXPECT_EQ(ingest::definition_of_version("nccl-tests", ""), AlgbwDefinition::unknown);
  EXPECT_EQ(ingest::definition_of_version("rccl-tests", "a1b2c3d"), AlgbwDefinition::unknown);
}

// Rows of size / time: 64 MiB in 3000 us is 22.37 GB/s in today's definition.
std::vector<PrintedRow> rows(int nranks, bool old) {
  std::vector<PrintedRow> out;
  for (const std::uint64_t bytes : {1024ull, 1048576ull, 67108864ull}) {
    const double time = bytes == 1024 ? 12.5 : bytes == 1048576 ? 95.0 : 3000.0;
    double alg = static_cast<double>(bytes) / time / 1e3;
    if (old) alg *= (nranks - 1.0) / nranks;
    out.push_back({bytes, time, std::round(alg * 100) / 100});  // printed with two decimals
  }
  return out;
}

TEST(ImportAlgbwDefinition, FromRowsOnFourAndEightRanks) {
  for (const int n : {4, 8}) {
    SCOPED_TRACE(n);
    EXPECT_EQ(ingest::definition_of_rows(n, rows(n, true)), AlgbwDefinition::pre_2020);
    EXPECT_EQ(ingest::definition_of_rows(n, rows(n, false)), AlgbwDefinition::current);
  }
  EXPECT_EQ(ingest::definition_of_rows(0, rows(8, true)), AlgbwDefinition::unknown) << "ranks not known";
  const std::vector<PrintedRow> tiny = {{32, 11.32, 0.0}, {64, 11.41, 0.01}, {256, 11.93, 0.02}};
  EXPECT_EQ(ingest::definition_of_rows(8, tiny), AlgbwDefinition::unknown) << "two decimals of 0.02 tell nothing";
  std::vector<PrintedRow> mixed = rows(8, true);
  mixed.push_back(rows(8, false).back());
  EXPECT_EQ(ingest::definition_of_rows(8, mixed), AlgbwDefinition::unknown) << "rows that disagree";
  const std::vector<PrintedRow> neither = {{67108864, 3000.0, 11.18}};  // half of size / time
  EXPECT_EQ(ingest::definition_of_rows(8, neither), AlgbwDefinition::unknown);
}

TEST(ImportAlgbwDefinition, ReduceScatterLogsBefore2020AreDetectedAndNoted) {
  for (const auto& [text, n] : {std::pair{oldlogs::kReduceScatterPre2020Ranks8, 8}, std::pair{oldlogs::kReduceScatterPre2020Ranks4, 4}}) {
    SCOPED_TRACE(n);
    const auto log = parse(text);
    const auto& info = *log.doc.metadata.imported;
    EXPECT_EQ(info.tool_version, "") << "no version line before 2.18.5";
    EXPECT_EQ(info.algbw_definition, kPre2020);
    const std::string first_row = n == 8 ? "16" : "12";  // after the preamble, n device lines and the header
    EXPECT_TRUE(has_note(log, "synthetic.log:" + first_row + ": the reducescatter table prints algbw as nccl-tests did "
                              "before mid-2020"))
        << notes_of(log);
    ASSERT_EQ(log.doc.results.size(), 8u);
    for (const auto& r : log.doc.results) {
      SCOPED_TRACE(r.bytes);
      EXPECT_EQ(r.collective, "reducescatter");
      EXPECT_EQ(r.nranks, n);
      ASSERT_TRUE(r.printed.has_value());
      // Printed: the old algbw (busbw = algbw); recomputed: today's size / time, and the same busbw.
      EXPECT_EQ(r.printed->algbw_gbps, r.printed->busbw_gbps);
      EXPECT_NEAR(r.algbw_mean_gbps, algbw(r.bytes, r.printed->time_us), 1e-12);
      EXPECT_NEAR(r.printed->algbw_gbps / r.algbw_mean_gbps, (n - 1.0) / n, 0.001);
      EXPECT_NEAR(r.busbw_mean_gbps, r.printed->busbw_gbps, 0.006);
    }
  }
}

TEST(ImportAlgbwDefinition, CurrentAndTinyReduceScatterLogs) {
  const auto current = parse(oldlogs::kReduceScatterCurrentRanks8);
  EXPECT_EQ(current.doc.metadata.imported->algbw_definition, "current");
  EXPECT_FALSE(has_note(current, "before mid-2020")) << notes_of(current);
  const auto tiny = parse(oldlogs::kReduceScatterTinySizes8);
  EXPECT_EQ(tiny.doc.metadata.imported->algbw_definition, "unknown");
  EXPECT_FALSE(has_note(tiny, "before mid-2020")) << notes_of(tiny);
  EXPECT_EQ(parse(importlogs::kTwoCollectives).doc.metadata.imported->algbw_definition, "current")
      << "by its version line";
}

TEST(ImportAlgbwDefinition, AllGatherLogsBefore2020AreDetectedAndNoted) {
  for (const auto& [text, n] : {std::pair{oldlogs::kAllGatherPre2020Ranks8, 8}, std::pair{oldlogs::kAllGatherPre2020Ranks4, 4}}) {
    SCOPED_TRACE(n);
    const auto log = parse(text);
    EXPECT_EQ(log.doc.metadata.imported->algbw_definition, kPre2020);
    const std::string first_row = n == 8 ? "17" : "13";  // the command, the preamble, n devices, the header
    EXPECT_TRUE(has_note(log, "synthetic.log:" + first_row + ": the allgather table prints algbw as nccl-tests did "
                              "before mid-2020"))
        << notes_of(log);
    ASSERT_EQ(log.doc.results.size(), 8u);
    for (const auto& r : log.doc.results) {
      SCOPED_TRACE(r.bytes);
      EXPECT_EQ(r.collective, "allgather");
      EXPECT_EQ(r.nranks, n);
      ASSERT_TRUE(r.printed.has_value());
      EXPECT_NEAR(r.algbw_mean_gbps, algbw(r.bytes, r.printed->time_us), 1e-12) << "today's definition";
      EXPECT_NEAR(r.printed->algbw_gbps / r.algbw_mean_gbps, (n - 1.0) / n, 0.001) << "as printed";
      EXPECT_NEAR(r.busbw_mean_gbps, r.printed->busbw_gbps, 0.006) << "busbw is the same in both";
    }
  }
}

}  // namespace

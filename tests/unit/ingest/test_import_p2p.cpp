// collbench import of nccl-tests' point-to-point tests: alltoallv_perf (its per-peer counts, its
// NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY lines inside rows, its traffic) and sendrecv_perf -o all (the
// same transfer once per op), from real 2.19.6 output (p2p_logs.hpp), text and -J JSON.
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ingest/nccl_tests.hpp"
#include "unit/ingest/import_support.hpp"
#include "unit/ingest/p2p_logs.hpp"

namespace {

namespace ingest = collbench::ingest;
using namespace importsupport;
using namespace p2plogs;

const std::string kSpreadHalf = "generated, spread 0.5 (1 = distance-weighted, nccl-tests' default)";

std::string without_lines(std::string_view text, std::string_view marker) {
  std::istringstream in{std::string(text)};
  std::string out, line;
  while (std::getline(in, line))
    if (line.find(marker) == std::string::npos) out += line + "\n";
  return out;
}

// The table as it would read without NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY: the per-rank lines gone,
// each "# NCCL_TESTS_…" tail cut and the next piece appended to the row.
std::string without_summary(std::string_view text) {
  std::istringstream in{without_lines(text, "#   rank=")};
  std::string out, line;
  while (std::getline(in, line)) {
    const auto at = line.find("# NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY");
    if (at != std::string::npos && at > 0) out += line.substr(0, at) + " ";
    else out += line + "\n";
  }
  return out;
}

// ------------------------------------------------------------------ alltoallv_perf, text

TEST(AllToAllvText, EveryRowImportsAsPrinted) {
  const auto log = parse(kAllToAllv);
  const auto& doc = log.doc;
  EXPECT_EQ(doc.metadata.imported->program, "alltoallv_perf");
  EXPECT_EQ(doc.metadata.nranks, 4);
  EXPECT_EQ(doc.status, "ok");
  EXPECT_TRUE(doc.metadata.imported->complete) << notes_of(log);
  ASSERT_EQ(doc.results.size(), 10u) << notes_of(log);
  for (const auto& r : doc.results) {
    SCOPED_TRACE(r.bytes);
    EXPECT_EQ(r.collective, "alltoallv");
    EXPECT_EQ(r.datatype, "float");
    EXPECT_EQ(r.op, "none") << "alltoallv_perf prints 'none' (alltoallv.cu:621)";
    EXPECT_EQ(r.root, -1);
    EXPECT_EQ(r.nranks, 4);
    if (r.placement == "in_place") {
      EXPECT_EQ(r.wrong, -1) << "N/A: alltoallv_perf does not check in place";
      EXPECT_FALSE(r.checked);
    } else {
      EXPECT_EQ(r.wrong, 0);
      EXPECT_TRUE(r.checked);
    }
  }
  // 8 and 32 bytes requested: 0 elements per peer, both rows size 0 — one case, two repetitions.
  EXPECT_EQ(doc.results[0].bytes, 0u);
  EXPECT_EQ(doc.results[2].bytes, 0u);
  EXPECT_EQ(log.reps[0], 0);
  EXPECT_EQ(log.reps[2], 1);
  // size = the largest send (16-byte aligned per peer), count = the per-peer count.
  const auto& r112 = doc.results[4];
  EXPECT_EQ(r112.bytes, 112u);
  EXPECT_EQ(r112.count, 8u);
  EXPECT_EQ(r112.placement, "out_of_place");
  ASSERT_TRUE(r112.nccl_tests.has_value());
  EXPECT_DOUBLE_EQ(r112.nccl_tests->time_us, 28.12);
  ASSERT_TRUE(doc.results[5].printed.has_value());
  EXPECT_DOUBLE_EQ(doc.results[5].printed->time_us, 35.69);
  const auto& last = doc.results[8];
  EXPECT_EQ(last.bytes, 131056u);
  EXPECT_EQ(last.count, 8192u);
  ASSERT_TRUE(last.printed.has_value());
  EXPECT_DOUBLE_EQ(last.printed->time_us, 72.78);
  EXPECT_DOUBLE_EQ(last.printed->algbw_gbps, 1.80);
  EXPECT_DOUBLE_EQ(last.printed->busbw_gbps, 1.35);
  EXPECT_DOUBLE_EQ(last.busbw_mean_gbps, algbw(131056, 72.78) * 3 / 4) << "bus factor (n-1)/n";
  // The text does not say which traffic ran: a note, no setting.
  EXPECT_EQ(doc.metadata.settings.count("alltoallv_traffic"), 0u);
  EXPECT_TRUE(has_note(log, "does not say which traffic ran")) << notes_of(log);
}

TEST(AllToAllvText, RanksFromTheBandwidthRatioWithoutDevices) {
  const auto log = parse(without_lines(kAllToAllv, "#  Rank "));
  EXPECT_EQ(log.doc.metadata.nranks, 4) << notes_of(log);  // 1.35 / 1.80 = 3/4
  ASSERT_FALSE(log.doc.results.empty());
  EXPECT_EQ(log.doc.results.back().nranks, 4);
  EXPECT_TRUE(has_note(log, "4 ranks read from the busbw/algbw ratio")) << notes_of(log);
}

TEST(AllToAllvText, PrintSummaryLinesInsideRowsAreReadAcross) {
  const auto log = parse(kAllToAllvSummary);
  const auto plain = parse(without_summary(kAllToAllvSummary));
  ASSERT_EQ(plain.doc.results.size(), 6u) << "the reference reading: " << notes_of(plain);
  ASSERT_EQ(log.doc.results.size(), plain.doc.results.size()) << notes_of(log);
  for (std::size_t i = 0; i < log.doc.results.size(); ++i) {
    const auto& a = log.doc.results[i];
    const auto& b = plain.doc.results[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(a.bytes, b.bytes);
    EXPECT_EQ(a.count, b.count);
    EXPECT_EQ(a.placement, b.placement);
    EXPECT_EQ(a.op, "none");
    EXPECT_EQ(a.wrong, b.wrong);
    ASSERT_TRUE(a.printed && b.printed);
    EXPECT_EQ(a.printed->time_us, b.printed->time_us);
    EXPECT_EQ(a.printed->algbw_gbps, b.printed->algbw_gbps);
    EXPECT_EQ(a.printed->busbw_gbps, b.printed->busbw_gbps);
  }
  const auto& r = log.doc.results[2];  // 112 bytes, out of place: "28.26 0.00 0.00 0", after 5 lines
  EXPECT_EQ(r.bytes, 112u);
  EXPECT_EQ(r.count, 8u);
  EXPECT_DOUBLE_EQ(r.printed->time_us, 28.26);
  EXPECT_DOUBLE_EQ(log.doc.results[3].printed->time_us, 31.07);
  EXPECT_EQ(log.doc.results[3].wrong, -1);
  EXPECT_EQ(r.backend_notes.at("source_line"), "25") << "the line where the row starts";
  EXPECT_TRUE(log.doc.metadata.imported->complete) << notes_of(log);
  EXPECT_EQ(log.doc.status, "ok");
  EXPECT_FALSE(has_note(log, "not imported")) << notes_of(log);
  EXPECT_TRUE(has_note(log, "NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY")) << notes_of(log);
  // The summary names the traffic: recorded as a run records it.
  EXPECT_EQ(log.doc.metadata.settings.at("alltoallv_traffic"), kSpreadHalf);
  EXPECT_FALSE(has_note(log, "does not say which traffic ran")) << notes_of(log);
}

TEST(AllToAllvText, LogCutInsideASplitRowDropsThatRow) {
  const std::string text(kAllToAllvSummary);
  // Up to the 112-byte row's out-of-place piece and its summary: the in-place piece never came.
  const auto cut = text.find("\n", text.find("    28.26")) + 1;
  const auto log = parse(text.substr(0, text.find("\n", text.find("#   rank=3", cut)) + 1));
  ASSERT_EQ(log.doc.results.size(), 2u) << notes_of(log);  // the first row of size 0
  EXPECT_TRUE(has_note(log, "line 25: a row split by alltoallv_perf's per-rank summary")) << notes_of(log);
  EXPECT_FALSE(log.doc.metadata.imported->complete);
  EXPECT_EQ(log.doc.status, "running");
}

TEST(AllToAllvText, MatrixTrafficRow) {
  const auto log = parse(kAllToAllvMatrixSummary);
  ASSERT_EQ(log.doc.results.size(), 2u) << notes_of(log);
  const auto& oop = log.doc.results[0];
  EXPECT_EQ(oop.bytes, 12192u) << "rank 2 receives 8192 + 4000 bytes, the most of any rank";
  EXPECT_EQ(oop.count, 0u) << "a matrix has no per-peer count";
  EXPECT_DOUBLE_EQ(oop.printed->time_us, 26.52);
  EXPECT_DOUBLE_EQ(oop.printed->algbw_gbps, 0.46);
  EXPECT_DOUBLE_EQ(oop.printed->busbw_gbps, 0.34);
  EXPECT_EQ(oop.wrong, 0);
  EXPECT_DOUBLE_EQ(log.doc.results[1].printed->time_us, 22.27);
  EXPECT_EQ(log.doc.metadata.settings.at("alltoallv_traffic"),
            "matrix (4x4, scale 1; bytes rank i sends rank j, 16-byte aligned)");
}

// ------------------------------------------------------------------ sendrecv_perf -o all

TEST(SendRecvText, EveryOpOfOAllIsARepetitionOfOneCase) {
  const auto log = parse(kSendRecvAllOps);
  ASSERT_EQ(log.doc.results.size(), 24u) << "6 ops x 2 sizes x 2 placements, mulsum too: " << notes_of(log);
  std::vector<int> reps_of_8;
  for (std::size_t i = 0; i < log.doc.results.size(); ++i) {
    const auto& r = log.doc.results[i];
    EXPECT_EQ(r.collective, "sendrecv");
    EXPECT_EQ(r.op, "none");
    if (r.bytes == 8 && r.placement == "out_of_place") reps_of_8.push_back(log.reps[i]);
  }
  EXPECT_EQ(reps_of_8, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_DOUBLE_EQ(log.doc.results[20].printed->time_us, 8.18);  // mulsum, 8 bytes
  EXPECT_TRUE(has_note(log, "sendrecv rows printed under 6 ops (avg, max, min, mulsum, prod, sum")) << notes_of(log);
  EXPECT_FALSE(has_note(log, "skipped")) << notes_of(log);
}

TEST(SendRecvText, OneOpNeedsNoNote) {
  const std::string one = without_lines(without_lines(without_lines(without_lines(without_lines(
                                            kSendRecvAllOps, " prod "), " max "), " min "), " avg "), " mulsum ");
  const auto log = parse(one);
  ASSERT_EQ(log.doc.results.size(), 4u) << notes_of(log);
  EXPECT_FALSE(has_note(log, "ops")) << notes_of(log);
}

// ------------------------------------------------------------------ -J JSON

// alltoallv_perf -J on 4 ranks, two of its results (2.19.6 writes with %lf), with `env` for the
// environment (only NCCL_* is kept).
std::string alltoallv_json(const nlohmann::json& env, const std::string& program = "alltoallv_perf",
                           const std::string& redop = "none") {
  nlohmann::json devices = nlohmann::json::array();
  for (int r = 0; r < 4; ++r)
    devices.push_back({{"rank", r}, {"group", 0}, {"pid", 100 + r}, {"hostname", "vm"}, {"device", r},
                       {"device_hex", "0000:18:00"}, {"device_info", "NVIDIA H100 80GB HBM3 [collbench stand-in]"}});
  const auto result = [&redop](std::uint64_t size, std::uint64_t count, double t1, double a1, double b1, double t2,
                               double a2, double b2) {
    return nlohmann::json{{"size", size}, {"count", count}, {"type", "float"}, {"redop", redop}, {"root", "    -1"},
                          {"out_of_place", {{"time", t1}, {"alg_bw", a1}, {"bus_bw", b1}, {"nwrong", 0.0}}},
                          {"in_place", {{"time", t2}, {"alg_bw", a2}, {"bus_bw", b2}, {"nwrong", nullptr}}},
                          {"actual_iterations", 20}, {"experiment_name", ""}};
  };
  const nlohmann::json doc = {
      {"version", 3}, {"start_time", "2026-12-07 00:56:08"},
      {"args", {"/x/" + program, "-b", "8", "-e", "256K", "-f", "4", "-J", "a.json"}}, {"env", env},
      {"nccl_version", 22809},
      {"config", {{"nthreads", 1}, {"ngpus", 1}, {"iterations", 20}, {"warmup_iters", 1}, {"validation", 1}, {"devices", devices}}},
      {"results", {result(112, 8, 28.1177, 0.003983, 0.002987, 35.691938, 0.003138, 0.002353),
                   result(131056, 8192, 72.781, 1.800689, 1.350517, 49.96, 2.623218, 1.967413)}},
      {"out_of_bounds", {{"count", 0}, {"okay", "true"}}},
      {"average_bus_bandwidth", {{"bandwidth", 0.329076}, {"okay", "unchecked"}}}, {"errors", {""}},
      {"end_time", "2026-12-07 00:56:08"}};
  return doc.dump();
}

TEST(AllToAllvJson, RecordsAndTrafficFromTheEnvironment) {
  const auto log = ingest::parse_json_log(alltoallv_json({"NCCL_TESTS_ALLTOALLV_SPREAD=0.5", "PATH=/usr/bin"}), "a.json");
  const auto& doc = log.doc;
  ASSERT_EQ(doc.results.size(), 4u) << notes_of(log);
  EXPECT_EQ(doc.metadata.nranks, 4);
  const auto& r = doc.results[2];
  EXPECT_EQ(r.collective, "alltoallv");
  EXPECT_EQ(r.op, "none");
  EXPECT_EQ(r.bytes, 131056u);
  EXPECT_EQ(r.count, 8192u);
  EXPECT_EQ(r.wrong, 0);
  EXPECT_DOUBLE_EQ(r.printed->time_us, 72.781);
  EXPECT_DOUBLE_EQ(r.printed->busbw_gbps, 1.350517);
  EXPECT_DOUBLE_EQ(r.busbw_mean_gbps, algbw(131056, 72.781) * 3 / 4);
  EXPECT_EQ(doc.results[3].wrong, -1) << "nwrong null: in place is not checked";
  EXPECT_FALSE(doc.results[3].checked);
  EXPECT_EQ(doc.metadata.settings.at("alltoallv_traffic"), kSpreadHalf);
}

TEST(AllToAllvJson, TrafficAsAlltoallvReadsItsVariables) {
  const auto traffic = [](const nlohmann::json& env) {
    return ingest::parse_json_log(alltoallv_json(env), "a.json").doc.metadata.settings.at("alltoallv_traffic");
  };
  EXPECT_EQ(traffic(nlohmann::json::array()), "generated, spread 1 (1 = distance-weighted, nccl-tests' default)");
  EXPECT_EQ(traffic({"NCCL_TESTS_ALLTOALLV_SPREAD=0"}), "generated, uniform (spread 0)");
  EXPECT_EQ(traffic({"NCCL_TESTS_ALLTOALLV_SPREAD=7"}), "generated, spread 1 (1 = distance-weighted, nccl-tests' default)")
      << "clamped to [0, 1] (alltoallv.cu:161-162)";
  EXPECT_EQ(traffic({"NCCL_TESTS_ALLTOALLV_SPREAD=0.5x"}), "generated, spread 1 (1 = distance-weighted, nccl-tests' default)")
      << "not a whole number: nccl-tests keeps its default";
  EXPECT_EQ(traffic({"NCCL_TESTS_ALLTOALLV_MATRIX_FILE=/x/m.txt", "NCCL_TESTS_ALLTOALLV_MATRIX_SCALE=2",
                     "NCCL_TESTS_ALLTOALLV_SPREAD=0"}),
            "matrix /x/m.txt (scale 2; bytes rank i sends rank j, 16-byte aligned)")
      << "a matrix file wins over the spread";
}

TEST(SendRecvJson, MulsumRowsImportAsOpNone) {
  const auto log = ingest::parse_json_log(alltoallv_json(nlohmann::json::array(), "sendrecv_perf", "mulsum"), "s.json");
  ASSERT_EQ(log.doc.results.size(), 4u) << notes_of(log);
  for (const auto& r : log.doc.results) {
    EXPECT_EQ(r.collective, "sendrecv");
    EXPECT_EQ(r.op, "none");
  }
  EXPECT_EQ(log.doc.metadata.settings.count("alltoallv_traffic"), 0u);
  EXPECT_FALSE(has_note(log, "skipped")) << notes_of(log);
}

}  // namespace

// collbench report and compare, the real binary on the real nccl-tests logs in
// ../shared/fixtures/nccl-tests-logs: import, report in every format, compare a good and a bad
// configuration of one system, and the inputs they refuse (exit 2, one line naming the input).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../e2e_support.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kLogs = COLLBENCH_SOURCE_DIR "/../shared/fixtures/nccl-tests-logs/";
const std::string kGood = kLogs + "cscs_alps_gh200_2x4_slingshot_srun_allreduce.txt";
const std::string kHookOff = kLogs + "cscs_alps_gh200_2x4_slingshot_srun_allreduce_cxi_hook_off.txt";

// The import store of the two cscs logs, made once.
const std::string& store() {
  static const std::string dir = [] {
    const std::string d = e2e::temp_path("report-store");
    fs::remove_all(d);
    const e2e::Result r = e2e::run(0, "import " + kGood + " " + kHookOff + " --out " + d, "", 60);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return d;
  }();
  return dir;
}

void expect_bad_input(const e2e::Result& r, const std::string& must_mention) {
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(e2e::count_lines_containing(r.output, "collbench: "), 1) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;  // one line, nothing else
  EXPECT_NE(r.output.find(must_mention), std::string::npos) << "expected '" << must_mention << "' in: " << r.output;
  EXPECT_EQ(r.output.find("terminate called"), std::string::npos) << r.output;
}

TEST(ReportCli, ImportThenReportJson) {
  if (!fs::exists(kGood)) GTEST_SKIP() << "fixtures not found: " << kGood;
  const std::string out = e2e::temp_path("report.json");
  const e2e::Result r = e2e::run(0, "report " + store() + " --format json --topology h200-sxm --out " + out, "", 60);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = e2e::read_json(out);
  EXPECT_EQ(j["schema"], "collbench.report");
  EXPECT_EQ(j["schema_version"], 2);
  ASSERT_EQ(j["sources"].size(), 2u);
  EXPECT_EQ(j["sources"][0]["label"], "cscs_alps_gh200_2x4_slingshot_srun_allreduce");
  EXPECT_EQ(j["sources"][0]["kind"], "import");
  EXPECT_EQ(j["sources"][0]["nnodes"], 2);
  EXPECT_EQ(j["sources"][1]["label"], "cscs_alps_gh200_2x4_slingshot_srun_allreduce_cxi_hook_off");
  ASSERT_EQ(j["collectives"].size(), 1u);
  EXPECT_EQ(j["collectives"][0]["collective"], "allreduce");
  const nlohmann::json& series = j["collectives"][0]["series"];
  ASSERT_EQ(series.size(), 4u);  // two logs x two placements
  // The good log, out of place: nccl-tests prints 122.57 GB/s at 128 MiB (from 1916.4 us).
  const nlohmann::json& good = series[0];
  EXPECT_EQ(good["placement"], "out_of_place");
  EXPECT_EQ(good["basis"], "mean");
  EXPECT_NEAR(good["metrics"]["peak_busbw_gbps"].get<double>(), 122.57, 0.02);
  EXPECT_EQ(good["metrics"]["peak_bytes"], 134217728);
  const double half = good["metrics"]["half_peak_bytes"].get<double>();
  EXPECT_GT(half, 8.0 * 1024 * 1024);
  EXPECT_LT(half, 16.0 * 1024 * 1024);
  EXPECT_NEAR(good["metrics"]["latency_floor_us"].get<double>(), 17.54, 1e-9);
  EXPECT_EQ(good["metrics"]["latency_floor_bytes"], 32);
  EXPECT_TRUE(good["metrics"]["tail"]["basis"].is_null());  // nccl-tests without -I: no p99
  EXPECT_NEAR(good["metrics"]["efficiency"].get<double>(), 122.57 / 400, 1e-3);  // 2 nodes: across nodes
  EXPECT_EQ(good["points"].size(), 25u);
  EXPECT_NEAR(series[2]["metrics"]["peak_busbw_gbps"].get<double>(), 6.02, 0.01);  // CXI hook off
}

TEST(ReportCli, Markdown) {
  if (!fs::exists(kGood)) GTEST_SKIP() << "fixtures not found: " << kGood;
  const std::string out = e2e::temp_path("report.md");
  const e2e::Result r = e2e::run(0, "report " + store() + " --format md --out " + out, "", 60);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string md = e2e::slurp(out);
  EXPECT_EQ(md.rfind("# collbench report\n", 0), 0u) << md.substr(0, 200);
  EXPECT_NE(md.find("2 sources, 4 series"), std::string::npos);
  EXPECT_NE(md.find("## allreduce"), std::string::npos);
  EXPECT_NE(md.find("| 122.6 | 128 MiB |"), std::string::npos) << md;
  // The same text on standard output without --out.
  const e2e::Result stdout_run = e2e::run(0, "report " + store() + " --format md", "", 60);
  EXPECT_EQ(stdout_run.exit_code, 0);
  EXPECT_EQ(stdout_run.output, md);
}

TEST(ReportCli, HtmlIsSelfContained) {
  if (!fs::exists(kGood)) GTEST_SKIP() << "fixtures not found: " << kGood;
  const std::string out = e2e::temp_path("report.html");
  const e2e::Result r = e2e::run(0, "report " + store() + " --format html --out " + out, "", 60);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string html = e2e::slurp(out);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u) << html.substr(0, 100);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<SCRIPT"), std::string::npos);
  // Nothing fetched when viewed: the only URL is the SVG namespace.
  std::string rest = html;
  const std::string xmlns = "http://www.w3.org/2000/svg";
  for (auto p = rest.find(xmlns); p != std::string::npos; p = rest.find(xmlns)) rest.erase(p, xmlns.size());
  EXPECT_EQ(rest.find("http://"), std::string::npos);
  EXPECT_EQ(rest.find("https://"), std::string::npos);
  EXPECT_EQ(rest.find("src="), std::string::npos);
  EXPECT_EQ(rest.find("<link"), std::string::npos);
  EXPECT_EQ(rest.find("@import"), std::string::npos);
}

TEST(ReportCli, FormatFromTheOutExtension) {
  if (!fs::exists(kGood)) GTEST_SKIP() << "fixtures not found: " << kGood;
  const std::string out = e2e::temp_path("by-extension.json");
  const e2e::Result r = e2e::run(0, "report " + kGood + " --out " + out, "", 60);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(e2e::read_json(out)["schema"], "collbench.report");
}

TEST(CompareCli, GoodAgainstCxiHookOffIsSlower) {
  if (!fs::exists(kGood)) GTEST_SKIP() << "fixtures not found: " << kGood;
  const std::string json = e2e::temp_path("compare.json");
  const e2e::Result r = e2e::run(0, "compare " + kGood + " " + kHookOff + " --json " + json, "", 60);
  EXPECT_EQ(r.exit_code, 0) << r.output;  // no --fail-on-regression: a report, not a gate
  EXPECT_GT(e2e::count_lines_containing(r.output, "SLOWER"), 10) << r.output;
  EXPECT_EQ(e2e::count_lines_containing(r.output, "FASTER  "), 0) << r.output;
  const nlohmann::json j = e2e::read_json(json);
  EXPECT_EQ(j["schema"], "collbench.compare");
  EXPECT_EQ(j["summary"]["compared"], 50);
  EXPECT_EQ(j["summary"]["nccl_tests_rows"], 50);
  EXPECT_GT(j["summary"]["slower"].get<int>(), 40);
  EXPECT_EQ(j["summary"]["faster"], 0);
  EXPECT_LT(j["summary"]["worst_ratio"].get<double>(), 0.1);  // 32 MiB: 686.5 us -> 17388 us
  // At 128 MiB out of place: 1916.4 us against 43293 us.
  bool seen = false;
  for (const auto& row : j["rows"]) {
    if (row["bytes"] == 134217728 && row["placement"] == "out_of_place") {
      seen = true;
      EXPECT_EQ(row["verdict"], "SLOWER");
      EXPECT_NEAR(row["ratio"].get<double>(), 1916.4 / 43293, 1e-6);
      EXPECT_EQ(row["basis"], "nccl_tests");  // two nccl-tests logs: their own figure
    }
  }
  EXPECT_TRUE(seen);
}

TEST(CompareCli, FailOnRegressionExitsOne) {
  if (!fs::exists(kGood)) GTEST_SKIP() << "fixtures not found: " << kGood;
  const e2e::Result r = e2e::run(0, "compare " + kGood + " " + kHookOff + " --fail-on-regression 10", "", 60);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("# FAIL:"), std::string::npos) << r.output;
  // Good against bad the other way round is all faster or the same: no failure.
  const e2e::Result back = e2e::run(0, "compare " + kHookOff + " " + kGood + " --fail-on-regression 10", "", 60);
  EXPECT_EQ(back.exit_code, 0) << back.output;
  EXPECT_EQ(e2e::count_lines_containing(back.output, "SLOWER  "), 0) << back.output;
}

TEST(CompareCli, ALogAgainstItselfIsAllSame) {
  if (!fs::exists(kGood)) GTEST_SKIP() << "fixtures not found: " << kGood;
  const std::string json = e2e::temp_path("self.json");
  const e2e::Result r = e2e::run(0, "compare " + kGood + " " + kGood + " --fail-on-regression 1 --json " + json, "", 60);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("50 compared: 0 FASTER, 0 SLOWER, 50 SAME"), std::string::npos) << r.output;
  const nlohmann::json j = e2e::read_json(json);
  for (const auto& row : j["rows"]) {
    EXPECT_EQ(row["verdict"], "SAME");
    EXPECT_DOUBLE_EQ(row["ratio"].get<double>(), 1.0);
  }
}

TEST(CompareCli, StoreAgainstLogWithLabel) {
  if (!fs::exists(kGood)) GTEST_SKIP() << "fixtures not found: " << kGood;
  // The store holds both logs: A needs --a-label to pick one.
  const e2e::Result ambiguous = e2e::run(0, "compare " + store() + " " + kGood, "", 60);
  expect_bad_input(ambiguous, "--a-label");
  const e2e::Result r = e2e::run(
      0, "compare " + store() + " " + kGood + " --a-label cscs_alps_gh200_2x4_slingshot_srun_allreduce --fail-on-regression 1",
      "", 60);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("0 SLOWER"), std::string::npos) << r.output;
}


// A sweep store written as collbench sweep writes it: 3 repetitions of allreduce on 4 ranks at six
// sizes, median times with their confidence intervals. `slow` multiplies the time at one size.
std::string planted_store(const std::string& name, std::uint64_t slow_bytes, double slow_factor) {
  const std::string dir = e2e::temp_path(name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir + "/manifest.json") << nlohmann::json{{"schema", "collbench.sweep"}, {"schema_version", 1},
                                                          {"backend", "mpi"}, {"status", "complete"},
                                                          {"launcher", {{"ranks", 4}}}}.dump();
  std::ofstream lines(dir + "/results.jsonl");
  for (int rep = 0; rep < 3; ++rep) {
    for (std::uint64_t bytes = 1024; bytes <= (1u << 20); bytes *= 4) {
      double t = (10.0 + double(bytes) / 1e3) * (1.0 + 0.004 * rep);
      if (bytes == slow_bytes) t *= slow_factor;
      const double busbw = double(bytes) / t / 1e3 * 1.5;
      const nlohmann::json summary = {{"n", 100}, {"min", 0.97 * t}, {"mean", 1.01 * t}, {"p50", t}, {"p90", 1.05 * t},
                                      {"p99", 1.2 * t}, {"p999", 1.3 * t}, {"max", 1.4 * t}, {"stddev", 0.03 * t},
                                      {"cv", 0.03}, {"median_ci", {{"lo", 0.99 * t}, {"hi", 1.01 * t}, {"level", 0.95},
                                                                   {"rel_half_width", 0.01}}}};
      nlohmann::json r = {{"collective", "allreduce"}, {"bytes", bytes}, {"requested_bytes", bytes}, {"count", bytes / 4},
                          {"datatype", "float"}, {"op", "sum"}, {"root", -1}, {"placement", "out_of_place"},
                          {"nranks", 4}, {"wrong", 0}, {"checked", true}, {"status", "ok"}, {"warmup_iters", 5},
                          {"iters", 100}, {"stop_reason", "iters"}, {"time_us", summary},
                          {"algbw_gbps", busbw / 1.5}, {"busbw_gbps", busbw}, {"algbw_mean_gbps", busbw / 1.5 / 1.01},
                          {"busbw_mean_gbps", busbw / 1.01}, {"per_rank", nlohmann::json::array()}};
      r["sweep"] = {{"case", "allreduce-" + std::to_string(bytes)}, {"config_id", "00000000"},
                    {"knobs", nlohmann::json::object()}, {"rep", rep}, {"launch", "L000-r" + std::to_string(rep)}};
      lines << r.dump() << "\n";
    }
  }
  return dir;
}

// Planted: 25% slower at 64 KiB (a 20% busbw regression) and 3% at 1 KiB (under the threshold).
TEST(CompareCli, SweepStoresWithAPlantedRegression) {
  const std::string a = planted_store("planted-a", 0, 1.0);
  const std::string b = planted_store("planted-b", 65536, 1.25);
  const std::string b3 = planted_store("planted-b3", 1024, 1.03);
  const std::string json = e2e::temp_path("planted.json");
  const e2e::Result r = e2e::run(0, "compare " + a + " " + b + " --fail-on-regression 10 --json " + json, "", 60);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("# FAIL: allreduce float sum out_of_place (4 ranks) 65536 B is 20.0% slower"), std::string::npos)
      << r.output;
  const nlohmann::json j = e2e::read_json(json);
  EXPECT_EQ(j["summary"]["compared"], 6);
  EXPECT_EQ(j["summary"]["slower"], 1);
  EXPECT_EQ(j["summary"]["same"], 5);
  for (const auto& row : j["rows"]) {
    EXPECT_EQ(row["verdict"], row["bytes"] == 65536 ? "SLOWER" : "SAME") << row.dump();
    if (row["bytes"] == 65536) EXPECT_NEAR(row["ratio"].get<double>(), 0.8, 1e-9);
    EXPECT_TRUE(row["ci_lo"].is_number()) << "three repetitions give an interval";
  }
  // A 20% regression does not fail a 30% gate; a 3% change is noise under the 5% threshold.
  EXPECT_EQ(e2e::run(0, "compare " + a + " " + b + " --fail-on-regression 30", "", 60).exit_code, 0);
  const e2e::Result small = e2e::run(0, "compare " + a + " " + b3 + " --fail-on-regression 1", "", 60);
  EXPECT_EQ(small.exit_code, 0) << small.output;
  EXPECT_NE(small.output.find("0 SLOWER"), std::string::npos) << small.output;
}

TEST(ReportCliBadInput, NonExistentFile) {
  expect_bad_input(e2e::run(0, "report /nonexistent-dir/results.json", "", 30), "/nonexistent-dir/results.json");
}

TEST(ReportCliBadInput, RandomTextFile) {
  const std::string p = e2e::temp_path("notes.txt");
  std::ofstream(p) << "shopping list\n- milk\n- 12 eggs 3.5 7\n";
  expect_bad_input(e2e::run(0, "report " + p, "", 30), p);
}

TEST(ReportCliBadInput, UnknownFormat) {
  expect_bad_input(e2e::run(0, "report " + kGood + " --format xml", "", 30), "--format");
}

TEST(ReportCliBadInput, UnknownTopology) {
  expect_bad_input(e2e::run(0, "report " + kGood + " --topology h300", "", 30), "--topology 'h300'");
}

TEST(ReportCliBadInput, CompareNeedsTwoInputs) {
  expect_bad_input(e2e::run(0, "compare " + kGood, "", 30), "inputs");
  expect_bad_input(e2e::run(0, "compare " + kGood + " " + kGood + " " + kGood, "", 30), "inputs");
}

TEST(ReportCliBadInput, CompareOfANonLog) {
  const std::string p = e2e::temp_path("not-a-log.txt");
  std::ofstream(p) << "nothing to see here\n";
  expect_bad_input(e2e::run(0, "compare " + kGood + " " + p, "", 30), p);
}

}  // namespace

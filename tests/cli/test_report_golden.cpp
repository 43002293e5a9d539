// collbench report, byte for byte, in each format against tests/golden/report/report.{json,md,html}.
// Inputs: the two cscs nccl-tests logs, a hand-written run JSON (tests/golden/report/run.json) and
// tune summary (tune-summary.json), --topology h200-sxm. They are given by paths relative to the
// source directory, from there, so the goldens hold no machine's absolute paths.
// COLLBENCH_UPDATE_GOLDENS=1 rewrites the goldens instead of comparing (then inspect the diff).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../e2e_support.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kGoldenDir = "tests/golden/report/";
const std::string kInputs =
    "../shared/fixtures/nccl-tests-logs/cscs_alps_gh200_2x4_slingshot_srun_allreduce.txt "
    "../shared/fixtures/nccl-tests-logs/cscs_alps_gh200_2x4_slingshot_srun_allreduce_cxi_hook_off.txt "
    "tests/golden/report/run.json tests/golden/report/tune-summary.json";

// Runs in the source directory and goes back where it was.
class InSourceDir {
 public:
  InSourceDir() : m_old(fs::current_path()) { fs::current_path(COLLBENCH_SOURCE_DIR); }
  ~InSourceDir() { fs::current_path(m_old); }
  InSourceDir(const InSourceDir&) = delete;
  InSourceDir& operator=(const InSourceDir&) = delete;

 private:
  fs::path m_old;
};

// "" when equal, else where they first differ.
std::string first_difference(const std::string& want, const std::string& got) {
  if (want == got) return "";
  std::istringstream a(want), b(got);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ha = static_cast<bool>(std::getline(a, la));
    const bool hb = static_cast<bool>(std::getline(b, lb));
    if (!ha && !hb) return "the files differ only in their final newline";
    if (!ha || !hb || la != lb) {
      auto clip = [](const std::string& s) { return s.size() > 400 ? s.substr(0, 400) + " …" : s; };
      return "first difference at line " + std::to_string(line) + ":\n  golden: " + (ha ? clip(la) : "(end of file)") +
             "\n  actual: " + (hb ? clip(lb) : "(end of file)");
    }
  }
}

void check_golden(const std::string& format) {
  const std::string golden_rel = kGoldenDir + "report." + format;
  const std::string out = e2e::temp_path("golden-report." + format);
  std::string golden_path;
  {
    const InSourceDir here;
    if (!fs::exists("../shared/fixtures/nccl-tests-logs/cscs_alps_gh200_2x4_slingshot_srun_allreduce.txt"))
      GTEST_SKIP() << "fixtures not found next to " << COLLBENCH_SOURCE_DIR;
    const e2e::Result r = e2e::run(0, "report " + kInputs + " --topology h200-sxm --format " + format + " --out " + out, "", 60);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    golden_path = fs::absolute(golden_rel).string();
  }
  const std::string got = e2e::slurp(out);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.find(COLLBENCH_SOURCE_DIR), std::string::npos) << "an absolute path in the output";
  const char* update = std::getenv("COLLBENCH_UPDATE_GOLDENS");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(golden_path, std::ios::binary) << got;
    std::printf("rewrote %s\n", golden_path.c_str());
    return;
  }
  ASSERT_TRUE(fs::exists(golden_path)) << golden_path << " is missing; run with COLLBENCH_UPDATE_GOLDENS=1 to create it";
  const std::string want = e2e::slurp(golden_path);
  const std::string diff = first_difference(want, got);
  EXPECT_TRUE(diff.empty()) << golden_rel << " differs from the report (" << out << "); " << diff
                            << "\n(if the change is intended: COLLBENCH_UPDATE_GOLDENS=1, then inspect the diff)";
}

TEST(ReportGolden, Json) { check_golden("json"); }
TEST(ReportGolden, Markdown) { check_golden("md"); }
TEST(ReportGolden, Html) { check_golden("html"); }

// The golden inputs are what the goldens claim: a report of them reads back the numbers worked out
// by hand from run.json (a check on the goldens themselves, so a rewrite cannot bless a wrong one).
TEST(ReportGolden, JsonGoldenHoldsTheHandComputedNumbers) {
  const std::string path = std::string(COLLBENCH_SOURCE_DIR) + "/" + kGoldenDir + "report.json";
  if (!fs::exists(path)) GTEST_SKIP() << path << " not generated yet";
  const nlohmann::json j = e2e::read_json(path);
  EXPECT_EQ(j["schema"], "collbench.report");
  ASSERT_EQ(j["sources"].size(), 3u);
  EXPECT_EQ(j["sources"][0]["path"], "../shared/fixtures/nccl-tests-logs/cscs_alps_gh200_2x4_slingshot_srun_allreduce.txt");
  EXPECT_EQ(j["sources"][2]["label"], "run");
  EXPECT_EQ(j["sources"][2]["gpu"], "NVIDIA H200");
  EXPECT_EQ(j["topology"]["name"], "h200-sxm");
  const nlohmann::json& series = j["collectives"][0]["series"];
  ASSERT_EQ(series.size(), 6u);
  // cscs, out of place: 122.57 GB/s at 128 MiB; half (61.3) between 8 MiB (42.61) and 16 MiB (63.59).
  EXPECT_NEAR(series[0]["metrics"]["peak_busbw_gbps"].get<double>(), 122.57, 0.02);
  EXPECT_EQ(series[0]["metrics"]["peak_bytes"], 134217728);
  const double half = series[0]["metrics"]["half_peak_bytes"].get<double>();
  EXPECT_GT(half, 8.0 * (1 << 20));
  EXPECT_LT(half, 16.0 * (1 << 20));
  EXPECT_NEAR(series[0]["metrics"]["efficiency"].get<double>(), 122.56 / 400, 1e-3);
  // run.json, out of place: 256 MiB in 1320 us -> 268435456 / 1320e-6 / 1e9 * 1.75 = 355.88 GB/s,
  // 79.1% of the 450 GB/s within a node; floor 18 us at 1 KiB; p99/p50 ratios 24/18, 30/21, 52/40,
  // 110/95, 450/420, 1390/1320 -> median (110/95 + 52/40) / 2, max 30/21.
  const nlohmann::json& run = series[4];
  EXPECT_EQ(run["label"], "run");
  EXPECT_EQ(run["placement"], "out_of_place");
  const double peak = 268435456 / 1320e-6 / 1e9 * 1.75;
  EXPECT_NEAR(run["metrics"]["peak_busbw_gbps"].get<double>(), peak, 1e-6);
  EXPECT_NEAR(run["metrics"]["efficiency"].get<double>(), peak / 450, 1e-9);
  EXPECT_DOUBLE_EQ(run["metrics"]["latency_floor_us"].get<double>(), 18.0);
  EXPECT_EQ(run["metrics"]["tail"]["basis"], "p99/p50");
  EXPECT_NEAR(run["metrics"]["tail"]["median"].get<double>(), (110.0 / 95 + 52.0 / 40) / 2, 1e-9);
  EXPECT_NEAR(run["metrics"]["tail"]["max"].get<double>(), 30.0 / 21, 1e-9);
  EXPECT_EQ(run["metrics"]["tail"]["max_bytes"], 16384);
  EXPECT_NEAR(run["points"][0]["ci_lo_us"].get<double>(), 17.8, 1e-9);
  EXPECT_NEAR(run["points"][0]["ci_hi_us"].get<double>(), 18.3, 1e-9);
  ASSERT_EQ(j["tuning"].size(), 1u);
  ASSERT_EQ(j["tuning"][0]["ranges"].size(), 3u);
  EXPECT_EQ(j["tuning"][0]["ranges"][0]["setting"], "NCCL_ALGO=allreduce:tree");
  EXPECT_TRUE(j["tuning"][0]["ranges"][2]["max_bytes"].is_null());
}

}  // namespace

// report::compare on synthetic datasets with planted regressions: with confidence intervals
// (collbench results) and without (nccl-tests logs: a mean per size and the noise between
// out-of-place and in-place), and the inputs it must refuse.
#include <gtest/gtest.h>


#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ingest/nccl_tests.hpp"
#include "report/compare.hpp"
#include "report/dataset.hpp"
#include "results/json.hpp"
#include "unit/test_support.hpp"

namespace {

namespace report = collbench::report;
using report::kNaN;
using testsupport::error_of;

constexpr double kFactor = 1.75;  // allreduce on 8 ranks

report::Point pt(std::uint64_t bytes, double time_us, double lo = kNaN, double hi = kNaN) {
  report::Point p;
  p.bytes = bytes;
  p.reps = 1;
  p.time_us = time_us;
  p.mean_us = time_us;  // nccl-tests-like points: the mean is the time
  p.busbw = double(bytes) / time_us / 1e3 * kFactor;
  p.lo_us = lo;
  p.hi_us = hi;
  return p;
}

report::Series series(const std::string& label, const std::string& placement, std::vector<report::Point> pts,
                      const std::string& basis, int source = 0) {
  report::Series s;
  s.source = source;
  s.config = label;
  s.label = label;
  s.collective = "allreduce";
  s.datatype = "float";
  s.op = "sum";
  s.placement = placement;
  s.nranks = 8;
  s.nnodes = 1;
  s.basis = basis;
  s.points = std::move(pts);
  return s;
}

report::Dataset dataset(const std::string& label, std::vector<report::Series> ss) {
  report::Dataset d;
  report::SourceInfo src;
  src.label = label;
  src.kind = "run";
  d.sources.push_back(src);
  for (auto& s : ss) d.series.push_back(std::move(s));
  return d;
}

const report::CompareRow* row_at(const report::Comparison& c, std::uint64_t bytes,
                                 const std::string& placement = "out_of_place") {
  for (const auto& r : c.rows)
    if (r.bytes == bytes && r.placement == placement) return &r;
  return nullptr;
}

// --- (a) collbench-like: medians with confidence intervals ---

// A: 100 us at every size, CI +-2 us.
report::Dataset ci_side(const std::string& label, const std::map<std::uint64_t, std::vector<double>>& override_at = {}) {
  std::vector<report::Point> pts;
  for (const std::uint64_t b : {1024ull, 65536ull, 1048576ull}) {
    const auto it = override_at.find(b);
    if (it != override_at.end()) pts.push_back(pt(b, it->second[0], it->second[1], it->second[2]));
    else pts.push_back(pt(b, 100, 98, 102));
  }
  return dataset(label, {series(label, "out_of_place", pts, "median")});
}

TEST(CompareWithIntervals, PlantedTwentyPercentSlowdownIsSlowerThereAndSameElsewhere) {
  const report::Dataset a = ci_side("before");
  // 20% slower at 64 KiB: 120 us, CI [118, 122], clear of A's [98, 102].
  const report::Dataset b = ci_side("after", {{65536, {120, 118, 122}}});
  const report::Comparison c = report::compare(a, b, {});
  ASSERT_EQ(c.rows.size(), 3u);
  const report::CompareRow* r = row_at(c, 65536);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->verdict, "SLOWER");
  EXPECT_NEAR(r->ratio, 100.0 / 120.0, 1e-12);  // 0.833
  EXPECT_NEAR(r->lo, 98.0 / 122.0, 1e-12);
  EXPECT_NEAR(r->hi, 102.0 / 118.0, 1e-12);
  EXPECT_LT(r->hi, 1.0);
  EXPECT_HAS(r->confidence, "95% CI");
  for (const std::uint64_t other : {1024ull, 1048576ull}) {
    const report::CompareRow* s = row_at(c, other);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->verdict, "SAME") << other;
    EXPECT_NEAR(s->ratio, 1.0, 1e-12);
  }
  EXPECT_EQ(c.slower, 1);
  EXPECT_EQ(c.same, 2);
  EXPECT_EQ(c.faster, 0);
  EXPECT_NEAR(c.worst_ratio, 100.0 / 120.0, 1e-12);
  EXPECT_EQ(c.a_label, "before");
  EXPECT_EQ(c.b_label, "after");
}

TEST(CompareWithIntervals, PlantedSpeedupIsFaster) {
  const report::Comparison c =
      report::compare(ci_side("a"), ci_side("b", {{1048576, {80, 79, 81}}}), {});
  const report::CompareRow* r = row_at(c, 1048576);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->verdict, "FASTER");
  EXPECT_NEAR(r->ratio, 1.25, 1e-12);
  EXPECT_GT(r->lo, 1.0);
  EXPECT_EQ(c.faster, 1);
  EXPECT_TRUE(std::isnan(c.worst_ratio));
}

TEST(CompareWithIntervals, ThreePercentClearOfOneIsSameUnderTheThreshold) {
  // 103 us with CI [102.5, 103.5] against [99.5, 100.5]: the interval is clear of 1 (hi = 0.98)
  // but the change (2.9%) is under the 5% threshold.
  std::vector<report::Point> pa = {pt(65536, 100, 99.5, 100.5)};
  std::vector<report::Point> pb = {pt(65536, 103, 102.5, 103.5)};
  const report::Comparison c = report::compare(dataset("a", {series("a", "out_of_place", pa, "median")}),
                                               dataset("b", {series("b", "out_of_place", pb, "median")}), {});
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_LT(c.rows[0].hi, 1.0);
  EXPECT_EQ(c.rows[0].verdict, "SAME");
  // With a 2% threshold the same change counts.
  report::CompareOptions o;
  o.threshold = 0.02;
  EXPECT_EQ(report::compare(dataset("a", {series("a", "out_of_place", pa, "median")}),
                            dataset("b", {series("b", "out_of_place", pb, "median")}), o)
                .rows[0]
                .verdict,
            "SLOWER");
}

TEST(CompareWithIntervals, TwentyPercentWithOverlappingIntervalsIsSame) {
  // 120 us but a wide CI [100, 140] against A's [90, 110]: the ratio's interval spans 1.
  const report::Comparison c = report::compare(ci_side("a", {{65536, {100, 90, 110}}}),
                                               ci_side("b", {{65536, {120, 100, 140}}}), {});
  const report::CompareRow* r = row_at(c, 65536);
  ASSERT_NE(r, nullptr);
  EXPECT_NEAR(r->ratio, 100.0 / 120.0, 1e-12);
  EXPECT_GT(r->hi, 1.0);
  EXPECT_EQ(r->verdict, "SAME");
  EXPECT_EQ(c.slower, 0);
}

// --- (b) nccl-tests-like: one mean per size, out-of-place and in-place ---

const std::vector<std::uint64_t> kSizes = {1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072};
// |t_out / t_in - 1| per size: sorted 0, .01, .01, .01, .02, .02, .03, .04; the 90th percentile
// (type 7: h = 7 * 0.9 = 6.3) is 0.03 + 0.3 * (0.04 - 0.03) = 0.033.
const std::vector<double> kDev = {0.01, 0.02, 0.0, 0.03, 0.01, 0.02, 0.04, 0.01};
constexpr double kNoise = 0.033;

double base_time(std::size_t i) { return 20.0 * double(i + 1); }

// `scale` multiplies both placements' times at a size: a planted change that leaves the placement
// noise alone.
report::Dataset log_side(const std::string& label, const std::map<std::uint64_t, double>& scale = {}) {
  std::vector<report::Point> out, in;
  for (std::size_t i = 0; i < kSizes.size(); ++i) {
    const auto it = scale.find(kSizes[i]);
    const double k = it == scale.end() ? 1.0 : it->second;
    in.push_back(pt(kSizes[i], base_time(i) * k));
    out.push_back(pt(kSizes[i], base_time(i) * (1 + kDev[i]) * k));
  }
  return dataset(label, {series(label, "out_of_place", out, "mean"), series(label, "in_place", in, "mean")});
}

TEST(ComparePlacementNoise, NinetiethPercentileOfThePlacementDifference) {
  const report::Dataset d = log_side("x");
  EXPECT_NEAR(report::placement_noise(d.series[0], d.series[1]), kNoise, 1e-9);
}

TEST(ComparePlacementNoise, NaNWithFewerThanThreeSharedSizes) {
  const report::Series out = series("x", "out_of_place", {pt(1024, 10), pt(2048, 20), pt(4096, 30)}, "mean");
  const report::Series in = series("x", "in_place", {pt(1024, 11), pt(2048, 21), pt(8192, 30)}, "mean");
  EXPECT_TRUE(std::isnan(report::placement_noise(out, in)));
  const report::Series in3 = series("x", "in_place", {pt(1024, 11), pt(2048, 22), pt(4096, 30)}, "mean");
  // 1/11, 2/22, 0 -> sorted 0, .0909, .0909: p90 = .0909.
  EXPECT_NEAR(report::placement_noise(out, in3), 1.0 / 11.0, 1e-9);
}

TEST(CompareWithoutIntervals, BandIsThresholdOrNoiseOfBothSides) {
  const report::Comparison c = report::compare(log_side("a"), log_side("b"), {});
  EXPECT_NEAR(c.noise_a, kNoise, 1e-9);
  EXPECT_NEAR(c.noise_b, kNoise, 1e-9);
  ASSERT_EQ(c.rows.size(), 2 * kSizes.size());
  for (const auto& r : c.rows) {
    EXPECT_NEAR(r.band, 2 * kNoise, 1e-9);  // 6.6% > the 5% threshold
    EXPECT_TRUE(std::isnan(r.lo));
    EXPECT_EQ(r.verdict, "SAME");
    EXPECT_HAS(r.confidence, "no CI");
  }
  EXPECT_EQ(c.same, int(2 * kSizes.size()));
}

TEST(CompareWithoutIntervals, PlantedThirtyPercentSlowdownIsSlower) {
  // B takes 1/0.7 of A's time at 16 KiB (busbw ratio 0.7), in both placements.
  const report::Comparison c = report::compare(log_side("a"), log_side("b", {{16384, 1 / 0.7}}), {});
  for (const char* placement : {"out_of_place", "in_place"}) {
    const report::CompareRow* r = row_at(c, 16384, placement);
    ASSERT_NE(r, nullptr) << placement;
    EXPECT_EQ(r->verdict, "SLOWER") << placement;
    EXPECT_NEAR(r->ratio, 0.7, 1e-9) << placement;
  }
  EXPECT_EQ(c.slower, 2);
  EXPECT_EQ(c.same, int(2 * kSizes.size()) - 2);
  EXPECT_NEAR(c.worst_ratio, 0.7, 1e-9);
  EXPECT_NEAR(c.noise_b, kNoise, 1e-9);  // the planted change moved both placements together
}

TEST(CompareWithoutIntervals, FourPercentIsSame) {
  const report::Comparison c = report::compare(log_side("a"), log_side("b", {{16384, 1.04}}), {});
  const report::CompareRow* r = row_at(c, 16384);
  ASSERT_NE(r, nullptr);
  EXPECT_NEAR(r->ratio, 1 / 1.04, 1e-9);
  EXPECT_EQ(r->verdict, "SAME");
  EXPECT_EQ(c.slower, 0);
}

TEST(CompareWithoutIntervals, PastTheThresholdButInsideTheNoiseBandIsSame) {
  // 6% slower: past the 5% threshold, inside the 6.6% band of the two sides' placement noise.
  const report::Comparison c = report::compare(log_side("a"), log_side("b", {{16384, 1 / 0.94}}), {});
  EXPECT_EQ(row_at(c, 16384)->verdict, "SAME");
  // 10% slower clears it.
  const report::Comparison c2 = report::compare(log_side("a"), log_side("b", {{16384, 1 / 0.9}}), {});
  EXPECT_EQ(row_at(c2, 16384)->verdict, "SLOWER");
}

TEST(CompareWithoutIntervals, NoNoiseKnownFallsBackToTheThreshold) {
  // Out-of-place only: no placement noise; a 6% slowdown counts against the 5% threshold.
  std::vector<report::Point> pa, pb;
  for (std::size_t i = 0; i < 4; ++i) {
    pa.push_back(pt(kSizes[i], base_time(i)));
    pb.push_back(pt(kSizes[i], base_time(i) * (i == 2 ? 1 / 0.94 : 1.0)));
  }
  const report::Comparison c = report::compare(dataset("a", {series("a", "out_of_place", pa, "mean")}),
                                               dataset("b", {series("b", "out_of_place", pb, "mean")}), {});
  EXPECT_TRUE(std::isnan(c.noise_a));
  EXPECT_NEAR(row_at(c, kSizes[2])->band, 0.05, 1e-12);
  EXPECT_EQ(row_at(c, kSizes[2])->verdict, "SLOWER");
  EXPECT_HAS(row_at(c, kSizes[2])->confidence, "noise unknown");
}

// --- (c) what compare refuses, and what it counts ---

TEST(CompareInputs, SeveralSeriesPerCaseNeedALabel) {
  report::Dataset a = ci_side("x");
  const report::Dataset y = ci_side("y");
  report::SourceInfo src = y.sources[0];
  a.sources.push_back(src);
  report::Series s = y.series[0];
  s.source = 1;
  a.series.push_back(s);
  const report::Dataset b = ci_side("z");

  const std::string e = error_of([&] { report::compare(a, b, {}); });
  EXPECT_HAS(e, "--a-label");
  EXPECT_HAS(e, "x");
  EXPECT_HAS(e, "y");
  // The same on B's side names --b-label.
  EXPECT_HAS(error_of([&] { report::compare(b, a, {}); }), "--b-label");

  report::CompareOptions o;
  o.label_a = "y";
  const report::Comparison c = report::compare(a, b, o);
  EXPECT_EQ(c.a_label, "y");
  EXPECT_EQ(c.rows.size(), 3u);

  o.label_a = "nope";
  const std::string e2 = error_of([&] { report::compare(a, b, o); });
  EXPECT_HAS(e2, "--a-label 'nope'");
}

TEST(CompareInputs, NoSharedCaseIsAnError) {
  report::Dataset b = ci_side("b");
  b.series[0].collective = "allgather";
  const std::string e = error_of([&] { report::compare(ci_side("a"), b, {}); });
  EXPECT_HAS(e, "share no measured case");
  EXPECT_HAS(e, "allreduce");
  EXPECT_HAS(e, "allgather");
  // Same case, no shared size: also nothing to compare.
  report::Dataset b2 = ci_side("b");
  for (auto& p : b2.series[0].points) p.bytes *= 3;
  EXPECT_HAS(error_of([&] { report::compare(ci_side("a"), b2, {}); }), "share no measured case");
}

TEST(CompareInputs, DifferentBasesAreFlagged) {
  std::vector<report::Point> pa = {pt(1024, 10), pt(2048, 20)};
  const report::Comparison c = report::compare(dataset("a", {series("a", "out_of_place", pa, "median")}),
                                               dataset("b", {series("b", "out_of_place", pa, "mean")}), {});
  EXPECT_HAS(c.rows[0].confidence, "means compared");
}

const std::string kCscsLog =
    COLLBENCH_SOURCE_DIR "/../shared/fixtures/nccl-tests-logs/cscs_alps_gh200_2x4_slingshot_srun_allreduce.txt";

// A collbench run JSON made from the cscs log's records: `edit` turns each into what a run of
// collbench would hold. Written into `tmp`; returns its path.
template <class Edit>
std::string run_from_log(const testsupport::TempDir& tmp, Edit edit) {
  collbench::results::RunDocument doc = collbench::ingest::import_log(kCscsLog).doc;
  doc.metadata.imported.reset();
  for (auto& r : doc.results) edit(r);
  return tmp.write("run.json", nlohmann::json(doc).dump(1) + "\n");
}

// A collbench run (median basis) against an nccl-tests log (mean only), the run from a document
// before schema 7 (no nccl_tests): like against like falls back to the mean on both sides. Here
// the run's records hold exactly the log's means, with a heavy tail putting the median at 0.6 of
// the mean: mean against mean, nothing changed.
TEST(CompareInputs, MedianRunWithoutTheFigureAgainstMeanLogComparesMeans) {
  if (!std::filesystem::exists(kCscsLog)) GTEST_SKIP() << "fixture not found: " << kCscsLog;
  const testsupport::TempDir tmp;
  const report::Dataset a = report::load_dataset({run_from_log(tmp, [](collbench::results::ResultRecord& r) {
    r.time_us.p50 = 0.6 * r.time_us.mean;
    r.time_us.p99 = 2.0 * r.time_us.mean;
    r.time_us.median_ci = {};
    r.nccl_tests.reset();
  })});
  ASSERT_EQ(a.series.size(), 2u);
  ASSERT_EQ(a.series[0].basis, "median");
  const report::Comparison c = report::compare(a, report::load_dataset({kCscsLog}), {});
  ASSERT_EQ(c.rows.size(), 50u);
  EXPECT_EQ(c.nccl_tests_rows, 0u);
  for (const auto& r : c.rows) {
    EXPECT_NEAR(r.ratio, 1.0, 1e-9) << r.bytes << " " << r.placement;
    EXPECT_EQ(r.verdict, "SAME") << r.bytes << " " << r.placement;
    EXPECT_EQ(r.basis, "mean");
    EXPECT_HAS(r.confidence, "means compared (a side has no nccl-tests figure");
  }
}

// The same run as collbench (schema 7) records it: the max over ranks per iteration puts its mean
// 30% above the log's time, while its nccl_tests (the mean over ranks of each rank's mean) is the
// log's time. Against the log, compare takes nccl-tests' figure on both sides and says so: SAME
// everywhere, where mean against mean would call every size 23% SLOWER.
TEST(CompareInputs, RunAgainstAnNcclTestsLogComparesNcclTestsFigures) {
  if (!std::filesystem::exists(kCscsLog)) GTEST_SKIP() << "fixture not found: " << kCscsLog;
  const testsupport::TempDir tmp;
  const report::Dataset a = report::load_dataset({run_from_log(tmp, [](collbench::results::ResultRecord& r) {
    ASSERT_TRUE(r.nccl_tests.has_value());  // the import's: the printed time
    r.time_us.mean *= 1.3;
    r.time_us.p50 = 1.2 * r.nccl_tests->time_us;
    r.time_us.median_ci = {r.time_us.p50 * 0.99, r.time_us.p50 * 1.01, 0.95, 0.01};
  })});
  const report::Dataset b = report::load_dataset({kCscsLog});
  ASSERT_TRUE(b.sources.at(0).imported);
  const report::Comparison c = report::compare(a, b, {});
  ASSERT_EQ(c.rows.size(), 50u);
  EXPECT_EQ(c.nccl_tests_rows, 50u);
  for (const auto& r : c.rows) {
    EXPECT_EQ(r.basis, "nccl_tests");
    EXPECT_NEAR(r.ratio, 1.0, 1e-9) << r.bytes << " " << r.placement;
    EXPECT_NEAR(r.a_busbw, r.b_busbw, 1e-9 * r.b_busbw);
    EXPECT_EQ(r.verdict, "SAME") << r.bytes << " " << r.placement;
  }
  // And the other way round (the log as A): the same figure on both sides.
  const report::Comparison back = report::compare(b, a, {});
  EXPECT_EQ(back.nccl_tests_rows, 50u);
  EXPECT_EQ(back.same, 50);
  const std::string text = report::compare_text(c, {});
  EXPECT_HAS(text, "50 of 50 rows compare nccl-tests' figure on both sides");
  const nlohmann::json j = report::compare_json(c, {});
  EXPECT_EQ(j["rows"][0]["basis"], "nccl_tests");
  EXPECT_EQ(j["summary"]["nccl_tests_rows"], 50);
}

// Two collbench runs: their own figure (the median, with intervals), even though both carry nccl_tests.
TEST(CompareInputs, TwoRunsKeepTheirMedians) {
  std::vector<report::Point> pa = {pt(1024, 10, 9.9, 10.1), pt(2048, 20, 19.8, 20.2)};
  for (auto& p : pa) p.nccl_tests_us = 2 * p.time_us;
  std::vector<report::Point> pb = pa;
  for (auto& p : pb) p.nccl_tests_us = p.time_us;  // would read as 2x faster on nccl-tests' figure
  const report::Comparison c = report::compare(dataset("a", {series("a", "out_of_place", pa, "median")}),
                                               dataset("b", {series("b", "out_of_place", pb, "median")}), {});
  EXPECT_EQ(c.nccl_tests_rows, 0u);
  for (const auto& r : c.rows) {
    EXPECT_EQ(r.basis, "median");
    EXPECT_NEAR(r.ratio, 1.0, 1e-12);
  }
}

TEST(CompareJson, SchemaAndSummaryCounts) {
  // A measures one more size than B, B one A lacks; one planted slowdown.
  report::Dataset a = ci_side("a");
  a.series[0].points.push_back(pt(4u << 20, 100, 98, 102));
  report::Dataset b = ci_side("b", {{65536, {120, 118, 122}}});
  b.series[0].points.insert(b.series[0].points.begin(), pt(512, 100, 98, 102));
  report::CompareOptions o;
  const report::Comparison c = report::compare(a, b, o);
  EXPECT_EQ(c.only_a, 1u);
  EXPECT_EQ(c.only_b, 1u);
  const nlohmann::json j = report::compare_json(c, o);
  EXPECT_EQ(j["schema"], "collbench.compare");
  EXPECT_EQ(j["schema_version"], 2);
  EXPECT_EQ(j["a"], "a");
  EXPECT_EQ(j["b"], "b");
  EXPECT_DOUBLE_EQ(j["threshold"].get<double>(), 0.05);
  const nlohmann::json& s = j["summary"];
  EXPECT_EQ(s["compared"], 3);
  EXPECT_EQ(s["compared"].get<std::size_t>(), j["rows"].size());
  EXPECT_EQ(s["slower"], 1);
  EXPECT_EQ(s["same"], 2);
  EXPECT_EQ(s["faster"], 0);
  EXPECT_EQ(s["only_a"], 1);
  EXPECT_EQ(s["only_b"], 1);
  EXPECT_NEAR(s["worst_ratio"].get<double>(), 100.0 / 120.0, 1e-12);
  int slower_rows = 0;
  for (const auto& r : j["rows"]) slower_rows += r["verdict"] == "SLOWER";
  EXPECT_EQ(slower_rows, 1);
  EXPECT_TRUE(j["noise_a"].is_null());  // out-of-place only: no placement noise

  const std::string text = report::compare_text(c, o);
  EXPECT_HAS(text, "3 compared: 0 FASTER, 1 SLOWER, 2 SAME");
  EXPECT_HAS(text, "1 in A only, 1 in B only");
}

}  // namespace

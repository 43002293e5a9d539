// report::metrics_of / analyse / load_topology / format_bytes on series built by hand, with every
// expected number worked out here from the definitions (reports/REPORT.md), not from the code.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "report/analysis.hpp"
#include "unit/test_support.hpp"

namespace {

namespace report = collbench::report;
using report::kNaN;
using testsupport::error_of;

report::Point pt(std::uint64_t bytes, double busbw, double time_us, double p50 = kNaN, double p99 = kNaN,
                 std::int64_t wrong = 0) {
  report::Point p;
  p.bytes = bytes;
  p.reps = 1;
  p.busbw = busbw;
  p.time_us = time_us;
  p.p50_us = p50;
  p.p99_us = p99;
  p.wrong = wrong;
  return p;
}

report::Series series(std::vector<report::Point> pts, int nnodes = 1) {
  report::Series s;
  s.config = "default";
  s.collective = "allreduce";
  s.datatype = "float";
  s.op = "sum";
  s.placement = "out_of_place";
  s.nranks = 8;
  s.nnodes = nnodes;
  s.basis = "median";
  s.label = "run";
  s.points = std::move(pts);
  return s;
}

// A curve rising to a peak of 25 GB/s at 64 KiB, then falling back: the peak is the highest point,
// not the last.
report::Series rising() {
  return series({pt(1024, 1.0, 10.0), pt(4096, 4.0, 11.0), pt(16384, 20.0, 12.0), pt(65536, 25.0, 40.0),
                 pt(262144, 22.0, 150.0)});
}

TEST(ReportMetrics, PeakBusbwAndItsSize) {
  const report::SeriesMetrics m = report::metrics_of(rising(), std::nullopt);
  EXPECT_DOUBLE_EQ(m.peak_busbw, 25.0);
  EXPECT_EQ(m.peak_bytes, 65536u);
}

// nccl-tests' figure has its own peak (a collbench run's may sit at another size than its median's);
// NaN when no point carries the figure (a document before schema 7).
TEST(ReportMetrics, PeakOfNcclTestsFigure) {
  report::Series s = rising();
  EXPECT_TRUE(std::isnan(report::metrics_of(s, std::nullopt).peak_nccl_tests_busbw));
  const double figure[] = {0.9, 3.5, 18.0, 23.0, 23.5};  // the mean over ranks' means: peaks at 256 KiB
  for (std::size_t i = 0; i < s.points.size(); ++i) s.points[i].nccl_tests_busbw = figure[i];
  const report::SeriesMetrics m = report::metrics_of(s, std::nullopt);
  EXPECT_DOUBLE_EQ(m.peak_nccl_tests_busbw, 23.5);
  EXPECT_DOUBLE_EQ(m.peak_busbw, 25.0) << "the median's peak stays as it was";
}

TEST(ReportMetrics, HalfPeakIsInterpolatedOnLogAxesBetweenTheBracketingSizes) {
  const report::SeriesMetrics m = report::metrics_of(rising(), std::nullopt);
  // Half of 25 is 12.5: 4 KiB reaches 4, 16 KiB reaches 20. On log axes the fraction of the way is
  // t = ln(12.5/4) / ln(20/4) = 0.70797..., so the size is 4096 * 4^t = 10929.5 B (linear in bytes
  // would give 4096 + 12288 * 8.5/16 = 10624).
  const double t = std::log(12.5 / 4.0) / std::log(20.0 / 4.0);
  const double expected = 4096.0 * std::pow(4.0, t);
  EXPECT_NEAR(expected, 10929.5, 0.1);  // the hand computation itself
  EXPECT_NEAR(m.half_peak_bytes, expected, 1e-6 * expected);
  EXPECT_FALSE(m.half_peak_below_range);
}

TEST(ReportMetrics, HalfPeakBelowRangeWhenTheFirstPointAlreadyReachesHalf) {
  const report::SeriesMetrics m =
      report::metrics_of(series({pt(1024, 6.0, 5.0), pt(2048, 8.0, 6.0), pt(4096, 10.0, 9.0)}), std::nullopt);
  EXPECT_TRUE(m.half_peak_below_range);
  EXPECT_TRUE(std::isnan(m.half_peak_bytes));
  EXPECT_DOUBLE_EQ(m.peak_busbw, 10.0);
}

TEST(ReportMetrics, HalfPeakExactlyAtAMeasuredSize) {
  // Peak 16: half is 8, reached exactly at 4 KiB.
  const report::SeriesMetrics m = report::metrics_of(
      series({pt(1024, 1.0, 5.0), pt(2048, 2.0, 6.0), pt(4096, 8.0, 7.0), pt(8192, 16.0, 8.0)}), std::nullopt);
  EXPECT_NEAR(m.half_peak_bytes, 4096.0, 1e-6);
  EXPECT_FALSE(m.half_peak_below_range);
}

TEST(ReportMetrics, LatencyFloorIsTheLowestTimeAtAnySize) {
  // The lowest time is at 4 KiB (a smaller size is slower: launch noise).
  const report::SeriesMetrics m = report::metrics_of(
      series({pt(8, 0.01, 19.3), pt(64, 0.1, 18.9), pt(4096, 1.0, 17.4), pt(65536, 10.0, 60.0)}), std::nullopt);
  EXPECT_DOUBLE_EQ(m.latency_floor_us, 17.4);
  EXPECT_EQ(m.floor_bytes, 4096u);
}

TEST(ReportMetrics, TailSpreadIsP99OverP50MedianAndMax) {
  // Ratios 1.1, 2.0, 1.2, 1.4 -> median (1.2 + 1.4) / 2 = 1.3, max 2.0 at 2 KiB.
  const report::SeriesMetrics m =
      report::metrics_of(series({pt(1024, 1, 10, 10, 11), pt(2048, 2, 10, 10, 20), pt(4096, 3, 10, 10, 12),
                                 pt(8192, 4, 20, 20, 28)}),
                         std::nullopt);
  EXPECT_EQ(m.tail_basis, "p99/p50");
  EXPECT_NEAR(m.tail_median, 1.3, 1e-12);
  EXPECT_NEAR(m.tail_max, 2.0, 1e-12);
  EXPECT_EQ(m.tail_max_bytes, 2048u);
}

TEST(ReportMetrics, TailSpreadAgainstTheMeanWhenThereIsNoP50) {
  // nccl-tests with -I: p99 but no median; the basis time (the mean) is the denominator.
  const report::SeriesMetrics m = report::metrics_of(
      series({pt(1024, 1, 10, kNaN, 15), pt(2048, 2, 20, kNaN, 22), pt(4096, 3, 40, kNaN, 48)}), std::nullopt);
  EXPECT_EQ(m.tail_basis, "p99/mean");
  EXPECT_NEAR(m.tail_median, 1.2, 1e-12);  // 1.5, 1.1, 1.2
  EXPECT_NEAR(m.tail_max, 1.5, 1e-12);
  EXPECT_EQ(m.tail_max_bytes, 1024u);
}

TEST(ReportMetrics, NoTailWithoutP99) {
  const report::SeriesMetrics m =
      report::metrics_of(series({pt(1024, 1, 10), pt(2048, 2, 20), pt(4096, 3, 40)}), std::nullopt);
  EXPECT_EQ(m.tail_basis, "");
  EXPECT_TRUE(std::isnan(m.tail_median));
  EXPECT_TRUE(std::isnan(m.tail_max));
}

TEST(ReportMetrics, EfficiencyAgainstTheScopesLinkRate) {
  const report::Topology topo{"t", 450, 400};
  for (const int nodes : {0, 1}) {  // unknown node count counts as one node
    const report::SeriesMetrics m = report::metrics_of(series({pt(1024, 90, 10), pt(2048, 180, 11)}, nodes), topo);
    EXPECT_DOUBLE_EQ(m.link_gbps, 450) << nodes;
    EXPECT_NEAR(m.efficiency, 0.4, 1e-12) << nodes;
  }
  const report::SeriesMetrics m2 = report::metrics_of(series({pt(1024, 90, 10), pt(2048, 100, 11)}, 2), topo);
  EXPECT_DOUBLE_EQ(m2.link_gbps, 400);
  EXPECT_NEAR(m2.efficiency, 0.25, 1e-12);
  // Without a topology there is no efficiency.
  const report::SeriesMetrics none = report::metrics_of(series({pt(1024, 90, 10)}, 2), std::nullopt);
  EXPECT_TRUE(std::isnan(none.link_gbps));
  EXPECT_TRUE(std::isnan(none.efficiency));
}

TEST(ReportMetrics, EfficiencyFallsBackToTheOtherRateWhenOneIsMissing) {
  const report::Topology only_inter{"t", kNaN, 200};
  const report::SeriesMetrics m = report::metrics_of(series({pt(1024, 100, 10)}, 1), only_inter);
  EXPECT_DOUBLE_EQ(m.link_gbps, 200);
  EXPECT_NEAR(m.efficiency, 0.5, 1e-12);
}

TEST(ReportMetrics, WrongIsSummedAndMinusOneWhenSomePointWasNotChecked) {
  EXPECT_EQ(report::metrics_of(series({pt(8, 1, 1, kNaN, kNaN, 2), pt(16, 1, 1, kNaN, kNaN, 3)}), std::nullopt).wrong, 5);
  EXPECT_EQ(report::metrics_of(series({pt(8, 1, 1, kNaN, kNaN, 2), pt(16, 1, 1, kNaN, kNaN, -1)}), std::nullopt).wrong, -1);
}

TEST(ReportMetrics, EmptySeriesHasNothing) {
  const report::SeriesMetrics m = report::metrics_of(series({}), report::Topology{"t", 450, 400});
  EXPECT_TRUE(std::isnan(m.peak_busbw));
  EXPECT_TRUE(std::isnan(m.latency_floor_us));
  EXPECT_TRUE(std::isnan(m.half_peak_bytes));
}

// --- scaling ---

report::Dataset scaling_dataset() {
  report::Dataset d;
  report::SourceInfo a;
  a.kind = "run";
  a.label = "big";
  a.gpu = "NVIDIA H200";
  report::SourceInfo b = a;
  b.label = "small";
  d.sources = {a, b};
  // The larger scale first: rows must come out in ascending node count anyway.
  report::Series s4 = series({pt(1024, 5, 40), pt(1 << 20, 80, 100)}, 4);
  s4.source = 0, s4.nranks = 32, s4.label = "big";
  report::Series s1 = series({pt(1024, 10, 20), pt(1 << 20, 160, 50)}, 1);
  s1.source = 1, s1.nranks = 8, s1.label = "small";
  // A collective measured at one scale only: no scaling group.
  report::Series lone = series({pt(1024, 3, 30)}, 1);
  lone.collective = "allgather", lone.source = 1;
  d.series = {s4, s1, lone};
  return d;
}

TEST(ReportScaling, GroupsSeriesOfOneCaseAcrossNodeCountsAgainstTheSmallest) {
  const report::Dataset d = scaling_dataset();
  const report::Analysis a = report::analyse(d, std::nullopt);
  ASSERT_EQ(a.metrics.size(), 3u);
  ASSERT_EQ(a.scaling.size(), 1u);
  const report::ScalingGroup& g = a.scaling[0];
  EXPECT_EQ(g.collective, "allreduce");
  EXPECT_EQ(g.placement, "out_of_place");
  ASSERT_EQ(g.rows.size(), 2u);
  EXPECT_EQ(g.rows[0].series, 1u);
  EXPECT_EQ(g.rows[0].nnodes, 1);
  EXPECT_EQ(g.rows[0].nranks, 8);
  EXPECT_DOUBLE_EQ(g.rows[0].peak_vs_base, 1.0);
  EXPECT_DOUBLE_EQ(g.rows[0].floor_vs_base, 1.0);
  EXPECT_EQ(g.rows[1].series, 0u);
  EXPECT_EQ(g.rows[1].nnodes, 4);
  EXPECT_DOUBLE_EQ(g.rows[1].peak_busbw, 80);
  EXPECT_DOUBLE_EQ(g.rows[1].peak_vs_base, 0.5);    // 80 / 160
  EXPECT_DOUBLE_EQ(g.rows[1].latency_floor_us, 40);
  EXPECT_DOUBLE_EQ(g.rows[1].floor_vs_base, 2.0);   // 40 / 20
}

TEST(ReportScaling, NoGroupWhenEverySeriesHasTheSameScale) {
  report::Dataset d = scaling_dataset();
  d.series[0].nnodes = 1, d.series[0].nranks = 8;
  const report::Analysis a = report::analyse(d, std::nullopt);
  EXPECT_TRUE(a.scaling.empty());
}

TEST(ReportScaling, DifferentPlacementsOrGpusDoNotGroup) {
  report::Dataset d = scaling_dataset();
  d.series[0].placement = "in_place";
  EXPECT_TRUE(report::analyse(d, std::nullopt).scaling.empty());
  d = scaling_dataset();
  d.sources[0].gpu = "NVIDIA A100";
  EXPECT_TRUE(report::analyse(d, std::nullopt).scaling.empty());
}

TEST(ReportScaling, ImportedLogsOfOneGpuGroupWhateverTheirLabels) {
  report::Dataset d = scaling_dataset();
  for (auto& s : d.sources) s.kind = "log";
  d.series[0].config = "cluster_4node";
  d.series[1].config = "cluster_1node";
  const report::Analysis a = report::analyse(d, std::nullopt);
  ASSERT_EQ(a.scaling.size(), 1u);
  EXPECT_EQ(a.scaling[0].config, "logs on NVIDIA H200");
  ASSERT_EQ(a.scaling[0].rows.size(), 2u);
  EXPECT_EQ(a.scaling[0].rows[0].nnodes, 1);
  EXPECT_DOUBLE_EQ(a.scaling[0].rows[1].peak_vs_base, 0.5);
}

TEST(ReportAnalyse, MetricsParallelToSeriesAndTopologyKept) {
  const report::Dataset d = scaling_dataset();
  const report::Analysis a = report::analyse(d, report::Topology{"h", 450, 400});
  ASSERT_TRUE(a.topology.has_value());
  ASSERT_EQ(a.metrics.size(), d.series.size());
  EXPECT_DOUBLE_EQ(a.metrics[0].peak_busbw, 80);
  EXPECT_DOUBLE_EQ(a.metrics[0].link_gbps, 400);  // 4 nodes: across nodes
  EXPECT_DOUBLE_EQ(a.metrics[1].link_gbps, 450);  // 1 node: within
}

// --- topology ---

// Topology files in one directory, removed when the tests end.
std::string write_temp(const std::string& name, const std::string& text) {
  static const testsupport::TempDir dir;
  return dir.write(name, text);
}

TEST(ReportTopology, Presets) {
  const report::Topology h200 = report::load_topology("h200-sxm");
  EXPECT_EQ(h200.name, "h200-sxm");
  EXPECT_DOUBLE_EQ(h200.intra_node_gbps, 450);
  EXPECT_DOUBLE_EQ(h200.inter_node_gbps, 400);
  const report::Topology a100 = report::load_topology("a100-sxm");
  EXPECT_DOUBLE_EQ(a100.intra_node_gbps, 300);
  EXPECT_DOUBLE_EQ(a100.inter_node_gbps, 200);
  const std::vector<std::string> names = report::topology_presets();
  for (const char* n : {"h100-sxm", "h200-sxm", "a100-sxm", "b200", "gb200", "mi300x"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
    const report::Topology t = report::load_topology(n);
    EXPECT_GT(t.intra_node_gbps, 0) << n;
    EXPECT_GT(t.inter_node_gbps, 0) << n;
  }
}

TEST(ReportTopology, JsonFile) {
  const std::string p = write_temp("ok.json", R"({"name": "mine", "intra_node_gbps": 300, "inter_node_gbps": 50})");
  const report::Topology t = report::load_topology(p);
  EXPECT_EQ(t.name, "mine");
  EXPECT_DOUBLE_EQ(t.intra_node_gbps, 300);
  EXPECT_DOUBLE_EQ(t.inter_node_gbps, 50);
  const std::string one = write_temp("one.json", R"({"inter_node_gbps": 25})");
  const report::Topology t1 = report::load_topology(one);
  EXPECT_TRUE(std::isnan(t1.intra_node_gbps));
  EXPECT_DOUBLE_EQ(t1.inter_node_gbps, 25);
}

TEST(ReportTopology, BadInputsNameTopology) {
  const std::string unknown = error_of([] { report::load_topology("h300-sxm"); });
  EXPECT_HAS(unknown, "--topology 'h300-sxm'");
  EXPECT_HAS(unknown, "h200-sxm");  // lists the presets

  const std::string bad = write_temp("bad.json", "{not json");
  const std::string e1 = error_of([&] { report::load_topology(bad); });
  EXPECT_HAS(e1, "--topology '" + bad + "'");
  EXPECT_HAS(e1, "JSON");

  const std::string zero = write_temp("zero.json", R"({"intra_node_gbps": 0, "inter_node_gbps": 400})");
  const std::string e2 = error_of([&] { report::load_topology(zero); });
  EXPECT_HAS(e2, "--topology");
  EXPECT_HAS(e2, "intra_node_gbps");

  const std::string neg = write_temp("neg.json", R"({"intra_node_gbps": 450, "inter_node_gbps": -1})");
  const std::string e3 = error_of([&] { report::load_topology(neg); });
  EXPECT_HAS(e3, "--topology");
  EXPECT_HAS(e3, "inter_node_gbps");

  const std::string text = write_temp("text.json", R"({"intra_node_gbps": "fast"})");
  EXPECT_HAS(error_of([&] { report::load_topology(text); }), "--topology");

  const std::string neither = write_temp("neither.json", R"({"name": "x"})");
  EXPECT_HAS(error_of([&] { report::load_topology(neither); }), "--topology");

  const std::string array = write_temp("array.json", "[1, 2]");
  EXPECT_HAS(error_of([&] { report::load_topology(array); }), "--topology");
}

// --- format_bytes ---

TEST(ReportFormatBytes, WholeUnitsAndDecimals) {
  EXPECT_EQ(report::format_bytes(8), "8 B");
  EXPECT_EQ(report::format_bytes(1023), "1023 B");
  EXPECT_EQ(report::format_bytes(1024), "1 KiB");
  EXPECT_EQ(report::format_bytes(64 * 1024), "64 KiB");
  EXPECT_EQ(report::format_bytes(1024 * 1024), "1 MiB");
  EXPECT_EQ(report::format_bytes(1.5 * 1024 * 1024), "1.5 MiB");
  EXPECT_EQ(report::format_bytes(16.0 * 1024 * 1024 * 1024), "16 GiB");
  EXPECT_EQ(report::format_bytes(kNaN), "-");
}

TEST(ReportFormatBytes, NoScientificNotationJustBelowTheNextUnit) {
  const std::string s = report::format_bytes(1000.5 * 1024);
  EXPECT_LACKS(s, "e+");
  EXPECT_TRUE(s == "1000 KiB" || s == "1001 KiB" || s == "1000.5 KiB" || s == "0.977 MiB") << s;
}

}  // namespace

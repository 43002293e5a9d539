// report and compare of imported logs show the busbw the log printed (schema 9's `printed`): the
// median over repetitions, where every repetition printed a digit; collbench's recalculation from
// the time stays where the log printed 0.00 (tiny sizes) and for records with no printed figure.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ingest/nccl_tests.hpp"
#include "report/compare.hpp"
#include "report/dataset.hpp"
#include "results/json.hpp"
#include "unit/test_support.hpp"

namespace {

namespace report = collbench::report;

// all_reduce_perf -N 3 on 4 ranks in the 2.13-2.17.2 layout ("%12li  %12li  %8s  %6s  %6s", then
// per placement "  %7s  %6.2f  %6.2f  %5s"), written from those formats: the printed busbw of
// 1 MiB out-of-place is 52.22, 51.74, 52.60 (median 52.22), while size / median time x 1.5 is
// 52.2199; 8 B prints 0.00.
constexpr std::string_view kThreeCycles = R"LOG(
# Collective test starting: all_reduce_perf
# nThread 1 nGpus 1 minBytes 8 maxBytes 1048576 step: 2(factor) warmup iters: 1 iters: 20 agg iters: 1 validation: 1 graph: 0
#
# Using devices
#  Rank  0 Group  0 Pid   2000 on      node1 device  0 [0000:07:00] NVIDIA A100-SXM4-80GB
#  Rank  1 Group  0 Pid   2001 on      node1 device  1 [0000:0b:00] NVIDIA A100-SXM4-80GB
#  Rank  2 Group  0 Pid   2002 on      node2 device  0 [0000:07:00] NVIDIA A100-SXM4-80GB
#  Rank  3 Group  0 Pid   2003 on      node2 device  1 [0000:0b:00] NVIDIA A100-SXM4-80GB
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       
           8             2     float     sum      -1    10.50    0.00    0.00      0    10.61    0.00    0.00      0
     1048576        262144     float     sum      -1    30.12   34.81   52.22      0    30.42   34.47   51.70      0
           8             2     float     sum      -1    10.62    0.00    0.00      0    10.73    0.00    0.00      0
     1048576        262144     float     sum      -1    30.40   34.49   51.74      0    30.70   34.15   51.23      0
           8             2     float     sum      -1    10.44    0.00    0.00      0    10.54    0.00    0.00      0
     1048576        262144     float     sum      -1    29.90   35.07   52.60      0    30.20   34.72   52.08      0
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 26.1 
#
# Collective test concluded: all_reduce_perf
#
)LOG";

const report::Series& series_of(const report::Dataset& d, const std::string& placement) {
  for (const auto& s : d.series)
    if (s.placement == placement) return s;
  throw std::runtime_error("no series " + placement);
}

const report::Point& point_of(const report::Series& s, std::uint64_t bytes) {
  for (const auto& p : s.points)
    if (p.bytes == bytes) return p;
  throw std::runtime_error("no point");
}

double recomputed(std::uint64_t bytes, double us) { return static_cast<double>(bytes) / us / 1e3 * 1.5; }

TEST(DatasetPrinted, ImportedPointsShowThePrintedBusbw) {
  const testsupport::TempDir tmp;
  const report::Dataset d = report::load_dataset({tmp.write("ar.log", kThreeCycles.substr(1))});
  const report::Series& oop = series_of(d, "out_of_place");
  EXPECT_EQ(oop.basis, "mean");
  const report::Point& p = point_of(oop, 1048576);
  EXPECT_EQ(p.reps, 3);
  EXPECT_DOUBLE_EQ(p.time_us, 30.12);
  EXPECT_DOUBLE_EQ(p.busbw, 52.22) << "the median of the printed 52.22, 51.74, 52.60";
  EXPECT_DOUBLE_EQ(p.nccl_tests_busbw, 52.22);
  EXPECT_NE(p.busbw, recomputed(1048576, 30.12)) << "not size / time x factor (52.2199)";
  EXPECT_DOUBLE_EQ(point_of(series_of(d, "in_place"), 1048576).busbw, 51.70);
  // 8 B printed 0.00: the recalculation stays (it has the time's digits).
  const report::Point& tiny = point_of(oop, 8);
  EXPECT_NEAR(tiny.busbw, recomputed(8, 10.50), 1e-12);
  EXPECT_NEAR(tiny.nccl_tests_busbw, recomputed(8, 10.50), 1e-12);
}

// The same records as a collbench run JSON holds them (no `printed`): the point's busbw is size /
// time x factor, as before schema 9.
TEST(DatasetPrinted, RecordsWithoutAPrintedFigureKeepTheRecalculation) {
  const testsupport::TempDir tmp;
  collbench::results::RunDocument doc = collbench::ingest::import_log(tmp.write("ar.log", kThreeCycles.substr(1))).doc;
  doc.metadata.imported.reset();
  for (auto& r : doc.results) r.printed.reset();
  const report::Dataset d = report::load_dataset({tmp.write("run.json", nlohmann::json(doc).dump(1) + "\n")});
  const report::Point& p = point_of(series_of(d, "out_of_place"), 1048576);
  EXPECT_DOUBLE_EQ(p.busbw, recomputed(1048576, 30.12));
  EXPECT_DOUBLE_EQ(p.nccl_tests_busbw, recomputed(1048576, 30.12));
}

TEST(ComparePrinted, ImportedSidesCompareThePrintedBusbw) {
  const testsupport::TempDir tmp;
  const report::Dataset a = report::load_dataset({tmp.write("a.log", kThreeCycles.substr(1))});
  const report::Dataset b = report::load_dataset({tmp.write("b.log", kThreeCycles.substr(1))});
  const report::Comparison c = report::compare(a, b, {});
  ASSERT_EQ(c.rows.size(), 4u);
  for (const auto& r : c.rows) {
    SCOPED_TRACE(r.bytes);
    EXPECT_EQ(r.basis, "nccl_tests");
    EXPECT_DOUBLE_EQ(r.ratio, 1.0);
    if (r.bytes != 1048576) continue;
    const double printed = r.placement == "out_of_place" ? 52.22 : 51.70;
    EXPECT_DOUBLE_EQ(r.a_busbw, printed);
    EXPECT_DOUBLE_EQ(r.b_busbw, printed);
  }
  const nlohmann::json j = report::compare_json(c, {});
  bool seen = false;
  for (const auto& row : j["rows"])
    if (row["bytes"] == 1048576 && row["placement"] == "out_of_place") {
      seen = true;
      EXPECT_EQ(row["a_busbw_gbps"], 52.22);
    }
  EXPECT_TRUE(seen);
}

}  // namespace

// collbench import on the log classes people paste that earlier versions refused: every test's
// own pre-2.13 columns, program names with a build suffix, several tests in one log with one that
// cannot be read, edited logs, and what the log says (validation, %g counts, no timer claimed).
// The logs are generated here with nccl-tests' own printf formats of each era (cited per format),
// never copied from a public log.
#include <gtest/gtest.h>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "import_support.hpp"
#include "text_logs.hpp"

namespace {

using importsupport::has;
using importsupport::has_note;
using importsupport::notes_of;
using importsupport::parse;

std::string printf_text(const char* format, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, format);
  std::vsnprintf(buf, sizeof(buf), format, ap);
  va_end(ap);
  return buf;
}

// One test program as nccl-tests v2.11.0 printed it: src/<test>.cu:11-19 (its own header columns
// and print_line_header), src/common.cu:1028 (the nThread line), 1044 (device lines, before
// "Group" existed), 730-739 (time "%7.2f" and the 'error' column "%5.0le"), 1200-1202 (footer).
struct OldTest {
  const char* program;
  bool redop;      // a 'redop' column
  bool root;       // a 'root' column
  const char* op;  // what the row prints under 'redop' ("" for alltoall)
  double factor;   // busbw / algbw on `ranks` ranks
};

std::string old_log(const OldTest& t, int ranks, const std::vector<std::uint64_t>& sizes, int element_bytes,
                    const std::string& command_prefix = "") {
  std::string s = command_prefix;
  s += printf_text("# nThread %d nGpus %d minBytes %ld maxBytes %ld step: %ld(%s) warmup iters: %d iters: %d validation: %d \n", 1,
                   ranks, static_cast<long>(sizes.front()), static_cast<long>(sizes.back()), 2L, "factor", 5, 20, 1);
  s += "#\n# Using devices\n";
  for (int r = 0; r < ranks; ++r)
    s += printf_text("#   Rank %2d Pid %6d on %10s device %2d [0x%02x] %s\n", r, 4242, "node-a", r, 0x10 + r, "Tesla V100-SXM2-32GB");
  s += "#\n";
  std::string pre = printf_text("# %10s  %12s  %8s", "", "", "");
  std::string head = printf_text("# %10s  %12s  %8s", "size", "count", "type");
  std::string units = printf_text("# %10s  %12s  %8s", "(B)", "(elements)", "");
  if (t.redop) pre += printf_text("  %6s", ""), head += printf_text("  %6s", "redop"), units += printf_text("  %6s", "");
  if (t.root) pre += printf_text("  %6s", ""), head += printf_text("  %6s", "root"), units += printf_text("  %6s", "");
  s += pre + "            out-of-place                       in-place          \n";
  s += head + printf_text("  %7s  %6s  %6s  %5s  %7s  %6s  %6s  %5s\n", "time", "algbw", "busbw", "error", "time", "algbw", "busbw", "error");
  s += units + printf_text("  %7s  %6s  %6s  %5s  %7s  %6s  %6s  %5s\n", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", "");
  for (const std::uint64_t size : sizes) {
    const std::uint64_t per_rank = std::string(t.program) == "all_gather_perf" || std::string(t.program) == "reduce_scatter_perf" ||
                                           std::string(t.program) == "alltoall_perf"
                                       ? size / static_cast<std::uint64_t>(ranks)
                                       : size;
    s += printf_text("%12li  %12li  %8s", static_cast<long>(size), static_cast<long>(per_rank / element_bytes), "float");
    if (t.redop) s += printf_text("  %6s", t.op);
    if (t.root) s += printf_text("  %6i", 0);
    for (const double us : {12.5 + static_cast<double>(size) / 20000.0, 12.25 + static_cast<double>(size) / 20100.0}) {
      const double algbw = static_cast<double>(size) / 1e9 / (us / 1e6);
      s += printf_text("  %7s  %6.2f  %6.2f  %5.0le", printf_text("%7.2f", us).c_str(), algbw, algbw * t.factor, 2e-7);
    }
    s += "\n";
  }
  s += printf_text("# Out of bounds values : %d %s\n", 0, "OK");
  s += printf_text("# Avg bus bandwidth    : %g %s\n", 3.5, "");
  s += "#\n";
  return s;
}

// 12 ranks (-g 12): sizes that are not powers of two, and a 0-byte row.
const std::vector<std::uint64_t> kSizes12 = {0, 96 * 12, 786432 * 12};

struct LayoutCase {
  OldTest test;
  const char* collective;
  const char* op;   // the records' op
  int root;         // the records' root
};

class OldLayout : public ::testing::TestWithParam<LayoutCase> {};

TEST_P(OldLayout, EveryTestsOwnColumnsImport) {
  const LayoutCase& c = GetParam();
  const std::string text = old_log(c.test, 12, kSizes12, 4, std::string("$ ./build/") + c.test.program + " -b 1152 -e 9437184 -g 12\n");
  const auto log = parse(text);
  ASSERT_EQ(log.doc.results.size(), kSizes12.size() * 2) << notes_of(log);
  EXPECT_NE(log.doc.metadata.imported->format.find("'error' column"), std::string::npos) << log.doc.metadata.imported->format;
  EXPECT_TRUE(log.doc.metadata.imported->complete) << notes_of(log);
  EXPECT_EQ(log.doc.status, "ok");
  for (std::size_t i = 0; i < log.doc.results.size(); ++i) {
    const auto& r = log.doc.results[i];
    SCOPED_TRACE(std::string(c.test.program) + " record " + std::to_string(i));
    EXPECT_EQ(r.collective, c.collective);
    EXPECT_EQ(r.op, c.op);
    EXPECT_EQ(r.root, c.root);
    EXPECT_EQ(r.bytes, kSizes12[i / 2]);
    EXPECT_EQ(r.placement, i % 2 == 0 ? "out_of_place" : "in_place");
    EXPECT_EQ(r.nranks, 12);
    EXPECT_EQ(r.datatype, "float");
    EXPECT_EQ(r.backend_notes.at("max_abs_error"), "2e-07");
    EXPECT_TRUE(r.checked) << "validation: 1";
    EXPECT_EQ(r.wrong, -1);
    EXPECT_TRUE(has(r.missing, "wrong"));
  }
}

// nccl-tests v2.11.0: all_gather.cu/sendrecv "size count type"; broadcast.cu "... root";
// reduce.cu "... redop root"; alltoall.cu "... redop" with "" printed under it (its TimeTest
// passes opName ""); all_reduce.cu and reduce_scatter.cu "... redop".
INSTANTIATE_TEST_SUITE_P(
    Nccl211, OldLayout,
    ::testing::Values(LayoutCase{{"all_gather_perf", false, false, "", 11.0 / 12.0}, "allgather", "none", -1},
                      LayoutCase{{"broadcast_perf", false, true, "", 1.0}, "broadcast", "none", 0},
                      LayoutCase{{"reduce_perf", true, true, "sum", 1.0}, "reduce", "sum", 0},
                      LayoutCase{{"alltoall_perf", true, false, "", 11.0 / 12.0}, "alltoall", "none", -1},
                      LayoutCase{{"reduce_scatter_perf", true, false, "sum", 11.0 / 12.0}, "reducescatter", "sum", -1},
                      LayoutCase{{"all_reduce_perf", true, false, "sum", 22.0 / 12.0}, "allreduce", "sum", -1}),
    [](const ::testing::TestParamInfo<LayoutCase>& p) { return std::string(p.param.collective); });

// The MPI build's name (make MPI=1 NAME_SUFFIX=_mpi, nccl-tests src/Makefile:38), with a path and a
// launcher before it, and announced by "# Collective test starting:" (src/util.cu:624).
TEST(ImportHistory, ProgramNamesWithABuildSuffix) {
  std::string text(importlogs::kAllGather2176);
  const std::string from = "# Collective test starting: all_gather_perf\n";
  text.replace(text.find(from), from.size(), "# Collective test starting: all_gather_perf_mpi\n");
  text = "$ srun -N 2 --mpi=pmix /opt/nccl-tests/build/all_gather_perf_mpi -b 1K -e 2G -f 1024 -c 0\n" + text;
  const auto log = parse(text);
  ASSERT_FALSE(log.doc.results.empty());
  for (const auto& r : log.doc.results) EXPECT_EQ(r.collective, "allgather");
  EXPECT_EQ(log.doc.metadata.imported->program, "all_gather_perf_mpi");
  EXPECT_EQ(collbench::ingest::collective_of_program("reduce_scatter_perf_mpi"), "reducescatter");
  EXPECT_EQ(collbench::ingest::collective_of_program("all_reduce_perf"), "allreduce");
  // Only the announcement names it: the old layout's columns would not tell all_gather from alltoall.
  const std::string old = "# Collective test starting: alltoall_perf_mpi\n" +
                          old_log({"alltoall_perf", true, false, "", 3.0 / 4.0}, 4, {4096, 65536}, 4);
  const auto a = parse(old);
  ASSERT_EQ(a.doc.results.size(), 4u) << notes_of(a);
  EXPECT_EQ(a.doc.results.front().collective, "alltoall");
}

// A script running every collective back to back; one table in between has a header collbench
// cannot read. It is skipped with a note naming its line, and the others import.
TEST(ImportHistory, SeveralTestsWithOneUnreadableTable) {
  const std::string ar = "$ ./all_reduce_perf -b 1152 -e 9437184 -g 12\n" +
                         old_log({"all_reduce_perf", true, false, "sum", 22.0 / 12.0}, 12, kSizes12, 4);
  std::string broken = "$ ./mystery_perf -b 8 -e 16\n" + old_log({"reduce_perf", true, true, "sum", 1.0}, 12, kSizes12, 4);
  const std::string head = "  redop    root     time";
  broken.replace(broken.find(head), head.size(), "  redop   where     time");
  const std::string ag = "$ ./all_gather_perf -b 1152 -e 9437184 -g 12\n" +
                         old_log({"all_gather_perf", false, false, "", 11.0 / 12.0}, 12, kSizes12, 4);
  const std::string text = ar + broken + ag;
  const auto log = parse(text);
  EXPECT_EQ(log.doc.results.size(), 2 * 2 * kSizes12.size()) << notes_of(log);
  std::size_t broken_line = 1;
  for (std::size_t i = 0; i < text.find("  redop   where"); ++i) broken_line += text[i] == '\n';
  EXPECT_TRUE(has_note(log, "line " + std::to_string(broken_line) + ": table skipped: a table header with 'where'")) << notes_of(log);
  EXPECT_EQ(log.doc.results.front().collective, "allreduce");
  EXPECT_EQ(log.doc.results.back().collective, "allgather");
  EXPECT_EQ(log.doc.metadata.imported->program, "all_reduce_perf,all_gather_perf");
  // A log whose only table cannot be read is not imported: its reason is the error.
  try {
    parse(broken);
    ADD_FAILURE() << "a log without a readable table imported";
  } catch (const collbench::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("synthetic.log:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("a table header with 'where'"), std::string::npos) << e.what();
  }
}

// "# Truncated …" inside a table and a device list elided with "...": what is there imports, the
// log is not complete, and the ranks are the highest rank shown plus one, not the lines shown.
TEST(ImportHistory, EditedLogsAreNotComplete) {
  std::string text(importlogs::kAllGather2176);
  const std::string row = "  1073741824      33554432";
  text.insert(text.find(row), "# Truncated: 10 rows left out\n");
  const auto log = parse(text);
  EXPECT_EQ(log.doc.results.size(), 6u) << notes_of(log);
  EXPECT_FALSE(log.doc.metadata.imported->complete);
  EXPECT_EQ(log.doc.status, "ok") << "the run ended (its footer is there); the log is edited";
  EXPECT_TRUE(has_note(log, "lines were left out of the log")) << notes_of(log);

  std::string elided(importlogs::kAllGather2176);
  const std::size_t first = elided.find("#  Rank  1");
  const std::size_t last = elided.find("#  Rank  7");
  elided.replace(first, last - first, "#  ...\n");
  const auto e = parse(elided);
  EXPECT_FALSE(e.doc.metadata.imported->complete);
  EXPECT_EQ(e.doc.metadata.nranks, 8);
  for (const auto& r : e.doc.results) EXPECT_EQ(r.nranks, 8);
  EXPECT_TRUE(has_note(e, "the device list is elided")) << notes_of(e);
  // The ranks shown keep their numbers: rank 7 is rank 7, not the second rank listed.
  std::vector<int> shown;
  for (const auto& h : e.doc.metadata.hosts) shown.insert(shown.end(), h.ranks.begin(), h.ranks.end());
  EXPECT_EQ(shown, (std::vector<int>{0, 7}));
  // The ranks after the ellipsis are not shown: the busbw/algbw ratio tells 8, not 2.
  std::string cut(importlogs::kAllGather2176);
  cut.replace(cut.find("#  Rank  2"), cut.find("#\n#      ", cut.find("#  Rank  7")) - cut.find("#  Rank  2"), "#  ...\n");
  const auto c = parse(cut);
  for (const auto& r : c.doc.results) EXPECT_EQ(r.nranks, 8) << notes_of(c);
}

// The first nccl-tests (b188a15, 2017, until the 2019 resync cbe7f65): "bytes N type op" and
// "time algbw busbw res" (src/all_reduce.cu:11-17), times in milliseconds ("%7.3f" of deltaSec *
// 1e3, src/common.cu:573), device lines without a pid (648-660), a footer without '#' (1026-1028).
TEST(ImportHistory, TheFirstFormatWithTimesInMilliseconds) {
  std::string s = "$ ./build/all_reduce_perf -b 8M -e 16M -f 2 -g 4\n# Using devices\n";
  for (int r = 0; r < 4; ++r) s += printf_text("#   Rank %2d on %10s device %2d [0x%02x] %s\n", r, "dgx1", r, 0x06 + r, "Tesla P100-SXM2-16GB");
  s += printf_text("# %10s  %12s  %6s  %6s        out-of-place                    in-place\n", "", "", "", "");
  s += printf_text("# %10s  %12s  %6s  %6s  %7s  %5s  %5s  %7s  %7s  %5s  %5s  %7s\n", "bytes", "N", "type", "op", "time", "algbw",
                   "busbw", "res", "time", "algbw", "busbw", "res");
  for (const long bytes : {8388608L, 16777216L}) {
    s += printf_text("%12li  %12li  %6s  %6s", bytes, bytes / 4, "float", "sum");
    for (const double ms : {0.5 * static_cast<double>(bytes) / 8388608.0, 0.49 * static_cast<double>(bytes) / 8388608.0}) {
      const double algbw = static_cast<double>(bytes) / 1e9 / (ms / 1e3);
      s += printf_text("  %7.3f  %5.2f  %5.2f  %7.0le", ms, algbw, algbw * 1.5, 1e-6);
    }
    s += "\n";
  }
  s += printf_text(" Out of bounds values : %d %s\n", 0, "OK");
  s += printf_text(" Avg bus bandwidth    : %g %s\n", 25.1, "");
  s += "\n";
  const auto log = parse(s);
  ASSERT_EQ(log.doc.results.size(), 4u) << notes_of(log);
  EXPECT_NE(log.doc.metadata.imported->format.find("times in ms"), std::string::npos) << log.doc.metadata.imported->format;
  EXPECT_TRUE(log.doc.metadata.imported->complete);
  EXPECT_EQ(log.doc.metadata.nranks, 4);
  const auto& r = log.doc.results.front();
  EXPECT_EQ(r.collective, "allreduce");
  EXPECT_EQ(r.op, "sum");
  EXPECT_DOUBLE_EQ(r.time_us.mean, 500.0) << "0.500 ms";
  EXPECT_NEAR(r.busbw_mean_gbps, 8388608.0 / 500e-6 / 1e9 * 1.5, 0.01);
  EXPECT_EQ(r.backend_notes.at("max_abs_error"), "1e-06");
  EXPECT_EQ(log.doc.results[1].time_us.mean, 490.0);
}

// validation: 0 prints N/A: not checked. A count of a million wrong elements prints in %6g
// (src/util.cu), rounded: recorded with a note. Imports claim no timer.
TEST(ImportHistory, SayOnlyWhatTheLogSays) {
  const auto unchecked = parse(importlogs::kAllGather2176);
  for (const auto& r : unchecked.doc.results) EXPECT_FALSE(r.checked);
  EXPECT_EQ(unchecked.doc.metadata.timer, "");

  std::string text(importlogs::kPerIter2192);
  const std::string row = "   23.24       0    41.50";
  text.replace(text.find(row), row.size(), "   23.24  1.04858e+06    41.50");
  const auto log = parse(text);
  EXPECT_EQ(log.doc.results.front().wrong, 1048580);
  EXPECT_TRUE(log.doc.results.front().checked);
  EXPECT_EQ(log.doc.results.front().status, "wrong");
  EXPECT_TRUE(has_note(log, "#wrong printed as '1.04858e+06' (%g notation): the count 1048580 is rounded")) << notes_of(log);
}

}  // namespace

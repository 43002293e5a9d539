// An imported record's nccl_tests: the log's own time and bandwidths when it ran with nccl-tests'
// default -a 1 (the mean over ranks of each process's time, src/common.cu:310-351, 783), and none,
// with a note, when its command line asks for another reduction (-a 0/2/3) or -C 1 host times.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>

#include "ingest/builder.hpp"
#include "ingest/nccl_tests.hpp"
#include "unit/ingest/import_support.hpp"
#include "unit/ingest/text_logs.hpp"
#include "unit/test_support.hpp"

namespace {

namespace ingest = collbench::ingest;
namespace detail = collbench::ingest::detail;
using namespace importlogs;
using namespace importsupport;

// kTwoCycles (allreduce on 4 ranks, printed twice) after a command line naming its program.
std::string with_command_line(const std::string& args) {
  return "$ mpirun -np 4 ./build/all_reduce_perf " + args + "\n" + std::string(kTwoCycles);
}

// The printed out-of-place and in-place cells of kTwoCycles' first row.
struct Printed {
  double time, algbw, busbw;
};
constexpr Printed kFirstRow[] = {{30.12, 34.81, 52.22}, {29.95, 35.01, 52.52}};

// A -J document of one allreduce size on 2 ranks, with per-iteration times (max over processes)
// whose mean (10.82) is not the printed host time (10.5). `args` follow the program; `time_key`
// is "time", or "cpu_time" as -C 1 writes it.
std::string json_log(const std::string& args, const std::string& time_key = "time") {
  return R"({"version":3,"args":["/x/build/all_reduce_perf")" + args +
         R"(],"config":{"iterations":5,"warmup_iters":1,"devices":[{"rank":0,"hostname":"h1","device":0},)"
         R"({"rank":1,"hostname":"h2","device":0}]},"results":[{"size":1024,"count":256,"type":"float","redop":"sum",)"
         R"("root":"    -1","out_of_place":{")" + time_key +
         R"(":10.500000,"alg_bw":0.097524,"bus_bw":0.097524,"nwrong":0.000000},"out_of_place_per_iter":)"
         R"({"times_us":[10.4,10.0,12.5,10.2,11.0]},"actual_iterations":5}],"out_of_bounds":{"count":0,"okay":"true"},)"
         R"("average_bus_bandwidth":{"bandwidth":0.097524,"okay":"unchecked"},"errors":[],"end_time":"x"})";
}

}  // namespace

TEST(ImportFigure, AverageModeAsNcclTestsReadsIt) {
  EXPECT_EQ(detail::average_mode({}), 1) << "nccl-tests' default";
  EXPECT_EQ(detail::average_mode({"-b", "8", "-e", "8G"}), 1);
  EXPECT_EQ(detail::average_mode({"-a", "0"}), 0);
  EXPECT_EQ(detail::average_mode({"-a3"}), 3);
  EXPECT_EQ(detail::average_mode({"--average", "2"}), 2);
  EXPECT_EQ(detail::average_mode({"--average=0", "-g", "1"}), 0);
  EXPECT_EQ(detail::average_mode({"-a", "0", "-b", "8", "-a", "1"}), 1) << "the last one wins, as getopt";
  EXPECT_EQ(detail::average_mode({"-a", "0x3"}), 3) << "strtol(optarg, NULL, 0)";
  EXPECT_FALSE(detail::command_line_average("# Collective test starting: all_reduce_perf", "all_reduce_perf").has_value())
      << "nothing after the program: not a command line";
  EXPECT_EQ(detail::command_line_average("$ srun -N2 /nccl-tests/build/all_reduce_perf -b 8 -a 2", "all_reduce_perf").value_or(-1), 2);
  EXPECT_EQ(detail::command_line_average("mpirun -a 0 ./all_reduce_perf -b 8 -e 128M", "all_reduce_perf").value_or(-1), 1)
      << "only the program's own arguments count";
}

TEST(ImportFigure, TextLogWithTheDefaultCarriesThePrintedColumns) {
  for (const std::string& text : {with_command_line("-b 1M -e 2M -f 2 -g 1"), with_command_line("-b 1M -e 2M -a 1"),
                                  std::string(kTwoCycles) /* no command line: the default */}) {
    const auto log = parse(text);
    ASSERT_EQ(log.doc.results.size(), 8u);
    for (std::size_t k = 0; k < 2; ++k) {
      const auto& r = log.doc.results[k];
      ASSERT_TRUE(r.nccl_tests.has_value()) << notes_of(log);
      EXPECT_DOUBLE_EQ(r.nccl_tests->time_us, kFirstRow[k].time);
      // From the printed time, which has more digits than the printed bandwidths.
      EXPECT_NEAR(r.nccl_tests->algbw_gbps, kFirstRow[k].algbw, 0.006);
      EXPECT_NEAR(r.nccl_tests->busbw_gbps, kFirstRow[k].busbw, 0.006);
      EXPECT_DOUBLE_EQ(r.nccl_tests->busbw_gbps, r.nccl_tests->algbw_gbps * 1.5) << "allreduce on 4 ranks";
      EXPECT_FALSE(has(r.missing, "nccl_tests"));
    }
  }
  EXPECT_EQ(parse(with_command_line("-b 1M -e 2M")).doc.metadata.settings.at("average"), "1");
  EXPECT_EQ(parse(kTwoCycles).doc.metadata.settings.count("average"), 0u) << "not shown, not made up";
}

TEST(ImportFigure, TextLogWithAnotherAverageModeHasNoFigure) {
  for (const auto& [args, mode] : {std::pair<std::string, std::string>{"-b 1M -e 2M -a 3", "-a 3 (the maximum over ranks)"},
                                   {"-b 1M -e 2M -a 0", "-a 0 (rank 0's time)"},
                                   {"--average 2 -b 1M", "-a 2 (the minimum over ranks)"}}) {
    const auto log = parse(with_command_line(args));
    ASSERT_EQ(log.doc.results.size(), 8u);
    for (const auto& r : log.doc.results) {
      EXPECT_FALSE(r.nccl_tests.has_value()) << args;
      EXPECT_TRUE(has(r.missing, "nccl_tests"));
    }
    EXPECT_TRUE(has_note(log, mode)) << notes_of(log);
    EXPECT_TRUE(has(log.doc.metadata.imported->missing, "nccl_tests"));
    EXPECT_DOUBLE_EQ(log.doc.results[0].time_us.mean, 30.12) << "the rest of the import is unchanged";
  }
}

TEST(ImportFigure, JsonLogTakesThePrintedHostTimeNotThePerIterationMean) {
  const auto log = ingest::parse_json_log(json_log(R"(,"-b","1K","-e","1K","-I","1")"), "out.json");
  ASSERT_EQ(log.doc.results.size(), 1u);
  const auto& r = log.doc.results[0];
  EXPECT_NEAR(r.time_us.mean, 10.82, 1e-9) << "per-iteration times: the max over processes";
  ASSERT_TRUE(r.nccl_tests.has_value());
  EXPECT_DOUBLE_EQ(r.nccl_tests->time_us, 10.5);
  EXPECT_NEAR(r.nccl_tests->algbw_gbps, algbw(1024, 10.5), 1e-12);
  EXPECT_NEAR(r.nccl_tests->busbw_gbps, 0.097524, 1e-6) << "allreduce on 2 ranks: factor 1";
  EXPECT_EQ(log.doc.metadata.settings.at("average"), "1");
}

TEST(ImportFigure, JsonLogWithAnotherAverageOrHostTimesHasNoFigure) {
  const auto max_mode = ingest::parse_json_log(json_log(R"(,"-b","1K","-a","3")"), "out.json");
  EXPECT_FALSE(max_mode.doc.results.at(0).nccl_tests.has_value());
  EXPECT_TRUE(has_note(max_mode, "-a 3 (the maximum over ranks)")) << notes_of(max_mode);
  EXPECT_EQ(max_mode.doc.metadata.settings.at("average"), "3");

  const auto cpu = ingest::parse_json_log(json_log(R"(,"-C","1")", "cpu_time"), "out.json");
  ASSERT_EQ(cpu.doc.results.size(), 1u);
  EXPECT_FALSE(cpu.doc.results[0].nccl_tests.has_value());
  EXPECT_TRUE(has(cpu.doc.results[0].missing, "nccl_tests"));
  EXPECT_TRUE(has_note(cpu, "host enqueue times (-C 1)")) << notes_of(cpu);
}

TEST(ImportFigure, TextLogOfHostEnqueueTimesHasNoFigure) {
  std::string text = with_command_line("-b 1M -e 2M -C 1");
  for (std::size_t at = text.find("    time   algbw"); at != std::string::npos; at = text.find("    time   algbw", at + 8))
    text.replace(at, 8, " cputime");
  const auto log = parse(text);
  ASSERT_EQ(log.doc.results.size(), 8u) << notes_of(log);
  for (const auto& r : log.doc.results) EXPECT_FALSE(r.nccl_tests.has_value());
  EXPECT_TRUE(has_note(log, "host enqueue times (-C 1)")) << notes_of(log);
}

// measure_case against a scripted world and backend: the stopping rules `collbench run --help`
// documents (-n fixed; --min-iters, --max-iters, --target-rel-ci, --time-budget adaptive), warm-up
// kept out of the samples, the slowest rank's samples deciding, and wrong elements summed.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/size.hpp"
#include "measure/case_runner.hpp"
#include "unit/measure/fakes.hpp"

namespace core = collbench::core;
namespace backend = collbench::backend;
namespace measure = collbench::measure;
using measure::testing::alternating;
using measure::testing::append;
using measure::testing::FakeBackend;
using measure::testing::FakeWorld;

namespace {

backend::CaseSpec allreduce(std::uint64_t bytes, int nranks) {
  backend::CaseSpec s;
  s.requested_bytes = bytes;
  s.shape = core::shape(s.coll, bytes, s.dtype, nranks);
  return s;
}

measure::MeasureOptions fixed(int warmup, int iters) {
  measure::MeasureOptions o;
  o.warmup_iters = warmup;
  o.iters = iters;
  o.probe_iters = 0;
  o.keep_samples = true;
  return o;
}

measure::MeasureOptions adaptive(int min_iters, int max_iters, double target, double budget_s) {
  measure::MeasureOptions o = fixed(0, 20);
  o.adaptive = true;
  o.min_iters = min_iters;
  o.max_iters = max_iters;
  o.target_rel_ci = target;
  o.time_budget_s = budget_s;
  return o;
}

using Sizes = std::vector<std::size_t>;

}  // namespace

TEST(MeasureCase, FixedItersTimesExactlyThatManyAfterTheWarmup) {
  FakeWorld world(0, 1);
  FakeBackend be;
  append(be.durations, {900, 800, 700});  // warm-up: slow, and never a sample
  append(be.durations, {4, 1, 3, 2, 5});
  const auto rec = measure::measure_case(be, world, allreduce(1024, 1), fixed(3, 5));
  EXPECT_EQ(be.timed_calls, (Sizes{3, 5}));
  EXPECT_TRUE(be.durations.empty());
  EXPECT_EQ(rec.stop_reason, "iters");
  EXPECT_EQ(rec.iters, 5);
  EXPECT_EQ(rec.warmup_iters, 3);
  EXPECT_EQ(rec.samples_us, (std::vector<double>{4, 1, 3, 2, 5}));
  EXPECT_EQ(rec.time_us.n, 5u);
  EXPECT_DOUBLE_EQ(rec.time_us.min, 1);
  EXPECT_DOUBLE_EQ(rec.time_us.max, 5);
  EXPECT_DOUBLE_EQ(rec.time_us.p50, 3);
  EXPECT_DOUBLE_EQ(rec.time_us.mean, 3);
  // The warm-up is run before the ranks line up, and only timed samples are merged.
  EXPECT_EQ(world.calls, (std::vector<std::string>{"barrier", "max 5", "sum 0", "gather"}));
}

TEST(MeasureCase, NoWarmupRunsNoWarmupCall) {
  FakeWorld world(0, 1);
  FakeBackend be;
  append(be.durations, {2, 2});
  const auto rec = measure::measure_case(be, world, allreduce(8, 1), fixed(0, 2));
  EXPECT_EQ(be.timed_calls, (Sizes{2}));
  EXPECT_EQ(rec.warmup_iters, 0);
  EXPECT_EQ(rec.iters, 2);
}

TEST(MeasureCase, TheSlowestRankDecidesEachSample) {
  FakeWorld world(0, 2);
  world.others_samples[1] = {5, 1, 6, 1};
  FakeBackend be;
  append(be.durations, {1, 2, 3, 4});
  const auto rec = measure::measure_case(be, world, allreduce(1024, 2), fixed(0, 4));
  EXPECT_EQ(rec.samples_us, (std::vector<double>{5, 2, 6, 4}));  // per iteration, max over ranks
  EXPECT_DOUBLE_EQ(rec.time_us.min, 2);
  EXPECT_DOUBLE_EQ(rec.time_us.max, 6);
  EXPECT_DOUBLE_EQ(rec.time_us.p50, 4.5);
  ASSERT_EQ(rec.per_rank.size(), 2u);
  EXPECT_DOUBLE_EQ(rec.per_rank[0].time_us.max, 4);  // each rank's own summary: its own durations
  EXPECT_DOUBLE_EQ(rec.per_rank[0].time_us.min, 1);
  EXPECT_EQ(rec.per_rank[1].host, "h1");
  // algbw from the merged median: 1024 B in 4.5 us.
  EXPECT_NEAR(rec.algbw_gbps, 1024 / 4.5e-6 / 1e9, 1e-12);
}

TEST(MeasureCaseAdaptive, StopsAtTheFirstBatchWhoseMedianCIIsNarrowEnough) {
  FakeWorld world(0, 1);
  FakeBackend be;
  append(be.durations, alternating(20, 1, 100));     // batch 1: CI spans 1..100
  append(be.durations, std::vector<double>(200, 10));  // settles at 10
  const auto rec = measure::measure_case(be, world, allreduce(1024, 1), adaptive(20, 1000, 0.05, 60));
  EXPECT_EQ(rec.stop_reason, "target_rel_ci");
  EXPECT_EQ(be.timed_calls, (Sizes{20, 20}));  // 40 samples: 10 x 1, 20 x 10, 10 x 100; CI [10, 10]
  EXPECT_EQ(rec.iters, 40);
  EXPECT_EQ(be.durations.size(), 180u);
  EXPECT_DOUBLE_EQ(rec.time_us.p50, 10);
  EXPECT_DOUBLE_EQ(rec.time_us.median_ci.rel_half_width, 0);
}

TEST(MeasureCaseAdaptive, SteadySamplesStopAfterMinIters) {
  FakeWorld world(0, 1);
  FakeBackend be;
  append(be.durations, std::vector<double>(100, 7));
  const auto rec = measure::measure_case(be, world, allreduce(1024, 1), adaptive(30, 100, 0.01, 60));
  EXPECT_EQ(rec.stop_reason, "target_rel_ci");
  EXPECT_EQ(rec.iters, 30);
  EXPECT_EQ(be.timed_calls, (Sizes{30}));
}

TEST(MeasureCaseAdaptive, NoiseThatNeverSettlesStopsAtMaxIters) {
  FakeWorld world(0, 1);
  FakeBackend be;
  append(be.durations, alternating(1000, 1, 100));
  const auto rec = measure::measure_case(be, world, allreduce(1024, 1), adaptive(20, 100, 0.01, 60));
  EXPECT_EQ(rec.stop_reason, "max_iters");
  // Batches grow to half of what was gathered, and the last one stops exactly at --max-iters.
  EXPECT_EQ(be.timed_calls, (Sizes{20, 20, 20, 30, 10}));
  EXPECT_EQ(rec.iters, 100);
  EXPECT_EQ(rec.samples_us.size(), 100u);
  EXPECT_EQ(be.durations.size(), 900u);
  EXPECT_EQ(world.calls, (std::vector<std::string>{"barrier", "max 20", "broadcast 0", "max 20", "broadcast 0",
                                                   "max 20", "broadcast 0", "max 30", "broadcast 0", "max 10",
                                                   "broadcast 2", "sum 0", "gather"}));
}

TEST(MeasureCaseAdaptive, TheTargetWinsOverMaxItersInTheSameBatch) {
  FakeWorld world(0, 1);
  FakeBackend be;
  append(be.durations, std::vector<double>(20, 3));
  EXPECT_EQ(measure::measure_case(be, world, allreduce(8, 1), adaptive(20, 20, 0.01, 60)).stop_reason,
            "target_rel_ci");
  FakeBackend noisy;
  append(noisy.durations, alternating(20, 1, 100));
  const auto rec = measure::measure_case(noisy, world, allreduce(8, 1), adaptive(20, 20, 0.01, 60));
  EXPECT_EQ(rec.stop_reason, "max_iters");
  EXPECT_EQ(rec.iters, 20);
}

TEST(MeasureCaseAdaptive, TheTimeBudgetStopsAddingBatches) {
  FakeWorld world(0, 1);
  FakeBackend be;
  append(be.durations, alternating(100000, 1, 100));
  // The third batch takes longer than the whole budget: the rule stops after it.
  be.on_run_timed = [](std::size_t call) {
    if (call == 2) std::this_thread::sleep_for(std::chrono::milliseconds(350));
  };
  const auto rec = measure::measure_case(be, world, allreduce(1024, 1), adaptive(20, 100000, 0.01, 0.3));
  EXPECT_EQ(rec.stop_reason, "time_budget");
  EXPECT_EQ(be.timed_calls, (Sizes{20, 20, 20}));
  EXPECT_EQ(rec.iters, 60);
}

TEST(MeasureCaseAdaptive, TheSlowestRankKeepsTheRunGoing) {
  // Rank 0's own durations are steady (alone it would stop after 20); rank 1's are not.
  FakeWorld world(0, 2);
  world.others_samples[1] = alternating(100, 1, 100);
  FakeBackend be;
  append(be.durations, std::vector<double>(100, 10));
  const auto rec = measure::measure_case(be, world, allreduce(1024, 2), adaptive(20, 100, 0.01, 60));
  EXPECT_EQ(rec.stop_reason, "max_iters");
  EXPECT_EQ(rec.iters, 100);
  EXPECT_DOUBLE_EQ(rec.time_us.min, 10);   // max(10, 1)
  EXPECT_DOUBLE_EQ(rec.time_us.max, 100);  // max(10, 100)
  EXPECT_DOUBLE_EQ(rec.per_rank[0].time_us.max, 10);
}

TEST(MeasureCaseAdaptive, EveryRankStopsWhenRankZeroSays) {
  // Rank 1 of 2: its own and rank 0's samples never settle, but rank 0 decides (verdicts 0 =
  // go on, 1 = target reached) so that every rank leaves after the same batch.
  FakeWorld world(1, 2);
  world.others_samples[0] = alternating(1000, 1, 100);
  world.root_verdicts = {0, 0, 1};
  FakeBackend be;
  append(be.durations, alternating(1000, 100, 1));
  const auto rec = measure::measure_case(be, world, allreduce(1024, 2), adaptive(20, 1000, 0.01, 60));
  EXPECT_EQ(rec.stop_reason, "target_rel_ci");
  EXPECT_EQ(be.timed_calls, (Sizes{20, 20, 20}));
  EXPECT_EQ(rec.iters, 60);
  EXPECT_EQ(rec.time_us.n, 0u);  // only rank 0's record is complete
  EXPECT_TRUE(rec.per_rank.empty());
}

TEST(MeasureCase, WrongElementsAreSummedOverRanks) {
  FakeWorld world(0, 3);
  world.others_samples[1] = world.others_samples[2] = std::vector<double>(4, 1);
  world.others_wrong = {0, 3, 0};
  FakeBackend be;
  be.wrong = 2;
  append(be.durations, std::vector<double>(4, 1));
  measure::MeasureOptions opt = fixed(0, 4);
  opt.seed = 7;
  const auto spec = allreduce(4096, 3);
  const auto rec = measure::measure_case(be, world, spec, opt);
  EXPECT_TRUE(rec.checked);
  EXPECT_EQ(rec.wrong, 5);
  EXPECT_EQ(rec.status, "wrong");
  EXPECT_EQ(rec.per_rank[0].wrong, 2);  // this rank's own count, to name it
  ASSERT_EQ(be.checked.size(), 1u);
  EXPECT_EQ(be.checked[0].nranks, 3);
  EXPECT_EQ(be.checked[0].seed, 7u + spec.shape.bytes);  // a fresh pattern per size
}

TEST(MeasureCase, NoWrongElementsIsOk) {
  FakeWorld world(0, 2);
  world.others_samples[1] = {1, 1};
  FakeBackend be;
  append(be.durations, {1, 1});
  const auto rec = measure::measure_case(be, world, allreduce(64, 2), fixed(0, 2));
  EXPECT_EQ(rec.wrong, 0);
  EXPECT_EQ(rec.status, "ok");
}

TEST(MeasureCase, CheckZeroChecksNothing) {
  FakeWorld world(0, 2);
  world.others_samples[1] = {1, 1};
  world.others_wrong = {0, 9};
  FakeBackend be;
  be.wrong = 4;
  append(be.durations, {1, 1});
  measure::MeasureOptions opt = fixed(0, 2);
  opt.check = false;
  const auto rec = measure::measure_case(be, world, allreduce(64, 2), opt);
  EXPECT_FALSE(rec.checked);
  EXPECT_EQ(rec.wrong, -1);
  EXPECT_EQ(rec.status, "ok");
  EXPECT_TRUE(be.checked.empty());
  EXPECT_EQ(rec.per_rank[0].wrong, -1);
}

TEST(MeasureCase, TheProbeGivesEachRanksMedianOutsideAndInsideTheCall) {
  FakeWorld world(0, 1);
  FakeBackend be;
  append(be.durations, {1, 1});
  be.probe_outside = {1, 9, 3};
  be.probe_inside = {20, 40, 30};
  measure::MeasureOptions opt = fixed(0, 2);
  opt.probe_iters = 3;
  const auto rec = measure::measure_case(be, world, allreduce(64, 1), opt);
  EXPECT_DOUBLE_EQ(rec.per_rank[0].outside_call_us, 3);
  EXPECT_DOUBLE_EQ(rec.per_rank[0].in_call_us, 30);
  EXPECT_EQ(world.calls, (std::vector<std::string>{"barrier", "max 2", "barrier", "sum 0", "gather"}));
}

// measure::Session against a scripted world and backend: the order of cases and rows, exit codes,
// skipped, refused and timed-out cases, and the watchdog's --timeout (exit 3).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/error.hpp"
#include "measure/session.hpp"
#include "unit/measure/fakes.hpp"

namespace core = collbench::core;
namespace backend = collbench::backend;
namespace measure = collbench::measure;
namespace results = collbench::results;
using measure::testing::append;
using measure::testing::FakeBackend;
using measure::testing::FakeWorld;

namespace {

class RecordingSink final : public measure::RecordSink {
 public:
  std::vector<std::string> events;
  std::vector<results::ResultRecord> records;
  void begin_block(const collbench::plan::Block& b) override { events.push_back("begin " + std::string(core::name(b.coll))); }
  void row(const collbench::plan::Block&, std::span<const collbench::plan::PlannedCase>,
           std::span<const results::ResultRecord> row) override {
    events.push_back("row " + std::to_string(row.size()));
    records.insert(records.end(), row.begin(), row.end());
  }
  void end_block(const collbench::plan::Block& b) override { events.push_back("end " + std::string(core::name(b.coll))); }
};

std::vector<collbench::plan::Block> two_sizes_both_placements() {
  collbench::plan::RunPlan p;
  p.collectives = {core::Collective::allreduce};
  p.sizes = {1024, 2048};
  p.placements = {false, true};
  return collbench::plan::blocks_of(p);
}

// A run's blocks on one backend, as the run driver runs them.
core::ExitCode run_session(backend::Backend& be, const measure::World& world, const std::vector<collbench::plan::Block>& blocks,
                           const measure::SessionOptions& opt, measure::RecordSink& sink) {
  measure::Session session(be, world, opt, sink);
  session.reserve_for(blocks);
  for (const auto& b : blocks) session.run(b);
  return session.outcome().code();
}

measure::SessionOptions options(int iters) {
  measure::SessionOptions o;
  o.measure.warmup_iters = 0;
  o.measure.iters = iters;
  o.measure.probe_iters = 0;
  o.timeout_s = 0;
  return o;
}

}  // namespace

TEST(Session, EveryCaseInOrderOneRowPerSize) {
  FakeWorld world(0, 1);
  FakeBackend be;
  append(be.durations, std::vector<double>(8, 5));
  RecordingSink sink;
  EXPECT_EQ(run_session(be, world, two_sizes_both_placements(), options(2), sink), core::ExitCode::ok);
  EXPECT_EQ(sink.events, (std::vector<std::string>{"begin allreduce", "row 2", "row 2", "end allreduce"}));
  ASSERT_EQ(sink.records.size(), 4u);
  EXPECT_EQ(sink.records[0].bytes, 1024u);
  EXPECT_EQ(sink.records[0].placement, "out_of_place");
  EXPECT_EQ(sink.records[1].placement, "in_place");
  EXPECT_EQ(sink.records[2].bytes, 2048u);
  for (const auto& r : sink.records) {
    EXPECT_EQ(r.status, "ok");
    EXPECT_EQ(r.iters, 2);
  }
  EXPECT_EQ(be.reserved, (std::pair<std::uint64_t, std::uint64_t>{2048, 2048}));  // the largest case, once
}

TEST(Session, WrongElementsAreExitCodeOne) {
  FakeWorld world(0, 1);
  FakeBackend be;
  be.wrong = 1;
  append(be.durations, std::vector<double>(8, 5));
  RecordingSink sink;
  EXPECT_EQ(run_session(be, world, two_sizes_both_placements(), options(2), sink), core::ExitCode::wrong);
  EXPECT_EQ(sink.records.size(), 4u);
  EXPECT_EQ(sink.records[3].status, "wrong");
}

TEST(Session, AnUnsupportedCaseIsSkippedWithItsReasonAndNotRun) {
  FakeWorld world(0, 1);
  FakeBackend be;
  be.why_unsupported = [](const backend::CaseSpec& c) { return c.in_place ? std::string("no in-place here") : ""; };
  append(be.durations, std::vector<double>(4, 5));
  RecordingSink sink;
  EXPECT_EQ(run_session(be, world, two_sizes_both_placements(), options(2), sink), core::ExitCode::ok);
  ASSERT_EQ(sink.records.size(), 4u);
  EXPECT_EQ(sink.records[1].status, "skipped");
  EXPECT_EQ(sink.records[1].error, "no in-place here");
  EXPECT_EQ(sink.records[1].iters, 0);
  EXPECT_EQ(be.prepared.size(), 2u);
}

TEST(Session, OnlyThePlannedCasesRunAndLeaveRecords) {
  FakeWorld world(0, 1);
  FakeBackend be;
  append(be.durations, std::vector<double>(2, 5));
  std::vector<collbench::plan::Block> blocks = two_sizes_both_placements();
  blocks[0].cases = {{"only", 2048, true}};  // a resumed sweep's launch: the cases still to measure
  RecordingSink sink;
  EXPECT_EQ(run_session(be, world, blocks, options(2), sink), core::ExitCode::ok);
  EXPECT_EQ(sink.events, (std::vector<std::string>{"begin allreduce", "row 1", "end allreduce"}));
  ASSERT_EQ(sink.records.size(), 1u);
  EXPECT_EQ(sink.records[0].placement, "in_place");
  EXPECT_EQ(sink.records[0].bytes, 2048u);
}

TEST(Session, ARefusedCaseIsRecordedFailedAndTheRunGoesOn) {
  FakeWorld world(0, 1);
  FakeBackend be;
  append(be.durations, std::vector<double>(6, 5));
  be.on_run_timed = [](std::size_t call) {
    if (call == 1) throw core::CaseRefused("invalid argument");
  };
  RecordingSink sink;
  EXPECT_EQ(run_session(be, world, two_sizes_both_placements(), options(2), sink),
            core::ExitCode::run_failed);
  ASSERT_EQ(sink.records.size(), 4u);
  EXPECT_EQ(sink.records[0].status, "ok");
  EXPECT_EQ(sink.records[1].status, "failed");
  EXPECT_EQ(sink.records[1].error, "the library refused the case: invalid argument");
  EXPECT_EQ(sink.records[2].status, "ok");
  EXPECT_EQ(sink.records[3].status, "ok");
}

TEST(Session, ABackendTimeoutRecordsTheCaseAndEndsTheRun) {
  FakeWorld world(0, 1);
  FakeBackend be;
  append(be.durations, std::vector<double>(8, 5));
  be.on_run_timed = [](std::size_t call) {
    if (call == 1) throw core::TimeoutError("communicator aborted");
  };
  RecordingSink sink;
  try {
    run_session(be, world, two_sizes_both_placements(), options(2), sink);
    FAIL() << "expected a TimeoutError";
  } catch (const core::TimeoutError& e) {
    EXPECT_STREQ(e.what(), "case allreduce 1K float sum in-place timed out: communicator aborted");
  }
  // The row so far (the measured case and the timed-out one) reaches the sink; nothing after it.
  EXPECT_EQ(sink.events, (std::vector<std::string>{"begin allreduce", "row 2"}));
  ASSERT_EQ(sink.records.size(), 2u);
  EXPECT_EQ(sink.records[1].status, "timeout");
  EXPECT_EQ(sink.records[1].error, "case allreduce 1K float sum in-place timed out: communicator aborted");
}

TEST(SessionDeathTest, TheWatchdogEndsAHungCaseWithExitThree) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto hang = [] {
    FakeWorld world(0, 1);
    FakeBackend be;
    append(be.durations, std::vector<double>(2, 5));
    be.on_run_timed = [](std::size_t) { std::this_thread::sleep_for(std::chrono::seconds(20)); };
    measure::SessionOptions opt = options(2);
    opt.timeout_s = 0.2;
    RecordingSink sink;
    run_session(be, world, two_sizes_both_placements(), opt, sink);
  };
  EXPECT_EXIT(hang(), ::testing::ExitedWithCode(3),
              "collbench: rank 0 on h0: timeout: allreduce 1K float sum out-of-place did not finish within "
              "0.2 s \\(--timeout\\); aborting the job \\(exit 3\\)");
}

// --sendrecv-ring reverse reaches the backend (and the pattern it checks with) on sendrecv's cases
// only: the same session's other collectives know no ring.
TEST(Session, TheReversedRingReachesSendrecvCasesOnly) {
  FakeWorld world(0, 1);
  for (bool reverse : {false, true}) {
    FakeBackend be;
    append(be.durations, std::vector<double>(16, 5));
    RecordingSink sink;
    collbench::plan::RunPlan p;
    p.collectives = {core::Collective::sendrecv, core::Collective::allgather};
    p.sizes = {1024};
    p.placements = {false};
    measure::SessionOptions o = options(2);
    o.reverse_ring = reverse;
    ASSERT_EQ(run_session(be, world, collbench::plan::blocks_of(p), o, sink), core::ExitCode::ok);
    ASSERT_EQ(be.prepared.size(), 2u);
    EXPECT_EQ(be.prepared[0].coll, core::Collective::sendrecv);
    EXPECT_EQ(be.prepared[0].reverse_ring, reverse);
    EXPECT_FALSE(be.prepared[1].reverse_ring);
  }
}

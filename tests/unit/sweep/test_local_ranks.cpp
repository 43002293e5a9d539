// `collbench launch`'s agent: N ranks of one command, the first failure stops the others promptly
// and decides the exit code, a rank that ignores SIGTERM is killed, a signal to the launcher is
// passed on. The ranks here are small shell scripts that read their RANK.
#include "sweep/local_ranks.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>
#include <vector>

#include "unit/test_support.hpp"

namespace collbench::sweep {
namespace {

using Clock = std::chrono::steady_clock;

struct Stop {
  int rank = -2;
  ChildExit how;
  int running = -1;
  int calls = 0;
};

LocalRanks shell(const std::string& script, int n, double kill_after_s = 10, double grace_s = 0.2) {
  LocalRanks l;
  l.argv = {"/bin/sh", "-c", script};
  l.nranks = n;
  l.env_of = [](int rank) { return plan::EnvChanges{{"RANK", std::to_string(rank)}}; };
  l.kill_after_s = kill_after_s;
  l.grace_s = grace_s;
  return l;
}

LocalRanksOutcome run(const LocalRanks& l, Stop* stop, double* seconds) {
  const auto t0 = Clock::now();
  const LocalRanksOutcome out = run_local_ranks(l, [stop](int rank, const ChildExit& how, int running) {
    stop->rank = rank, stop->how = how, stop->running = running, ++stop->calls;
  });
  *seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return out;
}

TEST(LocalRanks, AllSucceedIsZeroAndQuiet) {
  Stop stop;
  double s = 0;
  const LocalRanksOutcome out = run(shell("exit 0", 3), &stop, &s);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.failed_rank, -1);
  EXPECT_EQ(stop.calls, 0);
}

TEST(LocalRanks, EachRankGetsItsOwnEnvironment) {
  testsupport::TempDir dir;
  const std::string script = "echo $RANK > " + dir.path().string() + "/rank.$RANK";
  Stop stop;
  double s = 0;
  EXPECT_EQ(run(shell(script, 4), &stop, &s).exit_code, 0);
  for (int r = 0; r < 4; ++r) {
    std::ifstream in(dir.path() / ("rank." + std::to_string(r)));
    int got = -1;
    in >> got;
    EXPECT_EQ(got, r);
  }
}

// Rank 2 fails at once; the others would sleep 30 s: they are stopped, promptly.
TEST(LocalRanks, FirstFailureStopsTheOthersAndGivesItsCode) {
  Stop stop;
  double s = 0;
  const LocalRanksOutcome out = run(shell("if [ $RANK = 2 ]; then exit 5; fi; exec sleep 30", 4), &stop, &s);
  EXPECT_EQ(out.exit_code, 5);
  EXPECT_EQ(out.failed_rank, 2);
  EXPECT_TRUE(out.failure.exited);
  EXPECT_EQ(stop.calls, 1);
  EXPECT_EQ(stop.rank, 2);
  EXPECT_EQ(stop.how.describe(), "exited with code 5");
  EXPECT_EQ(stop.running, 3);
  EXPECT_LT(s, 5.0);
}

TEST(LocalRanks, ARankKilledByASignalIsCode3) {
  Stop stop;
  double s = 0;
  const LocalRanksOutcome out = run(shell("if [ $RANK = 0 ]; then kill -9 $$; fi; exec sleep 30", 2), &stop, &s);
  EXPECT_EQ(out.exit_code, 3);
  EXPECT_EQ(out.failed_rank, 0);
  EXPECT_EQ(stop.how.describe(), "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(stop.running, 1);
  EXPECT_LT(s, 5.0);
}

// Ranks failing alike (bad input) end on their own in the grace: none is cut off, the first
// failure is the one told, with nothing left to stop.
TEST(LocalRanks, RanksEndingInTheGraceAreNotStopped) {
  Stop stop;
  double s = 0;
  const LocalRanksOutcome out = run(shell("if [ $RANK = 0 ]; then sleep 0.3; exit 7; fi; exit 2", 2, 10, 5), &stop, &s);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_EQ(out.failed_rank, 1);
  EXPECT_EQ(stop.calls, 1);
  EXPECT_EQ(stop.running, 0);
  EXPECT_LT(s, 3.0);  // not the whole grace
}

// A rank that ignores SIGTERM gets SIGKILL after kill_after_s.
TEST(LocalRanks, ARankIgnoringSigtermIsKilled) {
  Stop stop;
  double s = 0;
  const LocalRanksOutcome out =
      run(shell("if [ $RANK = 1 ]; then exit 4; fi; trap '' TERM; exec sleep 30", 2, 0.5), &stop, &s);
  EXPECT_EQ(out.exit_code, 4);
  EXPECT_GE(s, 0.4);
  EXPECT_LT(s, 5.0);
}

// SIGINT to the launcher reaches every rank; the launcher's code says it was interrupted.
TEST(LocalRanks, ASignalToTheLauncherIsPassedOn) {
  Stop stop;
  double s = 0;
  std::thread interrupter([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(::getpid(), SIGINT);
  });
  const LocalRanksOutcome out = run(shell("exec sleep 30", 3), &stop, &s);
  interrupter.join();
  EXPECT_EQ(out.exit_code, 128 + SIGINT);
  EXPECT_EQ(out.interrupted_by, SIGINT);
  EXPECT_EQ(out.failed_rank, -1);  // ranks ended by the passed-on signal are no failure of their own
  EXPECT_EQ(stop.calls, 1);
  EXPECT_EQ(stop.rank, -1);
  EXPECT_EQ(stop.running, 3);
  EXPECT_LT(s, 5.0);
}

TEST(LocalRanks, FreeLoopbackPort) {
  const int p = free_loopback_port();
  EXPECT_GT(p, 0);
  EXPECT_LE(p, 65535);
}

}  // namespace
}  // namespace collbench::sweep

// tune::choose at one cell, over synthetic stores read by load_stores: the noise rule, the
// simplicity rule, exclusions, the tail rules, superseded records, the Pareto front, and the
// errors load_stores reports.
#include "tune/choose.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "tune/input.hpp"
#include "tune_fixture.hpp"
#include "unit/test_support.hpp"

namespace {

using namespace tunetest;
namespace tune = collbench::tune;
namespace core = collbench::core;


const std::string kAlgo = "coll_tuned_allreduce_algorithm";
const std::string kSeg = "coll_tuned_allreduce_algorithm_segmentsize";
Config algo(const std::string& id) { return {{kAlgo, id}}; }

// p50 with an explicit CI; p99 == p50 (no tail penalty).
Timing t3(double p50, double lo, double hi) {
  Timing t = timing(p50, 0);
  t.lo = lo;
  t.hi = hi;
  return t;
}

tune::TuneInput load_one(const TempDir& tmp, const StoreBuilder& b, const std::string& name = "store-a") {
  b.write(tmp / name);
  return tune::load_stores({tmp / name});
}

TEST(TuneChoose, ClearlyFasterSettingWinsWithExactGain) {
  TempDir tmp;
  StoreBuilder b("mpi", 3);
  // Repetitions in falling order: neither the first nor the last is the median.
  b.add({}, "allreduce", 1024, 0, t3(101, 99, 103)).add({}, "allreduce", 1024, 1, t3(100, 98, 102)).add({}, "allreduce", 1024, 2, t3(99, 97, 101));
  b.add(algo("3"), "allreduce", 1024, 0, t3(82, 80, 83)).add(algo("3"), "allreduce", 1024, 1, t3(80, 79, 81));
  b.add(algo("3"), "allreduce", 1024, 2, t3(79, 78, 80));
  const auto in = load_one(tmp, b);
  const tune::Choice ch = choose_at(in, cell_at(in, "allreduce", 1024));
  EXPECT_EQ(ch.confidence, "significant");
  EXPECT_EQ(winner(ch).setting, algo("3"));
  EXPECT_FALSE(ch.winner_is_default());
  EXPECT_EQ(ch.winner, 0);
  EXPECT_EQ(ch.default_index, 1);
  // t = median over reps of p50, [lo, hi] = [min lo, max hi]; penalty 1 (p99 == p50).
  EXPECT_DOUBLE_EQ(winner(ch).est.t_us, 80);
  EXPECT_DOUBLE_EQ(winner(ch).est.lo_us, 78);
  EXPECT_DOUBLE_EQ(winner(ch).est.hi_us, 83);
  EXPECT_EQ(winner(ch).est.reps, 3);
  EXPECT_TRUE(winner(ch).beats_default);
  ASSERT_TRUE(ch.gain.known);
  EXPECT_DOUBLE_EQ(ch.gain.ratio, 100.0 / 80.0);
  EXPECT_DOUBLE_EQ(ch.gain.lo, 97.0 / 83.0);
  EXPECT_DOUBLE_EQ(ch.gain.hi, 103.0 / 78.0);
}

TEST(TuneChoose, OverlappingIntervalsTieAndTiesGoToTheDefault) {
  TempDir tmp;
  StoreBuilder b("mpi");
  b.add_reps({}, "allreduce", 1024, t3(100, 97, 103)).add_reps(algo("3"), "allreduce", 1024, t3(97, 95, 99));
  b.add_reps({}, "allreduce", 4096, t3(100, 97, 103)).add_reps(algo("3"), "allreduce", 4096, t3(95, 93, 97));  // hi == def lo
  b.add_reps({}, "allreduce", 8192, t3(100, 97, 103)).add_reps(algo("3"), "allreduce", 8192, t3(95, 93, 96.9));
  const auto in = load_one(tmp, b);
  for (std::uint64_t bytes : {1024u, 4096u}) {
    const tune::Choice ch = choose_at(in, cell_at(in, "allreduce", bytes));
    EXPECT_EQ(ch.confidence, "tie") << bytes;
    EXPECT_TRUE(ch.winner_is_default()) << bytes;
    EXPECT_EQ(winner(ch).setting, Config{}) << bytes;
    EXPECT_EQ(ch.candidates.front().setting, algo("3")) << "the leader is still the fastest";
    EXPECT_FALSE(candidate(ch, algo("3")).beats_default);
    EXPECT_DOUBLE_EQ(ch.gain.ratio, 1.0);
  }
  const tune::Choice ch = choose_at(in, cell_at(in, "allreduce", 8192));
  EXPECT_EQ(ch.confidence, "significant");
  EXPECT_EQ(winner(ch).setting, algo("3"));
}

TEST(TuneChoose, AmongTiedWinnersFewestKnobsThenLowestTime) {
  TempDir tmp;
  StoreBuilder b("mpi");
  const Config two{{kAlgo, "3"}, {kSeg, "65536"}};
  b.add_reps({}, "allreduce", 1024, t3(100, 97, 103)).add_reps(two, "allreduce", 1024, t3(79, 77, 81));
  b.add_reps(algo("4"), "allreduce", 1024, t3(80, 78, 82)).add_reps(algo("5"), "allreduce", 1024, t3(81, 79, 83));
  b.add_reps({}, "allreduce", 4096, t3(100, 97, 103)).add_reps(algo("4"), "allreduce", 4096, t3(81, 79, 83));
  b.add_reps(algo("5"), "allreduce", 4096, t3(80, 78, 82));
  const auto in = load_one(tmp, b);
  const tune::Choice ch = choose_at(in, cell_at(in, "allreduce", 1024));
  EXPECT_EQ(ch.candidates.front().setting, two) << "the two-knob setting leads";
  EXPECT_EQ(ch.confidence, "significant");
  EXPECT_EQ(winner(ch).setting, algo("4")) << "fewer knobs win among ties, then the lower time";
  EXPECT_TRUE(candidate(ch, two).tied_with_leader);
  EXPECT_TRUE(candidate(ch, algo("5")).tied_with_leader);
  EXPECT_DOUBLE_EQ(ch.gain.ratio, 100.0 / 80.0);
  // Same knob count: the faster one, whichever was listed first.
  EXPECT_EQ(winner(choose_at(in, cell_at(in, "allreduce", 4096))).setting, algo("5"));
}

TEST(TuneChoose, SimplerSettingMustAlsoBeatTheDefault) {
  TempDir tmp;
  StoreBuilder b("mpi");
  const Config leader{{kAlgo, "3"}, {kSeg, "65536"}};
  b.add_reps({}, "allreduce", 1024, t3(100, 97, 103)).add_reps(leader, "allreduce", 1024, t3(80, 79, 81));
  b.add_reps(algo("4"), "allreduce", 1024, t3(90, 80, 100));
  const auto in = load_one(tmp, b);
  const tune::Choice ch = choose_at(in, cell_at(in, "allreduce", 1024));
  EXPECT_TRUE(candidate(ch, algo("4")).tied_with_leader);
  EXPECT_FALSE(candidate(ch, algo("4")).beats_default);
  EXPECT_EQ(winner(ch).setting, leader);
  EXPECT_EQ(ch.confidence, "significant");
}

TEST(TuneChoose, IncompleteOrIncorrectSettingsAreNotCandidates) {
  TempDir tmp;
  ScopedChdir cd(tmp.path());
  StoreBuilder b("mpi", 3);
  const Timing fast = t3(50, 49, 51);
  b.add_reps({}, "allreduce", 1024, t3(100, 97, 103));
  b.add(algo("1"), "allreduce", 1024, 0, fast).add(algo("1"), "allreduce", 1024, 2, fast);
  b.add(algo("1"), "allreduce", 1024, 1, with_status(fast, "failed", -1, "launch L000-r1 crashed: rank 2 killed by signal 11"));
  b.add(algo("2"), "allreduce", 1024, 0, with_status(fast, "wrong", 12)).add(algo("2"), "allreduce", 1024, 1, fast);
  b.add(algo("2"), "allreduce", 1024, 2, fast);
  b.add(algo("4"), "allreduce", 1024, 0, fast).add(algo("4"), "allreduce", 1024, 1, fast);
  b.add(algo("4"), "allreduce", 1024, 2, with_status(fast, "timeout"));
  b.add(algo("5"), "allreduce", 1024, 0, fast).add(algo("5"), "allreduce", 1024, 1, fast);  // r2 missing
  b.add_reps(algo("6"), "allreduce", 1024, with_status(fast, "ok", 5));                    // "ok" but 5 wrong
  b.write("store-a");
  const auto in = tune::load_stores({"store-a"});
  const tune::Choice ch = choose_at(in, cell_at(in, "allreduce", 1024));
  EXPECT_EQ(candidate(ch, algo("1")).excluded,
            "at allreduce float 1K: store-a r1 failed: launch L000-r1 crashed: rank 2 killed by signal 11");
  EXPECT_EQ(candidate(ch, algo("2")).excluded, "at allreduce float 1K: store-a r0 wrong (12 elements)");
  EXPECT_EQ(candidate(ch, algo("4")).excluded, "at allreduce float 1K: store-a r2 timeout");
  EXPECT_EQ(candidate(ch, algo("5")).excluded, "at allreduce float 1K: store-a r2 missing");
  EXPECT_EQ(candidate(ch, algo("6")).excluded, "at allreduce float 1K: store-a r0 wrong (5 elements)");
  for (const char* id : {"1", "2", "4", "5", "6"}) EXPECT_FALSE(candidate(ch, algo(id)).feasible) << id;
  EXPECT_EQ(ch.candidates.front().setting, Config{}) << "feasible candidates rank first";
  EXPECT_EQ(ch.confidence, "tie");
  EXPECT_TRUE(ch.winner_is_default());
}

TEST(TuneChoose, WithoutACompleteDefaultTheBestFeasibleWinsWithUnknownGain) {
  TempDir tmp;
  StoreBuilder b("mpi");
  b.add_reps({}, "allreduce", 1024, with_status(t3(100, 97, 103), "wrong", 3));
  b.add_reps(algo("3"), "allreduce", 1024, t3(80, 78, 82)).add_reps(algo("4"), "allreduce", 1024, t3(90, 88, 92));
  b.add_reps(algo("3"), "allreduce", 4096, t3(95, 94, 96)).add_reps(algo("4"), "allreduce", 4096, t3(85, 84, 86));
  const auto in = load_one(tmp, b);
  for (auto [bytes, best] : {std::pair{1024u, "3"}, std::pair{4096u, "4"}}) {
    const tune::Choice ch = choose_at(in, cell_at(in, "allreduce", bytes));
    EXPECT_EQ(ch.confidence, "no default") << bytes;
    EXPECT_FALSE(ch.gain.known) << bytes;
    EXPECT_EQ(ch.default_index, -1) << bytes;
    EXPECT_EQ(winner(ch).setting, algo(best)) << bytes;
    EXPECT_FALSE(ch.winner_is_default());
  }
  EXPECT_HAS(candidate(choose_at(in, cell_at(in, "allreduce", 4096)), Config{}).excluded, "not measured at allreduce float 4K");
}

TEST(TuneChoose, NoFeasibleCandidateMeansNone) {
  TempDir tmp;
  StoreBuilder b("mpi");
  b.add_reps({}, "allreduce", 1024, with_status(t3(100, 97, 103), "failed", -1, "killed"));
  b.add_reps(algo("3"), "allreduce", 1024, with_status(t3(80, 78, 82), "timeout"));
  const auto in = load_one(tmp, b);
  const tune::Choice ch = choose_at(in, cell_at(in, "allreduce", 1024));
  EXPECT_EQ(ch.confidence, "none");
  EXPECT_EQ(ch.winner, -1);
  EXPECT_EQ(ch.default_index, -1);
  EXPECT_FALSE(ch.gain.known);
  EXPECT_EQ(ch.candidates.size(), 2u);
}

TEST(TuneChoose, TailLimitAndTailPenalty) {
  TempDir tmp;
  StoreBuilder b("mpi");
  Timing def = t3(100, 97, 103), spiky = t3(80, 79, 81);
  def.p99 = 110;
  spiky.p99 = 200;
  b.add_reps({}, "allreduce", 1024, def).add_reps(algo("3"), "allreduce", 1024, spiky);
  Timing tail5 = t3(80, 79, 81), steady = t3(90, 89, 91);
  tail5.p99 = 400;  // p99 / p50 = 5
  b.add_reps({}, "allreduce", 4096, t3(100, 97, 103)).add_reps(algo("3"), "allreduce", 4096, tail5);
  b.add_reps(algo("4"), "allreduce", 4096, steady);
  const auto in = load_one(tmp, b);
  const tune::Cell& small = cell_at(in, "allreduce", 1024);
  tune::Choice ch = choose_at(in, small);  // max_p99_vs_default 1.5 by default
  EXPECT_FALSE(candidate(ch, algo("3")).feasible);
  EXPECT_EQ(candidate(ch, algo("3")).excluded, "p99 200 us at allreduce float 1K is over 1.5 x the default's 110 us");
  EXPECT_TRUE(ch.winner_is_default());
  ch = choose_at(in, small, {0.1, 0});
  EXPECT_EQ(winner(ch).setting, algo("3"));
  EXPECT_EQ(ch.confidence, "significant");
  EXPECT_NEAR(winner(ch).est.t_us, 80 * 1.15, 1e-9);  // 1 + 0.1 * (200/80 - 1)
  EXPECT_NEAR(candidate(ch, {}).est.t_us, 100 * 1.01, 1e-9);

  const tune::Cell& big = cell_at(in, "allreduce", 4096);
  ch = choose_at(in, big, {0.0, 0});
  EXPECT_EQ(winner(ch).setting, algo("3")) << "without a tail weight the lower median wins";
  ch = choose_at(in, big, {0.1, 0});
  EXPECT_NEAR(candidate(ch, algo("3")).est.t_us, 80 * 1.4, 1e-9);
  EXPECT_EQ(winner(ch).setting, algo("4")) << "a p99/p50 of 5 costs 40%";
  EXPECT_EQ(ch.candidates.back().setting, algo("3"));
}

TEST(TuneChoose, LaterRecordOfACaseSupersedesEarlierOne) {
  TempDir tmp;
  StoreBuilder b("mpi");
  b.add_reps({}, "allreduce", 1024, t3(100, 97, 103));
  b.add(algo("3"), "allreduce", 1024, 0, with_status(t3(50, 49, 51), "failed", -1, "crashed"));
  b.add(algo("3"), "allreduce", 1024, 0, t3(50, 49, 51));  // --retry-failed
  b.add(algo("4"), "allreduce", 1024, 0, t3(40, 39, 41));
  b.add(algo("4"), "allreduce", 1024, 0, with_status(t3(40, 39, 41), "wrong", 7));
  const auto in = load_one(tmp, b);
  const tune::Choice ch = choose_at(in, cell_at(in, "allreduce", 1024));
  EXPECT_TRUE(candidate(ch, algo("3")).feasible);
  EXPECT_EQ(candidate(ch, algo("3")).est.reps, 1);
  EXPECT_HAS(candidate(ch, algo("4")).excluded, "r0 wrong (7 elements)");
  EXPECT_EQ(winner(ch).setting, algo("3"));
}

TEST(TuneChoose, ParetoFrontOfBusbwAgainstP99) {
  TempDir tmp;
  StoreBuilder b("mpi");
  const std::uint64_t mb = 1 << 20;
  Timing fast_spiky = t3(50, 49, 51), steady = t3(80, 79, 81), dominated = t3(90, 89, 91);
  fast_spiky.p99 = 150;
  steady.p99 = 90;  // lower p99 than the default's 100
  dominated.p99 = 120;
  b.add_reps({}, "allreduce", mb, t3(100, 97, 103)).add_reps(algo("3"), "allreduce", mb, fast_spiky);
  b.add_reps(algo("4"), "allreduce", mb, steady).add_reps(algo("5"), "allreduce", mb, dominated);
  const auto in = load_one(tmp, b);
  const tune::Choice ch = choose_at(in, cell_at(in, "allreduce", mb), {0.1, 0});
  EXPECT_GT(candidate(ch, algo("3")).est.busbw_gbps, candidate(ch, algo("4")).est.busbw_gbps);
  EXPECT_TRUE(candidate(ch, algo("3")).pareto);
  EXPECT_TRUE(candidate(ch, algo("4")).pareto);
  EXPECT_FALSE(candidate(ch, algo("5")).pareto);
  EXPECT_FALSE(candidate(ch, {}).pareto);
}

TEST(TuneLoad, StoresMergeAndReportNodesAndTornTails) {
  TempDir tmp;
  StoreBuilder a("mpi", 2), b("mpi", 1);
  a.hosts(2).add_reps({}, "allreduce", 1024, t3(100, 97, 103));
  b.add_reps({}, "allreduce", 1024, t3(102, 99, 105)).raw("{\"torn");
  a.write(tmp / "a");
  b.write(tmp / "b");
  std::string text;
  {
    std::ifstream in(tmp / "b/results.jsonl");
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(tmp / "b/results.jsonl", std::ios::trunc) << text.substr(0, text.size() - 1);  // no final newline
  const auto in = tune::load_stores({tmp / "a", tmp / "b"});
  EXPECT_EQ(in.backend, "mpi");
  EXPECT_EQ(in.stores[0].nodes, 2);
  EXPECT_EQ(in.stores[1].nodes, -1);
  EXPECT_FALSE(in.stores[0].torn_tail);
  EXPECT_TRUE(in.stores[1].torn_tail);
  EXPECT_EQ(in.records, 3u);
  const tune::ConfigCell* cc = cell_at(in, "allreduce", 1024).find(in.find_config("default"));
  ASSERT_NE(cc, nullptr);
  EXPECT_EQ(cc->expected, 3);
  EXPECT_EQ(cc->reps.size(), 3u);
}

TEST(TuneLoad, BadStoresThrowInputErrorNamingTheInput) {
  TempDir tmp;
  StoreBuilder("mpi").add_reps({}, "allreduce", 1024, t3(100, 97, 103)).write(tmp / "m");
  StoreBuilder("nccl").add_reps({}, "allreduce", 1024, t3(100, 97, 103)).write(tmp / "n");
  auto message = [](const std::vector<std::string>& dirs) -> std::string {
    try {
      tune::load_stores(dirs);
    } catch (const core::InputError& e) {
      return e.what();
    }
    return "(no InputError)";
  };
  EXPECT_HAS(message({tmp / "m", tmp / "n"}), "a nccl store beside a mpi store");
  std::filesystem::create_directories(tmp / "empty");
  EXPECT_HAS(message({tmp / "empty"}), "'" + (tmp / "empty") + "'");
  EXPECT_HAS(message({tmp / "empty"}), "manifest.json");
  StoreBuilder("mpi").add_reps({}, "allreduce", 1024, t3(100, 97, 103)).raw("{\"collective\": ").write(tmp / "bad");
  EXPECT_HAS(message({tmp / "bad"}), (tmp / "bad/results.jsonl:2") + ": expected one JSON object per line");
  StoreBuilder("mpi").add_reps({}, "allreduce", 1024, t3(100, 97, 103)).raw("{\"collective\": \"allreduce\"}").write(tmp / "nosweep");
  EXPECT_HAS(message({tmp / "nosweep"}), "results.jsonl:2: expected a \"sweep\" object");
  EXPECT_THROW(tune::load_stores({}), core::InputError);
}

}  // namespace

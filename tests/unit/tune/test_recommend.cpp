// tune::recommend: level 1 (per size, merged into ranges with geometric-midpoint boundaries),
// level 2 (per collective, for the workload), level 3 (global) and the merged deployment.
#include "tune/recommend.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "tune/input.hpp"
#include "tune/workload.hpp"
#include "tune/writers.hpp"
#include "tune_fixture.hpp"

namespace {

using namespace tunetest;
namespace tune = collbench::tune;

const std::string kAlgo = "coll_tuned_allreduce_algorithm";
Config algo(const std::string& id) { return {{kAlgo, id}}; }

const tune::CollectiveRecommendation& coll_of(const tune::Recommendation& r, const std::string& coll) {
  for (const auto& c : r.collectives)
    if (c.collective == coll) return c;
  throw std::runtime_error("no collective " + coll);
}

TEST(TuneRecommend, MpiSizeRangesMergeWithGeometricBoundaries) {
  TempDir tmp;
  StoreBuilder b("mpi");
  const std::uint64_t sizes[] = {1024, 4096, 16384, 65536};
  for (std::uint64_t s : sizes) {
    b.add_reps({}, "allreduce", s, timing(100, 1));
    b.add_reps(algo("3"), "allreduce", s, timing(s <= 4096 ? 50 : 100, 1));
    b.add_reps(algo("6"), "allreduce", s, timing(s == 65536 ? 50 : 100, 1));
  }
  b.write(tmp / "s");
  const tune::Recommendation r = tune::recommend(tune::load_stores({tmp / "s"}), {}, {});
  EXPECT_EQ(r.backend, "mpi");
  EXPECT_EQ(r.nranks, 4);
  EXPECT_EQ(r.workload, "uniform over the measured sizes");
  ASSERT_EQ(r.collectives.size(), 1u);
  const tune::CollectiveRecommendation& c = r.collectives[0];
  ASSERT_EQ(c.steps.size(), 4u);
  EXPECT_EQ(c.steps[2].choice.confidence, "tie");
  ASSERT_EQ(c.ranges.size(), 3u);
  EXPECT_EQ(c.ranges[0].lo, 0u);
  EXPECT_EQ(c.ranges[0].hi, 8192u);  // floor(sqrt(4096 * 16384))
  EXPECT_EQ(c.ranges[0].first, 1024u);
  EXPECT_EQ(c.ranges[0].last, 4096u);
  EXPECT_EQ(c.ranges[0].setting, algo("3"));
  EXPECT_TRUE(c.ranges[0].gain_known);
  EXPECT_DOUBLE_EQ(c.ranges[0].gain_min, 2.0);
  EXPECT_DOUBLE_EQ(c.ranges[0].gain_max, 2.0);
  EXPECT_EQ(c.ranges[1].lo, 8193u);
  EXPECT_EQ(c.ranges[1].hi, 32768u);  // floor(sqrt(16384 * 65536))
  EXPECT_EQ(c.ranges[1].first, 16384u);
  EXPECT_EQ(c.ranges[1].last, 16384u);
  EXPECT_EQ(c.ranges[1].setting, Config{});
  EXPECT_DOUBLE_EQ(c.ranges[1].gain_max, 1.0);
  EXPECT_EQ(c.ranges[2].lo, 32769u);
  EXPECT_EQ(c.ranges[2].hi, UINT64_MAX);
  EXPECT_EQ(c.ranges[2].setting, algo("6"));
  // Level 2, uniform: default 400, algorithm 3 300, algorithm 6 350 (sums over the sizes).
  ASSERT_TRUE(c.has_workload);
  EXPECT_EQ(winner(c.per_collective).setting, algo("3"));
  EXPECT_DOUBLE_EQ(winner(c.per_collective).est.t_us, 300);
  EXPECT_DOUBLE_EQ(c.per_collective.gain.ratio, 400.0 / 300.0);
  EXPECT_EQ(c.per_collective.confidence, "significant");
  // Level 3: the mpi catalog has no global knob.
  EXPECT_EQ(r.global.confidence, "not swept");
  EXPECT_EQ(r.deploy, algo("3"));
  EXPECT_EQ(r.cells.size(), 4u);
}

TEST(TuneRecommend, NeighbouringSizesOnlyOneApartClampTheBoundary) {
  TempDir tmp;
  StoreBuilder b("mpi");
  b.add_reps({}, "allreduce", 8, timing(100, 1)).add_reps(algo("3"), "allreduce", 8, timing(50, 1));
  b.add_reps({}, "allreduce", 9, timing(100, 1)).add_reps(algo("3"), "allreduce", 9, timing(100, 1));
  b.write(tmp / "s");
  const auto r = tune::recommend(tune::load_stores({tmp / "s"}), {}, {});
  const auto& ranges = coll_of(r, "allreduce").ranges;
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].hi, 8u);  // sqrt(72) = 8.49 -> 8, within [8, 8]
  EXPECT_EQ(ranges[1].lo, 9u);
}

TEST(TuneRecommend, NcclPerCollectiveAlgorithmsAndGlobalBufferSizeDeployTogether) {
  TempDir tmp;
  StoreBuilder b("nccl");
  const Config buff{{"NCCL_BUFFSIZE", "8388608"}};
  for (std::uint64_t s : {std::uint64_t{65536}, std::uint64_t{1} << 20}) {
    b.add_reps({}, "allreduce", s, timing(100, 1)).add_reps(buff, "allreduce", s, timing(90, 1));
    b.add_reps({{"NCCL_ALGO", "allreduce:tree"}}, "allreduce", s, timing(80, 1));
    b.add_reps({{"NCCL_ALGO", "allreduce:ring"}}, "allreduce", s, timing(100, 1));
    b.add_reps({}, "allgather", s, timing(100, 1)).add_reps(buff, "allgather", s, timing(90, 1));
    b.add_reps({{"NCCL_ALGO", "allgather:ring"}}, "allgather", s, timing(80, 1));
  }
  b.write(tmp / "s");
  const auto r = tune::recommend(tune::load_stores({tmp / "s"}), {}, {});
  EXPECT_EQ(winner(coll_of(r, "allreduce").per_collective).setting, (Config{{"NCCL_ALGO", "allreduce:tree"}}));
  EXPECT_EQ(winner(coll_of(r, "allgather").per_collective).setting, (Config{{"NCCL_ALGO", "allgather:ring"}}));
  EXPECT_EQ(r.global.confidence, "significant");
  EXPECT_EQ(winner(r.global).setting, buff);
  EXPECT_DOUBLE_EQ(winner(r.global).est.t_us, 360);  // 4 cells x 90
  EXPECT_DOUBLE_EQ(r.global.gain.ratio, 400.0 / 360.0);
  const Config expected{{"NCCL_ALGO", "allreduce:tree;allgather:ring"}, {"NCCL_BUFFSIZE", "8388608"}};
  EXPECT_EQ(r.deploy, expected);
  // Level 1 holds per-collective settings only: the buffer size is no per-size rule.
  const auto& ar = coll_of(r, "allreduce").ranges;
  ASSERT_EQ(ar.size(), 1u);
  EXPECT_EQ(ar[0].setting, (Config{{"NCCL_ALGO", "allreduce:tree"}}));
  EXPECT_EQ(ar[0].lo, 0u);
  EXPECT_EQ(ar[0].hi, UINT64_MAX);
}

TEST(TuneRecommend, WorkloadDecidesThePerCollectiveSetting) {
  TempDir tmp;
  StoreBuilder b("mpi");
  const std::uint64_t small = 1024, big = 1 << 20;
  b.add_reps({}, "allreduce", small, timing(20, 0.5)).add_reps({}, "allreduce", big, timing(1000, 10));
  b.add_reps(algo("3"), "allreduce", small, timing(10, 0.5)).add_reps(algo("3"), "allreduce", big, timing(2000, 10));
  b.add_reps(algo("6"), "allreduce", small, timing(20, 0.5)).add_reps(algo("6"), "allreduce", big, timing(500, 10));
  b.write(tmp / "s");
  const auto in = tune::load_stores({tmp / "s"});
  const auto uniform = tune::recommend(in, {}, {});
  const auto& pc = coll_of(uniform, "allreduce").per_collective;
  EXPECT_EQ(winner(pc).setting, algo("6")) << "the large size dominates a sum of times";
  EXPECT_DOUBLE_EQ(winner(pc).est.t_us, 520);
  EXPECT_EQ(uniform.deploy, algo("6"));
  // Level 1 still wants algorithm 3 for small messages.
  EXPECT_EQ(coll_of(uniform, "allreduce").ranges.front().setting, algo("3"));

  const tune::Workload w = tune::parse_workload(R"({"name": "small-only", "collectives": {"allreduce": {"1K": 1000}}})", "small.json");
  const auto weighted = tune::recommend(in, w, {});
  EXPECT_EQ(weighted.workload, "small.json (small-only)");
  const auto& pw = coll_of(weighted, "allreduce").per_collective;
  EXPECT_EQ(winner(pw).setting, algo("3"));
  EXPECT_DOUBLE_EQ(winner(pw).est.t_us, 10 * 1000);
  EXPECT_DOUBLE_EQ(pw.gain.ratio, 2.0);
  EXPECT_EQ(weighted.deploy, algo("3"));

  // A workload without this collective: no level-2 choice, nothing deployed for it.
  const auto other = tune::recommend(in, tune::parse_workload(R"({"collectives": {"allgather": {"1M": 5}}})", "ag.json"), {});
  EXPECT_FALSE(coll_of(other, "allreduce").has_workload);
  EXPECT_TRUE(other.deploy.empty());
}

TEST(TuneRecommend, MostCellsDecideTheRankCountAndANoteSaysSo) {
  TempDir tmp;
  StoreBuilder four("mpi", 1, 4), eight("mpi", 1, 8);
  for (std::uint64_t s : {1024u, 4096u}) four.add_reps({}, "allreduce", s, timing(100, 1));
  eight.add_reps({}, "allreduce", 1024, timing(100, 1));
  four.write(tmp / "a");
  eight.write(tmp / "b");
  const auto r = tune::recommend(tune::load_stores({tmp / "a", tmp / "b"}), {}, {});
  EXPECT_EQ(r.nranks, 4);
  ASSERT_EQ(r.collectives.size(), 2u);
  EXPECT_EQ(r.collectives[0].nranks, 4);
  EXPECT_TRUE(r.collectives[0].has_workload);
  EXPECT_EQ(r.collectives[1].nranks, 8);
  EXPECT_FALSE(r.collectives[1].has_workload);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("chosen for 4 ranks"), std::string::npos) << r.notes[0];
}

// recommend's per-cell choices (choose_cell) rank exactly as choose() over that one cell.
TEST(TuneRecommend, PerCellChoicesAgreeWithChooseOverTheCell) {
  TempDir tmp;
  StoreBuilder b("mpi", 2);
  b.add({}, "allreduce", 1024, 0, timing(100, 1)).add({}, "allreduce", 1024, 1, timing(104, 1));  // median 102
  b.add_reps(algo("3"), "allreduce", 1024, timing(80, 1, 1.5)).add_reps(algo("4"), "allreduce", 1024, timing(101, 3));
  b.add(algo("5"), "allreduce", 1024, 0, with_status(timing(50, 1), "failed", -1, "crashed"));  // r1 missing
  b.add_reps(algo("6"), "allreduce", 1024, timing(70, 1, 3.0));  // p99 210 > 1.5 x 102
  b.add_reps(algo("3"), "allreduce", 4096, timing(80, 1)).add_reps(algo("4"), "allreduce", 4096, timing(85, 1));  // no default
  b.write(tmp / "s");
  const auto in = tune::load_stores({tmp / "s"});
  const auto r = tune::recommend(in, {}, {});
  ASSERT_EQ(r.cells.size(), 2u);
  for (const tune::CellChoice& cc : r.cells) {
    SCOPED_TRACE(cc.cell->bytes);
    const tune::Choice ref = choose_at(in, *cc.cell);
    const tune::Choice& got = cc.choice;
    EXPECT_EQ(got.confidence, ref.confidence);
    EXPECT_EQ(got.winner, ref.winner);
    EXPECT_EQ(got.default_index, ref.default_index);
    EXPECT_EQ(got.gain.known, ref.gain.known);
    EXPECT_DOUBLE_EQ(got.gain.ratio, ref.gain.ratio);
    ASSERT_EQ(got.candidates.size(), ref.candidates.size());
    for (std::size_t i = 0; i < got.candidates.size(); ++i) {
      EXPECT_EQ(got.candidates[i].setting, ref.candidates[i].setting) << i;
      EXPECT_EQ(got.candidates[i].feasible, ref.candidates[i].feasible) << i;
      EXPECT_EQ(got.candidates[i].excluded, ref.candidates[i].excluded) << i;
      EXPECT_EQ(got.candidates[i].pareto, ref.candidates[i].pareto) << i;
      EXPECT_DOUBLE_EQ(got.candidates[i].est.t_us, ref.candidates[i].est.t_us) << i;
      EXPECT_DOUBLE_EQ(got.candidates[i].est.busbw_gbps, ref.candidates[i].est.busbw_gbps) << i;
    }
  }
  const tune::Choice& small = r.cells[0].choice;
  EXPECT_DOUBLE_EQ(candidate(small, {}).est.t_us, 102) << "even count: the mean of the middle two";
  EXPECT_DOUBLE_EQ(small.gain.ratio, 102 / (80 * 1.05));
  EXPECT_EQ(candidate(small, algo("5")).excluded.substr(0, 22), "at allreduce float 1K:");
  EXPECT_FALSE(candidate(small, algo("6")).feasible);
  EXPECT_EQ(r.cells[1].choice.confidence, "no default");
  EXPECT_EQ(candidate(r.cells[1].choice, {}).excluded, "not measured at allreduce float 4K");
}

TEST(TuneRecommend, WhichKnobsArePerCollective) {
  EXPECT_TRUE(tune::is_per_collective_knob("nccl", "NCCL_ALGO"));
  EXPECT_TRUE(tune::is_per_collective_knob("nccl", "NCCL_PROTO"));
  EXPECT_FALSE(tune::is_per_collective_knob("nccl", "NCCL_BUFFSIZE"));
  EXPECT_FALSE(tune::is_per_collective_knob("nccl", "NCCL_NVLS_ENABLE")) << "limited to some collectives, yet global";
  EXPECT_TRUE(tune::is_per_collective_knob("mpi", "coll_tuned_allreduce_algorithm"));
  EXPECT_TRUE(tune::is_per_collective_knob("mpi", "coll_tuned_bcast_algorithm_segmentsize"));
  EXPECT_FALSE(tune::is_per_collective_knob("mpi", "COLLBENCH_INJECT"));
  EXPECT_FALSE(tune::is_per_collective_knob("mpi", "NCCL_ALGO"));
}

}  // namespace

namespace {

// Registration and the CTA policy are the application's: their gain is advice, with its interval,
// and no level of the recommendation nor any env file ever carries them.
TEST(TuneAdvice, RegistrationIsAdviceWithItsIntervalNeverDeployed) {
  TempDir tmp;
  StoreBuilder b("nccl");
  const Config local{{"register", "local"}}, policy{{"NCCL_CTA_POLICY", "1"}};
  const Config ring{{"NCCL_ALGO", "allreduce:ring"}};
  for (std::uint64_t s : {std::uint64_t{65536}, std::uint64_t{4u << 20}, std::uint64_t{64u << 20}}) {
    b.add_reps({}, "allreduce", s, timing(100, 2));
    b.add_reps(local, "allreduce", s, timing(s == 65536 ? 50 : s == (4u << 20) ? 99 : 130, 2));  // faster, tie, slower
    b.add_reps(policy, "allreduce", s, timing(40, 2));   // far faster everywhere: still never deployed
    b.add_reps(ring, "allreduce", s, timing(s == 65536 ? 80 : 100, 2));
  }
  b.write(tmp / "s");
  const tune::TuneInput in = tune::load_stores({tmp / "s"});  // the recommendation points into it
  const tune::Recommendation r = tune::recommend(in, {}, {});
  for (const auto& [k, v] : r.deploy) EXPECT_TRUE(k != "register" && k != "NCCL_CTA_POLICY") << k;
  for (const tune::CollectiveRecommendation& c : r.collectives)
    for (const tune::SizeRange& range : c.ranges)
      EXPECT_TRUE(range.setting.empty() || range.setting == ring) << collbench::plan::describe(range.setting);
  for (const std::string& file : {tune::env_file(r), tune::env_sh(r), tune::nccl_conf(r)}) {
    EXPECT_EQ(file.find("NCCL_CTA_POLICY"), std::string::npos) << file;
    EXPECT_EQ(file.find("register"), std::string::npos) << file;
  }
  ASSERT_EQ(r.advice.size(), 2u);
  const tune::Advice* reg = r.advice[0].knob == "register" ? &r.advice[0] : &r.advice[1];
  EXPECT_EQ(reg->value, "local");
  ASSERT_EQ(reg->series.size(), 1u);
  const auto& steps = reg->series[0].steps;
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].outcome, "faster");
  EXPECT_DOUBLE_EQ(steps[0].ratio, 2.0);
  EXPECT_DOUBLE_EQ(steps[0].lo, 98.0 / 52.0);   // the default's low end over the value's high end
  EXPECT_DOUBLE_EQ(steps[0].hi, 102.0 / 48.0);
  EXPECT_EQ(steps[1].outcome, "tie");
  EXPECT_EQ(steps[2].outcome, "slower");
  EXPECT_EQ(tune::Advice::describe(reg->series[0]),
            "allreduce float out_of_place 4 ranks: 2.00x [1.88, 2.12] at 64K; tie at 4M; 0.77x [0.74, 0.80] at 64M (slower)");
  EXPECT_NE(tune::summary_md(r).find("## The application's choices"), std::string::npos);
  EXPECT_NE(tune::summary_json(r).find("\"deployed\": false"), std::string::npos);
}

}  // namespace

// tune --validate: the validation sweep's plan (the default and levels 2+3 at every size, each
// level-1 range's winner at its range's sizes) and the verdicts, level 1's included.
#include "tune/validate.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/collective.hpp"
#include "plan/sweep_plan.hpp"
#include "plan/sweep_spec.hpp"
#include "tune/input.hpp"
#include "tune/recommend.hpp"
#include "tune/validate_plan.hpp"
#include "tune_fixture.hpp"

namespace {

using namespace tunetest;
namespace tune = collbench::tune;
namespace plan = collbench::plan;
using nlohmann::json;

const std::string kAlgo = "coll_tuned_allreduce_algorithm";
Config algo(const std::string& id) { return {{kAlgo, id}}; }
const std::uint64_t kSizes[] = {1024, 4096, 16384, 65536};

// allreduce, level 1: algorithm 3 at 1K..4K, the default at 16K, algorithm 6 at 64K; level 2
// (uniform): algorithm 3 (300 us against the default's 400). allgather: nothing beats the default.
void write_tuned(const std::string& dir) {
  StoreBuilder b("mpi", 3);
  for (std::uint64_t s : kSizes) {
    b.add_reps({}, "allreduce", s, timing(100, 1));
    b.add_reps(algo("3"), "allreduce", s, timing(s <= 4096 ? 50 : 100, 1));
    b.add_reps(algo("6"), "allreduce", s, timing(s == 65536 ? 50 : 100, 1));
    b.add_reps({}, "allgather", s, timing(100, 1));
    b.add_reps({{"coll_tuned_allgather_algorithm", "2"}}, "allgather", s, timing(100, 1));
  }
  b.write(dir);
}

// The tuned store's spec, as its manifest would hold it.
plan::SweepSpec tuned_spec() {
  return plan::parse_sweep_spec(R"({"backend": "mpi", "collectives": ["allreduce", "allgather"], "sizes": ["1K", "4K", "16K", "64K"],
    "knobs": {"coll_tuned_allreduce_algorithm": ["default", 3, 6], "coll_tuned_allgather_algorithm": ["default", 2]},
    "repetitions": 3})",
                                "tuned.json");
}

// "coll knobs: sizes" of every block of repetition `rep` in launch `l`, sorted.
std::vector<std::string> blocks_of(const plan::Launch& l, int rep) {
  std::vector<std::string> out;
  for (const plan::Block& b : l.blocks) {
    if (b.rep != rep) continue;
    std::string s = std::string(collbench::core::name(b.coll)) + " " + plan::describe(b.knobs) + ":";
    for (const plan::PlannedCase& c : b.cases) s += " " + std::to_string(c.bytes);
    out.push_back(s);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(TuneValidatePlan, EachSizeUnderItsRangesSettingBesideTheDefaultInterleaved) {
  TempDir tmp;
  write_tuned(tmp / "s");
  const tune::Recommendation r = tune::recommend(tune::load_stores({tmp / "s"}), {}, {});
  ASSERT_EQ(r.deploy, algo("3"));
  EXPECT_EQ(tune::level1_ranges_to_validate(r), 2u);  // allreduce 1K..4K and 64K; the default's ranges: nothing

  const plan::SweepSpec v = tune::validation_spec(tuned_spec(), r, 2);
  EXPECT_TRUE(v.axes.empty());
  EXPECT_EQ(v.cases, (std::vector<Config>{{}, algo("3"), algo("3"), algo("6")}));
  ASSERT_EQ(v.case_sizes.size(), 4u);
  EXPECT_TRUE(v.case_sizes[0].empty() && v.case_sizes[1].empty());  // every size
  EXPECT_EQ(v.case_sizes[2], (std::vector<std::uint64_t>{1024, 4096}));
  EXPECT_EQ(v.case_sizes[3], (std::vector<std::uint64_t>{65536}));
  EXPECT_EQ(v.repetitions, 2);

  const plan::SweepPlan p = plan::make_plan(v);
  // Open MPI's algorithms are per communicator: every configuration in one launch, repetition 0's
  // blocks then repetition 1's, so the default and the settings alternate A B A B.
  ASSERT_EQ(p.launches.size(), 1u);
  ASSERT_FALSE(p.launches[0].blocks.empty());
  EXPECT_EQ(p.launches[0].blocks.front().rep, 0);
  EXPECT_EQ(p.launches[0].blocks.back().rep, 1);
  const std::vector<std::string> expected = {
      "allgather default: 1024 4096 16384 65536",
      "allreduce coll_tuned_allreduce_algorithm=3: 1024 4096 16384 65536",  // level 2 (and level 1's 1K..4K)
      "allreduce coll_tuned_allreduce_algorithm=6: 65536",                  // level 1's 64K range, only there
      "allreduce default: 1024 4096 16384 65536",
  };
  EXPECT_EQ(blocks_of(p.launches[0], 0), expected);
  EXPECT_EQ(blocks_of(p.launches[0], 1), expected);
  for (const plan::Block& b : p.launches[0].blocks)
    EXPECT_EQ(b.mpi_t.empty(), b.knobs.empty()) << plan::describe(b.knobs);  // each communicator configured through MPI_T
}

TEST(TuneValidatePlan, Level1AloneWhenLevels2And3RecommendTheDefault) {
  TempDir tmp;
  StoreBuilder b("mpi");
  // Algorithm 3 wins at 1K only; over both sizes it loses (its p99 at 64K is also out of bounds).
  b.add_reps({}, "allreduce", 1024, timing(100, 1)).add_reps(algo("3"), "allreduce", 1024, timing(50, 1));
  b.add_reps({}, "allreduce", 65536, timing(100, 1)).add_reps(algo("3"), "allreduce", 65536, timing(200, 1));
  b.write(tmp / "s");
  const tune::Recommendation r = tune::recommend(tune::load_stores({tmp / "s"}), {}, {});
  ASSERT_TRUE(r.deploy.empty());
  EXPECT_EQ(tune::level1_ranges_to_validate(r), 1u);
  const plan::SweepSpec v = tune::validation_spec(
      plan::parse_sweep_spec(R"({"backend": "mpi", "sizes": ["1K", "64K"], "knobs": {"coll_tuned_allreduce_algorithm": [3]}})", "t.json"),
      r, 3);
  EXPECT_EQ(v.cases, (std::vector<Config>{{}, algo("3")}));
  const plan::SweepPlan p = plan::make_plan(v);
  ASSERT_EQ(p.launches.size(), 1u);
  EXPECT_EQ(blocks_of(p.launches[0], 2), (std::vector<std::string>{"allreduce coll_tuned_allreduce_algorithm=3: 1024",
                                                                "allreduce default: 1024 65536"}));
}

// The validation store: what the sweep above measured, with `at64k` the time of algorithm 6 at 64K.
void write_run(const std::string& dir, double at64k) {
  StoreBuilder b("mpi", 3);
  for (std::uint64_t s : kSizes) {
    b.add_reps({}, "allreduce", s, timing(100, 1));
    b.add_reps(algo("3"), "allreduce", s, timing(s <= 4096 ? 50 : 100, 1));
    b.add_reps({}, "allgather", s, timing(100, 1));
  }
  b.add_reps(algo("6"), "allreduce", 65536, timing(at64k, 1));
  b.write(dir);
}

TEST(TuneValidate, Level1VerdictsPerSizeAndPerRange) {
  TempDir tmp;
  write_tuned(tmp / "s");
  write_run(tmp / "v", 150);  // the 64K range's setting came out slower than the default
  const tune::TuneInput tuned = tune::load_stores({tmp / "s"});
  const tune::Recommendation r = tune::recommend(tuned, {}, {});
  const tune::Validation v = tune::validate(tuned, tune::load_stores({tmp / "v"}), r, {}, {});
  // Levels 2 + 3 held; level 1's 64K range did not, so the recommendation as a whole did not.
  ASSERT_EQ(v.per_collective.size(), 2u);
  EXPECT_EQ(v.per_collective[1].collective, "allreduce");
  EXPECT_EQ(v.per_collective[1].result, "faster");
  EXPECT_FALSE(v.level1_held);
  EXPECT_FALSE(v.held);

  ASSERT_EQ(v.level1.size(), 4u);  // allgather's one range, then allreduce's three
  EXPECT_EQ(v.level1[0].overall.collective, "allgather");
  EXPECT_FALSE(v.level1[0].validated);
  EXPECT_EQ(v.level1[0].overall.why, "the winner is the default: nothing to validate");
  const tune::RangeVerdict& small = v.level1[1];
  EXPECT_TRUE(small.validated);
  EXPECT_EQ(small.range.setting, algo("3"));
  ASSERT_EQ(small.per_size.size(), 2u);
  EXPECT_EQ(small.per_size[0].bytes, 1024u);
  EXPECT_EQ(small.per_size[1].bytes, 4096u);
  for (const tune::Verdict& x : small.per_size) {
    EXPECT_EQ(x.result, "faster");
    EXPECT_DOUBLE_EQ(x.observed, 2.0);
    EXPECT_DOUBLE_EQ(x.expected, 2.0);
  }
  EXPECT_EQ(small.overall.result, "faster");
  EXPECT_DOUBLE_EQ(small.overall.observed, 200.0 / 100.0);  // the sizes summed: 200 us against 100 us
  EXPECT_FALSE(v.level1[2].validated);                        // 16K: the default won
  const tune::RangeVerdict& large = v.level1[3];
  ASSERT_EQ(large.per_size.size(), 1u);
  EXPECT_EQ(large.per_size[0].result, "slower");
  EXPECT_DOUBLE_EQ(large.per_size[0].observed, 100.0 / 150.0);
  EXPECT_DOUBLE_EQ(large.per_size[0].expected, 2.0);
  EXPECT_EQ(large.overall.result, "slower");

  const json j = json::parse(tune::validation_json(v));
  EXPECT_EQ(j["held"], false);
  EXPECT_EQ(j["level1_held"], false);
  ASSERT_EQ(j["level1"].size(), 4u);
  const json& l = j["level1"][3];
  EXPECT_EQ(l["collective"], "allreduce");
  EXPECT_EQ(l["min_bytes"], 32769);
  EXPECT_TRUE(l["max_bytes"].is_null());
  EXPECT_EQ(l["first_measured"], 65536);
  EXPECT_EQ(l["setting"], json({{kAlgo, "6"}}));
  EXPECT_EQ(l["validated"], true);
  EXPECT_EQ(l["result"], "slower");
  EXPECT_EQ(l["per_size"][0]["bytes"], 65536);
  EXPECT_EQ(l["per_size"][0]["result"], "slower");
  EXPECT_EQ(j["level1"][0]["validated"], false);
  EXPECT_EQ(j["level1"][0]["why"], "the winner is the default: nothing to validate");
  EXPECT_TRUE(j["level1"][0]["per_size"].empty());
  // Every field of before is still there.
  for (const char* k : {"schema", "schema_version", "recommended", "held", "per_collective", "per_size"}) EXPECT_TRUE(j.contains(k)) << k;

  const std::string md = tune::validation_md(v);
  EXPECT_NE(md.find("# collbench tune --validate: the recommendation did NOT hold"), std::string::npos) << md;
  EXPECT_NE(md.find("## Level 1: per collective and size range"), std::string::npos) << md;
  EXPECT_NE(md.find("| allreduce 32769..: `coll_tuned_allreduce_algorithm=6` | 4 | 100 | 150 | 2.000x | 0.6"), std::string::npos) << md;
  EXPECT_NE(md.find("| allreduce 4K | 4 | 100 | 50 | 2.000x | 2.000x"), std::string::npos) << md;  // a size of the first range
  EXPECT_NE(md.find("| allgather 0..: `default` | 4 | - | - | - | - | the winner is the default: nothing to validate |"),
            std::string::npos) << md;
}

TEST(TuneValidate, Level1HeldCountsInHeld) {
  TempDir tmp;
  write_tuned(tmp / "s");
  write_run(tmp / "v", 50);
  const tune::TuneInput tuned = tune::load_stores({tmp / "s"});
  const tune::Validation v = tune::validate(tuned, tune::load_stores({tmp / "v"}), tune::recommend(tuned, {}, {}), {}, {});
  EXPECT_TRUE(v.level1_held);
  EXPECT_TRUE(v.held);
  EXPECT_EQ(v.level1[3].overall.result, "faster");
}

TEST(TuneValidate, Level1RangeTheSweepDidNotMeasureIsNotCompared) {
  TempDir tmp;
  write_tuned(tmp / "s");
  StoreBuilder b("mpi", 3);  // no algorithm 6 at 64K, no 1K at all
  for (std::uint64_t s : {4096u, 16384u, 65536u}) {
    b.add_reps({}, "allreduce", s, timing(100, 1));
    b.add_reps(algo("3"), "allreduce", s, timing(s <= 4096 ? 50 : 100, 1));
  }
  b.write(tmp / "v");
  const tune::TuneInput tuned = tune::load_stores({tmp / "s"});
  const tune::Validation v = tune::validate(tuned, tune::load_stores({tmp / "v"}), tune::recommend(tuned, {}, {}), {}, {});
  const tune::RangeVerdict& small = v.level1[1];
  ASSERT_EQ(small.per_size.size(), 2u);
  EXPECT_FALSE(small.per_size[0].measured);
  EXPECT_EQ(small.per_size[0].why, "not measured by the validation sweep");
  EXPECT_EQ(small.per_size[1].result, "faster");
  EXPECT_TRUE(small.overall.measured);  // over the sizes that were measured
  EXPECT_FALSE(v.level1[3].overall.measured);
  EXPECT_EQ(v.level1[3].overall.why.rfind("recommended: ", 0), 0u) << v.level1[3].overall.why;
  EXPECT_TRUE(v.level1_held);  // not measured is not slower
}

TEST(TuneValidate, OnlyLevel1WhenTheDeployIsTheDefault) {
  TempDir tmp;
  StoreBuilder b("mpi");
  b.add_reps({}, "allreduce", 1024, timing(100, 1)).add_reps(algo("3"), "allreduce", 1024, timing(50, 1));
  b.add_reps({}, "allreduce", 65536, timing(100, 1)).add_reps(algo("3"), "allreduce", 65536, timing(200, 1));
  b.write(tmp / "s");
  const tune::TuneInput tuned = tune::load_stores({tmp / "s"});
  const tune::Recommendation r = tune::recommend(tuned, {}, {});
  ASSERT_TRUE(r.deploy.empty());
  StoreBuilder run("mpi");
  run.add_reps({}, "allreduce", 1024, timing(100, 1)).add_reps(algo("3"), "allreduce", 1024, timing(50, 1));
  run.add_reps({}, "allreduce", 65536, timing(100, 1));
  run.write(tmp / "v");
  const tune::Validation v = tune::validate(tuned, tune::load_stores({tmp / "v"}), r, {}, {});
  EXPECT_TRUE(v.per_size.empty());
  EXPECT_TRUE(v.per_collective.empty());
  ASSERT_EQ(v.level1.size(), 2u);
  EXPECT_EQ(v.level1[0].overall.result, "faster");
  EXPECT_TRUE(v.held);
  EXPECT_NE(tune::validation_md(v).find("Nothing to validate: levels 2 and 3 recommend the default."), std::string::npos);
}

}  // namespace

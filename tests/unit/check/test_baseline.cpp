#include "check/baseline.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "check_fixture.hpp"

namespace {

using namespace checktest;
using nlohmann::json;

constexpr std::uint64_t kM = 1u << 20;

const check::Expectation& find(const check::Baseline& b, const check::CaseKey& k) {
  const check::Expectation* e = b.find(k);
  if (e == nullptr) {
    ADD_FAILURE() << "no expectation for " << k.describe();
    throw std::runtime_error("no expectation");
  }
  return *e;
}

check::CaseKey key_of(const results::ResultRecord& r) { return observation(r).key(); }

// Three known-good runs of allreduce 1M (100, 110, 130 us) and one of allgather 64K.
check::Inputs three_runs() {
  return make_inputs({observation(RecordBuilder("allreduce", kM, 8, 100).ci_half(1).cv(0.01), 0),
                      observation(RecordBuilder("allgather", 64 << 10, 8, 20), 0),
                      observation(RecordBuilder("allreduce", kM, 8, 110).ci_half(2).cv(0.03), 1),
                      observation(RecordBuilder("allreduce", kM, 8, 130).ci_half(3).cv(0.02), 2)},
                     3);
}

// ---------------------------------------------------------------- statistics

TEST(BuildBaseline, SpreadsOverRuns) {
  const check::Inputs in = three_runs();
  const check::Baseline b = check::build_baseline(in, "");
  EXPECT_EQ(b.backend, "mpi");
  EXPECT_EQ(b.config, "default");
  EXPECT_EQ(b.sources, (std::vector<std::string>{"run0.json", "run1.json", "run2.json"}));
  EXPECT_FALSE(b.created.empty());
  ASSERT_EQ(b.expectations.size(), 2u);
  EXPECT_LT(b.expectations[0].key, b.expectations[1].key);  // sorted

  const check::Expectation& e = find(b, key_of(RecordBuilder("allreduce", kM, 8, 1)));
  EXPECT_EQ(e.samples, 3);
  EXPECT_EQ(e.runs, 3);
  EXPECT_EQ(e.groups, 1);
  EXPECT_DOUBLE_EQ(e.time_us.median, 110);
  EXPECT_DOUBLE_EQ(e.time_us.min, 100);
  EXPECT_DOUBLE_EQ(e.time_us.max, 130);
  EXPECT_DOUBLE_EQ(e.busbw_gbps.median, busbw_of("allreduce", kM, 8, 110));
  EXPECT_DOUBLE_EQ(e.busbw_gbps.min, busbw_of("allreduce", kM, 8, 130));
  EXPECT_DOUBLE_EQ(e.busbw_gbps.max, busbw_of("allreduce", kM, 8, 100));
  EXPECT_DOUBLE_EQ(e.p99_us.median, 132);
  EXPECT_DOUBLE_EQ(e.p99_us.min, 120);
  EXPECT_DOUBLE_EQ(e.p99_us.max, 156);
  EXPECT_DOUBLE_EQ(e.cv.median, 0.02);
  EXPECT_DOUBLE_EQ(e.cv.min, 0.01);
  EXPECT_DOUBLE_EQ(e.cv.max, 0.03);
  EXPECT_DOUBLE_EQ(e.ci_rel, 2.0 / 110);
  EXPECT_DOUBLE_EQ(e.slow_spread(), (130.0 - 110.0) / 130.0);
  // The same as (median busbw - min busbw) / median busbw.
  EXPECT_NEAR(e.slow_spread(), (e.busbw_gbps.median - e.busbw_gbps.min) / e.busbw_gbps.median, 1e-12);
  EXPECT_DOUBLE_EQ(e.peer_ratio.max, 0);  // the world scope has no peers

  const check::Expectation& g = find(b, key_of(RecordBuilder("allgather", 64 << 10, 8, 1)));
  EXPECT_EQ(g.samples, 1);
  EXPECT_EQ(g.runs, 1);
  EXPECT_DOUBLE_EQ(g.time_us.median, 20);
  EXPECT_DOUBLE_EQ(g.slow_spread(), 0);
}

TEST(BuildBaseline, EvenSampleCountsTakeTheMiddleMean) {
  const check::Inputs in = make_inputs({observation(RecordBuilder("allreduce", kM, 8, 100), 0),
                                        observation(RecordBuilder("allreduce", kM, 8, 120), 1)},
                                       2);
  const check::Expectation e = check::build_baseline(in, "").expectations.at(0);
  EXPECT_DOUBLE_EQ(e.time_us.median, 110);
  EXPECT_DOUBLE_EQ(e.slow_spread(), 10.0 / 120.0);
}

TEST(BuildBaseline, RepetitionsCountAsRunsAndConfigIsKept) {
  const check::Inputs in = make_inputs({observation(RecordBuilder("allreduce", kM, 8, 100), 0, 1),
                                        observation(RecordBuilder("allreduce", kM, 8, 102), 0, 2),
                                        observation(RecordBuilder("allreduce", kM, 8, 104), 0, 3),
                                        observation(RecordBuilder("allreduce", kM, 8, 106), 1, 1)},
                                       2);
  const check::Baseline b = check::build_baseline(in, "NCCL_ALGO=ring");
  EXPECT_EQ(b.config, "NCCL_ALGO=ring");
  const check::Expectation& e = b.expectations.at(0);
  EXPECT_EQ(e.samples, 4);
  EXPECT_EQ(e.runs, 4);
  EXPECT_EQ(e.groups, 1);
}

TEST(BuildBaseline, PerNodeGroupsAndPeerRatio) {
  // One run, four nodes alone: 100, 100, 100 and 120 us.
  std::vector<check::Observation> obs;
  const double t[] = {100, 100, 100, 120};
  for (int i = 0; i < 4; ++i)
    obs.push_back(observation(RecordBuilder("allreduce", kM, 2, t[i]).node("h" + std::to_string(i), "h" + std::to_string(i),
                                                                           {2 * i, 2 * i + 1})));
  const check::Inputs in = make_inputs(obs, 1);
  const check::Baseline b = check::build_baseline(in, "");
  ASSERT_EQ(b.expectations.size(), 1u);
  const check::Expectation& e = b.expectations[0];
  EXPECT_EQ(e.key.scope, "node");
  EXPECT_EQ(e.key.nranks, 2);
  EXPECT_EQ(e.samples, 4);
  EXPECT_EQ(e.runs, 1);
  EXPECT_EQ(e.groups, 4);
  EXPECT_DOUBLE_EQ(e.time_us.median, 100);
  EXPECT_DOUBLE_EQ(e.time_us.max, 120);
  EXPECT_DOUBLE_EQ(e.peer_ratio.median, 1.0);
  EXPECT_DOUBLE_EQ(e.peer_ratio.min, 1.0);
  EXPECT_DOUBLE_EQ(e.peer_ratio.max, 1.2);
}

TEST(BuildBaseline, PairsCountTheirGroupsAcrossRounds) {
  // Four nodes, pairs over two rounds: four distinct pairs, all 100 us.
  const results::GroupNode a = gnode("a", "a", {0}), b = gnode("b", "b", {1}), c = gnode("c", "c", {2}), d = gnode("d", "d", {3});
  const check::Inputs in = make_inputs({observation(RecordBuilder("allreduce", kM, 2, 100).pair(0, 0, a, d)),
                                        observation(RecordBuilder("allreduce", kM, 2, 100).pair(0, 1, b, c)),
                                        observation(RecordBuilder("allreduce", kM, 2, 100).pair(1, 0, a, c)),
                                        observation(RecordBuilder("allreduce", kM, 2, 100).pair(1, 1, b, d))},
                                       1, 4);
  const check::Expectation e = check::build_baseline(in, "").expectations.at(0);
  EXPECT_EQ(e.key.scope, "pair");
  EXPECT_EQ(e.samples, 4);
  EXPECT_EQ(e.groups, 4);
  EXPECT_EQ(e.runs, 1);
  EXPECT_DOUBLE_EQ(e.peer_ratio.max, 1.0);
}

TEST(BuildBaseline, SkippedAndUntimedRecordsAreLeftOut) {
  const check::Inputs in = make_inputs({observation(RecordBuilder("allreduce", kM, 8, 100)),
                                        observation(RecordBuilder("allgather", 8, 8, 0).untimed().status("skipped", "0 elements")),
                                        observation(RecordBuilder("alltoall", 8, 8, 0).untimed())});
  const check::Baseline b = check::build_baseline(in, "");
  ASSERT_EQ(b.expectations.size(), 1u);
  EXPECT_EQ(b.expectations[0].key.collective, "allreduce");
}

// ---------------------------------------------------------------- refusals

TEST(BuildBaseline, RefusesARunThatDidNotFinish) {
  check::Inputs in = three_runs();
  in.sources[1].run_failures.push_back("'run1.json': the run stopped before it finished (status \"running\")");
  const std::string msg = error_of([&] { check::build_baseline(in, ""); });
  EXPECT_HAS(msg, "'run1.json': the run stopped before it finished");
  EXPECT_HAS(msg, "a baseline needs known-good runs that finished");
}

TEST(BuildBaseline, RefusesAFailedOrTimedOutCase) {
  for (const std::string status : {"failed", "timeout"}) {
    const check::Inputs in = make_inputs({observation(RecordBuilder("allreduce", kM, 8, 100)),
                                          observation(RecordBuilder("allreduce", 4 * kM, 8, 0).untimed().status(status, "killed by signal 9"),
                                                      0, 0, "store/results.jsonl:7")});
    const std::string msg = error_of([&] { check::build_baseline(in, ""); });
    EXPECT_HAS(msg, "store/results.jsonl:7: allreduce 4M float sum out_of_place (8 ranks) is " + status);
    EXPECT_HAS(msg, "(killed by signal 9)");
    EXPECT_HAS(msg, "known-good");
  }
}

TEST(BuildBaseline, RefusesWrongResults) {
  const check::Inputs in = make_inputs({observation(RecordBuilder("allreduce", kM, 8, 100).wrong(3).status("ok"))});
  const std::string msg = error_of([&] { check::build_baseline(in, ""); });
  EXPECT_HAS(msg, "run0.json: allreduce 1M float sum out_of_place (8 ranks) has 3 wrong elements");
  // A record whose status says wrong is refused as well.
  const check::Inputs in2 = make_inputs({observation(RecordBuilder("allreduce", kM, 8, 100).wrong(3))});
  EXPECT_HAS(error_of([&] { check::build_baseline(in2, ""); }), "has 3 wrong elements; a baseline needs known-good runs");
}

TEST(BuildBaseline, RefusesInputsWithNothingMeasured) {
  const check::Inputs in = make_inputs({observation(RecordBuilder("allgather", 8, 8, 0).untimed().status("skipped", "too small"))});
  EXPECT_HAS(error_of([&] { check::build_baseline(in, ""); }), "'run0.json': no measured case");
}

// ---------------------------------------------------------------- the file

void expect_same(const check::Baseline& a, const check::Baseline& b) {
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.tool_version, b.tool_version);
  EXPECT_EQ(a.backend, b.backend);
  EXPECT_EQ(a.config, b.config);
  EXPECT_EQ(a.sources, b.sources);
  ASSERT_EQ(a.expectations.size(), b.expectations.size());
  auto same = [](const check::Spread& x, const check::Spread& y, const std::string& what) {
    EXPECT_EQ(x.median, y.median) << what;
    EXPECT_EQ(x.min, y.min) << what;
    EXPECT_EQ(x.max, y.max) << what;
  };
  for (std::size_t i = 0; i < a.expectations.size(); ++i) {
    const check::Expectation& x = a.expectations[i];
    const check::Expectation& y = b.expectations[i];
    EXPECT_EQ(x.key, y.key) << x.key.describe() << " vs " << y.key.describe();
    EXPECT_EQ(x.samples, y.samples);
    EXPECT_EQ(x.runs, y.runs);
    EXPECT_EQ(x.groups, y.groups);
    same(x.busbw_gbps, y.busbw_gbps, "busbw");
    same(x.time_us, y.time_us, "time");
    same(x.p99_us, y.p99_us, "p99");
    same(x.cv, y.cv, "cv");
    same(x.peer_ratio, y.peer_ratio, "peer_ratio");
    EXPECT_EQ(x.ci_rel, y.ci_rel);
    EXPECT_EQ(x.slow_spread(), y.slow_spread());
  }
}

check::Baseline rich_baseline() {
  check::Inputs in = three_runs();
  const double t[] = {50, 51, 52, 70};
  for (int i = 0; i < 4; ++i)
    in.obs.push_back(observation(RecordBuilder("allreduce", kM, 2, t[i]).ci_half(0.5).node("n" + std::to_string(i), "n" + std::to_string(i), {2 * i, 2 * i + 1}),
                                 0, 0, "run0.json"));
  in.obs.push_back(observation(RecordBuilder("allreduce", kM, 8, 90).placement("in_place"), 0, 0, "run0.json"));
  return check::build_baseline(in, "");
}

TEST(BaselineFile, RoundTrip) {
  const check::Baseline b = rich_baseline();
  ASSERT_EQ(b.expectations.size(), 4u);
  const json j = check::baseline_json(b);
  EXPECT_EQ(j["schema"], "collbench.baseline");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["expectations"].size(), 4u);
  const check::Baseline back = check::parse_baseline(j, "base.json");
  EXPECT_EQ(back.path, "base.json");
  expect_same(b, back);
  EXPECT_EQ(check::baseline_json(back), j);

  // Through a file, as written and read by the commands.
  TempFile f("baseline.json", j.dump(1));
  const check::Baseline from_file = check::read_baseline_file(f.path());
  EXPECT_EQ(from_file.path, f.path());
  expect_same(b, from_file);
  // The per-node expectation keeps its peer ratio; the world ones write none.
  for (std::size_t i = 0; i < j["expectations"].size(); ++i)
    EXPECT_EQ(j["expectations"][i].contains("peer_ratio"), j["expectations"][i]["scope"] == "node") << i;
  EXPECT_NE(b.find(b.expectations[2].key), nullptr);
}

TEST(BaselineFile, FindMissesOtherCases) {
  const check::Baseline b = rich_baseline();
  check::CaseKey k = b.expectations[0].key;
  k.nranks = 16;
  EXPECT_EQ(b.find(k), nullptr);
  k = b.expectations[0].key;
  k.scope = "pair";
  EXPECT_EQ(b.find(k), nullptr);
}

// A valid baseline's JSON, to break one field at a time.
json valid() { return check::baseline_json(rich_baseline()); }

std::string parse_error(const json& j) {
  return error_of([&] { check::parse_baseline(j, "base.json"); });
}

TEST(BaselineFileErrors, MissingField) {
  json j = valid();
  j["expectations"][1].erase("samples");
  EXPECT_HAS(parse_error(j), "base.json: expectations[1].samples: expected this field (missing)");
  j = valid();
  j["expectations"][0]["time_us"].erase("max");
  EXPECT_HAS(parse_error(j), "base.json: expectations[0].time_us.max: expected this field (missing)");
  j = valid();
  j.erase("backend");
  EXPECT_HAS(parse_error(j), "base.json: backend: expected this field (missing)");
  j = valid();
  j.erase("expectations");
  EXPECT_HAS(parse_error(j), "base.json: expectations: expected this field (missing)");
}

TEST(BaselineFileErrors, WrongType) {
  json j = valid();
  j["expectations"][0]["nranks"] = "8";
  EXPECT_HAS(parse_error(j), "base.json: expectations[0].nranks: expected an integer");
  j = valid();
  j["expectations"][0]["busbw_gbps"] = 12.5;
  EXPECT_HAS(parse_error(j), "base.json: expectations[0].busbw_gbps: expected an object");
  j = valid();
  j["expectations"][0]["cv"]["median"] = "low";
  EXPECT_HAS(parse_error(j), "base.json: expectations[0].cv.median: expected a number");
  j = valid();
  j["expectations"][0]["bytes"] = -1;
  EXPECT_HAS(parse_error(j), "base.json: expectations[0].bytes: expected a size");
  j = valid();
  j["sources"] = "run0.json";
  EXPECT_HAS(parse_error(j), "base.json: sources: expected an array of strings");
  j = valid();
  j["expectations"][2]["collective"] = 5;
  EXPECT_HAS(parse_error(j), "base.json: expectations[2].collective: expected a string");
  j = valid();
  j["expectations"][0]["runs"] = 0;
  EXPECT_HAS(parse_error(j), "base.json: expectations[0].runs: expected a positive integer");
}

TEST(BaselineFileErrors, SpreadOutOfOrder) {
  json j = valid();
  j["expectations"][0]["time_us"]["min"] = 1e6;
  EXPECT_HAS(parse_error(j), "base.json: expectations[0].time_us: expected 0 <= min <= median <= max");
  j = valid();
  j["expectations"][0]["p99_us"]["max"] = 0.5;
  EXPECT_HAS(parse_error(j), "base.json: expectations[0].p99_us: expected 0 <= min <= median <= max");
  j = valid();
  j["expectations"][0]["time_us"] = {{"median", 0}, {"min", 0}, {"max", 0}};
  EXPECT_HAS(parse_error(j), "base.json: expectations[0].time_us.median: expected a positive time");
}

TEST(BaselineFileErrors, DuplicateCase) {
  json j = valid();
  j["expectations"].push_back(j["expectations"][0]);
  const std::string msg = parse_error(j);
  EXPECT_HAS(msg, "base.json: expectations: expected one expectation per case");
  EXPECT_HAS(msg, "appears twice");
}

TEST(BaselineFileErrors, BadScope) {
  json j = valid();
  j["expectations"][0]["scope"] = "rack";
  EXPECT_HAS(parse_error(j), "base.json: expectations[0].scope: expected \"world\", \"node\" or \"pair\"");
}

TEST(BaselineFileErrors, EmptyExpectations) {
  json j = valid();
  j["expectations"] = json::array();
  EXPECT_HAS(parse_error(j), "base.json: expectations: expected a non-empty array");
  j["expectations"] = json::object();
  EXPECT_HAS(parse_error(j), "base.json: expectations: expected a non-empty array");
}

TEST(BaselineFileErrors, WrongSchemaOrVersion) {
  json j = valid();
  j["schema"] = "collbench.run";
  EXPECT_HAS(parse_error(j), "base.json: schema: expected \"collbench.baseline\"");
  j = valid();
  j["version"] = 2;
  EXPECT_HAS(parse_error(j), "base.json: version: expected 1 to 1");
  EXPECT_HAS(parse_error(json::array()), "base.json: (top level): expected a JSON object");
}

TEST(BaselineFileErrors, UnreadableFiles) {
  TempFile f("b.json", "{\"schema\": ");
  const std::string msg = error_of([&] { check::read_baseline_file(f.path()); });
  EXPECT_HAS(msg, "'" + f.path() + "': expected a baseline file in JSON");
  json j = valid();
  j["expectations"][0]["scope"] = "rack";
  TempFile g("b2.json", j.dump());
  EXPECT_HAS(error_of([&] { check::read_baseline_file(g.path()); }), g.path() + ": expectations[0].scope");
}

}  // namespace

#include "check/evaluate.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "check_fixture.hpp"
#include "check/rules.hpp"

namespace {

using namespace checktest;
using nlohmann::json;
using cb::core::ExitCode;

constexpr std::uint64_t kM = 1u << 20;

// The baseline's case: allreduce 1M on 8 ranks, 100 us, CI [99, 101], p99 120, cv 0.02.
RecordBuilder base() { return RecordBuilder("allreduce", kM, 8, 100).ci_half(1); }

check::Verdict run(const check::Inputs& in, const check::Baseline* b, const check::RuleSet& rules = {},
                   const check::ExpectFile* expect = nullptr) {
  check::CheckOptions opt;
  opt.baseline = b;
  opt.expect = expect;
  opt.rules = rules;
  check::Verdict v = check::evaluate(in, opt);
  expect_consistent(v);
  return v;
}

// One run of one record against a baseline of `e`.
check::Verdict run_one(const results::ResultRecord& r, const check::Expectation& e, const check::RuleSet& rules = {}) {
  const check::Baseline b = make_baseline({e});
  return run(make_inputs({observation(r)}), &b, rules);
}

check::RuleSet rules_json(const std::string& text) { return check::parse_rules(json::parse(text), "rules.json"); }

check::RuleSet not_noise_aware() {
  return rules_json(R"({"schema": "collbench.rules", "version": 1, "defaults": {"noise_aware": false}})");
}

int code(const check::Verdict& v) { return static_cast<int>(v.code); }

// ---------------------------------------------------------------- against the baseline

TEST(Evaluate, ACaseEqualToTheBaselinePassesEveryRule) {
  const results::ResultRecord r = base();
  const check::Verdict v = run_one(r, expectation_like(r));
  EXPECT_EQ(code(v), 0);
  EXPECT_EQ(v.verdict(), "PASS");
  EXPECT_EQ(v.passed, 5);
  EXPECT_EQ(v.failed + v.errors + v.skipped, 0);
  for (const char* rule : {"wrong", "busbw", "p99", "cv", "present"}) {
    const check::Item& it = only_item(v, rule);
    EXPECT_EQ(it.status, "pass") << rule;
    EXPECT_TRUE(it.message.empty()) << rule << ": " << it.message;
    EXPECT_EQ(it.suite, "allreduce");
    EXPECT_EQ(it.classname, "collbench.check.allreduce");
  }
  const check::Item& bw = only_item(v, "busbw");
  EXPECT_EQ(bw.name, "busbw 1M float sum out_of_place 8r");
  EXPECT_EQ(bw.unit, "GB/s");
  EXPECT_DOUBLE_EQ(*bw.measured, r.busbw_gbps);
  EXPECT_DOUBLE_EQ(*bw.reference, r.busbw_gbps);
  EXPECT_DOUBLE_EQ(*bw.limit, r.busbw_gbps * 0.95);
  EXPECT_EQ(bw.where, "run0.json");
  EXPECT_DOUBLE_EQ(*only_item(v, "p99").limit, 180);
  EXPECT_DOUBLE_EQ(*only_item(v, "cv").limit, 0.10);
  EXPECT_TRUE(v.run_failures.empty());
  EXPECT_TRUE(v.named.empty());
  EXPECT_HAS(v.headline(), "PASS: 5 checks, 5 passed, 0 failed, 0 errors, 0 skipped");
}

TEST(Evaluate, BusbwTwentyPercentLowFailsAndNamesTheStraggler) {
  const check::Expectation e = expectation_like(base());
  const results::ResultRecord r = base().time(125).p99(120).straggler(5, "node-b", 80, 2);
  const check::Verdict v = run_one(r, e);
  EXPECT_EQ(code(v), 1);
  EXPECT_EQ(v.verdict(), "FAIL");
  EXPECT_EQ(v.failed, 1);
  const check::Item& bw = only_item(v, "busbw");
  EXPECT_EQ(bw.status, "fail");
  EXPECT_HAS(bw.message, "allreduce 1M float sum out_of_place (8 ranks): busbw");
  EXPECT_HAS(bw.message, "20.0% below the baseline's");
  EXPECT_HAS(bw.message, "(-5.0%)");
  EXPECT_HAS(bw.message, "straggler rank 5 on host node-b");
  EXPECT_HAS(bw.message, "80.0 us per iteration vs 2.0 us");
  EXPECT_EQ(only_item(v, "p99").status, "pass");
  EXPECT_EQ(only_item(v, "cv").status, "pass");
  ASSERT_EQ(v.named.size(), 1u);
  EXPECT_EQ(v.named[0], "rank 5 on host node-b: the straggler in 1 failing case");
  EXPECT_HAS(v.headline(), "suspect: rank 5 on host node-b");

  // Without a straggler nobody is named.
  const check::Verdict plain = run_one(base().time(125).p99(120), e);
  EXPECT_EQ(only_item(plain, "busbw").status, "fail");
  EXPECT_LACKS(only_item(plain, "busbw").message, "straggler");
  EXPECT_TRUE(plain.named.empty());
}

TEST(Evaluate, AStragglerOfAPassingCaseIsNotBlamed) {
  const check::Verdict v = run_one(base().straggler(3, "h3"), expectation_like(base()));
  EXPECT_EQ(code(v), 0);
  EXPECT_TRUE(v.named.empty());
}

TEST(Evaluate, NoiseAwareUsesTheLowEndOfTheMediansCI) {
  const check::Expectation e = expectation_like(base());  // limit: 100 / 0.95 = 105.26 us
  // 7% slower, but the CI reaches below the limit: passes.
  const check::Verdict within = run_one(base().time(107).ci(104, 110).p99(120), e);
  EXPECT_EQ(only_item(within, "busbw").status, "pass");
  EXPECT_EQ(code(within), 0);
  // 7% slower and the whole CI beyond the limit: fails.
  const check::Verdict beyond = run_one(base().time(107).ci(106, 108).p99(120), e);
  EXPECT_EQ(only_item(beyond, "busbw").status, "fail");
  EXPECT_EQ(code(beyond), 1);
  // Without noise-awareness the median alone decides.
  const check::Verdict strict = run_one(base().time(107).ci(104, 110).p99(120), e, not_noise_aware());
  EXPECT_EQ(only_item(strict, "busbw").status, "fail");
  // 4% slower passes either way.
  EXPECT_EQ(only_item(run_one(base().time(104).ci(104, 104).p99(120), e, not_noise_aware()), "busbw").status, "pass");
}

TEST(Evaluate, TheLimitWidensToTheBaselinesSlowSpread) {
  check::Expectation e = expectation_like(base());
  e.time_us.max = 125;  // a known-good run was 20% slower: slow_spread 0.2
  e.busbw_gbps.min = busbw_of("allreduce", kM, 8, 125);
  ASSERT_DOUBLE_EQ(e.slow_spread(), 0.2);
  const check::Verdict v = run_one(base().time(120).p99(120), e);
  const check::Item& ok = only_item(v, "busbw");
  EXPECT_EQ(ok.status, "pass");
  EXPECT_DOUBLE_EQ(*ok.limit, e.busbw_gbps.median * 0.8);

  const check::Verdict slow = run_one(base().time(130).p99(120), e);
  const check::Item& bad = only_item(slow, "busbw");
  EXPECT_EQ(bad.status, "fail");
  EXPECT_HAS(bad.message, "(-20.0%, widened to the baseline's own spread)");

  const check::Verdict strict = run_one(base().time(120).p99(120), e, not_noise_aware());
  EXPECT_EQ(only_item(strict, "busbw").status, "fail");
  EXPECT_HAS(only_item(strict, "busbw").message, "(-5.0%)");
  EXPECT_LACKS(only_item(strict, "busbw").message, "widened");
}

TEST(Evaluate, ALargerBusbwDropFromTheRulesIsNotWidened) {
  check::Expectation e = expectation_like(base());
  e.time_us.max = 110;  // slow_spread 0.09 < 0.3
  const check::RuleSet rules = rules_json(R"({"schema": "collbench.rules", "version": 1, "defaults": {"busbw_drop": 0.3}})");
  EXPECT_EQ(only_item(run_one(base().time(140).p99(120), e, rules), "busbw").status, "pass");
  const check::Verdict v = run_one(base().time(150).p99(120), e, rules);
  EXPECT_EQ(only_item(v, "busbw").status, "fail");
  EXPECT_HAS(only_item(v, "busbw").message, "(-30.0%)");
}

TEST(Evaluate, WithoutBandwidthTheMedianTimeIsCompared) {
  check::Expectation e = expectation_like(base().busbw(0));
  const check::Verdict v = run_one(base().busbw(0).time(130).p99(120), e);
  const check::Item& it = only_item(v, "time");
  EXPECT_EQ(it.status, "fail");
  EXPECT_EQ(it.unit, "us");
  EXPECT_DOUBLE_EQ(*it.measured, 130);
  EXPECT_DOUBLE_EQ(*it.reference, 100);
  EXPECT_HAS(it.message, "median time 130 us is 1.30x the baseline's 100 us");
  EXPECT_TRUE(items_of(v, "busbw").empty());
}

TEST(Evaluate, P99RuleAndItsWidening) {
  check::Expectation e = expectation_like(base());  // p99 median = max = 120
  const check::Verdict v = run_one(base().p99(200), e);
  const check::Item& it = only_item(v, "p99");
  EXPECT_EQ(it.status, "fail");
  EXPECT_DOUBLE_EQ(*it.limit, 180);
  EXPECT_DOUBLE_EQ(*it.measured, 200);
  EXPECT_DOUBLE_EQ(*it.reference, 120);
  EXPECT_HAS(it.message, "p99 200 us is 1.67x the baseline's 120 us; the limit is 1.50x");
  EXPECT_EQ(code(v), 1);
  EXPECT_EQ(only_item(v, "busbw").status, "pass");
  EXPECT_EQ(only_item(run_one(base().p99(179), e), "p99").status, "pass");

  e.p99_us.max = 240;  // known-good p99 reached 2x its median
  const check::Verdict wide = run_one(base().p99(200), e);
  EXPECT_EQ(only_item(wide, "p99").status, "pass");
  EXPECT_DOUBLE_EQ(*only_item(wide, "p99").limit, 240);
  EXPECT_EQ(only_item(run_one(base().p99(250), e), "p99").status, "fail");
  EXPECT_EQ(only_item(run_one(base().p99(200), e, not_noise_aware()), "p99").status, "fail");
}

TEST(Evaluate, CvRuleAgainstTheBaselinesCvMax) {
  check::Expectation e = expectation_like(base());  // cv.max 0.02
  const check::Verdict v = run_one(base().cv(0.15), e);
  const check::Item& it = only_item(v, "cv");
  EXPECT_EQ(it.status, "fail");
  EXPECT_DOUBLE_EQ(*it.limit, 0.10);
  EXPECT_DOUBLE_EQ(*it.reference, 0.02);
  EXPECT_HAS(it.message, "CV 0.150 > 0.100");
  EXPECT_EQ(only_item(run_one(base().cv(0.08), e), "cv").status, "pass");

  e.cv.max = 0.2;
  EXPECT_EQ(only_item(run_one(base().cv(0.15), e), "cv").status, "pass");
  EXPECT_DOUBLE_EQ(*only_item(run_one(base().cv(0.15), e), "cv").limit, 0.2);
  EXPECT_EQ(only_item(run_one(base().cv(0.25), e), "cv").status, "fail");
  EXPECT_EQ(only_item(run_one(base().cv(0.15), e, not_noise_aware()), "cv").status, "fail");
}

TEST(Evaluate, DisabledRulesMakeNoItems) {
  const check::RuleSet rules = rules_json(
      R"({"schema": "collbench.rules", "version": 1, "defaults": {"busbw_drop": null, "p99_ratio": null, "cv_max": null}})");
  const check::Verdict v = run_one(base().time(300).p99(900).cv(0.9), expectation_like(base()), rules);
  EXPECT_TRUE(items_of(v, "busbw").empty());
  EXPECT_TRUE(items_of(v, "p99").empty());
  EXPECT_TRUE(items_of(v, "cv").empty());
  EXPECT_EQ(code(v), 0);
}

// ---------------------------------------------------------------- correctness

TEST(Evaluate, WrongResultsFailAndNameTheRanksAndHosts) {
  const results::ResultRecord r = base().wrong(12).rank(0, "node-a", 0).rank(3, "node-b", 7).rank(4, "node-c", -1).rank(6, "node-d", 5);
  const check::Verdict v = run_one(r, expectation_like(base()));
  EXPECT_EQ(code(v), 1);
  const check::Item& it = only_item(v, "wrong");
  EXPECT_EQ(it.status, "fail");
  EXPECT_DOUBLE_EQ(*it.measured, 12);
  EXPECT_DOUBLE_EQ(*it.limit, 0);
  EXPECT_HAS(it.message, "allreduce 1M float sum out_of_place (8 ranks): 12 wrong elements");
  EXPECT_HAS(it.message, "wrong on rank 3 on host node-b (7 elements), rank 6 on host node-d (5 elements)");
  EXPECT_LACKS(it.message, "rank 0");
  EXPECT_LACKS(it.message, "rank 4");
  // Timing rules still apply; the case is measured.
  EXPECT_EQ(only_item(v, "busbw").status, "pass");
  EXPECT_EQ(only_item(v, "present").status, "pass");
  ASSERT_EQ(v.named.size(), 2u);
  EXPECT_EQ(v.named[0], "rank 3 on host node-b: wrong elements in 1 case");
  EXPECT_EQ(v.named[1], "rank 6 on host node-d: wrong elements in 1 case");
}

TEST(Evaluate, WrongRanksAreCountedOverCases) {
  const results::ResultRecord a = base().wrong(1).rank(2, "h", 1);
  const results::ResultRecord b2 = RecordBuilder("allreduce", 4 * kM, 8, 300).wrong(1).rank(2, "h", 1).rank(5, "g", 1);
  const check::Baseline b = make_baseline({expectation_like(base()), expectation_like(RecordBuilder("allreduce", 4 * kM, 8, 300))});
  const check::Verdict v = run(make_inputs({observation(a), observation(b2)}), &b);
  EXPECT_EQ(items_of(v, "wrong", "fail").size(), 2u);
  ASSERT_EQ(v.named.size(), 2u);
  EXPECT_EQ(v.named[0], "rank 2 on host h: wrong elements in 2 cases");
  EXPECT_EQ(v.named[1], "rank 5 on host g: wrong elements in 1 case");
}

TEST(Evaluate, UncheckedResultsFailUnlessVerificationIsNotRequired) {
  const check::Expectation e = expectation_like(base());
  const check::Verdict v = run_one(base().unchecked(), e);
  const check::Item& it = only_item(v, "wrong");
  EXPECT_EQ(it.status, "fail");
  EXPECT_HAS(it.message, "results were not verified (run with --check 1)");
  EXPECT_EQ(code(v), 1);

  const check::RuleSet lax = rules_json(R"({"schema": "collbench.rules", "version": 1, "defaults": {"require_verified": false}})");
  const check::Verdict s = run_one(base().unchecked(), e, lax);
  EXPECT_EQ(only_item(s, "wrong").status, "skipped");
  EXPECT_EQ(s.skipped, 1);
  EXPECT_EQ(s.failed, 0);
  EXPECT_EQ(code(s), 0);
}

// ---------------------------------------------------------------- failed runs

TEST(Evaluate, FailedOrTimedOutCasesAreErrorsAndTheRunFailed) {
  for (const std::string status : {"timeout", "failed"}) {
    const results::ResultRecord r = base().untimed().status(status, "ran past --timeout 30 s");
    const check::Verdict v = run_one(r, expectation_like(base()));
    EXPECT_EQ(code(v), static_cast<int>(ExitCode::run_failed)) << status;
    EXPECT_EQ(code(v), 3);
    EXPECT_EQ(v.verdict(), "RUN FAILED");
    const check::Item& it = only_item(v, "run");
    EXPECT_EQ(it.status, "error");
    const std::string said = status == "timeout" ? "timed out" : "failed";
    EXPECT_HAS(it.message, "run0.json: allreduce 1M float sum out_of_place (8 ranks) " + said + ": ran past --timeout 30 s");
    ASSERT_FALSE(v.run_failures.empty());
    EXPECT_HAS(v.run_failures[0], "run0.json: allreduce 1M float sum out_of_place (8 ranks) " + said);
    // The baseline's case was not measured: an error, not a failure.
    EXPECT_EQ(only_item(v, "present").status, "error");
    EXPECT_EQ(v.errors, 2);
    EXPECT_EQ(v.failed, 0);
  }
}

TEST(Evaluate, SkippedCasesAreSkipped) {
  const check::Baseline b = make_baseline({expectation_like(base())});
  const check::Verdict v =
      run(make_inputs({observation(base()), observation(RecordBuilder("allgather", 8, 8, 0).untimed().status("skipped", "0 elements"))}), &b);
  const check::Item& it = only_item(v, "run");
  EXPECT_EQ(it.status, "skipped");
  EXPECT_HAS(it.message, "was skipped: 0 elements");
  EXPECT_EQ(code(v), 0);
}

TEST(Evaluate, ASkippedCaseTheBaselineNamesIsNotPresent) {
  const check::Baseline b = make_baseline({expectation_like(base())});
  const check::Verdict v = run(make_inputs({observation(base().untimed().status("skipped", "no algorithm"))}), &b);
  EXPECT_EQ(only_item(v, "run").status, "skipped");
  EXPECT_EQ(only_item(v, "present").status, "fail");
  EXPECT_EQ(code(v), 1);
}

// Baseline: allreduce 64K, 1M and 4M (out of place), 64K and 1M in place.
check::Baseline sizes_baseline() {
  std::vector<check::Expectation> ex;
  for (const std::uint64_t bytes : std::vector<std::uint64_t>{64u << 10, kM, 4 * kM}) {
    ex.push_back(expectation_like(RecordBuilder("allreduce", bytes, 8, 100)));
    if (bytes < 4 * kM) ex.push_back(expectation_like(RecordBuilder("allreduce", bytes, 8, 100).placement("in_place")));
  }
  return make_baseline(ex);
}

TEST(Evaluate, ARunThatStoppedMakesMissingCasesErrorsAndNamesTheFirst) {
  const check::Baseline b = sizes_baseline();
  check::Inputs in = make_inputs({observation(RecordBuilder("allreduce", 64 << 10, 8, 100)),
                                  observation(RecordBuilder("allreduce", 64 << 10, 8, 100).placement("in_place"))});
  in.sources[0].run_failures.push_back("'run0.json': the run stopped before it finished");
  const check::Verdict v = run(in, &b);
  EXPECT_EQ(code(v), 3);
  ASSERT_EQ(v.run_failures.size(), 1u);
  EXPECT_EQ(v.run_failures[0],
            "'run0.json': the run stopped before it finished; first case not measured: allreduce 1M float sum out_of_place (8 ranks)");
  EXPECT_EQ(items_of(v, "present", "error").size(), 3u);
  EXPECT_EQ(items_of(v, "present", "pass").size(), 2u);
  for (const check::Item* it : items_of(v, "present", "error")) {
    EXPECT_HAS(it->message, "expected by the baseline but not measured (the run stopped before it)");
    EXPECT_LACKS(it->message, "--per-node");
  }
  EXPECT_EQ(v.failed, 0);
  EXPECT_HAS(v.headline(), "RUN FAILED");
  EXPECT_HAS(v.headline(), "first case not measured: allreduce 1M");
}

TEST(Evaluate, FirstCaseNotMeasuredFollowsTheRunOrderOfCollectives) {
  // collbench runs collectives in the order given (allreduce before allgather for --coll all),
  // then sizes, then placements. This run stopped after allreduce 1M.
  const check::Baseline b = make_baseline({expectation_like(RecordBuilder("allreduce", kM, 8, 100)),
                                           expectation_like(RecordBuilder("allreduce", 4 * kM, 8, 300)),
                                           expectation_like(RecordBuilder("allgather", kM, 8, 100)),
                                           expectation_like(RecordBuilder("allgather", 4 * kM, 8, 300))});
  check::Inputs in = make_inputs({observation(RecordBuilder("allreduce", kM, 8, 100))});
  in.sources[0].run_failures.push_back("'run0.json': the run stopped before it finished");
  const check::Verdict v = run(in, &b);
  ASSERT_EQ(v.run_failures.size(), 1u);
  EXPECT_HAS(v.run_failures[0], "first case not measured: allreduce 4M float sum out_of_place (8 ranks)");
}

TEST(Evaluate, AMissingCaseWithoutARunFailureFails) {
  const check::Baseline b = sizes_baseline();
  const check::Verdict v = run(make_inputs({observation(RecordBuilder("allreduce", 64 << 10, 8, 100)),
                                            observation(RecordBuilder("allreduce", 64 << 10, 8, 100).placement("in_place")),
                                            observation(RecordBuilder("allreduce", kM, 8, 100).placement("in_place")),
                                            observation(RecordBuilder("allreduce", kM, 8, 100))}),
                               &b);
  EXPECT_EQ(code(v), 1);
  EXPECT_TRUE(v.run_failures.empty());
  const std::vector<const check::Item*> missing = items_of(v, "present", "fail");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0]->message, "allreduce 4M float sum out_of_place (8 ranks): expected by the baseline but not measured");
  EXPECT_EQ(missing[0]->name, "present 4M float sum out_of_place 8r");
  EXPECT_EQ(v.errors, 0);
}

TEST(Evaluate, AMissingPerNodeCaseSuggestsPerNode) {
  const results::ResultRecord node = RecordBuilder("allreduce", kM, 2, 100).node("h0", "h0", {0, 1});
  const check::Baseline b = make_baseline({expectation_like(base()), expectation_like(node)});
  const check::Verdict v = run(make_inputs({observation(base())}), &b);
  const std::vector<const check::Item*> missing = items_of(v, "present", "fail");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_HAS(missing[0]->message, "per node: expected by the baseline but not measured; run with --per-node");
  EXPECT_EQ(missing[0]->suite, "allreduce per node");
  EXPECT_EQ(missing[0]->classname, "collbench.check.allreduce.node");
  EXPECT_EQ(code(v), 1);
}

// ---------------------------------------------------------------- what can be checked

TEST(Evaluate, ABaselineOfAnotherJobSizeIsBadInput) {
  const check::Baseline b = make_baseline({expectation_like(RecordBuilder("allreduce", kM, 16, 100))});
  const std::string msg = error_of([&] { run(make_inputs({observation(base())}), &b); });
  EXPECT_HAS(msg, "--baseline 'base.json': its expectations are for 16 ranks, the results have 8");
}

TEST(Evaluate, ABaselineOfAnotherBackendIsBadInput) {
  check::Baseline b = make_baseline({expectation_like(base())});
  b.backend = "nccl";
  const std::string msg = error_of([&] { run(make_inputs({observation(base())}), &b); });
  EXPECT_HAS(msg, "--baseline 'base.json': measured with backend 'nccl', the results with 'mpi'");
}

TEST(Evaluate, NothingToCheckAgainstIsBadInput) {
  const check::Inputs in = make_inputs({observation(base())});
  EXPECT_HAS(error_of([&] { run(in, nullptr); }), "expected --baseline FILE, --expect FILE or --model TOPOLOGY");
}

TEST(Evaluate, PerNodeOrPairsRequiredButAbsentIsBadInput) {
  const check::Inputs in = make_inputs({observation(base())});
  check::CheckOptions opt;
  opt.require_per_node = true;
  EXPECT_HAS(error_of([&] { check::evaluate(in, opt); }), "--per-node: the results hold no per-node measurements");
  check::CheckOptions pairs;
  pairs.require_pairs = true;
  EXPECT_HAS(error_of([&] { check::evaluate(in, pairs); }), "--pairs: the results hold no pair measurements");
  // With a baseline too.
  const check::Baseline b = make_baseline({expectation_like(base())});
  opt.baseline = &b;
  EXPECT_HAS(error_of([&] { check::evaluate(in, opt); }), "--per-node");
}

// ---------------------------------------------------------------- per node

std::vector<check::Observation> four_nodes(double slow_time, int slow_node = 2) {
  std::vector<check::Observation> obs;
  for (int i = 0; i < 4; ++i) {
    const double t = i == slow_node ? slow_time : 100;
    obs.push_back(observation(
        RecordBuilder("allreduce", kM, 2, t).ci_half(1).node("h" + std::to_string(i), "h" + std::to_string(i), {2 * i, 2 * i + 1})));
  }
  return obs;
}

TEST(Evaluate, PerNodeFindsTheSlowNode) {
  check::CheckOptions opt;
  opt.require_per_node = true;
  const check::Verdict v = check::evaluate(make_inputs(four_nodes(300)), opt);
  expect_consistent(v);
  EXPECT_EQ(code(v), 1);
  const std::vector<const check::Item*> peers = items_of(v, "peer");
  ASSERT_EQ(peers.size(), 4u);
  const std::vector<const check::Item*> slow = items_of(v, "peer", "fail");
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_EQ(slow[0]->group, "node h2 (ranks 4-5)");
  EXPECT_EQ(slow[0]->name, "peer 1M float sum out_of_place 2r [node h2 (ranks 4-5)]");
  EXPECT_EQ(slow[0]->suite, "allreduce per node");
  EXPECT_HAS(slow[0]->message, "node h2 (ranks 4-5) took 300 us, 3.00x the median of the other 3 nodes (100 us)");
  EXPECT_DOUBLE_EQ(*slow[0]->measured, 3.0);
  EXPECT_DOUBLE_EQ(*slow[0]->limit, 1.1);
  ASSERT_FALSE(v.named.empty());
  EXPECT_HAS(v.named[0], "node h2 (host h2, ranks 4-5)");
  ASSERT_EQ(v.localization.suspects.size(), 1u);
  EXPECT_EQ(v.localization.suspects[0].node, "h2");
}

// Under srun the run records each host's Slurm node name: the verdict gives it, to drain it by.
TEST(Evaluate, TheSlowNodeIsNamedAsSlurmNamesIt) {
  check::CheckOptions opt;
  opt.require_per_node = true;
  check::Inputs in = make_inputs(four_nodes(300));
  in.sources[0].hosts = {{"h0", {0, 1}, "rack1-n00"}, {"h1", {2, 3}, "rack1-n01"}, {"h2", {4, 5}, "rack1-n02"}, {"h3", {6, 7}, "h3"}};
  const check::Verdict v = check::evaluate(in, opt);
  ASSERT_EQ(v.localization.suspects.size(), 1u);
  EXPECT_EQ(v.localization.suspects[0].slurm_node, "rack1-n02");
  ASSERT_FALSE(v.named.empty());
  EXPECT_HAS(v.named[0], "node h2 (host h2, Slurm node rack1-n02, ranks 4-5)");
}

TEST(Evaluate, PeerSlowdownWidensToTheBaselinesPeerRatio) {
  const std::vector<check::Observation> obs = four_nodes(130);
  check::Expectation e = expectation_like(obs[0].rec);
  e.groups = 4;
  e.peer_ratio = {1.0, 1.0, 1.5};  // known-good nodes already differed by 50%
  const check::Baseline b = make_baseline({e});
  check::CheckOptions opt;
  opt.baseline = &b;
  opt.require_per_node = true;
  check::Verdict v = check::evaluate(make_inputs(obs), opt);
  expect_consistent(v);
  EXPECT_TRUE(items_of(v, "peer", "fail").empty());
  for (const check::Item* it : items_of(v, "peer")) EXPECT_DOUBLE_EQ(*it->limit, 1.5);
  // The slow node's own busbw is still compared with the baseline.
  EXPECT_EQ(items_of(v, "busbw", "fail").size(), 1u);

  check::CheckOptions strict = opt;
  strict.rules = not_noise_aware();
  v = check::evaluate(make_inputs(obs), strict);
  EXPECT_EQ(items_of(v, "peer", "fail").size(), 1u);
}

// ---------------------------------------------------------------- absolute expectations

check::ExpectFile expect_file(const std::string& items) {
  return check::parse_expect(json::parse(R"({"schema": "collbench.expect", "version": 1, "expect": )" + items + "}"), "expect.json");
}

TEST(Evaluate, AbsoluteExpectationsPassAndFail) {
  const check::Inputs in = make_inputs({observation(base())});  // busbw 18.35 GB/s, 100 us, p99 120, cv 0.02
  const check::ExpectFile good = expect_file(
      R"([{"collective": "allreduce", "bytes": "1M", "min_busbw_gbps": 15, "max_time_us": 150, "max_p99_us": 130, "max_cv": 0.05}])");
  const check::Verdict ok = run(in, nullptr, {}, &good);
  EXPECT_EQ(code(ok), 0);
  for (const char* rule : {"expect_busbw", "expect_time", "expect_p99", "expect_cv"}) EXPECT_EQ(only_item(ok, rule).status, "pass") << rule;
  EXPECT_TRUE(items_of(ok, "busbw").empty());  // no baseline
  EXPECT_TRUE(items_of(ok, "present").empty());

  const check::ExpectFile bad = expect_file(
      R"([{"collective": "allreduce", "bytes": "1M", "min_busbw_gbps": 20, "max_time_us": 90, "max_p99_us": 100, "max_cv": 0.01}])");
  const check::Verdict v = run(in, nullptr, {}, &bad);
  EXPECT_EQ(code(v), 1);
  EXPECT_EQ(v.failed, 4);
  const check::Item& bw = only_item(v, "expect_busbw");
  EXPECT_EQ(bw.status, "fail");
  EXPECT_EQ(bw.unit, "GB/s");
  EXPECT_DOUBLE_EQ(*bw.limit, 20);
  EXPECT_HAS(bw.message, "busbw 18.35 GB/s is below the expected 20 GB/s (expect.json: expect[0])");
  EXPECT_HAS(only_item(v, "expect_time").message, "median time 100 us is above the expected 90 us");
  EXPECT_HAS(only_item(v, "expect_p99").message, "p99 120 us is above the expected 100 us");
  EXPECT_HAS(only_item(v, "expect_cv").message, "CV 0.020 is above the expected 0.010");
}

TEST(Evaluate, AbsoluteExpectationsAreNoiseAware) {
  const check::Inputs in = make_inputs({observation(base())});  // CI [99, 101]
  const check::ExpectFile f = expect_file(R"([{"bytes": "1M", "max_time_us": 99.5, "min_busbw_gbps": 18.5}])");
  const check::Verdict v = run(in, nullptr, {}, &f);
  EXPECT_EQ(only_item(v, "expect_time").status, "pass");
  EXPECT_EQ(only_item(v, "expect_busbw").status, "pass");  // 18.35 x 100 / 99 = 18.54
  const check::Verdict strict = run(in, nullptr, not_noise_aware(), &f);
  EXPECT_EQ(only_item(strict, "expect_time").status, "fail");
  EXPECT_EQ(only_item(strict, "expect_busbw").status, "fail");
}

TEST(Evaluate, AnExpectationNoCaseMatchesFailsAsNotPresent) {
  const check::Inputs in = make_inputs({observation(base())});
  const check::ExpectFile f = expect_file(R"([{"collective": "allreduce", "min_busbw_gbps": 1},
                                              {"collective": "allgather", "bytes": "1M", "min_busbw_gbps": 1}])");
  const check::Verdict v = run(in, nullptr, {}, &f);
  EXPECT_EQ(code(v), 1);
  const check::Item& it = only_item(v, "present");
  EXPECT_EQ(it.status, "fail");
  EXPECT_EQ(it.name, "present allgather 1M");
  EXPECT_EQ(it.message, "expect.json: expect[1]: no measured case matches allgather 1M");
  EXPECT_EQ(only_item(v, "expect_busbw").status, "pass");

  // When the run stopped, it is an error.
  check::Inputs stopped = in;
  stopped.sources[0].run_failures.push_back("'run0.json': the run stopped before it finished");
  const check::Verdict s = run(stopped, nullptr, {}, &f);
  EXPECT_EQ(only_item(s, "present").status, "error");
  EXPECT_EQ(code(s), 3);
}

TEST(Evaluate, BaselineAndExpectationsTogether) {
  const check::Baseline b = make_baseline({expectation_like(base())});
  const check::ExpectFile f = expect_file(R"([{"collective": "allreduce", "min_busbw_gbps": 100}])");
  const check::Verdict v = run(make_inputs({observation(base())}), &b, {}, &f);
  EXPECT_EQ(only_item(v, "busbw").status, "pass");
  EXPECT_EQ(only_item(v, "expect_busbw").status, "fail");
  EXPECT_EQ(code(v), 1);
}

// ---------------------------------------------------------------- several runs

TEST(Evaluate, SeveralRunsNameTheirInput) {
  const check::Baseline b = make_baseline({expectation_like(base())});
  const check::Verdict v = run(make_inputs({observation(base(), 0), observation(base().time(200).p99(120), 1)}, 2), &b);
  EXPECT_EQ(code(v), 1);
  const std::vector<const check::Item*> bw = items_of(v, "busbw");
  ASSERT_EQ(bw.size(), 2u);
  EXPECT_EQ(bw[0]->name, "busbw 1M float sum out_of_place 8r (run0.json)");
  EXPECT_EQ(bw[0]->status, "pass");
  EXPECT_EQ(bw[1]->name, "busbw 1M float sum out_of_place 8r (run1.json)");
  EXPECT_EQ(bw[1]->status, "fail");
  EXPECT_EQ(bw[1]->where, "run1.json");
  EXPECT_EQ(only_item(v, "present").status, "pass");
}

TEST(Evaluate, CountsMatchItems) {
  // A mix: pass, fail, error, skipped.
  const check::Baseline b = sizes_baseline();
  const check::RuleSet lax = rules_json(R"({"schema": "collbench.rules", "version": 1, "defaults": {"require_verified": false}})");
  const check::Verdict v = run(make_inputs({observation(RecordBuilder("allreduce", 64 << 10, 8, 100)),
                                            observation(RecordBuilder("allreduce", 64 << 10, 8, 100).placement("in_place").unchecked()),
                                            observation(RecordBuilder("allreduce", kM, 8, 300)),
                                            observation(RecordBuilder("allreduce", kM, 8, 0).placement("in_place").untimed().status("timeout"))}),
                               &b, lax);
  EXPECT_GT(v.passed, 0);
  EXPECT_GT(v.failed, 0);
  EXPECT_GT(v.errors, 0);
  EXPECT_EQ(v.skipped, 1);
  EXPECT_EQ(v.passed + v.failed + v.errors + v.skipped, static_cast<int>(v.items.size()));
  EXPECT_EQ(code(v), 3);
  EXPECT_HAS(v.headline(), "RUN FAILED: " + std::to_string(v.items.size()) + " checks");
}

}  // namespace

TEST(Evaluate, AStragglerIsCountedOncePerCaseNotPerFailingRule) {
  const check::Expectation e = expectation_like(base());
  // busbw and p99 both fail in this one case: the straggler is blamed in both messages, counted once.
  const check::Verdict v = run_one(base().time(200).p99(1000).straggler(3, "node-c", 90, 1), e);
  EXPECT_EQ(only_item(v, "busbw").status, "fail");
  EXPECT_EQ(only_item(v, "p99").status, "fail");
  EXPECT_HAS(only_item(v, "p99").message, "straggler rank 3 on host node-c");
  ASSERT_EQ(v.named.size(), 1u);
  EXPECT_EQ(v.named[0], "rank 3 on host node-c: the straggler in 1 failing case");
}

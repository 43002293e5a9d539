#include "check/rules.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "check_fixture.hpp"

namespace {

using namespace checktest;
using nlohmann::json;

check::CaseKey key(const std::string& coll, std::uint64_t bytes, const std::string& scope = "world") {
  check::CaseKey k;
  k.collective = coll;
  k.datatype = "float";
  k.op = op_of(coll);
  k.placement = "out_of_place";
  k.nranks = 8;
  k.bytes = bytes;
  k.scope = scope;
  return k;
}

check::RuleSet rules(const std::string& text, const std::string& file = "rules.json") {
  return check::parse_rules(json::parse(text), file);
}

std::string rules_error(const std::string& text) {
  return error_of([&] { rules(text); });
}

std::string expect_error(const std::string& text) {
  return error_of([&] { check::parse_expect(json::parse(text), "expect.json"); });
}

check::ExpectFile expect(const std::string& text) { return check::parse_expect(json::parse(text), "expect.json"); }

// ---------------------------------------------------------------- defaults

TEST(Rules, BuiltInDefaults) {
  const check::Limits l;
  ASSERT_TRUE(l.busbw_drop && l.p99_ratio && l.cv_max && l.peer_slowdown);
  EXPECT_DOUBLE_EQ(*l.busbw_drop, 0.05);
  EXPECT_DOUBLE_EQ(*l.p99_ratio, 1.5);
  EXPECT_DOUBLE_EQ(*l.cv_max, 0.10);
  EXPECT_DOUBLE_EQ(*l.peer_slowdown, 0.10);
  EXPECT_TRUE(l.noise_aware);
  EXPECT_TRUE(l.require_verified);

  const check::RuleSet r;
  EXPECT_EQ(r.source, "built-in defaults");
  const check::Limits c = r.for_case(key("allreduce", 1 << 20));
  EXPECT_DOUBLE_EQ(*c.busbw_drop, 0.05);
  EXPECT_DOUBLE_EQ(*c.p99_ratio, 1.5);
}

TEST(Rules, MinimalFileKeepsTheDefaults) {
  const check::RuleSet r = rules(R"({"schema": "collbench.rules", "version": 1})");
  EXPECT_EQ(r.source, "rules.json");
  EXPECT_TRUE(r.overrides.empty());
  const check::Limits c = r.for_case(key("allgather", 8));
  EXPECT_DOUBLE_EQ(*c.busbw_drop, 0.05);
  EXPECT_DOUBLE_EQ(*c.cv_max, 0.10);
  EXPECT_TRUE(c.noise_aware);
}

TEST(Rules, DefaultsInTheFileReplaceTheBuiltIns) {
  const check::RuleSet r = rules(R"({"schema": "collbench.rules", "version": 1, "description": "site rules",
    "defaults": {"busbw_drop": 0.1, "p99_ratio": 2, "cv_max": null, "noise_aware": false, "require_verified": false}})");
  const check::Limits c = r.for_case(key("allreduce", 1024));
  EXPECT_DOUBLE_EQ(*c.busbw_drop, 0.1);
  EXPECT_DOUBLE_EQ(*c.p99_ratio, 2.0);
  EXPECT_FALSE(c.cv_max.has_value());
  ASSERT_TRUE(c.peer_slowdown.has_value());
  EXPECT_DOUBLE_EQ(*c.peer_slowdown, 0.10);
  EXPECT_FALSE(c.noise_aware);
  EXPECT_FALSE(c.require_verified);
}

// ---------------------------------------------------------------- overrides

TEST(Rules, OverridesMatchByCollectiveScopeAndSize) {
  const check::RuleSet r = rules(R"({"schema": "collbench.rules", "version": 1, "overrides": [
    {"collective": "allreduce", "busbw_drop": 0.2},
    {"scope": "node", "peer_slowdown": 0.3},
    {"min_bytes": "1M", "max_bytes": "4M", "cv_max": 0.5},
    {"collective": "alltoall", "scope": "pair", "min_bytes": 1024, "p99_ratio": 3}
  ]})");
  ASSERT_EQ(r.overrides.size(), 4u);
  EXPECT_EQ(r.overrides[0].where, "rules.json: overrides[0]");
  EXPECT_EQ(r.overrides[2].min_bytes, 1u << 20);
  EXPECT_EQ(r.overrides[2].max_bytes, 4u << 20);
  EXPECT_EQ(r.overrides[1].max_bytes, std::numeric_limits<std::uint64_t>::max());

  const check::Limits ar = r.for_case(key("allreduce", 1024));
  EXPECT_DOUBLE_EQ(*ar.busbw_drop, 0.2);
  EXPECT_DOUBLE_EQ(*ar.peer_slowdown, 0.10);
  EXPECT_DOUBLE_EQ(*ar.cv_max, 0.10);
  const check::Limits ag = r.for_case(key("allgather", 1024));
  EXPECT_DOUBLE_EQ(*ag.busbw_drop, 0.05);

  EXPECT_DOUBLE_EQ(*r.for_case(key("allgather", 1024, "node")).peer_slowdown, 0.3);
  EXPECT_DOUBLE_EQ(*r.for_case(key("allgather", 1024, "pair")).peer_slowdown, 0.10);

  // Sizes are inclusive at both ends.
  EXPECT_DOUBLE_EQ(*r.for_case(key("allgather", (1u << 20) - 1)).cv_max, 0.10);
  EXPECT_DOUBLE_EQ(*r.for_case(key("allgather", 1u << 20)).cv_max, 0.5);
  EXPECT_DOUBLE_EQ(*r.for_case(key("allgather", 4u << 20)).cv_max, 0.5);
  EXPECT_DOUBLE_EQ(*r.for_case(key("allgather", (4u << 20) + 1)).cv_max, 0.10);

  // Every condition of an override must hold.
  EXPECT_DOUBLE_EQ(*r.for_case(key("alltoall", 2048, "pair")).p99_ratio, 3.0);
  EXPECT_DOUBLE_EQ(*r.for_case(key("alltoall", 512, "pair")).p99_ratio, 1.5);
  EXPECT_DOUBLE_EQ(*r.for_case(key("alltoall", 2048, "world")).p99_ratio, 1.5);
  EXPECT_DOUBLE_EQ(*r.for_case(key("allgather", 2048, "pair")).p99_ratio, 1.5);
}

TEST(Rules, MatchingOverridesApplyInFileOrderTheLastWins) {
  const check::RuleSet r = rules(R"({"schema": "collbench.rules", "version": 1,
    "defaults": {"busbw_drop": 0.08},
    "overrides": [
      {"collective": "*", "busbw_drop": 0.1, "cv_max": 0.3},
      {"collective": "allreduce", "max_bytes": "64K", "busbw_drop": 0.25},
      {"scope": "*", "min_bytes": "1G", "busbw_drop": 0.01}
  ]})");
  EXPECT_DOUBLE_EQ(*r.for_case(key("allreduce", 1024)).busbw_drop, 0.25);
  EXPECT_DOUBLE_EQ(*r.for_case(key("allreduce", 1024)).cv_max, 0.3);  // set by the first, kept
  EXPECT_DOUBLE_EQ(*r.for_case(key("allreduce", 1u << 20)).busbw_drop, 0.1);
  EXPECT_DOUBLE_EQ(*r.for_case(key("allgather", 1024)).busbw_drop, 0.1);
  EXPECT_DOUBLE_EQ(*r.for_case(key("allgather", 1u << 30)).busbw_drop, 0.01);
}

TEST(Rules, NullDisablesARuleAndALaterOverrideCanEnableIt) {
  const check::RuleSet r = rules(R"({"schema": "collbench.rules", "version": 1, "overrides": [
    {"collective": "broadcast", "busbw_drop": null, "p99_ratio": null, "cv_max": null, "peer_slowdown": null},
    {"collective": "broadcast", "min_bytes": "1M", "cv_max": 0.2}
  ]})");
  const check::Limits small = r.for_case(key("broadcast", 1024));
  EXPECT_FALSE(small.busbw_drop.has_value());
  EXPECT_FALSE(small.p99_ratio.has_value());
  EXPECT_FALSE(small.cv_max.has_value());
  EXPECT_FALSE(small.peer_slowdown.has_value());
  const check::Limits big = r.for_case(key("broadcast", 1u << 20));
  EXPECT_FALSE(big.busbw_drop.has_value());
  ASSERT_TRUE(big.cv_max.has_value());
  EXPECT_DOUBLE_EQ(*big.cv_max, 0.2);
  EXPECT_TRUE(r.for_case(key("allreduce", 1024)).busbw_drop.has_value());
}

TEST(Rules, CollectiveNamesAreCanonical) {
  const check::RuleSet r = rules(R"({"schema": "collbench.rules", "version": 1, "overrides": [
    {"collective": "allreduce", "busbw_drop": 0.3}]})");
  EXPECT_EQ(r.overrides[0].collective, "allreduce");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "overrides": [{"collective": "allreduse"}]})"),
             "rules.json: overrides[0].collective: expected one collective name");
  // A list is not one collective.
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "overrides": [{"collective": "all"}]})"),
             "overrides[0].collective");
}

TEST(Rules, CollectiveAliasesAreNormalised) {
  // nccl-tests' spelling ("all_reduce") is read as collbench's ("allreduce").
  const check::RuleSet r = rules(R"({"schema": "collbench.rules", "version": 1, "overrides": [
      {"collective": "all_reduce", "busbw_drop": 0.3}]})");
  ASSERT_EQ(r.overrides.size(), 1u);
  EXPECT_EQ(r.overrides[0].collective, "allreduce");
  EXPECT_DOUBLE_EQ(*r.for_case(key("allreduce", 1024)).busbw_drop, 0.3);
}

// ---------------------------------------------------------------- malformed rules files

TEST(RulesErrors, WrongSchema) {
  EXPECT_HAS(rules_error(R"({"schema": "collbench.expect", "version": 1})"), "rules.json: schema: expected \"collbench.rules\"");
  EXPECT_HAS(rules_error(R"({"version": 1})"), "rules.json: schema");
  EXPECT_HAS(rules_error(R"([1, 2])"), "rules.json: (top level): expected a JSON object");
}

TEST(RulesErrors, VersionMissingOrTooNew) {
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules"})"), "rules.json: version: expected this field (missing)");
  const std::string msg = rules_error(R"({"schema": "collbench.rules", "version": 2})");
  EXPECT_HAS(msg, "rules.json: version: expected 1 to 1");
  EXPECT_HAS(msg, "got 2");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 0})"), "rules.json: version");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": "1"})"), "rules.json: version: expected an integer");
}

TEST(RulesErrors, UnknownKeys) {
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "default": {}})"), "rules.json: default: expected one of");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "defaults": {"busbw_dorp": 0.1}})"),
             "rules.json: defaults.busbw_dorp: expected a known field");
  // The selectors belong to overrides only.
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "defaults": {"collective": "allreduce"}})"),
             "rules.json: defaults.collective: expected a known field");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "overrides": [{}, {"p99": 2}]})"),
             "rules.json: overrides[1].p99: expected a known field");
}

TEST(RulesErrors, WrongTypes) {
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "defaults": {"busbw_drop": "5%"}})"),
             "rules.json: defaults.busbw_drop: expected a number");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "defaults": {"noise_aware": 1}})"),
             "rules.json: defaults.noise_aware: expected true or false");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "overrides": [{"require_verified": "yes"}]})"),
             "rules.json: overrides[0].require_verified: expected true or false");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "defaults": []})"),
             "rules.json: defaults: expected an object");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "overrides": {}})"),
             "rules.json: overrides: expected an array");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "overrides": [3]})"),
             "rules.json: overrides[0]: expected an object");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "overrides": [{"collective": 3}]})"),
             "rules.json: overrides[0].collective: expected a string");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "overrides": [{"min_bytes": true}]})"),
             "rules.json: overrides[0].min_bytes: expected a size");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "overrides": [{"max_bytes": -5}]})"),
             "rules.json: overrides[0].max_bytes: expected a size");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "overrides": [{"max_bytes": "lots"}]})"),
             "rules.json:");
}

TEST(RulesErrors, OutOfRangeValues) {
  auto defaults = [](const std::string& field, const std::string& value) {
    return rules_error(R"({"schema": "collbench.rules", "version": 1, "defaults": {")" + field + "\": " + value + "}}");
  };
  EXPECT_HAS(defaults("busbw_drop", "1"), "rules.json: defaults.busbw_drop: expected a fraction in [0, 1)");
  EXPECT_HAS(defaults("busbw_drop", "1.5"), "defaults.busbw_drop");
  EXPECT_HAS(defaults("busbw_drop", "-0.1"), "defaults.busbw_drop");
  EXPECT_HAS(defaults("p99_ratio", "0.99"), "rules.json: defaults.p99_ratio: expected a ratio of at least 1");
  EXPECT_HAS(defaults("cv_max", "0"), "rules.json: defaults.cv_max: expected a positive");
  EXPECT_HAS(defaults("peer_slowdown", "-1"), "rules.json: defaults.peer_slowdown: expected a positive");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "overrides": [{"collective": "allreduce"}, {"busbw_drop": 1}]})"),
             "rules.json: overrides[1].busbw_drop: expected a fraction");
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "overrides": [{"min_bytes": "4M", "max_bytes": "1M"}]})"),
             "rules.json: overrides[0]: expected min_bytes <= max_bytes");
  // The edges that are allowed.
  EXPECT_NO_THROW(rules(R"({"schema": "collbench.rules", "version": 1, "defaults": {"busbw_drop": 0, "p99_ratio": 1}})"));
}

TEST(RulesErrors, BadScope) {
  EXPECT_HAS(rules_error(R"({"schema": "collbench.rules", "version": 1, "overrides": [{"scope": "rack"}]})"),
             "rules.json: overrides[0].scope: expected \"world\", \"node\", \"pair\" or \"*\"");
}

TEST(RulesErrors, FilesNameThemselves) {
  {
    TempFile f("site-rules.json", R"({"schema": "collbench.rules", "version": 1, "defaults": {"p99_ratio": 0.5}})");
    const std::string msg = error_of([&] { check::read_rules_file(f.path()); });
    EXPECT_HAS(msg, f.path() + ": defaults.p99_ratio");
  }
  {
    TempFile f("broken.json", R"({"schema": "collbench.rules", "version": 1,)");
    const std::string msg = error_of([&] { check::read_rules_file(f.path()); });
    EXPECT_HAS(msg, "'" + f.path() + "'");
    EXPECT_HAS(msg, "does not parse");
  }
  const std::string missing = error_of([] { check::read_rules_file("/nonexistent/dir/rules.json"); });
  EXPECT_HAS(missing, "'/nonexistent/dir/rules.json': cannot open");
  TempFile good("ok.json", R"({"schema": "collbench.rules", "version": 1, "overrides": [{"busbw_drop": 0.5}]})");
  const check::RuleSet r = check::read_rules_file(good.path());
  EXPECT_EQ(r.source, good.path());
  EXPECT_EQ(r.overrides[0].where, good.path() + ": overrides[0]");
  EXPECT_DOUBLE_EQ(*r.for_case(key("reduce", 8)).busbw_drop, 0.5);
}

// ---------------------------------------------------------------- expectation files

TEST(Expect, ParsesThresholdsAndSelectors) {
  const check::ExpectFile f = expect(R"({"schema": "collbench.expect", "version": 1, "expect": [
    {"collective": "allreduce", "bytes": "16G", "min_busbw_gbps": 460, "description": "H100 NVLink"},
    {"collective": "allgather", "datatype": "half", "op": "none", "placement": "in_place", "scope": "node",
     "nranks": 8, "min_bytes": 8, "max_bytes": "1K", "max_time_us": 20, "max_p99_us": 40, "max_cv": 0.2}
  ]})");
  EXPECT_EQ(f.source, "expect.json");
  ASSERT_EQ(f.items.size(), 2u);
  const check::AbsoluteExpectation& a = f.items[0];
  EXPECT_EQ(a.where, "expect.json: expect[0]");
  EXPECT_EQ(a.collective, "allreduce");
  EXPECT_EQ(a.datatype, "*");
  EXPECT_EQ(a.scope, "world");
  EXPECT_EQ(a.nranks, 0);
  EXPECT_EQ(a.min_bytes, 16ull << 30);
  EXPECT_EQ(a.max_bytes, 16ull << 30);
  ASSERT_TRUE(a.min_busbw_gbps);
  EXPECT_DOUBLE_EQ(*a.min_busbw_gbps, 460);
  EXPECT_FALSE(a.max_time_us || a.max_p99_us || a.max_cv);
  const check::AbsoluteExpectation& b = f.items[1];
  EXPECT_EQ(b.where, "expect.json: expect[1]");
  EXPECT_EQ(b.datatype, "half");
  EXPECT_EQ(b.placement, "in_place");
  EXPECT_EQ(b.scope, "node");
  EXPECT_EQ(b.nranks, 8);
  EXPECT_EQ(b.min_bytes, 8u);
  EXPECT_EQ(b.max_bytes, 1024u);
  EXPECT_DOUBLE_EQ(*b.max_time_us, 20);
  EXPECT_DOUBLE_EQ(*b.max_p99_us, 40);
  EXPECT_DOUBLE_EQ(*b.max_cv, 0.2);
}

TEST(Expect, Matches) {
  const check::ExpectFile f = expect(R"({"schema": "collbench.expect", "version": 1, "expect": [
    {"collective": "allreduce", "bytes": "1M", "min_busbw_gbps": 1},
    {"min_bytes": "1K", "max_bytes": "1M", "datatype": "float", "nranks": 8, "max_cv": 0.5},
    {"collective": "allreduce", "scope": "node", "max_cv": 0.5},
    {"placement": "in_place", "max_cv": 0.5}
  ]})");
  const check::AbsoluteExpectation& exact = f.items[0];
  EXPECT_TRUE(exact.matches(key("allreduce", 1u << 20)));
  EXPECT_FALSE(exact.matches(key("allreduce", 1u << 19)));
  EXPECT_FALSE(exact.matches(key("allgather", 1u << 20)));
  EXPECT_FALSE(exact.matches(key("allreduce", 1u << 20, "node")));  // scope defaults to world

  const check::AbsoluteExpectation& range = f.items[1];
  EXPECT_TRUE(range.matches(key("allgather", 1024)));
  EXPECT_TRUE(range.matches(key("alltoall", 1u << 20)));
  EXPECT_FALSE(range.matches(key("alltoall", 1023)));
  EXPECT_FALSE(range.matches(key("alltoall", (1u << 20) + 1)));
  check::CaseKey half = key("allgather", 4096);
  half.datatype = "half";
  EXPECT_FALSE(range.matches(half));
  check::CaseKey sixteen = key("allgather", 4096);
  sixteen.nranks = 16;
  EXPECT_FALSE(range.matches(sixteen));

  EXPECT_TRUE(f.items[2].matches(key("allreduce", 8, "node")));
  EXPECT_FALSE(f.items[2].matches(key("allreduce", 8, "world")));
  EXPECT_FALSE(f.items[2].matches(key("allreduce", 8, "pair")));

  check::CaseKey in = key("allreduce", 8);
  in.placement = "in_place";
  EXPECT_TRUE(f.items[3].matches(in));
  EXPECT_FALSE(f.items[3].matches(key("allreduce", 8)));
}

TEST(Expect, Describe) {
  const check::ExpectFile f = expect(R"({"schema": "collbench.expect", "version": 1, "expect": [
    {"collective": "allreduce", "bytes": "16G", "min_busbw_gbps": 1},
    {"collective": "allreduce", "min_bytes": 8, "max_bytes": "1K", "max_cv": 1},
    {"max_cv": 1},
    {"collective": "allgather", "min_bytes": "1M", "datatype": "half", "placement": "in_place", "nranks": 8,
     "scope": "pair", "max_cv": 1},
    {"collective": "reduce", "max_bytes": "64K", "scope": "node", "max_cv": 1}
  ]})");
  EXPECT_EQ(f.items[0].describe(), "allreduce 16G");
  EXPECT_EQ(f.items[1].describe(), "allreduce 8..1K");
  EXPECT_EQ(f.items[2].describe(), "every collective");
  EXPECT_EQ(f.items[3].describe(), "allgather 1M.. half in_place (8 ranks) per pair");
  EXPECT_EQ(f.items[4].describe(), "reduce 1..64K per node");
}

TEST(ExpectErrors, BytesOrARangeNotBoth) {
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [
    {"bytes": "1M", "min_bytes": "1K", "max_cv": 1}]})"),
             "expect.json: expect[0]: expected either bytes or min_bytes/max_bytes, not both");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [
    {"max_cv": 1}, {"bytes": 8, "max_bytes": 8, "max_cv": 1}]})"),
             "expect.json: expect[1]: expected either bytes");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [
    {"min_bytes": "1M", "max_bytes": "1K", "max_cv": 1}]})"),
             "expect.json: expect[0]: expected min_bytes <= max_bytes");
}

TEST(ExpectErrors, AtLeastOneThreshold) {
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [{"collective": "allreduce"}]})"),
             "expect.json: expect[0]: expected at least one threshold");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [{"min_busbw_gbps": 0}]})"),
             "expect.json: expect[0].min_busbw_gbps: expected a positive number");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [{"max_time_us": "fast"}]})"),
             "expect.json: expect[0].max_time_us: expected a number");
}

TEST(ExpectErrors, Placement) {
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [{"placement": "inplace", "max_cv": 1}]})"),
             "expect.json: expect[0].placement: expected \"out_of_place\", \"in_place\" or \"*\"");
  EXPECT_NO_THROW(expect(R"({"schema": "collbench.expect", "version": 1, "expect": [
    {"placement": "*", "max_cv": 1}, {"placement": "out_of_place", "max_cv": 1}, {"placement": "in_place", "max_cv": 1}]})"));
}

TEST(ExpectErrors, FieldsAndTypes) {
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [{"min_busbw": 5}]})"),
             "expect.json: expect[0].min_busbw: expected a known field");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [{"scope": "*", "max_cv": 1}]})"),
             "expect.json: expect[0].scope: expected \"world\", \"node\" or \"pair\"");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [{"nranks": 0, "max_cv": 1}]})"),
             "expect.json: expect[0].nranks: expected a positive integer");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [{"nranks": 2.5, "max_cv": 1}]})"),
             "expect.json: expect[0].nranks: expected an integer");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [{"collective": "gather", "max_cv": 1}]})"),
             "expect.json: expect[0].collective");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [{"datatype": 4, "max_cv": 1}]})"),
             "expect.json: expect[0].datatype: expected a string");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": ["allreduce"]})"),
             "expect.json: expect[0]: expected an object");
}

// Issue 23: a name no record can have matched nothing and passed in silence; a misspelt top-level
// key was ignored; 4294967298 ranks read as 2.
TEST(ExpectErrors, NamesKeysAndRanges) {
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [{"datatype": "bogus", "max_cv": 1}]})"),
             "expect.json: expect[0].datatype: expected a data type");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [{"op": "add", "max_cv": 1}]})"),
             "expect.json: expect[0].op: expected an op");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [{"max_cv": 1}], "expects": []})"),
             "expect.json: expects: expected one of schema, version, description, expect");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": [{"nranks": 4294967298, "max_cv": 1}]})"),
             "expect.json: expect[0].nranks: expected an integer from -2147483648 to 2147483647, got 4294967298");
  EXPECT_EQ(expect(R"({"schema": "collbench.expect", "version": 1, "expect": [{"datatype": "fp32", "max_cv": 1}]})")
                .items.at(0).datatype,
            "float");  // as records spell it
}

TEST(ExpectErrors, TopLevel) {
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1})"), "expect.json: expect: expected this field (missing)");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 1, "expect": []})"),
             "expect.json: expect: expected a non-empty array");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.rules", "version": 1, "expect": [{"max_cv": 1}]})"),
             "expect.json: schema: expected \"collbench.expect\"");
  EXPECT_HAS(expect_error(R"({"schema": "collbench.expect", "version": 7, "expect": [{"max_cv": 1}]})"),
             "expect.json: version: expected 1 to 1");
}

TEST(ExpectErrors, FilesNameThemselves) {
  TempFile bad("exp.json", R"({"schema": "collbench.expect", "version": 1, "expect": [{"max_cv": -1}]})");
  EXPECT_HAS(error_of([&] { check::read_expect_file(bad.path()); }), bad.path() + ": expect[0].max_cv");
  TempFile broken("exp2.json", "{not json");
  const std::string msg = error_of([&] { check::read_expect_file(broken.path()); });
  EXPECT_HAS(msg, "'" + broken.path() + "'");
  EXPECT_HAS(msg, "does not parse");
  TempFile good("exp3.json", R"({"schema": "collbench.expect", "version": 1, "expect": [{"max_cv": 1}]})");
  const check::ExpectFile f = check::read_expect_file(good.path());
  EXPECT_EQ(f.source, good.path());
  EXPECT_EQ(f.items[0].where, good.path() + ": expect[0]");
}

}  // namespace

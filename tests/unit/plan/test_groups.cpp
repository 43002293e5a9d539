#include "plan/groups.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "unit/test_support.hpp"

namespace {

namespace plan = collbench::plan;
namespace core = collbench::core;

using testsupport::error_of;


// `n` nodes of `per` ranks each, on hosts h0, h1, …
std::vector<plan::Node> nodes_of(int n, int per = 2) {
  std::vector<std::string> hosts;
  for (int i = 0; i < n; ++i)
    for (int r = 0; r < per; ++r) hosts.push_back("h" + std::to_string(i));
  return plan::split_nodes(hosts, 0);
}

// ---------------------------------------------------------------- split_nodes

TEST(SplitNodes, ByHostInOrderOfFirstRank) {
  const std::vector<plan::Node> nodes = plan::split_nodes({"b", "b", "a", "a", "c"}, 0);
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].label, "b");
  EXPECT_EQ(nodes[0].host, "b");
  EXPECT_EQ(nodes[0].ranks, (std::vector<int>{0, 1}));
  EXPECT_EQ(nodes[1].label, "a");
  EXPECT_EQ(nodes[1].ranks, (std::vector<int>{2, 3}));
  EXPECT_EQ(nodes[2].label, "c");
  EXPECT_EQ(nodes[2].ranks, (std::vector<int>{4}));
}

TEST(SplitNodes, ByHostGathersRanksThatAreNotConsecutive) {
  const std::vector<plan::Node> nodes = plan::split_nodes({"a", "b", "a", "b"}, 0);
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].ranks, (std::vector<int>{0, 2}));
  EXPECT_EQ(nodes[1].ranks, (std::vector<int>{1, 3}));
  EXPECT_EQ(nodes[0].label, "a");
}

TEST(SplitNodes, EmptyJobHasNoNodes) { EXPECT_TRUE(plan::split_nodes({}, 0).empty()); }

TEST(SplitNodes, RanksPerNodeSplitsAHostAndLabelsWithRanks) {
  const std::vector<plan::Node> nodes = plan::split_nodes({"vm", "vm", "vm", "vm"}, 2);
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].label, "vm:0-1");
  EXPECT_EQ(nodes[0].host, "vm");
  EXPECT_EQ(nodes[0].ranks, (std::vector<int>{0, 1}));
  EXPECT_EQ(nodes[1].label, "vm:2-3");
  EXPECT_EQ(nodes[1].ranks, (std::vector<int>{2, 3}));
}

TEST(SplitNodes, RanksPerNodeLabelsAHostWithOneNodeByItsName) {
  // a holds one node of 2 ranks, b two: "a", "b:2-3", "b:4-5".
  const std::vector<plan::Node> nodes = plan::split_nodes({"a", "a", "b", "b", "b", "b"}, 2);
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].label, "a");
  EXPECT_EQ(nodes[1].label, "b:2-3");
  EXPECT_EQ(nodes[2].label, "b:4-5");
  EXPECT_EQ(nodes[2].host, "b");
}

TEST(SplitNodes, RanksPerNodeOfOneLabelsSingleRanks) {
  const std::vector<plan::Node> nodes = plan::split_nodes({"vm", "vm", "vm"}, 1);
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[1].label, "vm:1");
  EXPECT_EQ(nodes[1].ranks, (std::vector<int>{1}));
}

TEST(SplitNodes, RanksPerNodeMustDivideTheJob) {
  const std::string msg = error_of([] { plan::split_nodes({"vm", "vm", "vm", "vm", "vm", "vm"}, 4); });
  EXPECT_HAS(msg, "--ranks-per-node 4");
  EXPECT_HAS(msg, "6 ranks");
}

TEST(SplitNodes, ANodeMustNotSpanTwoHosts) {
  const std::string msg = error_of([] { plan::split_nodes({"a", "a", "a", "b", "b", "b"}, 2); });
  EXPECT_HAS(msg, "--ranks-per-node 2");
  EXPECT_HAS(msg, "ranks 2 and 3");
  EXPECT_HAS(msg, "(a, b)");
}

TEST(SplitNodes, NegativeRanksPerNodeIsRejected) {
  EXPECT_HAS(error_of([] { plan::split_nodes({"a", "a"}, -1); }), "--ranks-per-node -1");
}

// ---------------------------------------------------------------- format_ranks

TEST(FormatRanks, RunsAndSingles) {
  EXPECT_EQ(plan::format_ranks({0, 1, 2, 3, 8, 10, 11}), "0-3,8,10-11");
  EXPECT_EQ(plan::format_ranks({5}), "5");
  EXPECT_EQ(plan::format_ranks({2, 3}), "2-3");
  EXPECT_EQ(plan::format_ranks({0, 2, 4}), "0,2,4");
  EXPECT_EQ(plan::format_ranks({}), "");
}

// ---------------------------------------------------------------- per_node_phase

TEST(PerNodePhase, OneGroupPerNode) {
  const std::vector<plan::Node> nodes = nodes_of(3, 2);
  const plan::GroupPhase p = plan::per_node_phase(nodes);
  EXPECT_EQ(p.kind, "node");
  EXPECT_EQ(p.round, 0);
  EXPECT_TRUE(p.idle.empty());
  EXPECT_EQ(p.groups, (std::vector<std::vector<int>>{{0}, {1}, {2}}));
  EXPECT_EQ(p.color_of(nodes, 6), (std::vector<int>{0, 0, 1, 1, 2, 2}));
}

TEST(PerNodePhase, ColorsFollowTheNodesRanks) {
  const std::vector<plan::Node> nodes = plan::split_nodes({"a", "b", "a", "b"}, 0);
  EXPECT_EQ(plan::per_node_phase(nodes).color_of(nodes, 4), (std::vector<int>{0, 1, 0, 1}));
}

// ---------------------------------------------------------------- pair_phases

// Every pair meets at most once, every node is in at most one group per round (idle otherwise).
void check_tournament(const std::vector<plan::GroupPhase>& phases, int n, std::map<std::pair<int, int>, int>& met,
                      std::map<int, int>& idle_count) {
  for (std::size_t r = 0; r < phases.size(); ++r) {
    const plan::GroupPhase& p = phases[r];
    EXPECT_EQ(p.kind, "pair");
    EXPECT_EQ(p.round, static_cast<int>(r));
    std::map<int, int> seen;
    for (const std::vector<int>& g : p.groups) {
      ASSERT_EQ(g.size(), 2u);
      EXPECT_LT(g[0], g[1]) << "round " << r;
      EXPECT_GE(g[0], 0);
      EXPECT_LT(g[1], n);
      ++met[{g[0], g[1]}];
      ++seen[g[0]];
      ++seen[g[1]];
    }
    for (int i : p.idle) {
      ++seen[i];
      ++idle_count[i];
    }
    for (int i = 0; i < n; ++i) EXPECT_EQ(seen[i], 1) << "node " << i << " in round " << r;
  }
}

TEST(PairPhases, FourNodesMeetEveryOtherExactlyOnceOverThreeRounds) {
  const std::vector<plan::Node> nodes = nodes_of(4);
  const std::vector<plan::GroupPhase> phases = plan::pair_phases(nodes, 0);
  ASSERT_EQ(phases.size(), 3u);
  std::map<std::pair<int, int>, int> met;
  std::map<int, int> idle;
  check_tournament(phases, 4, met, idle);
  EXPECT_TRUE(idle.empty());
  EXPECT_EQ(met.size(), 6u);
  for (int a = 0; a < 4; ++a)
    for (int b = a + 1; b < 4; ++b) EXPECT_EQ((met[{a, b}]), 1) << a << "-" << b;
  for (const plan::GroupPhase& p : phases) EXPECT_EQ(p.groups.size(), 2u);
}

TEST(PairPhases, FiveNodesSitOutOnceEachOverFiveRounds) {
  const std::vector<plan::Node> nodes = nodes_of(5);
  const std::vector<plan::GroupPhase> phases = plan::pair_phases(nodes, 0);
  ASSERT_EQ(phases.size(), 5u);
  std::map<std::pair<int, int>, int> met;
  std::map<int, int> idle;
  check_tournament(phases, 5, met, idle);
  for (const plan::GroupPhase& p : phases) {
    EXPECT_EQ(p.idle.size(), 1u);
    EXPECT_EQ(p.groups.size(), 2u);
  }
  for (int i = 0; i < 5; ++i) EXPECT_EQ(idle[i], 1) << "node " << i;
  EXPECT_EQ(met.size(), 10u);
  for (int a = 0; a < 5; ++a)
    for (int b = a + 1; b < 5; ++b) EXPECT_EQ((met[{a, b}]), 1) << a << "-" << b;
}

TEST(PairPhases, SixNodesFullTournament) {
  const std::vector<plan::GroupPhase> phases = plan::pair_phases(nodes_of(6, 1), 0);
  ASSERT_EQ(phases.size(), 5u);
  std::map<std::pair<int, int>, int> met;
  std::map<int, int> idle;
  check_tournament(phases, 6, met, idle);
  EXPECT_EQ(met.size(), 15u);
}

TEST(PairPhases, RoundsAreCapped) {
  const std::vector<plan::Node> four = nodes_of(4);
  EXPECT_EQ(plan::pair_phases(four, 1).size(), 1u);
  EXPECT_EQ(plan::pair_phases(four, 2).size(), 2u);
  EXPECT_EQ(plan::pair_phases(four, 3).size(), 3u);
  EXPECT_EQ(plan::pair_phases(four, 10).size(), 3u);
  EXPECT_EQ(plan::pair_phases(nodes_of(5), 99).size(), 5u);
  // The first rounds of a capped tournament are those of the full one.
  const std::vector<plan::GroupPhase> all = plan::pair_phases(four, 0);
  const std::vector<plan::GroupPhase> two = plan::pair_phases(four, 2);
  for (std::size_t r = 0; r < two.size(); ++r) EXPECT_EQ(two[r].groups, all[r].groups);
}

TEST(PairPhases, FewerThanTwoNodesGiveNoRounds) {
  EXPECT_TRUE(plan::pair_phases({}, 0).empty());
  EXPECT_TRUE(plan::pair_phases(nodes_of(1), 0).empty());
}

TEST(PairPhases, TwoNodesOneRound) {
  const std::vector<plan::GroupPhase> phases = plan::pair_phases(nodes_of(2), 0);
  ASSERT_EQ(phases.size(), 1u);
  EXPECT_EQ(phases[0].groups, (std::vector<std::vector<int>>{{0, 1}}));
  EXPECT_TRUE(phases[0].idle.empty());
}

TEST(PairPhases, ColorOfMapsRanksToGroupsAndIdleRanksToMinusOne) {
  const std::vector<plan::Node> nodes = nodes_of(5, 2);  // node i: ranks 2i, 2i+1
  const std::vector<plan::GroupPhase> phases = plan::pair_phases(nodes, 0);
  for (const plan::GroupPhase& p : phases) {
    const std::vector<int> color = p.color_of(nodes, 10);
    ASSERT_EQ(color.size(), 10u);
    for (std::size_t g = 0; g < p.groups.size(); ++g)
      for (int node : p.groups[g])
        for (int r : nodes[static_cast<std::size_t>(node)].ranks)
          EXPECT_EQ(color[static_cast<std::size_t>(r)], static_cast<int>(g)) << "round " << p.round << " rank " << r;
    ASSERT_EQ(p.idle.size(), 1u);
    for (int r : nodes[static_cast<std::size_t>(p.idle[0])].ranks)
      EXPECT_EQ(color[static_cast<std::size_t>(r)], -1) << "round " << p.round << " rank " << r;
    // Two ranks share a color exactly when their nodes share a group.
    std::set<int> colors(color.begin(), color.end());
    EXPECT_EQ(colors, (std::set<int>{-1, 0, 1}));
  }
}

TEST(PairPhases, ColorOfFourNodesFirstRound) {
  const std::vector<plan::Node> nodes = nodes_of(4, 1);
  const std::vector<plan::GroupPhase> phases = plan::pair_phases(nodes, 1);
  ASSERT_EQ(phases.size(), 1u);
  const std::vector<int> color = phases[0].color_of(nodes, 4);
  // Each group's two ranks share a color; the two groups differ.
  for (const std::vector<int>& g : phases[0].groups)
    EXPECT_EQ(color[static_cast<std::size_t>(g[0])], color[static_cast<std::size_t>(g[1])]);
  EXPECT_NE(color[static_cast<std::size_t>(phases[0].groups[0][0])], color[static_cast<std::size_t>(phases[0].groups[1][0])]);
  for (int c : color) EXPECT_NE(c, -1);
}

}  // namespace

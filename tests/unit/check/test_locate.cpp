#include "check/locate.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <map>
#include <string>
#include <vector>

#include "check_fixture.hpp"
#include "plan/groups.hpp"

namespace {

using namespace checktest;

constexpr std::uint64_t kM = 1u << 20;

check::Localization locate(const std::vector<check::Observation>& obs, double slowdown = 0.10, bool noise = true) {
  return check::locate(
      obs, [slowdown](const check::CaseKey&) { return slowdown; }, [noise](const check::CaseKey&) { return noise; });
}

std::string label(int i) { return "n" + std::to_string(i); }
std::string host(int i) { return "host" + std::to_string(i); }
std::vector<int> ranks(int i) { return {2 * i, 2 * i + 1}; }
results::GroupNode node(int i) { return gnode(label(i), host(i), ranks(i)); }

// Four nodes alone, each measuring allreduce 1M with the given median and CI half-width.
std::vector<check::Observation> per_node(const std::vector<double>& t, double half = 1, std::uint64_t bytes = kM) {
  std::vector<check::Observation> obs;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const int n = static_cast<int>(i);
    obs.push_back(observation(RecordBuilder("allreduce", bytes, 2, t[i]).ci_half(half).node(label(n), host(n), ranks(n)), 0, 0, "run.json"));
  }
  return obs;
}

// ---------------------------------------------------------------- per node

TEST(LocatePerNode, AThreeTimesSlowerNodeIsTheOnlySuspect) {
  const std::vector<check::Observation> obs = per_node({100, 100, 300, 100});
  const check::Localization loc = locate(obs);
  ASSERT_EQ(loc.comparisons.size(), 1u);
  const check::PeerComparison& c = loc.comparisons[0];
  EXPECT_EQ(c.key.scope, "node");
  ASSERT_EQ(c.groups.size(), 4u);
  for (const check::PeerResult& r : c.groups) {
    const bool bad = r.obs == 2;
    EXPECT_EQ(r.slow, bad) << "group " << r.obs;
    EXPECT_DOUBLE_EQ(r.peers_us, 100);
    EXPECT_DOUBLE_EQ(r.ratio, bad ? 3.0 : 1.0);
  }
  ASSERT_EQ(loc.suspects.size(), 1u);
  const check::Suspect& s = loc.suspects[0];
  EXPECT_EQ(s.node, "n2");
  EXPECT_EQ(s.host, "host2");
  EXPECT_EQ(s.ranks, (std::vector<int>{4, 5}));
  EXPECT_EQ(s.kind, "node");
  EXPECT_EQ(s.slow_cases, 1);
  EXPECT_EQ(s.cases, 1);
  EXPECT_DOUBLE_EQ(s.worst_ratio, 3.0);
  EXPECT_FALSE(s.ambiguous);
  EXPECT_EQ(s.describe(), "node n2 (host host2, ranks 4-5): slower than the other nodes alone in 1 of 1 cases (up to 3.00x)");
  // Slurm's name for the host, when it is another one (a run under srun records it).
  check::Suspect named = s;
  named.slurm_node = "rack1-n02";
  EXPECT_EQ(named.describe(), "node n2 (host host2, Slurm node rack1-n02, ranks 4-5): slower than the other nodes alone in 1 of 1 cases (up to 3.00x)");
  named.slurm_node = "host2";
  EXPECT_EQ(named.describe(), s.describe());
}

TEST(LocatePerNode, EachGroupIsComparedWithTheMedianOfTheOthers) {
  // Odd and even counts of others, ties, and the member itself at every rank of the order.
  for (const std::vector<double>& t : {std::vector<double>{7, 3, 9, 3, 12, 5, 8}, std::vector<double>{40, 10, 20, 30},
                                       std::vector<double>{5, 5, 5, 9, 1}, std::vector<double>{2, 1}}) {
    const check::Localization loc = locate(per_node(t, 0.1));
    ASSERT_EQ(loc.comparisons.size(), 1u);
    ASSERT_EQ(loc.comparisons[0].groups.size(), t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
      std::vector<double> others = t;
      others.erase(others.begin() + static_cast<std::ptrdiff_t>(i));
      std::sort(others.begin(), others.end());
      const std::size_t m = others.size();
      const double want = m % 2 ? others[m / 2] : 0.5 * (others[m / 2 - 1] + others[m / 2]);
      EXPECT_DOUBLE_EQ(loc.comparisons[0].groups[i].peers_us, want) << "group " << i << " of " << t.size();
    }
  }
}

TEST(LocatePerNode, ConvictionsAreCountedOverCases) {
  std::vector<check::Observation> obs = per_node({100, 100, 300, 100});
  for (check::Observation& o : per_node({50, 50, 51, 50}, 0.5, 4 * kM)) obs.push_back(o);  // 2%: not slow
  for (check::Observation& o : per_node({10, 10, 25, 10}, 0.1, 64 << 10)) obs.push_back(o);
  const check::Localization loc = locate(obs);
  EXPECT_EQ(loc.comparisons.size(), 3u);
  ASSERT_EQ(loc.suspects.size(), 1u);
  EXPECT_EQ(loc.suspects[0].slow_cases, 2);
  EXPECT_EQ(loc.suspects[0].cases, 3);
  EXPECT_DOUBLE_EQ(loc.suspects[0].worst_ratio, 3.0);
}

TEST(LocatePerNode, WithinAMicrosecondIsNotSlow) {
  // 5.0 vs 5.9 us: 18% slower, but less than kPeerMinUs apart.
  const check::Localization loc = locate(per_node({5, 5, 5.9, 5}, 0));
  ASSERT_EQ(loc.comparisons.size(), 1u);
  EXPECT_GT(loc.comparisons[0].groups[2].ratio, 1.1);
  EXPECT_FALSE(loc.comparisons[0].groups[2].slow);
  EXPECT_TRUE(loc.suspects.empty());
  // Just over a microsecond apart, it is.
  ASSERT_LT(check::kPeerMinUs, 1.2);
  const check::Localization over = locate(per_node({5, 5, 6.2, 5}, 0));
  EXPECT_TRUE(over.comparisons[0].groups[2].slow);
  ASSERT_EQ(over.suspects.size(), 1u);
  EXPECT_EQ(over.suspects[0].node, "n2");
}

TEST(LocatePerNode, WithinThePeerSlowdownIsNotSlow) {
  const std::vector<check::Observation> obs = per_node({100, 100, 108, 100}, 0);
  EXPECT_TRUE(locate(obs, 0.10).suspects.empty());
  // A tighter rule convicts it; a disabled one compares but convicts nobody.
  EXPECT_EQ(locate(obs, 0.05).suspects.size(), 1u);
  const check::Localization off = locate(obs, -1);
  EXPECT_EQ(off.comparisons.size(), 1u);
  EXPECT_TRUE(off.suspects.empty());
}

TEST(LocatePerNode, OverlappingConfidenceIntervalsAreNotSlowWhenNoiseAware) {
  // 115 us with CI [100, 130] against 100 us with CI [90, 110]: 15% slower, but not surely.
  const std::vector<check::Observation> obs = per_node({100, 100, 115, 100}, 10, kM);
  EXPECT_FALSE(locate(obs, 0.10, true).comparisons[0].groups[2].slow);
  EXPECT_TRUE(locate(obs, 0.10, true).suspects.empty());
  const check::Localization strict = locate(obs, 0.10, false);
  EXPECT_TRUE(strict.comparisons[0].groups[2].slow);
  ASSERT_EQ(strict.suspects.size(), 1u);
  EXPECT_EQ(strict.suspects[0].node, "n2");
}

TEST(LocatePerNode, GroupsOfDifferentRunsAreNotCompared) {
  std::vector<check::Observation> obs = per_node({100, 300});
  obs[1].input = 1;  // each node alone in its own run: nothing side by side
  EXPECT_TRUE(locate(obs).comparisons.empty());
  obs[1].input = 0;
  obs[1].rep = 2;
  EXPECT_TRUE(locate(obs).comparisons.empty());
  obs[1].rep = 0;
  EXPECT_EQ(locate(obs).comparisons.size(), 1u);
}

TEST(LocatePerNode, WholeJobAndFailedRecordsAreIgnored) {
  std::vector<check::Observation> obs = per_node({100, 100, 300, 100});
  obs[2].rec.status = "timeout";
  obs.push_back(observation(RecordBuilder("allreduce", kM, 8, 900)));  // the world: no group
  const check::Localization loc = locate(obs);
  ASSERT_EQ(loc.comparisons.size(), 1u);
  EXPECT_EQ(loc.comparisons[0].groups.size(), 3u);
  EXPECT_TRUE(loc.suspects.empty());
}

// ---------------------------------------------------------------- pairs

// Four nodes in pairs, round by round as plan::pair_phases pairs them: (0,3)(1,2), (0,2)(1,3),
// (0,1)(2,3). A pair with the bad node takes 300 us, the others 100 us.
// With `link` (x, y), the pair (x, y) alone is slow: what joins them, not either node.
std::vector<check::Observation> pairs(int rounds, int bad, std::pair<int, int> link = {-1, -1}) {
  const int schedule[3][2][2] = {{{0, 3}, {1, 2}}, {{0, 2}, {1, 3}}, {{0, 1}, {2, 3}}};
  std::vector<check::Observation> obs;
  for (int r = 0; r < rounds; ++r)
    for (int g = 0; g < 2; ++g) {
      const int a = schedule[r][g][0], b = schedule[r][g][1];
      const bool on_link = (a == link.first && b == link.second) || (a == link.second && b == link.first);
      const double t = a == bad || b == bad || on_link ? 300 : 100;
      obs.push_back(observation(RecordBuilder("allreduce", kM, 4, t).ci_half(1).pair(r, g, node(a), node(b)), 0, 0, "run.json"));
    }
  return obs;
}

TEST(LocatePairs, TheNodeSlowInEveryPairIsConvictedNotItsPartners) {
  const check::Localization loc = locate(pairs(3, 2));
  ASSERT_EQ(loc.comparisons.size(), 3u);
  for (const check::PeerComparison& c : loc.comparisons) {
    EXPECT_EQ(c.key.scope, "pair");
    ASSERT_EQ(c.groups.size(), 2u);
    EXPECT_EQ(c.groups[0].slow + c.groups[1].slow, 1) << "round " << c.round;
  }
  std::string all;
  for (const check::Suspect& x : loc.suspects) all += x.describe() + "; ";
  ASSERT_EQ(loc.suspects.size(), 1u) << all;
  const check::Suspect& s = loc.suspects[0];
  EXPECT_EQ(s.node, "n2");
  EXPECT_EQ(s.host, "host2");
  EXPECT_EQ(s.ranks, (std::vector<int>{4, 5}));
  EXPECT_EQ(s.kind, "pair");
  EXPECT_EQ(s.slow_cases, 1);
  EXPECT_EQ(s.cases, 1);
  EXPECT_DOUBLE_EQ(s.worst_ratio, 3.0);
  EXPECT_FALSE(s.ambiguous);
  EXPECT_EQ(s.describe(), "node n2 (host host2, ranks 4-5): in a slow pair every round it measured in 1 of 1 cases (up to 3.00x)");
}

TEST(LocatePairs, EachNodeCanBeTheBadOne) {
  for (int bad = 0; bad < 4; ++bad) {
    const check::Localization loc = locate(pairs(3, bad));
    ASSERT_EQ(loc.suspects.size(), 1u) << "bad node " << bad;
    EXPECT_EQ(loc.suspects[0].node, label(bad));
  }
}

TEST(LocatePairs, NoBadNodeNoSuspect) { EXPECT_TRUE(locate(pairs(3, -1)).suspects.empty()); }

TEST(LocatePairs, OneRoundLeavesTheSlowPairAmbiguous) {
  // Round 0 pairs (0,3) and (1,2): node 2 makes (1,2) slow; nothing tells 1 from 2.
  const check::Localization loc = locate(pairs(1, 2));
  ASSERT_EQ(loc.suspects.size(), 2u);
  std::map<std::string, const check::Suspect*> by_node;
  for (const check::Suspect& s : loc.suspects) by_node[s.node] = &s;
  ASSERT_TRUE(by_node.count("n1") && by_node.count("n2"));
  EXPECT_TRUE(by_node["n1"]->ambiguous);
  EXPECT_EQ(by_node["n1"]->partner, "n2");
  EXPECT_TRUE(by_node["n2"]->ambiguous);
  EXPECT_EQ(by_node["n2"]->partner, "n1");
  EXPECT_EQ(by_node["n1"]->host, "host1");
  EXPECT_EQ(by_node["n1"]->ranks, (std::vector<int>{2, 3}));
  EXPECT_HAS(by_node["n2"]->describe(), "in a slow pair with n1 (one round: either may be the cause)");
}

TEST(LocatePairs, ASlowLinkIsNamedByItsTwoEndsNotAsANode) {
  // Round 1 pairs (1,3): only that pair is slow; nodes 1 and 3 are fast with 0 and 2.
  const check::Localization loc = locate(pairs(3, -1, {3, 1}));
  ASSERT_EQ(loc.suspects.size(), 1u);
  const check::Suspect& s = loc.suspects[0];
  EXPECT_EQ(s.kind, "link");
  EXPECT_EQ(s.node, "n1");
  EXPECT_EQ(s.partner, "n3");
  EXPECT_EQ(s.host, "host1");
  EXPECT_EQ(s.partner_host, "host3");
  EXPECT_EQ(s.partner_ranks, (std::vector<int>{6, 7}));
  EXPECT_EQ(s.slow_cases, 1);
  EXPECT_DOUBLE_EQ(s.worst_ratio, 3.0);
  EXPECT_EQ(s.describe(), "link between node n1 (host host1, ranks 2-3) and node n3 (host host3, ranks 6-7): their pair was "
                          "slow while both were fast in their other pairs, in 1 of 1 cases (up to 3.00x)");
  // A bad node is slow in every pair: its pairs are not links.
  for (const check::Suspect& x : locate(pairs(3, 2)).suspects) EXPECT_NE(x.kind, "link") << x.describe();
  // One round cannot tell a link from either node: the two ends stay ambiguous nodes.
  for (const check::Suspect& x : locate(pairs(1, -1, {1, 2})).suspects) EXPECT_EQ(x.kind, "pair") << x.describe();
}

TEST(LocatePerNode, AHugeSlowdownReadsAsMoreThanAThousand) {
  // An injected 3 ms delay against microsecond medians: "> 1000x", never "3000.00x".
  const check::Localization loc = locate(per_node({1, 1, 3000, 1}, 0.01));
  ASSERT_EQ(loc.suspects.size(), 1u);
  EXPECT_EQ(loc.suspects[0].describe(), "node n2 (host host2, ranks 4-5): slower than the other nodes alone in 1 of 1 cases (up to > 1000x)");
}

TEST(LocatePairs, TwoRoundsAlreadyTellTheBadNode) {
  const check::Localization loc = locate(pairs(2, 2));
  ASSERT_EQ(loc.suspects.size(), 1u);
  EXPECT_EQ(loc.suspects[0].node, "n2");
  EXPECT_FALSE(loc.suspects[0].ambiguous);
}

TEST(LocatePairs, SuspectsAreOrderedByConvictions) {
  // Node 2 slow in two cases (1M and 4M); node 0 in one (64K).
  std::vector<check::Observation> obs = pairs(3, 2);
  for (check::Observation& o : pairs(3, 2)) {
    o.rec.bytes = 4 * kM;
    obs.push_back(o);
  }
  for (check::Observation& o : pairs(3, 0)) {
    o.rec.bytes = 64 << 10;
    obs.push_back(o);
  }
  const check::Localization loc = locate(obs);
  ASSERT_EQ(loc.suspects.size(), 2u);
  EXPECT_EQ(loc.suspects[0].node, "n2");
  EXPECT_EQ(loc.suspects[0].slow_cases, 2);
  EXPECT_EQ(loc.suspects[0].cases, 3);
  EXPECT_EQ(loc.suspects[1].node, "n0");
  EXPECT_EQ(loc.suspects[1].slow_cases, 1);
}

// Pairs as `collbench run --pairs` schedules them (plan::pair_phases over `n` nodes of 2 ranks).
std::vector<check::Observation> scheduled_pairs(int n, int rounds, int bad) {
  std::vector<std::string> hosts;
  for (int i = 0; i < n; ++i) hosts.insert(hosts.end(), 2, host(i));
  const std::vector<cb::plan::Node> nodes = cb::plan::split_nodes(hosts, 0);
  std::vector<check::Observation> obs;
  for (const cb::plan::GroupPhase& p : cb::plan::pair_phases(nodes, rounds))
    for (std::size_t g = 0; g < p.groups.size(); ++g) {
      const int a = p.groups[g][0], b = p.groups[g][1];
      const auto& na = nodes[static_cast<std::size_t>(a)];
      const auto& nb = nodes[static_cast<std::size_t>(b)];
      const double t = a == bad || b == bad ? 250 : 100;
      obs.push_back(observation(RecordBuilder("allreduce", kM, 4, t)
                                    .ci_half(1)
                                    .pair(p.round, static_cast<int>(g), gnode(na.label, na.host, na.ranks), gnode(nb.label, nb.host, nb.ranks)),
                                0, 0, "run.json"));
    }
  return obs;
}

TEST(LocatePairs, ScheduledRoundsConvictOnlyTheBadNode) {
  // With an odd count a node sits out a round, so two rounds may measure it only once (below).
  for (int n : {4, 5, 6, 7})
    for (int rounds : {2, 3, 0})
      for (int bad = 0; bad < n; ++bad) {
        if (n % 2 == 1 && rounds == 2) continue;
        const check::Localization loc = locate(scheduled_pairs(n, rounds, bad));
        std::string all;
        for (const check::Suspect& x : loc.suspects) all += x.describe() + "; ";
        ASSERT_EQ(loc.suspects.size(), 1u) << n << " nodes, rounds " << rounds << ", bad " << bad << ": " << all;
        EXPECT_EQ(loc.suspects[0].host, host(bad));
        EXPECT_EQ(loc.suspects[0].node, host(bad));
        EXPECT_FALSE(loc.suspects[0].ambiguous);
        EXPECT_EQ(loc.suspects[0].ranks, ranks(bad));
      }
}

TEST(LocatePairs, ANodeMeasuredInOneRoundOnlyStaysAmbiguous) {
  // Five nodes, two rounds: (1,4)(2,3) with 0 idle, then (0,4)(1,2) with 3 idle. Node 2 is bad:
  // convicted from both its pairs; node 3 measured once, in the slow pair with node 2.
  const check::Localization loc = locate(scheduled_pairs(5, 2, 2));
  ASSERT_EQ(loc.suspects.size(), 2u);
  EXPECT_EQ(loc.suspects[0].node, "host2");
  EXPECT_FALSE(loc.suspects[0].ambiguous);
  EXPECT_EQ(loc.suspects[1].node, "host3");
  EXPECT_TRUE(loc.suspects[1].ambiguous);
  EXPECT_EQ(loc.suspects[1].partner, "host2");
}

}  // namespace

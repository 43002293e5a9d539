#pragma once
// Finding the bad node from --per-node and --pairs measurements: each group is compared with the
// other groups that measured the same case at the same time (same input, round and group size),
// and nodes are convicted from their groups: per node, a node slower than its peers; in pairs, a
// node whose every pair was slow (its partners are slow only in the pair they share with it); and
// a link, a pair that was slow while both its nodes were fast in their other pairs of that case
// (a cable, a port, a route between the two: neither node alone is at fault).
// Pure: used by `collbench run` (to print the finding) and `collbench check` (for the verdict).
#include <functional>
#include <string>
#include <vector>

#include "check/inputs.hpp"

namespace collbench::check {

// A group is slow only when it is also this much slower in absolute terms: below it, differences
// are timer resolution and scheduling, not hardware.
inline constexpr double kPeerMinUs = 1.0;

struct PeerResult {
  std::size_t obs = 0;     // index into the observations
  double ratio = 1.0;      // its median time / the median of the other groups' median times
  double peers_us = 0;     // that median of the others
  bool slow = false;       // ratio > 1 + slowdown, > kPeerMinUs apart, and (noise-aware) its CI above the others'
};

struct PeerComparison {
  CaseKey key;
  int input = 0, rep = 0, round = 0;
  std::vector<PeerResult> groups;  // two or more
};

struct Suspect {
  std::string node;            // node label
  std::string host;
  std::vector<int> ranks;
  std::string kind;            // "node" | "pair": which measurements convicted it; "link": the pair node-partner
  int slow_cases = 0;          // cases in which it was convicted
  int cases = 0;               // cases in which it took part
  double worst_ratio = 1.0;    // the largest slowdown in a convicting case
  // Pairs with one round only: the node was in a slow pair but no other round could tell it
  // from its partner; `partner` names the other candidate.
  bool ambiguous = false;
  std::string partner;
  // A link: the other end (`partner` is its label).
  std::string partner_host;
  std::vector<int> partner_ranks;
  // The node as Slurm names it, when the run recorded one that differs from the host (srun:
  // hosts[i].slurm_node): the name `scontrol update nodename=… state=drain` takes.
  std::string slurm_node;
  std::string describe() const;  // "node vm:2-3 (host vm, ranks 2-3): slower than its peers in 5 of 6 cases (up to 41.2x)"
};

struct Localization {
  std::vector<PeerComparison> comparisons;
  std::vector<Suspect> suspects;  // most convictions first
};

// `slowdown_for(key)` gives the peer_slowdown for a case (disabled: < 0); `noise_aware` likewise.
Localization locate(const std::vector<Observation>& obs, const std::function<double(const CaseKey&)>& slowdown_for,
                    const std::function<bool(const CaseKey&)>& noise_aware_for);

}  // namespace collbench::check

#include "check/locate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "core/size.hpp"
#include "plan/groups.hpp"

namespace collbench::check {

std::string Suspect::describe() const {
  if (kind == "link")
    return fmt::format("link between node {} (host {}, ranks {}) and node {} (host {}, ranks {}): their pair was slow "
                       "while both were fast in their other pairs, in {} of {} cases (up to {})",
                       node, host, plan::format_ranks(ranks), partner, partner_host, plan::format_ranks(partner_ranks),
                       slow_cases, cases, core::format_ratio(worst_ratio));
  std::string what = kind == "node" ? "slower than the other nodes alone" : "in a slow pair every round it measured";
  if (ambiguous) what = fmt::format("in a slow pair with {} (one round: either may be the cause)", partner);
  const std::string slurm = slurm_node.empty() || slurm_node == host ? "" : ", Slurm node " + slurm_node;
  return fmt::format("node {} (host {}{}, ranks {}): {} in {} of {} cases (up to {})", node, host, slurm,
                     plan::format_ranks(ranks), what, slow_cases, cases, core::format_ratio(worst_ratio));
}

namespace {

// The upper end of a record's median CI (its median when it has none).
double ci_hi(const Observation& o) {
  const double hi = o.rec.time_us.median_ci.hi;
  return hi > 0 ? hi : o.rec.time_us.p50;
}

// The median (type 7, as stats::percentile) of ascending `sorted` with one element equal to
// `left_out` removed. `sorted` holds at least two values.
double median_without(const std::vector<double>& sorted, double left_out) {
  const std::size_t k = static_cast<std::size_t>(std::lower_bound(sorted.begin(), sorted.end(), left_out) - sorted.begin());
  const auto at = [&](std::size_t i) { return sorted[i < k ? i : i + 1]; };
  const std::size_t n = sorted.size() - 1;
  const double h = 0.5 * static_cast<double>(n - 1);
  const auto lo = static_cast<std::size_t>(h);
  return lo + 1 < n ? at(lo) + (h - static_cast<double>(lo)) * (at(lo + 1) - at(lo)) : at(lo);
}

bool usable(const Observation& o) {
  return o.rec.group && o.rec.status == "ok" && o.rec.time_us.n > 0 && o.rec.time_us.p50 > 0;
}

struct NodeTally {
  std::string host;
  std::vector<int> ranks;
  std::string kind;
  int slow = 0, cases = 0;
  double worst = 1.0;
  bool ambiguous = false;
  std::string partner;
};

// Links: per case, a slow pair whose two nodes each measured at least one other pair that was not
// slow (so neither is convicted there) points at what joins them.
template <class PerCase>
void add_links(Localization& out, const std::vector<Observation>& obs, const PerCase& per_case) {
  struct LinkTally {
    const results::GroupInfo* group = nullptr;
    int slow = 0, cases = 0;
    double worst = 1.0;
  };
  std::map<std::pair<std::string, std::string>, LinkTally> links;
  std::map<std::tuple<int, int, CaseKey, std::pair<std::string, std::string>>, std::pair<bool, double>> seen;
  for (const PeerComparison& c : out.comparisons)
    for (const PeerResult& r : c.groups) {
      const results::GroupInfo& g = *obs[r.obs].rec.group;
      if (g.kind != "pair" || g.nodes.size() != 2) continue;
      auto ends = std::minmax(g.nodes[0].label, g.nodes[1].label);
      const std::pair<std::string, std::string> key{ends.first, ends.second};
      LinkTally& t = links[key];
      if (!t.group) t.group = &g;
      const auto& nodes = per_case.at({c.input, c.rep, c.key});
      const auto fast_elsewhere = [&](const std::string& label) {
        const auto& s = nodes.at(label);
        return s.groups >= 2 && s.slow_groups < s.groups;
      };
      auto& [slow, ratio] = seen[{c.input, c.rep, c.key, key}];
      if (r.slow && fast_elsewhere(key.first) && fast_elsewhere(key.second)) {
        slow = true;
        ratio = std::max(ratio, r.ratio);
      }
    }
  for (const auto& [k, v] : seen) {
    LinkTally& t = links[std::get<3>(k)];
    ++t.cases;
    if (!v.first) continue;
    ++t.slow;
    t.worst = std::max(t.worst, v.second);
  }
  for (const auto& [key, t] : links) {
    if (t.slow == 0) continue;
    const results::GroupNode& a = t.group->nodes[0].label == key.first ? t.group->nodes[0] : t.group->nodes[1];
    const results::GroupNode& b = &a == &t.group->nodes[0] ? t.group->nodes[1] : t.group->nodes[0];
    out.suspects.push_back(Suspect{a.label, a.host, a.ranks, "link", t.slow, t.cases, t.worst, false, b.label, b.host, b.ranks, ""});
  }
}

}  // namespace

Localization locate(const std::vector<Observation>& obs, const std::function<double(const CaseKey&)>& slowdown_for,
                    const std::function<bool(const CaseKey&)>& noise_aware_for) {
  Localization out;
  // Groups that measured the same case side by side.
  std::map<std::tuple<int, int, int, CaseKey>, std::vector<std::size_t>> sets;
  for (std::size_t i = 0; i < obs.size(); ++i)
    if (usable(obs[i])) sets[{obs[i].input, obs[i].rep, obs[i].rec.group->round, obs[i].key()}].push_back(i);
  for (auto& [k, members] : sets) {
    if (members.size() < 2) continue;
    const CaseKey& key = std::get<3>(k);
    const double slowdown = slowdown_for(key);
    const bool noise = noise_aware_for(key);
    PeerComparison c{key, std::get<0>(k), std::get<1>(k), std::get<2>(k), {}};
    // Each member against the median of the others: sorted once, the member's own value left out
    // by index (O(n log n) per case, not O(n^2 log n): a thousand nodes are a thousand groups).
    std::vector<double> p50s, his;
    for (std::size_t o : members) {
      p50s.push_back(obs[o].rec.time_us.p50);
      his.push_back(ci_hi(obs[o]));
    }
    std::sort(p50s.begin(), p50s.end());
    std::sort(his.begin(), his.end());
    for (std::size_t m : members) {
      PeerResult r;
      r.obs = m;
      r.peers_us = median_without(p50s, obs[m].rec.time_us.p50);
      r.ratio = r.peers_us > 0 ? obs[m].rec.time_us.p50 / r.peers_us : 1.0;
      const double lo = obs[m].rec.time_us.median_ci.lo > 0 ? obs[m].rec.time_us.median_ci.lo : obs[m].rec.time_us.p50;
      // Below a microsecond apart, the difference is the timer's, not the node's.
      r.slow = slowdown >= 0 && r.ratio > 1.0 + slowdown && obs[m].rec.time_us.p50 - r.peers_us > kPeerMinUs &&
               (!noise || lo > median_without(his, ci_hi(obs[m])));
      c.groups.push_back(r);
    }
    out.comparisons.push_back(std::move(c));
  }

  // Convictions, per case (input, rep, key): a node alone that was slow; a node whose every pair
  // was slow.
  std::map<std::pair<std::string, std::string>, NodeTally> tally;  // (kind, node label)
  struct Seen {  // one node in one case: the groups it measured in (one per round)
    int groups = 0, slow_groups = 0;
    double min_ratio = 1e300;
    std::string partner;
  };
  std::map<std::tuple<int, int, CaseKey>, std::map<std::string, Seen>> per_case;
  for (const PeerComparison& c : out.comparisons)
    for (const PeerResult& r : c.groups) {
      const results::GroupInfo& g = *obs[r.obs].rec.group;
      for (const results::GroupNode& n : g.nodes) {
        NodeTally& t = tally[{g.kind, n.label}];
        t.host = n.host;
        t.ranks = n.ranks;
        t.kind = g.kind;
        Seen& s = per_case[{c.input, c.rep, c.key}][n.label];
        ++s.groups;
        s.slow_groups += r.slow ? 1 : 0;
        s.min_ratio = std::min(s.min_ratio, r.ratio);
        for (const results::GroupNode& other : g.nodes)
          if (other.label != n.label) s.partner = other.label;
      }
    }
  for (const auto& [k, nodes] : per_case)
    for (const auto& [label, s] : nodes) {
      NodeTally& t = tally[{std::get<2>(k).scope, label}];
      ++t.cases;
      if (s.slow_groups != s.groups) continue;
      ++t.slow;
      t.worst = std::max(t.worst, s.min_ratio);
      if (t.kind == "pair" && s.groups < 2) {
        t.ambiguous = true;
        t.partner = s.partner;
      }
    }
  for (const auto& [kl, t] : tally) {
    if (t.slow == 0) continue;
    out.suspects.push_back(Suspect{kl.second, t.host, t.ranks, t.kind, t.slow, t.cases, t.worst, t.ambiguous, t.partner, "", {}, ""});
  }
  add_links(out, obs, per_case);
  std::sort(out.suspects.begin(), out.suspects.end(), [](const Suspect& a, const Suspect& b) {
    return std::tie(b.slow_cases, b.worst_ratio, a.node) < std::tie(a.slow_cases, a.worst_ratio, b.node);
  });
  return out;
}

}  // namespace collbench::check

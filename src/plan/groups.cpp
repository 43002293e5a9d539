#include "plan/groups.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/error.hpp"

namespace collbench::plan {

std::string format_ranks(const std::vector<int>& ranks) {
  std::string out;
  for (std::size_t i = 0; i < ranks.size();) {
    std::size_t j = i;
    while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += j == i ? fmt::format("{}", ranks[i]) : fmt::format("{}-{}", ranks[i], ranks[j]);
    i = j + 1;
  }
  return out;
}

std::vector<Node> split_nodes(const std::vector<std::string>& host_of_rank, int ranks_per_node) {
  const int n = static_cast<int>(host_of_rank.size());
  std::vector<Node> nodes;
  if (ranks_per_node < 0)
    throw core::InputError(fmt::format("--ranks-per-node {}: expected a positive number of ranks", ranks_per_node));
  if (ranks_per_node == 0) {
    std::map<std::string, std::size_t> index;  // host -> node, in order of first rank
    for (int r = 0; r < n; ++r) {
      const std::string& h = host_of_rank[static_cast<std::size_t>(r)];
      auto [it, fresh] = index.try_emplace(h, nodes.size());
      if (fresh) nodes.push_back(Node{h, h, {}});
      nodes[it->second].ranks.push_back(r);
    }
    return nodes;
  }
  if (n % ranks_per_node != 0)
    throw core::InputError(fmt::format("--ranks-per-node {}: expected a divisor of the job's {} ranks", ranks_per_node, n));
  std::map<std::string, int> per_host;
  for (int first = 0; first < n; first += ranks_per_node) {
    Node node;
    node.host = host_of_rank[static_cast<std::size_t>(first)];
    for (int r = first; r < first + ranks_per_node; ++r) {
      node.ranks.push_back(r);
      if (host_of_rank[static_cast<std::size_t>(r)] != node.host)
        throw core::InputError(fmt::format("--ranks-per-node {}: ranks {} and {} are on different hosts ({}, {}); expected "
                                           "a divisor of the ranks per host",
                                           ranks_per_node, first, r, node.host, host_of_rank[static_cast<std::size_t>(r)]));
    }
    ++per_host[node.host];
    nodes.push_back(std::move(node));
  }
  for (Node& node : nodes)
    node.label = per_host[node.host] == 1 ? node.host : fmt::format("{}:{}", node.host, format_ranks(node.ranks));
  return nodes;
}

std::vector<int> GroupPhase::color_of(const std::vector<Node>& nodes, int nranks) const {
  std::vector<int> color(static_cast<std::size_t>(nranks), -1);
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (int node : groups[g])
      for (int r : nodes[static_cast<std::size_t>(node)].ranks) color[static_cast<std::size_t>(r)] = static_cast<int>(g);
  return color;
}

GroupPhase per_node_phase(const std::vector<Node>& nodes) {
  GroupPhase p;
  p.kind = "node";
  for (std::size_t i = 0; i < nodes.size(); ++i) p.groups.push_back({static_cast<int>(i)});
  return p;
}

std::vector<GroupPhase> pair_phases(const std::vector<Node>& nodes, int rounds) {
  const int n = static_cast<int>(nodes.size());
  std::vector<GroupPhase> out;
  if (n < 2) return out;
  // Circle method: slot 0 stays, the others rotate; an odd count gets a "bye" slot (-1).
  std::vector<int> slots;
  for (int i = 0; i < n; ++i) slots.push_back(i);
  if (n % 2 == 1) slots.push_back(-1);
  const int m = static_cast<int>(slots.size());
  const int all = m - 1;
  const int want = rounds <= 0 ? all : std::min(rounds, all);
  for (int r = 0; r < want; ++r) {
    GroupPhase p;
    p.kind = "pair";
    p.round = r;
    for (int i = 0; i < m / 2; ++i) {
      int a = slots[static_cast<std::size_t>(i)];
      int b = slots[static_cast<std::size_t>(m - 1 - i)];
      if (a < 0 || b < 0) {
        p.idle.push_back(a < 0 ? b : a);
        continue;
      }
      if (a > b) std::swap(a, b);
      p.groups.push_back({a, b});
    }
    std::sort(p.groups.begin(), p.groups.end());
    out.push_back(std::move(p));
    std::rotate(slots.begin() + 1, slots.end() - 1, slots.end());
  }
  return out;
}

}  // namespace collbench::plan

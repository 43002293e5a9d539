#pragma once
// --per-node and --pairs: how a job's ranks split into nodes, and nodes into groups that measure
// side by side (each node alone; pairs of nodes in rounds, so that every node meets several
// others and a bad node is the one slow in all its pairs). Pure: the run splits its communicator
// by these colors.
#include <string>
#include <vector>

namespace collbench::plan {

struct Node {
  std::string label;        // the host, or "host:2-3" when a host holds several nodes
  std::string host;
  std::vector<int> ranks;   // job ranks, ascending
};

// The job's nodes: ranks sharing a host (ranks_per_node 0), or every `ranks_per_node`
// consecutive ranks (GPUs of one node against each other, or a rehearsal on one host).
// Throws InputError when ranks_per_node does not divide the job.
std::vector<Node> split_nodes(const std::vector<std::string>& host_of_rank, int ranks_per_node);

struct GroupPhase {
  std::string kind;                       // "node" | "pair"
  int round = 0;
  std::vector<std::vector<int>> groups;   // node indices of each group
  std::vector<int> idle;                  // nodes sitting this round out (odd node counts)
  // Per job rank: the group it measures in, or -1 when it sits out.
  std::vector<int> color_of(const std::vector<Node>& nodes, int nranks) const;
};

GroupPhase per_node_phase(const std::vector<Node>& nodes);
// Round-robin (circle method): in each round every node is paired with a different partner; with
// an odd count one node sits out per round. `rounds` is capped at the rounds a full tournament
// has (n-1, or n for odd n); 0 asks for all of them.
std::vector<GroupPhase> pair_phases(const std::vector<Node>& nodes, int rounds);

// "0-3,8,10-11": job ranks, compactly.
std::string format_ranks(const std::vector<int>& ranks);

}  // namespace collbench::plan

#pragma once
// From a described fabric to the model's inputs: per algorithm the channel count and per-channel
// bandwidth that NCCL's topology search (src/graph/search.cc) would find, following the rules in
// ../shared/reference/nccl-cost-model.md §2.1. This is an approximation of a search NCCL runs on
// the real machine; where NCCL's log of the machine is at hand, its "Pattern …, nChannels …, bw …"
// lines override it (the topology's "graphs"). The worked DGX H100 example comes out exactly.
#include <string>
#include <utility>
#include <vector>

#include "backend/model/cost_model.hpp"
#include "backend/model/topology.hpp"

namespace collbench::model {

// The per-channel speeds NCCL tries (search.cc:976-987), for an architecture, with or without a
// network.
const std::vector<double>& search_speeds(int compute_capability, bool with_network);

// Every algorithm's graph, the execution channels and the flags the model needs.
System synthesize(const Topology& t);

// The same fabric with another node count (what-if): the node hardware is unchanged.
Topology with_nodes(const Topology& t, int nodes);

// Per algorithm with a graph, its description: ("ring", "12 channels x 30/30 GB/s (intra/inter), type NVL/PIX").
std::vector<std::pair<std::string, std::string>> describe_graphs(const System& s);

}  // namespace collbench::model

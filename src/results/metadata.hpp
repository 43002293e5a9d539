#pragma once
// Run metadata helpers: the environment filter and timestamps.
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "results/record.hpp"

namespace collbench::results {

// Only NCCL_*, OMPI_*, UCX_* and CUDA_* variables: never the whole environment (secrets).
std::map<std::string, std::string> filtered_env(char** envp);
// Whether a variable of this name is one results record (the rule of filtered_env).
bool recorded_env_name(std::string_view name);
// "2026-11-21T10:00:00Z"
std::string iso8601_utc(std::chrono::system_clock::time_point t);
// Groups ranks by host, in order of first appearance. With Slurm's node name of each rank
// (SLURMD_NODENAME), a host's slurm_node is its first rank's.
std::vector<HostRanks> ranks_per_host(const std::vector<std::string>& host_of_rank,
                                      const std::vector<std::string>& slurm_node_of_rank = {});

}  // namespace collbench::results

#include "results/metadata.hpp"

#include <algorithm>
#include <ctime>
#include <string_view>

namespace collbench::results {

bool recorded_env_name(std::string_view name) {
  for (const std::string_view prefix : {"NCCL_", "OMPI_", "UCX_", "CUDA_"})
    if (name.substr(0, prefix.size()) == prefix) return true;
  return false;
}

std::map<std::string, std::string> filtered_env(char** envp) {
  std::map<std::string, std::string> out;
  if (!envp) return out;
  for (char** e = envp; *e; ++e) {
    const std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = kv.substr(0, eq);
    if (recorded_env_name(key)) out.emplace(std::string(key), std::string(kv.substr(eq + 1)));
  }
  return out;
}

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::vector<HostRanks> ranks_per_host(const std::vector<std::string>& host_of_rank,
                                      const std::vector<std::string>& slurm_node_of_rank) {
  std::vector<HostRanks> out;
  for (std::size_t r = 0; r < host_of_rank.size(); ++r) {
    auto it = std::find_if(out.begin(), out.end(), [&](const HostRanks& h) { return h.host == host_of_rank[r]; });
    if (it == out.end()) {
      out.push_back({host_of_rank[r], {}, r < slurm_node_of_rank.size() ? slurm_node_of_rank[r] : std::string()});
      it = out.end() - 1;
    }
    it->ranks.push_back(static_cast<int>(r));
  }
  return out;
}

}  // namespace collbench::results

#include "stats/bandwidth.hpp"

namespace collbench::stats {

double algbw_gbps(std::uint64_t bytes, double time_us) {
  if (!(time_us > 0.0)) return 0.0;
  return static_cast<double>(bytes) / 1.0e3 / time_us;  // (B / 1e9) / (us / 1e6)
}

double busbw_gbps(double algbw, double bus_factor) { return algbw * bus_factor; }

}  // namespace collbench::stats

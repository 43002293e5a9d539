#pragma once
// nccl-tests' bandwidth definitions: GB/s = 1e9 B/s while sizes are binary.
#include <cstdint>

namespace collbench::stats {

// algbw = bytes / time. 0 for a non-positive time.
double algbw_gbps(std::uint64_t bytes, double time_us);
// busbw = algbw * bus factor (core::bus_factor).
double busbw_gbps(double algbw, double bus_factor);

}  // namespace collbench::stats

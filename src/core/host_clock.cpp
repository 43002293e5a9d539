#include "core/host_clock.hpp"

#include <fstream>
#include <string>

namespace collbench::core {

void HostClock::init() {
  s_use_tsc = false;
#if defined(__x86_64__)
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) == 0) {
      s_use_tsc = line.find(" constant_tsc") != std::string::npos &&
                  line.find(" nonstop_tsc") != std::string::npos;
      break;
    }
  }
#endif
  s_ref_ticks = ticks();
  s_ref_time = Steady::now();
  if (s_use_tsc) {
    while (Steady::now() - s_ref_time < std::chrono::milliseconds(2)) {
    }
  }
}

double HostClock::us_per_tick() noexcept {
  constexpr double steady_us = 1e6 * Steady::period::num / Steady::period::den;
  if (!s_use_tsc) return steady_us;
  const std::uint64_t k = ticks();
  const double us = std::chrono::duration<double, std::micro>(Steady::now() - s_ref_time).count();
  if (k <= s_ref_ticks || us <= 0.0) return steady_us;
  return us / static_cast<double>(k - s_ref_ticks);
}

void HostClock::durations_us(std::span<const std::uint64_t> stamps, double us_per_tick,
                             std::span<double> out) noexcept {
  for (std::size_t i = 0; i + 1 < stamps.size() && i < out.size(); ++i)
    out[i] = static_cast<double>(stamps[i + 1] - stamps[i]) * us_per_tick;
}

}  // namespace collbench::core

#pragma once
// The cheapest per-iteration host timestamp. On x86-64 with an invariant TSC (constant_tsc and
// nonstop_tsc) it is `rdtsc` (~11 ns here, against ~30 ns for steady_clock::now()); elsewhere
// it is steady_clock. Ticks are converted with a rate measured against steady_clock from process
// start to the latest batch (milliseconds at least), so no frequency is assumed.
#include <chrono>
#include <cstdint>
#include <span>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace collbench::core {

class HostClock {
 public:
  using Steady = std::chrono::steady_clock;

  static inline std::uint64_t ticks() noexcept {
#if defined(__x86_64__)
    if (s_use_tsc) return __rdtsc();
#endif
    return static_cast<std::uint64_t>(Steady::now().time_since_epoch().count());
  }

  // Called once per process: decides between TSC and steady_clock and takes the reference pair
  // (spends ~2 ms so that the first rate is already accurate to a few parts per million).
  static void init();
  static bool uses_tsc() noexcept { return s_use_tsc; }
  static const char* source() noexcept { return s_use_tsc ? "tsc" : "steady_clock"; }

  // Microseconds per tick, measured from the reference pair to now.
  static double us_per_tick() noexcept;

  // stamps[0] is the start; stamps[i+1] the end of iteration i. Writes stamps.size()-1 durations.
  static void durations_us(std::span<const std::uint64_t> stamps, double us_per_tick,
                           std::span<double> out) noexcept;

 private:
  static inline bool s_use_tsc = false;
  static inline Steady::time_point s_ref_time{};
  static inline std::uint64_t s_ref_ticks = 0;
};

}  // namespace collbench::core

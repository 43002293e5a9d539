#pragma once
// Advice on the application's own choices: registering buffers (run --register local|symmetric)
// and NCCL's CTA policy. No environment variable deploys them — the application's code calls
// ncclCommRegister / ncclCommWindowRegister or sets ncclConfig_t.CTAPolicy — so tune never writes
// them into env files or rules (plan::Knob::advice); it measures what each value gains against the
// default, cell by cell, with the same noise-aware estimate as every recommendation (choose.hpp):
//   "register=local: allreduce 1.80x [1.62, 1.99] at 64K; tie from 256K to 4M"
#include <cstdint>
#include <string>
#include <vector>

#include "tune/choose.hpp"
#include "tune/input.hpp"

namespace collbench::tune {

struct AdviceStep {
  std::uint64_t bytes = 0;
  std::string outcome;    // "faster" | "slower" (beyond noise) | "tie"
  double ratio = 1;       // the default's time / the value's (> 1: the value is faster)
  double lo = 1, hi = 1;  // its interval, from the two confidence intervals
};

struct AdviceSeries {
  std::string collective;
  std::string datatype;
  std::string placement;
  int nranks = 0;
  std::vector<AdviceStep> steps;  // ascending sizes where both the default and the value were measured completely
};

struct Advice {
  std::string knob, value;  // "register", "local"
  std::string what;         // the knob's help: what the application would do
  std::vector<AdviceSeries> series;
  // "allreduce float out_of_place 8 ranks: 1.80x [1.62, 1.99] at 64K; tie from 256K to 4M"
  static std::string describe(const AdviceSeries& s);
};

// One Advice per value of an advice knob measured alone (every other knob at its default).
std::vector<Advice> advise(const TuneInput& in, const TuneOptions& opt);

}  // namespace collbench::tune

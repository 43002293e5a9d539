#pragma once
// What a `collbench run` measures: collectives × sizes × placements for one type and op.
#include <cstdint>
#include <vector>

#include "core/collective.hpp"
#include "core/datatype.hpp"
#include "core/redop.hpp"

namespace collbench::plan {

struct SizeRange {
  std::uint64_t min_bytes = 8;
  std::uint64_t max_bytes = 32ull << 20;
  double step_factor = 2.0;      // multiplicative step; wins when > 1 (as nccl-tests)
  std::uint64_t step_bytes = 0;  // additive step, used when step_factor <= 1
};

struct RunPlan {
  std::vector<core::Collective> collectives;
  std::vector<std::uint64_t> sizes;
  core::DataType dtype = core::DataType::float32;
  core::RedOp op = core::RedOp::sum;
  std::vector<bool> placements;  // in_place flags, out-of-place first
  int root = 0;
};

inline constexpr std::size_t kMaxSizes = 4096;

// Sizes min, min*f, min*f^2 … <= max (or min, min+step …). Throws InputError naming the flag:
// min > max, a factor <= 1 with no step, too many sizes.
std::vector<std::uint64_t> size_steps(const SizeRange& range);

// "out", "in", "both" (or "out,in"). Throws InputError naming --placement.
std::vector<bool> parse_placements(std::string_view text);

// Throws InputError when op cannot apply to dtype for a collective that reduces.
void validate(const RunPlan& plan);

}  // namespace collbench::plan

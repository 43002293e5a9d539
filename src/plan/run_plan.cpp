#include "plan/run_plan.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/size.hpp"

namespace collbench::plan {

std::vector<std::uint64_t> size_steps(const SizeRange& r) {
  if (r.min_bytes > r.max_bytes)
    throw core::InputError("--minbytes " + core::format_size(r.min_bytes) + " is larger than --maxbytes " +
                           core::format_size(r.max_bytes) + ": expected minbytes <= maxbytes");
  if (!(r.step_factor > 1.0) && r.step_bytes == 0)
    throw core::InputError("--stepfactor " + std::to_string(r.step_factor) +
                           ": expected a factor > 1, or a positive --stepbytes");
  std::vector<std::uint64_t> sizes;
  std::uint64_t size = r.min_bytes;
  while (size <= r.max_bytes) {
    if (sizes.size() == kMaxSizes)
      throw core::InputError("size range " + core::format_size(r.min_bytes) + ".." + core::format_size(r.max_bytes) +
                             ": more than " + std::to_string(kMaxSizes) + " sizes; use a larger step");
    sizes.push_back(size);
    std::uint64_t next = r.step_factor > 1.0
                             ? static_cast<std::uint64_t>(std::floor(static_cast<double>(size) * r.step_factor))
                             : size + r.step_bytes;
    if (next <= size) next = size + 1;
    size = next;
  }
  return sizes;
}

std::vector<bool> parse_placements(std::string_view text) {
  if (text == "both" || text == "out,in" || text == "in,out") return {false, true};
  if (text == "out") return {false};
  if (text == "in") return {true};
  throw core::InputError("--placement '" + std::string(text) + "': expected out, in or both");
}

void validate(const RunPlan& plan) {
  if (!core::op_applies(plan.op, plan.dtype)) {
    for (core::Collective c : plan.collectives) {
      if (core::takes_op(c))
        throw core::InputError("--op " + std::string(core::name(plan.op)) + " with --datatype " +
                               std::string(core::name(plan.dtype)) +
                               ": avg needs a floating datatype (half bfloat16 float double)");
    }
  }
}

}  // namespace collbench::plan

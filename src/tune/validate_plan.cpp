#include "tune/validate_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "core/collective.hpp"

namespace collbench::tune {

std::string level1_skip_reason(const Recommendation& r, const CollectiveRecommendation& c, const SizeRange& range) {
  if (range.setting.empty()) return "the winner is the default: nothing to validate";
  // tuner_conf writes no all-to-all rule: NCCL never asks a tuner about send/recv.
  if (r.backend != "mpi" && c.collective == "alltoall") return "no rule in nccl_tuner.conf (NCCL never asks a tuner about send/recv)";
  if (c.nranks != r.nranks) return fmt::format("measured on {} ranks; the validation sweep runs {}", c.nranks, r.nranks);
  return "";
}

std::vector<std::uint64_t> range_sizes(const CollectiveRecommendation& c, const SizeRange& range) {
  std::vector<std::uint64_t> out;
  for (const SizeStep& s : c.steps)
    if (s.bytes >= range.first && s.bytes <= range.last) out.push_back(s.bytes);
  return out;
}

std::size_t level1_ranges_to_validate(const Recommendation& r) {
  std::size_t n = 0;
  for (const CollectiveRecommendation& c : r.collectives)
    for (const SizeRange& range : c.ranges) n += level1_skip_reason(r, c, range).empty();
  return n;
}

namespace {

// The sweep's sizes that measure at `sizes`: a record's bytes are the collective's shape of the
// size asked for (nccl-tests' size column), which may round it per datatype and rank count.
std::vector<std::uint64_t> requested_sizes(const plan::SweepSpec& spec, const std::string& collective, int nranks,
                                           const std::vector<std::uint64_t>& sizes) {
  std::vector<std::uint64_t> out;
  const std::optional<core::Collective> coll = core::find_collective(collective);
  for (std::uint64_t asked : spec.sizes) {
    bool hit = !coll && std::find(sizes.begin(), sizes.end(), asked) != sizes.end();
    for (core::DataType d : spec.datatypes)
      hit = hit || (coll && std::find(sizes.begin(), sizes.end(), core::shape(*coll, asked, d, nranks).bytes) != sizes.end());
    if (hit) out.push_back(asked);
  }
  return out;
}

}  // namespace

plan::SweepSpec validation_spec(plan::SweepSpec spec, const Recommendation& r, int repetitions) {
  spec.axes.clear();
  spec.exclude.clear();
  spec.cases = {plan::Config{}};
  spec.case_sizes.clear();
  if (!r.deploy.empty()) spec.cases.push_back(r.deploy);
  // A range's winner restricted to another collective is the default there: measured once, with
  // the default (the planner's union of sizes).
  for (const CollectiveRecommendation& c : r.collectives)
    for (const SizeRange& range : c.ranges) {
      if (!level1_skip_reason(r, c, range).empty()) continue;
      std::vector<std::uint64_t> sizes = requested_sizes(spec, c.collective, c.nranks, range_sizes(c, range));
      if (sizes.empty()) continue;  // none of the spec's sizes: its verdicts say "not measured"
      spec.cases.push_back(range.setting);
      spec.case_sizes.resize(spec.cases.size());
      spec.case_sizes.back() = std::move(sizes);
    }
  spec.repetitions = repetitions;
  spec.time_budget_s = 0;
  return spec;
}

}  // namespace collbench::tune

#include "measure/case_runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "results/identity.hpp"
#include "stats/bandwidth.hpp"
#include "stats/summary.hpp"
#include "verify/pattern.hpp"

namespace collbench::measure {

namespace {

using Clock = std::chrono::steady_clock;

// Fields of RankSummary sent to rank 0, in this order.
constexpr std::size_t kRankFields = 14;

std::vector<double> pack(const stats::Summary& s, double outside, double inside, std::int64_t wrong) {
  return {static_cast<double>(s.n), s.min, s.mean, s.p50, s.p90, s.p99, s.p999, s.max, s.stddev,
          s.cv, s.median_ci.rel_half_width, outside, inside, static_cast<double>(wrong)};
}

results::RankSummary unpack(const double* v, int rank, const std::string& host) {
  results::RankSummary r;
  r.rank = rank;
  r.host = host;
  r.time_us.n = static_cast<std::size_t>(v[0]);
  r.time_us.min = v[1];
  r.time_us.mean = v[2];
  r.time_us.p50 = v[3];
  r.time_us.p90 = v[4];
  r.time_us.p99 = v[5];
  r.time_us.p999 = v[6];
  r.time_us.max = v[7];
  r.time_us.stddev = v[8];
  r.time_us.cv = v[9];
  r.time_us.median_ci.rel_half_width = v[10];
  r.outside_call_us = v[11];
  r.in_call_us = v[12];
  r.wrong = static_cast<std::int64_t>(v[13]);
  return r;
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return stats::percentile(v, 0.5);
}

// Runs timed iterations until the stopping rule holds; appends merged (max over ranks) samples
// to `merged` and this rank's own durations to `mine`.
std::string run_iterations(backend::Backend& be, const World& world, const MeasureOptions& opt,
                           std::vector<double>& merged, std::vector<double>& mine) {
  if (!opt.adaptive) {
    mine.resize(static_cast<std::size_t>(opt.iters));
    be.run_timed(mine);
    merged = mine;
    world.max_in_place(merged);
    return "iters";
  }
  const auto start = Clock::now();
  std::size_t batch = static_cast<std::size_t>(opt.min_iters);
  while (true) {
    const std::size_t have = mine.size();
    mine.resize(have + batch);
    be.run_timed(std::span<double>(mine).subspan(have));
    std::vector<double> part(mine.begin() + static_cast<std::ptrdiff_t>(have), mine.end());
    world.max_in_place(part);
    merged.insert(merged.end(), part.begin(), part.end());
    int verdict = 0;  // rank 0 decides, so every rank stops after the same batch
    if (world.is_root()) {
      std::vector<double> sorted = merged;
      std::sort(sorted.begin(), sorted.end());
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      if (stats::median_ci(sorted).rel_half_width <= opt.target_rel_ci) verdict = 1;
      else if (merged.size() >= static_cast<std::size_t>(opt.max_iters)) verdict = 2;
      else if (elapsed >= opt.time_budget_s) verdict = 3;
    }
    verdict = world.broadcast(verdict);
    if (verdict == 1) return "target_rel_ci";
    if (verdict == 2) return "max_iters";
    if (verdict == 3) return "time_budget";
    batch = std::min(std::max(batch, merged.size() / 2),
                     static_cast<std::size_t>(opt.max_iters) - merged.size());
  }
}

}  // namespace

results::ResultRecord describe_case(const backend::CaseSpec& spec, int nranks) {
  results::ResultRecord rec =
      results::identify_case(spec.coll, spec.dtype, spec.op, spec.root, spec.in_place, spec.requested_bytes, nranks);
  rec.bytes = spec.shape.bytes;  // alltoallv's follow its traffic, which the case carries
  rec.count = spec.shape.param_count;
  return rec;
}

std::optional<results::Straggler> find_straggler(const std::vector<results::RankSummary>& ranks) {
  if (ranks.size() < 2) return std::nullopt;
  auto worst = std::max_element(ranks.begin(), ranks.end(), [](const auto& a, const auto& b) {
    return a.outside_call_us < b.outside_call_us;
  });
  std::vector<double> others;
  for (const auto& r : ranks)
    if (&r != &*worst) others.push_back(r.outside_call_us);
  const double rest = median_of(others);
  if (worst->outside_call_us <= 5.0 || worst->outside_call_us <= 4.0 * rest) return std::nullopt;
  return results::Straggler{worst->rank, worst->host, worst->outside_call_us, rest};
}

std::optional<results::NcclTestsFigure> nccl_tests_figure(const std::vector<results::RankSummary>& ranks,
                                                          std::uint64_t bytes, double bus_factor) {
  if (ranks.empty()) return std::nullopt;
  double sum = 0.0;
  for (const auto& r : ranks) {
    if (!std::isfinite(r.time_us.mean) || !(r.time_us.mean > 0)) return std::nullopt;
    sum += r.time_us.mean;
  }
  results::NcclTestsFigure f;
  f.time_us = sum / static_cast<double>(ranks.size());
  f.algbw_gbps = stats::algbw_gbps(bytes, f.time_us);
  f.busbw_gbps = stats::busbw_gbps(f.algbw_gbps, bus_factor);
  return f;
}

results::ResultRecord measure_case(backend::Backend& be, const World& world,
                                   const backend::CaseSpec& spec, const MeasureOptions& opt) {
  results::ResultRecord rec = describe_case(spec, world.size());
  rec.warmup_iters = opt.warmup_iters;
  be.prepare(spec);
  if (opt.warmup_iters > 0) {
    std::vector<double> warm(static_cast<std::size_t>(opt.warmup_iters));
    be.run_timed(warm);
  }
  world.barrier();
  std::vector<double> merged;
  std::vector<double> mine;
  rec.stop_reason = run_iterations(be, world, opt, merged, mine);
  rec.iters = static_cast<int>(merged.size());

  double outside = 0.0;
  double inside = 0.0;
  if (opt.probe_iters > 0) {
    std::vector<double> out_us(static_cast<std::size_t>(opt.probe_iters));
    std::vector<double> in_us(out_us.size());
    world.barrier();
    be.run_probe(out_us, in_us);
    outside = median_of(out_us);
    inside = median_of(in_us);
  }
  std::int64_t mine_wrong = -1;  // this rank's wrong elements, so that a verdict can name the rank
  std::int64_t wrong = 0;
  if (opt.check) {
    verify::Pattern pattern({spec.coll, spec.dtype, spec.op, world.size(), spec.root,
                             opt.seed + spec.shape.bytes, spec.traffic, spec.reverse_ring});
    mine_wrong = static_cast<std::int64_t>(be.check(pattern));
    wrong = world.sum(mine_wrong);
  }
  const std::vector<double> gathered = world.gather(pack(stats::summarize(mine), outside, inside, mine_wrong));
  rec.checked = opt.check;
  rec.wrong = opt.check ? wrong : -1;
  rec.status = wrong > 0 ? "wrong" : "ok";
  if (!world.is_root()) return rec;

  rec.time_us = stats::summarize(merged);
  const double factor = core::bus_factor(spec.coll, world.size());
  rec.algbw_gbps = stats::algbw_gbps(spec.shape.bytes, rec.time_us.p50);
  rec.busbw_gbps = stats::busbw_gbps(rec.algbw_gbps, factor);
  rec.algbw_mean_gbps = stats::algbw_gbps(spec.shape.bytes, rec.time_us.mean);
  rec.busbw_mean_gbps = stats::busbw_gbps(rec.algbw_mean_gbps, factor);
  for (int r = 0; r < world.size(); ++r)
    rec.per_rank.push_back(unpack(gathered.data() + static_cast<std::size_t>(r) * kRankFields, r,
                                  world.hosts()[static_cast<std::size_t>(r)]));
  rec.straggler = find_straggler(rec.per_rank);
  rec.nccl_tests = nccl_tests_figure(rec.per_rank, spec.shape.bytes, factor);
  if (opt.keep_samples) rec.samples_us = std::move(merged);
  rec.backend_notes = be.case_notes();
  return rec;
}

}  // namespace collbench::measure

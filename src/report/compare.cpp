#include "report/compare.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/size.hpp"
#include "report/analysis.hpp"
#include "stats/summary.hpp"

namespace collbench::report {
namespace {

using nlohmann::json;
using CaseKey = std::tuple<std::string, std::string, std::string, std::string, int>;  // coll, type, op, placement, ranks

json num(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

// The series of one side, one per case: those of `label` when given (a source or configuration
// label), else every series, refusing two for one case.
std::map<CaseKey, const Series*> pick(const Dataset& d, const std::string& label, const char* side) {
  std::map<CaseKey, const Series*> out;
  std::set<std::string> labels;
  for (const Series& s : d.series) labels.insert(s.label);
  for (const Series& s : d.series) {
    if (!label.empty() && s.label != label && s.config != label &&
        d.sources[static_cast<std::size_t>(s.source)].label != label)
      continue;
    const CaseKey k{s.collective, s.datatype, s.op, s.placement, s.nranks};
    const auto [it, fresh] = out.try_emplace(k, &s);
    if (!fresh && it->second->label != s.label) {
      std::string list;
      for (const auto& l : labels) list += (list.empty() ? "" : ", ") + l;
      throw core::InputError(fmt::format("{}: several series measure {} {} {} {} on {} ranks ({} and {}); pick one with "
                                         "--{}-label (labels: {})",
                                         side, s.collective, s.datatype, s.op, s.placement, s.nranks, it->second->label,
                                         s.label, side[0] == 'A' ? "a" : "b", list));
    }
  }
  if (out.empty() && !label.empty()) {
    std::string list;
    for (const auto& l : labels) list += (list.empty() ? "" : ", ") + l;
    throw core::InputError(fmt::format("--{}-label '{}': no such series (labels: {})", side[0] == 'A' ? "a" : "b", label, list));
  }
  return out;
}

// The noise of a side: the largest placement noise over its collectives (NaN when none known).
double side_noise(const std::map<CaseKey, const Series*>& series) {
  double worst = kNaN;
  for (const auto& [k, s] : series) {
    if (std::get<3>(k) != "out_of_place") continue;
    CaseKey ip = k;
    std::get<3>(ip) = "in_place";
    const auto it = series.find(ip);
    if (it == series.end()) continue;
    const double n = placement_noise(*s, *it->second);
    if (std::isfinite(n) && !(n <= worst)) worst = n;
  }
  return worst;
}

std::string side_label(const Dataset& d, const std::map<CaseKey, const Series*>& picked) {
  std::set<std::string> labels;
  for (const auto& [k, s] : picked) labels.insert(s->label);
  std::string out;
  for (const auto& l : labels) out += (out.empty() ? "" : ", ") + l;
  if (out.empty() && !d.sources.empty()) out = d.sources.front().label;
  return out;
}

// Like against like. Against an imported nccl-tests log (either side): nccl-tests' figure on both
// sides, the mean over ranks of each rank's mean time (what the log printed with nccl-tests'
// default -a 1; a collbench record carries it as nccl_tests). Else the median on both sides when
// both have it, else the mean on both; then no interval of the median applies. busbw is that of
// the time compared, so that the ratio reads off the two columns; an imported side's is the busbw
// its log printed (Point: the median over repetitions, where every one printed a digit), which
// is that time's within the printed rounding. The ratio stays the times' (more digits).
void choose_times(CompareRow& r, const Series& sa, const Point& pa, const Series& sb, const Point& pb, bool imported) {
  if (imported && pa.nccl_tests_us > 0 && pb.nccl_tests_us > 0) {
    r.basis = "nccl_tests";
    r.a_us = pa.nccl_tests_us, r.b_us = pb.nccl_tests_us;
    r.a_busbw = pa.nccl_tests_busbw, r.b_busbw = pb.nccl_tests_busbw;
    return;
  }
  const bool medians = sa.basis == "median" && sb.basis == "median";
  r.basis = medians ? "median" : "mean";
  r.a_us = medians ? pa.time_us : pa.mean_us;
  r.b_us = medians ? pb.time_us : pb.mean_us;
  if (imported) r.confidence = "means compared (a side has no nccl-tests figure: a document before schema 7?); ";
  else if (!medians && sa.basis != sb.basis) r.confidence = "means compared (one side has no median); ";
  if (r.a_us > 0) r.a_busbw = medians ? pa.busbw : pa.busbw * pa.time_us / r.a_us;
  if (r.b_us > 0) r.b_busbw = medians ? pb.busbw : pb.busbw * pb.time_us / r.b_us;
}

}  // namespace

double placement_noise(const Series& oop, const Series& ip) {
  std::map<std::uint64_t, double> in;
  for (const Point& p : ip.points) in[p.bytes] = p.time_us;
  std::vector<double> dev;
  for (const Point& p : oop.points) {
    const auto it = in.find(p.bytes);
    if (it == in.end() || !(p.time_us > 0) || !(it->second > 0)) continue;
    dev.push_back(std::abs(p.time_us / it->second - 1));
  }
  if (dev.size() < 3) return kNaN;
  std::sort(dev.begin(), dev.end());
  return stats::percentile(dev, 0.9);
}

Comparison compare(const Dataset& a, const Dataset& b, const CompareOptions& o) {
  const auto sa = pick(a, o.label_a, "A");
  const auto sb = pick(b, o.label_b, "B");
  Comparison c;
  c.a_label = side_label(a, sa);
  c.b_label = side_label(b, sb);
  c.noise_a = side_noise(sa);
  c.noise_b = side_noise(sb);
  for (const auto& [key, s] : sa) {
    const auto it = sb.find(key);
    if (it == sb.end()) {
      c.only_a += s->points.size();
      continue;
    }
    const bool imported = a.sources[static_cast<std::size_t>(s->source)].imported ||
                          b.sources[static_cast<std::size_t>(it->second->source)].imported;
    std::map<std::uint64_t, const Point*> bp;
    for (const Point& p : it->second->points) bp[p.bytes] = &p;
    std::set<std::uint64_t> matched;
    for (const Point& pa : s->points) {
      const auto jt = bp.find(pa.bytes);
      if (jt == bp.end()) {
        ++c.only_a;
        continue;
      }
      matched.insert(pa.bytes);
      const Point& pb = *jt->second;
      CompareRow r;
      std::tie(r.collective, r.datatype, r.op, r.placement, r.nranks) = key;
      r.bytes = pa.bytes;
      choose_times(r, *s, pa, *it->second, pb, imported);
      if (!(r.a_us > 0) || !(r.b_us > 0)) continue;
      r.ratio = r.a_us / r.b_us;
      if (r.basis == "nccl_tests") ++c.nccl_tests_rows;
      const bool intervals = r.basis == "median" && std::isfinite(pa.lo_us) && std::isfinite(pa.hi_us) && std::isfinite(pb.lo_us) &&
                             std::isfinite(pb.hi_us) && pb.lo_us > 0 && pb.hi_us > 0;
      if (intervals) {
        r.lo = pa.lo_us / pb.hi_us;
        r.hi = pa.hi_us / pb.lo_us;
        if (r.lo > 1 && r.ratio >= 1 + o.threshold) r.verdict = "FASTER";
        else if (r.hi < 1 && r.ratio <= 1 - o.threshold) r.verdict = "SLOWER";
        else r.verdict = "SAME";
        r.confidence += fmt::format("95% CI [{:.3f}, {:.3f}]", r.lo, r.hi);
      } else {
        // One number per side: the change must clear the threshold and the noise both sides show
        // between placements of the same size.
        const double na = std::isfinite(c.noise_a) ? c.noise_a : 0, nb = std::isfinite(c.noise_b) ? c.noise_b : 0;
        r.band = std::max(o.threshold, na + nb);
        if (r.ratio >= 1 + r.band) r.verdict = "FASTER";
        else if (r.ratio <= 1 - r.band) r.verdict = "SLOWER";
        else r.verdict = "SAME";
        r.confidence += (std::isfinite(c.noise_a) || std::isfinite(c.noise_b))
                            ? fmt::format("no CI: +/-{:.1f}% band (placement noise A {:.1f}%, B {:.1f}%)", 100 * r.band,
                                          100 * na, 100 * nb)
                            : fmt::format("no CI: +/-{:.1f}% band (threshold; noise unknown)", 100 * r.band);
      }
      if (r.verdict == "FASTER") ++c.faster;
      else if (r.verdict == "SLOWER") {
        ++c.slower;
        if (!(r.ratio >= c.worst_ratio)) c.worst_ratio = r.ratio;
      } else {
        ++c.same;
      }
      c.rows.push_back(std::move(r));
    }
    for (const Point& pb : it->second->points)
      if (!matched.count(pb.bytes)) ++c.only_b;
  }
  for (const auto& [key, s] : sb)
    if (!sa.count(key)) c.only_b += s->points.size();
  if (c.rows.empty()) {
    auto describe = [](const std::map<CaseKey, const Series*>& m) {
      std::string out;
      for (const auto& [k, s] : m)
        out += (out.empty() ? "" : "; ") + fmt::format("{} {} {} {} ({} ranks)", std::get<0>(k), std::get<1>(k),
                                                       std::get<2>(k), std::get<3>(k), std::get<4>(k));
      return out.empty() ? std::string("nothing") : out;
    };
    throw core::InputError(fmt::format("A and B share no measured case (collective, type, op, placement, ranks and size): "
                                       "A has {}; B has {}",
                                       describe(sa), describe(sb)));
  }
  return c;
}

std::string compare_text(const Comparison& c, const CompareOptions& o) {
  std::string s = fmt::format("# compare  A: {}\n#          B: {}\n", c.a_label, c.b_label);
  s += fmt::format("# ratio = busbw B / A (> 1: B faster); verdicts need a change of {:.0f}% or more", 100 * o.threshold);
  s += " and a confidence interval clear of 1 (or, without one, the noise band)\n";
  if (c.nccl_tests_rows > 0)
    s += fmt::format("# {} of {} rows compare nccl-tests' figure on both sides (a side is an imported nccl-tests log): "
                     "the mean over ranks of each rank's mean time, as nccl-tests -a 1 prints it (nccl_tests in collbench's "
                     "results)\n",
                     c.nccl_tests_rows, c.rows.size());
  std::string current;
  for (const CompareRow& r : c.rows) {
    const std::string group = fmt::format("{} {} {} {} ({} ranks)", r.collective, r.datatype, r.op, r.placement, r.nranks);
    if (group != current) {
      current = group;
      s += fmt::format("\n{}\n  {:>10}  {:>11}  {:>11}  {:>9}  {:>9}  {:>7}  {:<7}  {}\n", group, "size", "A time(us)",
                       "B time(us)", "A busbw", "B busbw", "ratio", "verdict", "confidence");
    }
    s += fmt::format("  {:>10}  {:>11.4g}  {:>11.4g}  {:>9.4g}  {:>9.4g}  {:>7}  {:<7}  {}\n",
                     format_bytes(double(r.bytes)), r.a_us, r.b_us, r.a_busbw, r.b_busbw, core::format_ratio(r.ratio), r.verdict,
                     r.confidence);
  }
  s += fmt::format("\n# {} compared: {} FASTER, {} SLOWER, {} SAME", c.rows.size(), c.faster, c.slower, c.same);
  if (c.slower > 0) s += fmt::format("; worst {} ({:.1f}% slower)", core::format_ratio(c.worst_ratio), 100 * (1 - c.worst_ratio));
  if (c.only_a + c.only_b > 0) s += fmt::format("; not in both: {} in A only, {} in B only", c.only_a, c.only_b);
  return s + "\n";
}

json compare_json(const Comparison& c, const CompareOptions& o) {
  json rows = json::array();
  for (const CompareRow& r : c.rows) {
    rows.push_back({{"collective", r.collective}, {"datatype", r.datatype}, {"op", r.op}, {"placement", r.placement},
                    {"nranks", r.nranks}, {"bytes", r.bytes}, {"a_time_us", num(r.a_us)}, {"b_time_us", num(r.b_us)},
                    {"a_busbw_gbps", num(r.a_busbw)}, {"b_busbw_gbps", num(r.b_busbw)}, {"ratio", num(r.ratio)},
                    {"ci_lo", num(r.lo)}, {"ci_hi", num(r.hi)}, {"band", num(r.band)}, {"basis", r.basis}, {"verdict", r.verdict},
                    {"confidence", r.confidence}});
  }
  return {{"schema", "collbench.compare"}, {"schema_version", kCompareSchemaVersion}, {"a", c.a_label}, {"b", c.b_label},
          {"threshold", o.threshold}, {"noise_a", num(c.noise_a)}, {"noise_b", num(c.noise_b)},
          {"summary", {{"compared", c.rows.size()}, {"faster", c.faster}, {"slower", c.slower}, {"same", c.same},
                       {"worst_ratio", num(c.worst_ratio)}, {"only_a", c.only_a}, {"only_b", c.only_b},
                       {"nccl_tests_rows", c.nccl_tests_rows}}},
          {"rows", rows}};
}

}  // namespace collbench::report

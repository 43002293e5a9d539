#include "tune/validate.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/size.hpp"
#include "tune/validate_plan.hpp"

namespace collbench::tune {

namespace {

using nlohmann::json;

// The default and the recommended setting over `cells`, estimated as choose() does (no p99
// limit: both are measured, neither is a candidate to drop). Null when not measured.
struct Pair {
  Choice choice;
  const Candidate* def = nullptr;
  const Candidate* rec = nullptr;
  bool measured() const { return def && rec && def->feasible && rec->feasible; }
};

Pair estimate_pair(const TuneInput& in, const std::vector<WeightedCell>& cells, const plan::Config& rec, const TuneOptions& opt) {
  Pair p{choose(in, cells, {rec}, TuneOptions{opt.tail_weight, 0})};
  for (const Candidate& k : p.choice.candidates) (k.is_default ? p.def : p.rec) = &k;
  return p;
}

Verdict compare(const TuneInput& run, const std::vector<WeightedCell>& cells, const plan::Config& rec, const TuneOptions& opt) {
  Verdict v;
  const Pair p = estimate_pair(run, cells, rec, opt);
  if (!p.measured()) {
    v.why = !p.def || !p.def->feasible ? "default: " + (p.def ? p.def->excluded : std::string("not measured"))
                                       : "recommended: " + (p.rec ? p.rec->excluded : std::string("not measured"));
    return v;
  }
  const Estimate& d = p.def->est;
  const Estimate& r = p.rec->est;
  v.measured = true;
  v.def = d;
  v.rec = r;
  v.observed = d.t_us / r.t_us;
  v.observed_lo = d.lo_us / r.hi_us;
  v.observed_hi = d.hi_us / r.lo_us;
  v.result = r.hi_us < d.lo_us ? "faster" : r.lo_us > d.hi_us ? "slower" : "same";
  return v;
}

// The same ratio in the tuned stores, at the cells the validation measured (0 when not known).
double expected_ratio(const TuneInput& tuned, const std::vector<WeightedCell>& run_cells, const plan::Config& rec, const TuneOptions& opt) {
  std::vector<WeightedCell> cells;
  for (const WeightedCell& wc : run_cells)
    for (const Cell& c : tuned.cells)
      if (c.series == wc.cell->series && c.bytes == wc.cell->bytes) cells.push_back({&c, wc.weight});
  if (cells.size() != run_cells.size()) return 0;
  const Pair p = estimate_pair(tuned, cells, rec, opt);
  return p.measured() ? p.def->est.t_us / p.rec->est.t_us : 0;
}

// A level-1 verdict over `cells`: `setting` against the default, and what the tuned stores said.
Verdict compare_level1(const TuneInput& tuned, const TuneInput& run, const std::vector<WeightedCell>& cells,
                       const plan::Config& setting, const TuneOptions& opt) {
  if (cells.empty()) {
    Verdict v;
    v.why = "not measured by the validation sweep";
    return v;
  }
  Verdict v = compare(run, cells, setting, opt);
  v.expected = expected_ratio(tuned, cells, setting, opt);
  return v;
}

// Each measured size of the range with its cells in `run` (weight 1 each, as level 1 chose),
// then the range over all of them.
RangeVerdict validate_range(const TuneInput& tuned, const TuneInput& run, const Recommendation& r,
                            const CollectiveRecommendation& c, const SizeRange& range, const TuneOptions& opt) {
  RangeVerdict rv;
  rv.range = range;
  rv.overall.collective = c.collective;
  rv.overall.nranks = c.nranks;
  rv.overall.why = level1_skip_reason(r, c, range);
  rv.validated = rv.overall.why.empty();
  if (!rv.validated) return rv;
  std::vector<WeightedCell> all;
  for (std::uint64_t bytes : range_sizes(c, range)) {
    std::vector<WeightedCell> cells;
    for (const Cell& cell : run.cells)
      if (cell.series.collective == c.collective && cell.series.nranks == c.nranks && cell.bytes == bytes) cells.push_back({&cell, 1.0});
    Verdict x = compare_level1(tuned, run, cells, range.setting, opt);
    x.collective = c.collective, x.nranks = c.nranks, x.bytes = bytes;
    rv.per_size.push_back(x);
    all.insert(all.end(), cells.begin(), cells.end());
  }
  rv.overall = compare_level1(tuned, run, all, range.setting, opt);
  rv.overall.collective = c.collective, rv.overall.nranks = c.nranks;
  return rv;
}

}  // namespace

Validation validate(const TuneInput& tuned, const TuneInput& run, const Recommendation& r, const Workload& w,
                    const TuneOptions& opt) {
  Validation v;
  v.recommended = r.deploy;
  for (const CollectiveRecommendation& c : r.collectives)
    for (const SizeRange& range : c.ranges) {
      v.level1.push_back(validate_range(tuned, run, r, c, range, opt));
      if (v.level1.back().overall.result == "slower") v.level1_held = false;
    }
  v.held = v.level1_held;
  if (r.deploy.empty()) return v;  // levels 2 + 3: nothing to compare
  for (const Cell& c : run.cells) {
    Verdict x = compare(run, {{&c, 1.0}}, r.deploy, opt);
    x.expected = expected_ratio(tuned, {{&c, 1.0}}, r.deploy, opt);
    x.collective = c.series.collective, x.datatype = c.series.datatype, x.op = c.series.op;
    x.placement = c.series.placement, x.nranks = c.series.nranks, x.bytes = c.bytes;
    v.per_size.push_back(x);
  }
  std::set<std::pair<std::string, int>> colls;
  for (const Cell& c : run.cells) colls.insert({c.series.collective, c.series.nranks});
  for (const auto& [coll, n] : colls) {
    const auto cells = weigh(run, w, coll, n, nullptr);
    if (cells.empty()) continue;
    Verdict x = compare(run, cells, r.deploy, opt);
    x.expected = expected_ratio(tuned, cells, r.deploy, opt);
    x.collective = coll, x.nranks = n;
    if (x.result == "slower") v.held = false;
    v.per_collective.push_back(x);
  }
  return v;
}

namespace {

std::string row(const std::string& what, const Verdict& x) {
  if (!x.measured) return fmt::format("| {} | {} | - | - | - | - | not compared: {} |\n", what, x.nranks, x.why);
  return fmt::format("| {} | {} | {:.4g} | {:.4g} | {} | {:.3f}x [{:.3f}, {:.3f}] | {} |\n", what, x.nranks, x.def.t_us, x.rec.t_us,
                     x.expected > 0 ? fmt::format("{:.3f}x", x.expected) : "-", x.observed, x.observed_lo, x.observed_hi,
                     x.result);
}

std::string row(const Verdict& x) {
  return row(x.datatype.empty() ? fmt::format("{} (workload)", x.collective)
                                : fmt::format("{} {} {} {}", x.collective, x.datatype, x.placement, core::format_size(x.bytes)),
             x);
}

std::string range_text(const SizeRange& s) {
  return fmt::format("{}..{}", core::format_size(s.lo), s.hi == UINT64_MAX ? "" : core::format_size(s.hi));
}

std::string level1_md(const Validation& v) {
  std::string o = "\n## Level 1: per collective and size range (ompi-rules.conf, nccl_tuner.conf)\n\n"
                  "Each range's setting measured at the range's measured sizes beside the default. A range's row sums "
                  "its sizes, each once (as the range was chosen); a size's row sums its datatypes, ops and "
                  "placements.\n\n| what | ranks | default us | recommended us | expected | observed [interval] | result |\n"
                  "|---|---|---|---|---|---|---|\n";
  for (const RangeVerdict& rv : v.level1) {
    const Verdict& x = rv.overall;
    const std::string what = fmt::format("{} {}: `{}`", x.collective, range_text(rv.range), plan::describe(rv.range.setting));
    if (!rv.validated) {
      o += fmt::format("| {} | {} | - | - | - | - | {} |\n", what, x.nranks, x.why);
      continue;
    }
    o += row(what, x);
    for (const Verdict& s : rv.per_size) o += row(fmt::format("{} {}", s.collective, core::format_size(s.bytes)), s);
  }
  return o;
}

json verdict_json(const Verdict& x) {
  json j = {{"collective", x.collective}, {"nranks", x.nranks}, {"measured", x.measured}};
  if (!x.datatype.empty()) j.update({{"datatype", x.datatype}, {"op", x.op}, {"placement", x.placement}, {"bytes", x.bytes}});
  if (!x.measured) return j["why"] = x.why, j;
  j.update({{"default_time_us", x.def.t_us}, {"recommended_time_us", x.rec.t_us},
            {"observed", {{"ratio", x.observed}, {"lo", x.observed_lo}, {"hi", x.observed_hi}}},
            {"expected_ratio", x.expected > 0 ? json(x.expected) : json(nullptr)}, {"result", x.result}});
  return j;
}

json range_verdict_json(const RangeVerdict& rv) {
  const SizeRange& s = rv.range;
  json j = verdict_json(rv.overall);
  j.update({{"min_bytes", s.lo}, {"max_bytes", s.hi == UINT64_MAX ? json(nullptr) : json(s.hi)}, {"first_measured", s.first},
            {"last_measured", s.last}, {"setting", s.setting}, {"validated", rv.validated}});
  j["per_size"] = json::array();
  for (const Verdict& x : rv.per_size) {
    json e = verdict_json(x);
    e["bytes"] = x.bytes;
    j["per_size"].push_back(e);
  }
  return j;
}

}  // namespace

std::string validation_md(const Validation& v) {
  std::string o = fmt::format("# collbench tune --validate: {}\n\nRecommended: `{}`, measured again beside the default, interleaved. "
                              "Ratio = default time / recommended time (score time: median, tail-penalised); faster or slower only "
                              "when the confidence intervals part.\n\n",
                              v.held ? "the recommendation held" : "the recommendation did NOT hold", plan::describe(v.recommended));
  const std::string head = "| what | ranks | default us | recommended us | expected | observed [interval] | result |\n|---|---|---|---|---|---|---|\n";
  const char* nothing = "Nothing to validate: levels 2 and 3 recommend the default.\n\n";
  o += "## Per collective (the workload the recommendation was chosen for)\n\n";
  o += v.recommended.empty() ? nothing : head;
  for (const Verdict& x : v.per_collective) o += row(x);
  o += "\n## Per collective and size\n\n";
  o += v.recommended.empty() ? nothing : head;
  for (const Verdict& x : v.per_size) o += row(x);
  if (!v.level1.empty()) o += level1_md(v);
  return o;
}

std::string validation_json(const Validation& v) {
  json j = {{"schema", "collbench.tune.validation"}, {"schema_version", 1}, {"recommended", v.recommended}, {"held", v.held}};
  j["per_collective"] = json::array();
  for (const Verdict& x : v.per_collective) j["per_collective"].push_back(verdict_json(x));
  j["per_size"] = json::array();
  for (const Verdict& x : v.per_size) j["per_size"].push_back(verdict_json(x));
  j["level1_held"] = v.level1_held;
  j["level1"] = json::array();
  for (const RangeVerdict& rv : v.level1) j["level1"].push_back(range_verdict_json(rv));
  return j.dump(1) + "\n";
}

}  // namespace collbench::tune

#include "tune/validate.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/size.hpp"

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

}  // namespace

Validation validate(const TuneInput& tuned, const TuneInput& run, const Recommendation& r, const Workload& w,
                    const TuneOptions& opt) {
  Validation v;
  v.recommended = r.deploy;
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

std::string row(const Verdict& x) {
  const std::string what = x.datatype.empty() ? fmt::format("{} (workload)", x.collective)
                                              : fmt::format("{} {} {} {}", x.collective, x.datatype, x.placement, core::format_size(x.bytes));
  if (!x.measured) return fmt::format("| {} | {} | - | - | - | - | not compared: {} |\n", what, x.nranks, x.why);
  return fmt::format("| {} | {} | {:.4g} | {:.4g} | {} | {:.3f}x [{:.3f}, {:.3f}] | {} |\n", what, x.nranks, x.def.t_us, x.rec.t_us,
                     x.expected > 0 ? fmt::format("{:.3f}x", x.expected) : "-", x.observed, x.observed_lo, x.observed_hi,
                     x.result);
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

}  // namespace

std::string validation_md(const Validation& v) {
  std::string o = fmt::format("# collbench tune --validate: {}\n\nRecommended: `{}`, measured again beside the default, interleaved. "
                              "Ratio = default time / recommended time (score time: median, tail-penalised); faster or slower only "
                              "when the confidence intervals part.\n\n",
                              v.held ? "the recommendation held" : "the recommendation did NOT hold", plan::describe(v.recommended));
  const std::string head = "| what | ranks | default us | recommended us | expected | observed [interval] | result |\n|---|---|---|---|---|---|---|\n";
  o += "## Per collective (the workload the recommendation was chosen for)\n\n" + head;
  for (const Verdict& x : v.per_collective) o += row(x);
  o += "\n## Per collective and size\n\n" + head;
  for (const Verdict& x : v.per_size) o += row(x);
  return o;
}

std::string validation_json(const Validation& v) {
  json j = {{"schema", "collbench.tune.validation"}, {"schema_version", 1}, {"recommended", v.recommended}, {"held", v.held}};
  j["per_collective"] = json::array();
  for (const Verdict& x : v.per_collective) j["per_collective"].push_back(verdict_json(x));
  j["per_size"] = json::array();
  for (const Verdict& x : v.per_size) j["per_size"].push_back(verdict_json(x));
  return j.dump(1) + "\n";
}

}  // namespace collbench::tune

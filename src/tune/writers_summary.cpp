// summary.md and summary.json: per collective and size, the default against the best, with the
// gain, its interval and the confidence; then each level's recommendation.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/size.hpp"
#include "tune/writers.hpp"

namespace collbench::tune {

namespace {

using nlohmann::json;

constexpr int kSummarySchemaVersion = 1;
constexpr std::size_t kRankedInJson = 5;  // candidates listed per cell beyond the winner, default and Pareto front

const Candidate* default_of(const Choice& c) {
  return c.default_index >= 0 ? &c.candidates[static_cast<std::size_t>(c.default_index)] : nullptr;
}

std::string label(const Candidate* c) { return c ? plan::describe(c->setting) : "(none)"; }

std::string pareto_text(const Choice& c) {
  std::string out;
  for (const Candidate& k : c.candidates)
    if (k.pareto) out += (out.empty() ? "" : "; ") + plan::describe(k.setting);
  return out;
}

std::string choice_line(const Choice& c) {
  const Candidate* w = c.best();
  if (!w) return "no candidate with complete, correct results";
  return fmt::format("{} — gain {} ({})", label(w), gain_text(c.gain), c.confidence);
}

json gain_json(const Gain& g) {
  if (!g.known) return nullptr;
  return {{"ratio", g.ratio}, {"lo", g.lo}, {"hi", g.hi}};
}

json candidate_json(const Candidate& c) {
  json j = {{"setting", c.setting}, {"feasible", c.feasible}};
  if (!c.feasible) {
    j["excluded"] = c.excluded;
    return j;
  }
  j["time_us"] = {{"score", c.est.t_us}, {"lo", c.est.lo_us}, {"hi", c.est.hi_us}};
  if (c.est.reps > 0) j.update({{"busbw_gbps", c.est.busbw_gbps}, {"p50_us", c.est.p50_us}, {"p99_us", c.est.p99_us}, {"reps", c.est.reps}});
  j.update({{"tied_with_leader", c.tied_with_leader}, {"beats_default", c.beats_default}, {"pareto", c.pareto}});
  return j;
}

json choice_json(const Choice& c, bool all) {
  json j = {{"confidence", c.confidence}, {"gain", gain_json(c.gain)}};
  j["winner"] = c.best() ? json(c.best()->setting) : json(nullptr);
  j["default"] = default_of(c) ? candidate_json(*default_of(c)) : json(nullptr);
  json ranked = json::array();
  std::size_t listed = 0;
  for (const Candidate& k : c.candidates) {
    if (all || listed < kRankedInJson || k.pareto || &k == c.best()) ranked.push_back(candidate_json(k)), ++listed;
  }
  j["candidates"] = ranked;
  j["candidates_total"] = c.total;
  j["candidates_excluded"] = c.excluded;
  return j;
}

json range_json(const SizeRange& s) {
  return {{"min_bytes", s.lo}, {"max_bytes", s.hi == UINT64_MAX ? json(nullptr) : json(s.hi)}, {"first_measured", s.first},
          {"last_measured", s.last}, {"setting", s.setting}, {"gain_min", s.gain_min}, {"gain_max", s.gain_max},
          {"gain_known", s.gain_known}};
}

}  // namespace

std::string summary_json(const Recommendation& r) {
  const DeployEnv d = deploy_env(r);
  json j = {{"schema", "collbench.tune"}, {"schema_version", kSummarySchemaVersion}, {"backend", r.backend}, {"predicted", r.backend == "model"},
            {"nranks", r.nranks}, {"nodes", r.nodes > 0 ? json(r.nodes) : json(nullptr)}, {"workload", r.workload},
            {"options", {{"tail_weight", r.options.tail_weight}, {"max_p99_vs_default", r.options.max_p99_vs_default}}},
            {"deploy", {{"knobs", r.deploy}, {"env", d.env}, {"nccl_config", d.nccl_config}}},
            {"global", choice_json(r.global, true)}, {"notes", r.notes}};
  json colls = json::array();
  for (const CollectiveRecommendation& c : r.collectives) {
    json cj = {{"collective", c.collective}, {"nranks", c.nranks}};
    cj["per_collective"] = c.has_workload ? choice_json(c.per_collective, true) : json(nullptr);
    json ranges = json::array();
    for (const SizeRange& s : c.ranges) ranges.push_back(range_json(s));
    cj["size_ranges"] = ranges;
    colls.push_back(cj);
  }
  j["collectives"] = colls;
  json cells = json::array();
  for (const CellChoice& cc : r.cells) {
    const Series& s = cc.cell->series;
    json cj = {{"collective", s.collective}, {"datatype", s.datatype}, {"op", s.op}, {"placement", s.placement},
               {"nranks", s.nranks}, {"bytes", cc.cell->bytes}};
    cj.update(choice_json(cc.choice, false));
    cells.push_back(cj);
  }
  j["cells"] = cells;
  if (!r.advice.empty()) {  // only then: summaries without registration or CTA-policy sweeps stay as they were
    json adv = json::array();
    for (const Advice& a : r.advice) {
      json series = json::array();
      for (const AdviceSeries& s : a.series) {
        json steps = json::array();
        for (const AdviceStep& st : s.steps)
          steps.push_back({{"bytes", st.bytes}, {"outcome", st.outcome}, {"gain", st.ratio}, {"gain_lo", st.lo}, {"gain_hi", st.hi}});
        series.push_back({{"collective", s.collective}, {"datatype", s.datatype}, {"placement", s.placement},
                          {"nranks", s.nranks}, {"steps", steps}, {"summary", Advice::describe(s)}});
      }
      adv.push_back({{"knob", a.knob}, {"value", a.value}, {"what", a.what}, {"deployed", false}, {"series", series}});
    }
    j["advice"] = adv;
  }
  if (r.standin) j["standin"] = true;  // only then: summaries from GPUs stay as they were
  return j.dump(1) + "\n";
}

std::string summary_md(const Recommendation& r) {
  const DeployEnv d = deploy_env(r);
  std::string o = fmt::format("# collbench tune: {} backend, {} ranks{}\n\n", r.backend, r.nranks,
                              r.nodes > 0 ? fmt::format(", {} nodes", r.nodes) : "");
  if (r.backend == "model")
    o += "> **Predicted, not measured:** these results come from NCCL's cost model for a described topology (reports/MODEL.md). "
         "NCCL's default is the model's own argmin, so a forced setting can only tie or lose here; confirm any setting "
         "on the machine.\n\n";
  if (r.standin)
    o += "> **GPU stand-in, not a GPU:** these results were measured on collbench's CPU stand-ins for CUDA and NCCL "
         "(tests/standin); their times are simulated. Nothing here is a recommendation for real GPUs.\n\n";
  o += fmt::format("Workload: {}. Score: busbw of the median time, penalised by 1 + {} x (p99/p50 - 1); a candidate's p99 "
                   "may not exceed {} x the default's. Settings whose confidence intervals overlap the default's are ties, and "
                   "ties go to the default. Gain = default time / recommended time [interval] (reports/TUNE.md).\n\n",
                   r.workload, r.options.tail_weight, r.options.max_p99_vs_default);
  o += "## Deploy (levels 2 and 3)\n\n";
  if (d.env.empty() && d.nccl_config.empty()) o += "Nothing to set: no setting beats the default beyond noise.\n";
  for (const auto& [k, v] : d.env) o += fmt::format("- `{}={}`\n", k, v);
  for (const auto& [k, v] : d.nccl_config) o += fmt::format("- ncclConfig_t.{} = {} (no environment variable carries it)\n", k, v);
  o += fmt::format("\nGlobal settings (level 3): {}\n\n", r.global.confidence == "not swept" ? "none swept" : choice_line(r.global));
  o += "| collective | ranks | per-collective setting (level 2) | gain | confidence |\n|---|---|---|---|---|\n";
  for (const CollectiveRecommendation& c : r.collectives)
    if (c.has_workload)
      o += fmt::format("| {} | {} | {} | {} | {} |\n", c.collective, c.nranks, label(c.per_collective.best()),
                       gain_text(c.per_collective.gain), c.per_collective.confidence);
  o += "\n## Per size range (level 1)\n\n| collective | ranks | sizes | setting | gain over the measured sizes |\n|---|---|---|---|---|\n";
  for (const CollectiveRecommendation& c : r.collectives)
    for (const SizeRange& s : c.ranges)
      o += fmt::format("| {} | {} | {}..{} | {} | {} |\n", c.collective, c.nranks, core::format_size(s.lo),
                       s.hi == UINT64_MAX ? "" : core::format_size(s.hi), plan::describe(s.setting),
                       s.gain_known ? fmt::format("{:.3f}x..{:.3f}x", s.gain_min, s.gain_max) : "unknown");
  o += "\n## Per collective and size\n\n"
       "| collective | type | op | placement | ranks | size | default busbw GB/s | default p99 us | best | busbw GB/s | p99 us | "
       "gain | confidence | Pareto front (busbw vs p99) |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const CellChoice& cc : r.cells) {
    const Series& s = cc.cell->series;
    const Candidate* def = default_of(cc.choice);
    const Candidate* w = cc.choice.best();
    o += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", s.collective, s.datatype, s.op,
                     s.placement, s.nranks, core::format_size(cc.cell->bytes), def ? fmt::format("{:.4g}", def->est.busbw_gbps) : "-",
                     def ? fmt::format("{:.4g}", def->est.p99_us) : "-", label(w), w ? fmt::format("{:.4g}", w->est.busbw_gbps) : "-",
                     w ? fmt::format("{:.4g}", w->est.p99_us) : "-", gain_text(cc.choice.gain), cc.choice.confidence,
                     pareto_text(cc.choice));
  }
  if (!r.advice.empty()) {
    o += "\n## The application's choices (advice: no env file or rule sets them)\n\n"
         "Gain = default time / time with the value [interval]; \"tie\" where the two confidence intervals overlap.\n\n";
    for (const Advice& a : r.advice) {
      o += fmt::format("- **{}={}** ({}):\n", a.knob, a.value, a.what);
      for (const AdviceSeries& s : a.series) o += "  - " + Advice::describe(s) + "\n";
    }
  }
  if (!r.notes.empty()) {
    o += "\n## Notes\n\n";
    for (const auto& n : r.notes) o += "- " + n + "\n";
  }
  return o;
}

}  // namespace collbench::tune

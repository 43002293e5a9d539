#include "tune/choose.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/collective.hpp"
#include "core/error.hpp"
#include "core/size.hpp"

namespace collbench::tune {

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double penalty(const Estimate& e, const TuneOptions& opt) {
  const double tail = e.p50_us > 0 ? e.p99_us / e.p50_us : 1.0;
  return 1.0 + opt.tail_weight * std::max(0.0, tail - 1.0);
}

std::string where(const Cell& c) {
  return fmt::format("{} {} {}", c.series.collective, c.series.datatype, core::format_size(c.bytes));
}

}  // namespace

plan::Config resolve(const std::string& backend, const plan::Config& setting, const std::string& coll) {
  const core::Collective c = core::parse_collectives(coll).at(0);
  plan::Config out;
  for (const auto& [name, value] : setting) {
    const plan::Knob* k = plan::find_knob(backend, name);
    if (!k) {
      out[name] = value;  // a knob this build does not know: keep it, so it is never mistaken for the default
      continue;
    }
    if (auto v = plan::restrict_to(*k, value, c)) out[name] = *v;
  }
  return out;
}

std::optional<Estimate> estimate_at(const TuneInput& in, const Cell& cell, const plan::Config& config, std::string* why) {
  const int id = in.find_config(plan::describe(config));
  const ConfigCell* cc = id >= 0 ? cell.find(id) : nullptr;
  if (!cc) {
    if (why) *why = fmt::format("not measured at {}", where(cell));
    return std::nullopt;
  }
  if (!cc->complete()) {
    if (why) *why = fmt::format("at {}: {}", where(cell), cc->problems.empty() ? "no repetition" : cc->problems.front());
    return std::nullopt;
  }
  std::vector<double> p50, p99, bw;
  Estimate e;
  e.lo_us = std::numeric_limits<double>::infinity();
  for (const Rep& r : cc->reps) {
    p50.push_back(r.p50_us);
    p99.push_back(r.p99_us);
    bw.push_back(r.busbw_gbps);
    e.lo_us = std::min(e.lo_us, r.ci_lo_us);
    e.hi_us = std::max(e.hi_us, r.ci_hi_us);
  }
  e.p50_us = e.t_us = median(p50);
  e.p99_us = median(p99);
  e.busbw_gbps = median(bw);
  e.reps = static_cast<int>(cc->reps.size());
  return e;
}

namespace {

// Sums a setting over the weighted cells; false (with the reason) when it is not a candidate.
bool evaluate(const TuneInput& in, const std::vector<WeightedCell>& cells, Candidate& c,
              const std::vector<std::optional<Estimate>>& defaults, const TuneOptions& opt) {
  c.est = Estimate{};
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const Cell& cell = *cells[i].cell;
    const double w = cells[i].weight;
    std::string why;
    const auto e = estimate_at(in, cell, resolve(in.backend, c.setting, cell.series.collective), &why);
    if (!e) return c.excluded = why, false;
    if (opt.max_p99_vs_default > 0 && defaults[i] && e->p99_us > opt.max_p99_vs_default * defaults[i]->p99_us)
      return c.excluded = fmt::format("p99 {:.4g} us at {} is over {} x the default's {:.4g} us", e->p99_us, where(cell),
                                      opt.max_p99_vs_default, defaults[i]->p99_us),
             false;
    const double f = penalty(*e, opt);
    c.est.t_us += w * e->t_us * f;
    c.est.lo_us += w * e->lo_us * f;
    c.est.hi_us += w * e->hi_us * f;
    if (cells.size() == 1) {
      c.est.p50_us = e->p50_us;
      c.est.p99_us = e->p99_us;
      c.est.busbw_gbps = e->busbw_gbps;
      c.est.reps = e->reps;
    }
  }
  return true;
}

void mark_pareto(std::vector<Candidate>& cs) {
  for (Candidate& a : cs) {
    if (!a.feasible) continue;
    a.pareto = std::none_of(cs.begin(), cs.end(), [&](const Candidate& b) {
      return &a != &b && b.feasible && b.est.busbw_gbps >= a.est.busbw_gbps && b.est.p99_us <= a.est.p99_us &&
             (b.est.busbw_gbps > a.est.busbw_gbps || b.est.p99_us < a.est.p99_us);
    });
  }
}

}  // namespace

Choice choose(const TuneInput& in, const std::vector<WeightedCell>& cells, const std::vector<plan::Config>& settings,
              const TuneOptions& opt) {
  Choice ch;
  std::vector<plan::Config> all = settings;
  if (std::find(all.begin(), all.end(), plan::Config{}) == all.end()) all.insert(all.begin(), plan::Config{});
  std::vector<std::optional<Estimate>> defaults;
  for (const WeightedCell& wc : cells) defaults.push_back(estimate_at(in, *wc.cell, {}, nullptr));
  for (const plan::Config& s : all) {
    Candidate c;
    c.setting = s;
    c.knob_count = static_cast<int>(s.size());
    c.feasible = !cells.empty() && evaluate(in, cells, c, defaults, opt);
    if (cells.empty()) c.excluded = "no measured cell";
    ch.candidates.push_back(std::move(c));
  }
  std::stable_sort(ch.candidates.begin(), ch.candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.feasible != b.feasible) return a.feasible;
    return a.feasible && a.est.t_us < b.est.t_us;
  });
  if (cells.size() == 1) mark_pareto(ch.candidates);
  for (std::size_t i = 0; i < ch.candidates.size(); ++i)
    if (ch.candidates[i].setting.empty() && ch.candidates[i].feasible) ch.default_index = static_cast<int>(i);
  if (ch.candidates.empty() || !ch.candidates.front().feasible) {
    ch.confidence = "none";
    return ch;
  }
  const Candidate& leader = ch.candidates.front();
  const Candidate* def = ch.default_index >= 0 ? &ch.candidates[static_cast<std::size_t>(ch.default_index)] : nullptr;
  int best = -1;
  for (std::size_t i = 0; i < ch.candidates.size(); ++i) {
    Candidate& c = ch.candidates[i];
    if (!c.feasible) continue;
    c.tied_with_leader = c.est.lo_us <= leader.est.hi_us;
    c.beats_default = def && !c.setting.empty() && c.est.hi_us < def->est.lo_us;
    if (!c.tied_with_leader || (def && !c.beats_default)) continue;
    const Candidate* b = best >= 0 ? &ch.candidates[static_cast<std::size_t>(best)] : nullptr;
    if (!b || c.knob_count < b->knob_count || (c.knob_count == b->knob_count && c.est.t_us < b->est.t_us))
      best = static_cast<int>(i);
  }
  if (def && best < 0) {
    ch.winner = ch.default_index;
    ch.winner_is_default = true;
    ch.confidence = "tie";
  } else {
    ch.winner = best;
    ch.winner_is_default = ch.candidates[static_cast<std::size_t>(best)].setting.empty();
    ch.confidence = def ? "significant" : "no default";
  }
  if (def) {
    const Estimate& w = ch.candidates[static_cast<std::size_t>(ch.winner)].est;
    ch.gain = Gain{true, def->est.t_us / w.t_us, def->est.lo_us / w.hi_us, def->est.hi_us / w.lo_us};
  }
  return ch;
}

}  // namespace collbench::tune

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

namespace {

// The estimate of one configuration at one cell, without allocating (repetitions are few).
std::optional<Estimate> estimate_of(const ConfigCell& cc) {
  if (!cc.complete()) return std::nullopt;
  // Repetitions are few: on the stack up to kMax, on the heap beyond.
  constexpr std::size_t kMax = 16;
  const std::size_t n = cc.reps.size();
  double stack[3 * kMax] = {};
  std::vector<double> heap(n > kMax ? 3 * n : 0);
  double* p50 = n > kMax ? heap.data() : stack;
  double* p99 = p50 + n;
  double* bw = p99 + n;
  Estimate e;
  e.lo_us = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < n; ++i) {
    const Rep& r = cc.reps[i];
    p50[i] = r.p50_us, p99[i] = r.p99_us, bw[i] = r.busbw_gbps;
    e.lo_us = std::min(e.lo_us, r.ci_lo_us);
    e.hi_us = std::max(e.hi_us, r.ci_hi_us);
  }
  auto median = [n](double* v) {
    std::sort(v, v + n);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  };
  e.p50_us = e.t_us = median(p50);
  e.p99_us = median(p99);
  e.busbw_gbps = median(bw);
  e.reps = static_cast<int>(n);
  return e;
}

std::string problem_of(const Cell& cell, const ConfigCell& cc) {
  return fmt::format("at {}: {}", where(cell), cc.problems.empty() ? "no repetition" : cc.problems.front());
}

}  // namespace

namespace {

// Adds one cell's estimate to a candidate; false (with the reason) when it is not a candidate there.
bool accumulate(Candidate& c, const Cell& cell, const ConfigCell* cc, double w, const std::optional<Estimate>& def,
                const TuneOptions& opt, bool single) {
  if (!cc) return c.excluded = fmt::format("not measured at {}", where(cell)), false;
  const auto e = estimate_of(*cc);
  if (!e) return c.excluded = problem_of(cell, *cc), false;
  if (opt.max_p99_vs_default > 0 && def && e->p99_us > opt.max_p99_vs_default * def->p99_us)
    return c.excluded = fmt::format("p99 {:.4g} us at {} is over {} x the default's {:.4g} us", e->p99_us, where(cell),
                                    opt.max_p99_vs_default, def->p99_us),
           false;
  const double f = penalty(*e, opt);
  c.est.t_us += w * e->t_us * f;
  c.est.lo_us += w * e->lo_us * f;
  c.est.hi_us += w * e->hi_us * f;
  if (single) {
    c.est.p50_us = e->p50_us;
    c.est.p99_us = e->p99_us;
    c.est.busbw_gbps = e->busbw_gbps;
    c.est.reps = e->reps;
  }
  return true;
}

// Not dominated in (busbw up, p99 down): sorted by busbw, a candidate is on the front when no
// candidate of higher busbw has a p99 as low, and none of equal busbw a lower one.
void mark_pareto(std::vector<Candidate>& cs) {
  std::vector<Candidate*> f;
  for (Candidate& c : cs)
    if (c.feasible) f.push_back(&c);
  std::sort(f.begin(), f.end(), [](const Candidate* a, const Candidate* b) {
    return a->est.busbw_gbps != b->est.busbw_gbps ? a->est.busbw_gbps > b->est.busbw_gbps : a->est.p99_us < b->est.p99_us;
  });
  double best_higher = std::numeric_limits<double>::infinity();  // lowest p99 among strictly higher busbw
  for (std::size_t i = 0; i < f.size();) {
    std::size_t j = i;
    while (j < f.size() && f[j]->est.busbw_gbps == f[i]->est.busbw_gbps) ++j;
    const double group_min = f[i]->est.p99_us;
    for (std::size_t k = i; k < j; ++k) f[k]->pareto = f[k]->est.p99_us == group_min && group_min < best_higher;
    best_higher = std::min(best_higher, group_min);
    i = j;
  }
}

// Ranks evaluated candidates and applies the noise rule.
void decide(Choice& ch, bool single) {
  std::stable_sort(ch.candidates.begin(), ch.candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.feasible != b.feasible) return a.feasible;
    return a.feasible && a.est.t_us < b.est.t_us;
  });
  if (single) mark_pareto(ch.candidates);
  for (std::size_t i = 0; i < ch.candidates.size(); ++i)
    if (ch.candidates[i].is_default && ch.candidates[i].feasible) ch.default_index = static_cast<int>(i);
  ch.total = ch.candidates.size();
  ch.excluded = static_cast<std::size_t>(std::count_if(ch.candidates.begin(), ch.candidates.end(), [](const Candidate& c) { return !c.feasible; }));
  if (ch.candidates.empty() || !ch.candidates.front().feasible) {
    ch.confidence = "none";
    return;
  }
  const Candidate& leader = ch.candidates.front();
  const Candidate* def = ch.default_index >= 0 ? &ch.candidates[static_cast<std::size_t>(ch.default_index)] : nullptr;
  int best = -1;
  for (std::size_t i = 0; i < ch.candidates.size(); ++i) {
    Candidate& c = ch.candidates[i];
    if (!c.feasible) continue;
    c.tied_with_leader = c.est.lo_us <= leader.est.hi_us;
    c.beats_default = def && !c.is_default && c.est.hi_us < def->est.lo_us;
    if (!c.tied_with_leader || (def && !c.beats_default)) continue;
    const Candidate* b = best >= 0 ? &ch.candidates[static_cast<std::size_t>(best)] : nullptr;
    if (!b || c.knob_count < b->knob_count || (c.knob_count == b->knob_count && c.est.t_us < b->est.t_us))
      best = static_cast<int>(i);
  }
  if (def && best < 0) {
    ch.winner = ch.default_index;
    ch.confidence = "tie";
  } else {
    ch.winner = best;
    ch.confidence = def ? "significant" : "no default";
  }
  if (def) {
    const Estimate& w = ch.best()->est;
    ch.gain = Gain{true, def->est.t_us / w.t_us, def->est.lo_us / w.hi_us, def->est.hi_us / w.lo_us};
  }
}

constexpr std::size_t kKeptPerCell = 5;

const ConfigCell* default_cell(const TuneInput& in, const Cell& cell) {
  const int id = in.find_config("default");
  return id >= 0 ? cell.find(id) : nullptr;
}

}  // namespace

Choice choose(const TuneInput& in, const std::vector<WeightedCell>& cells, const std::vector<plan::Config>& settings,
              const TuneOptions& opt) {
  Choice ch;
  std::vector<plan::Config> all = settings;
  if (std::find(all.begin(), all.end(), plan::Config{}) == all.end()) all.insert(all.begin(), plan::Config{});
  std::vector<std::optional<Estimate>> defaults;
  for (const WeightedCell& wc : cells) {
    const ConfigCell* d = default_cell(in, *wc.cell);
    defaults.push_back(d ? estimate_of(*d) : std::nullopt);
  }
  for (const plan::Config& s : all) {
    Candidate c;
    c.setting = s;
    c.is_default = s.empty();
    c.knob_count = static_cast<int>(s.size());
    c.feasible = !cells.empty();
    if (cells.empty()) c.excluded = "no measured cell";
    std::vector<std::pair<std::string, int>> resolved;  // collective -> configuration, once each
    for (std::size_t i = 0; i < cells.size() && c.feasible; ++i) {
      const Cell& cell = *cells[i].cell;
      auto r = std::find_if(resolved.begin(), resolved.end(), [&](const auto& p) { return p.first == cell.series.collective; });
      if (r == resolved.end())
        r = resolved.insert(resolved.end(), {cell.series.collective, in.find_config(plan::describe(resolve(in.backend, s, cell.series.collective)))});
      c.feasible = accumulate(c, cell, r->second >= 0 ? cell.find(r->second) : nullptr, cells[i].weight, defaults[i], opt, cells.size() == 1);
    }
    ch.candidates.push_back(std::move(c));
  }
  decide(ch, cells.size() == 1);
  return ch;
}

Choice choose_cell(const TuneInput& in, const Cell& cell, const TuneOptions& opt) {
  Choice ch;
  const ConfigCell* d = default_cell(in, cell);
  const std::optional<Estimate> def = d ? estimate_of(*d) : std::nullopt;
  if (!d) {
    Candidate c;
    c.is_default = true;
    c.excluded = fmt::format("not measured at {}", where(cell));
    ch.candidates.push_back(std::move(c));
  }
  for (const ConfigCell& cc : cell.configs) {
    Candidate c;
    const plan::Config& k = in.configs[static_cast<std::size_t>(cc.config)].knobs;
    c.is_default = k.empty();
    c.knob_count = static_cast<int>(k.size());
    c.config = cc.config;  // its setting is copied below, for the candidates kept only
    c.feasible = accumulate(c, cell, &cc, 1.0, def, opt, true);
    ch.candidates.push_back(std::move(c));
  }
  decide(ch, true);
  std::vector<Candidate> kept;
  int winner = -1, def_index = -1;
  for (std::size_t i = 0; i < ch.candidates.size(); ++i) {
    Candidate& c = ch.candidates[i];
    const bool is_winner = static_cast<int>(i) == ch.winner, is_def = static_cast<int>(i) == ch.default_index;
    if (i >= kKeptPerCell && !c.pareto && !is_winner && !is_def && !(c.is_default && !c.feasible)) continue;
    if (is_winner) winner = static_cast<int>(kept.size());
    if (is_def) def_index = static_cast<int>(kept.size());
    if (c.config >= 0) c.setting = in.configs[static_cast<std::size_t>(c.config)].knobs;
    kept.push_back(std::move(c));
  }
  ch.candidates = std::move(kept);
  ch.winner = winner;
  ch.default_index = def_index;
  return ch;
}

}  // namespace collbench::tune

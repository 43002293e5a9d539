#include "tune/recommend.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/error.hpp"

namespace collbench::tune {

namespace {

constexpr const char* kTestKnob = "COLLBENCH_INJECT";

bool is_list_knob(const std::string& backend, const std::string& knob) {
  const plan::Knob* k = plan::find_knob(backend, knob);
  return k && (k->kind == plan::ValueKind::algo_list || k->kind == plan::ValueKind::proto_list);
}

bool has_test_knob(const plan::Config& c) { return c.count(kTestKnob) > 0; }

// Registration and the CTA policy are the application's to choose: advice (tune/advice.hpp),
// never a level of the recommendation.
bool has_advice_knob(const std::string& backend, const plan::Config& c) {
  return std::any_of(c.begin(), c.end(), [&](const auto& kv) {
    const plan::Knob* k = plan::find_knob(backend, kv.first);
    return k && k->advice;
  });
}

bool all_per_collective(const std::string& backend, const plan::Config& c) {
  return std::all_of(c.begin(), c.end(), [&](const auto& kv) { return is_per_collective_knob(backend, kv.first); });
}

bool all_global(const std::string& backend, const plan::Config& c) {
  return std::none_of(c.begin(), c.end(), [&](const auto& kv) { return is_per_collective_knob(backend, kv.first); });
}

// What a per-size mechanism can apply: NCCL's tuner plugin picks one algorithm and/or one
// protocol; Open MPI's rules file an algorithm with its segment size and fanout.
bool per_size_expressible(const std::string& backend, const plan::Config& c) {
  if (!all_per_collective(backend, c)) return false;
  if (backend == "mpi") return true;
  return std::all_of(c.begin(), c.end(), [](const auto& kv) {
    const std::string& v = kv.second;  // "allreduce:ring"
    return v.find(';') == std::string::npos && v.find(',') == std::string::npos && v.find('^') == std::string::npos;
  });
}

template <class Pred>
std::vector<plan::Config> settings_in(const TuneInput& in, const std::vector<const Cell*>& cells, Pred keep) {
  std::set<int> ids;
  for (const Cell* c : cells)
    for (const ConfigCell& cc : c->configs) ids.insert(cc.config);
  std::vector<plan::Config> out;
  for (int id : ids) {
    const plan::Config& k = in.configs[static_cast<std::size_t>(id)].knobs;
    if (!k.empty() && !has_test_knob(k) && !has_advice_knob(in.backend, k) && keep(k)) out.push_back(k);
  }
  return out;
}

std::vector<SizeRange> merge_ranges(const std::vector<SizeStep>& steps) {
  std::vector<SizeRange> out;
  for (const SizeStep& s : steps) {
    const plan::Config setting = s.choice.best() ? s.choice.best()->setting : plan::Config{};
    const double g = s.choice.gain.known ? s.choice.gain.ratio : 1.0;
    if (!out.empty() && out.back().setting == setting) {
      SizeRange& r = out.back();
      r.last = s.bytes;
      r.gain_min = std::min(r.gain_min, g);
      r.gain_max = std::max(r.gain_max, g);
      r.gain_known = r.gain_known && s.choice.gain.known;
      continue;
    }
    if (!out.empty()) {  // the boundary: the geometric midpoint of the neighbouring measured sizes
      const auto mid = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(out.back().last) * static_cast<double>(s.bytes)));
      out.back().hi = std::max(out.back().last, std::min(mid, s.bytes - 1));
    }
    SizeRange r;
    r.lo = out.empty() ? 0 : out.back().hi + 1;
    r.first = r.last = s.bytes;
    r.setting = setting;
    r.gain_min = r.gain_max = g;
    r.gain_known = s.choice.gain.known;
    out.push_back(std::move(r));
  }
  return out;
}

CollectiveRecommendation per_size(const TuneInput& in, const std::string& coll, int nranks, const TuneOptions& opt) {
  CollectiveRecommendation cr;
  cr.collective = coll;
  cr.nranks = nranks;
  std::map<std::uint64_t, std::vector<const Cell*>> by_size;
  for (const Cell& c : in.cells)
    if (c.series.collective == coll && c.series.nranks == nranks) by_size[c.bytes].push_back(&c);
  for (const auto& [bytes, cells] : by_size) {
    std::vector<WeightedCell> wc;
    for (const Cell* c : cells) wc.push_back({c, 1.0});
    const auto settings = settings_in(in, cells, [&](const plan::Config& k) { return per_size_expressible(in.backend, k); });
    cr.steps.push_back({bytes, choose(in, wc, settings, opt)});
  }
  cr.ranges = merge_ranges(cr.steps);
  return cr;
}

plan::Config merge_deploy(const std::string& backend, const Recommendation& r) {
  plan::Config out;
  if (r.global.best()) out = r.global.best()->setting;
  std::map<std::string, std::vector<std::string>> lists;  // NCCL_ALGO -> ["allreduce:tree", …]
  for (const CollectiveRecommendation& c : r.collectives) {
    if (c.nranks != r.nranks || !c.has_workload || !c.per_collective.best()) continue;
    for (const auto& [k, v] : c.per_collective.best()->setting) {
      if (is_list_knob(backend, k)) lists[k].push_back(v);
      else out[k] = v;
    }
  }
  for (const auto& [k, entries] : lists)
    out[k] = plan::canonical_value(plan::knob_or_throw(backend, k), fmt::format("{}", fmt::join(entries, ";")));
  return out;
}

}  // namespace

bool is_per_collective_knob(const std::string& backend, const std::string& knob) {
  if (knob == kTestKnob) return false;
  const plan::Knob* k = plan::find_knob(backend, knob);
  if (!k) return false;
  if (backend == "mpi") return !k->collectives.empty();
  return k->kind == plan::ValueKind::algo_list || k->kind == plan::ValueKind::proto_list;
}

Recommendation recommend(const TuneInput& in, const Workload& w, const TuneOptions& opt) {
  Recommendation r;
  r.backend = in.backend;
  r.options = opt;
  r.workload = w.uniform() ? "uniform over the measured sizes" : fmt::format("{}{}", w.source, w.name.empty() ? "" : " (" + w.name + ")");
  for (const StoreInfo& s : in.stores) {
    r.nodes = std::max(r.nodes, s.nodes);
    r.standin = r.standin || s.standin;
  }
  for (const Cell& c : in.cells) r.cells.push_back({&c, choose_cell(in, c, opt)});
  std::map<int, std::size_t> cells_per_ranks;
  std::set<std::pair<int, std::string>> series;
  for (const Cell& c : in.cells) {
    ++cells_per_ranks[c.series.nranks];
    series.insert({c.series.nranks, c.series.collective});
  }
  for (const auto& [n, count] : cells_per_ranks)
    if (r.nranks == 0 || count >= cells_per_ranks[r.nranks]) r.nranks = n;
  if (cells_per_ranks.size() > 1)
    r.notes.push_back(fmt::format("the stores hold {} rank counts; the per-collective and global settings are chosen for "
                                  "{} ranks (the most cells); the per-size rules cover each", cells_per_ranks.size(), r.nranks));
  std::vector<WeightedCell> everything;
  std::vector<const Cell*> main_cells;
  for (const auto& [n, coll] : series) {
    CollectiveRecommendation cr = per_size(in, coll, n, opt);
    if (n == r.nranks) {
      const auto wc = weigh(in, w, coll, n, &r.notes);
      std::vector<const Cell*> cells;
      for (const Cell& c : in.cells)
        if (c.series.collective == coll && c.series.nranks == n) cells.push_back(&c), main_cells.push_back(&c);
      cr.has_workload = !wc.empty();
      if (cr.has_workload) {
        const auto settings = settings_in(in, cells, [&](const plan::Config& k) { return all_per_collective(in.backend, k); });
        cr.per_collective = choose(in, wc, settings, opt);
      }
      everything.insert(everything.end(), wc.begin(), wc.end());
    }
    r.collectives.push_back(std::move(cr));
  }
  const auto globals = settings_in(in, main_cells, [&](const plan::Config& k) { return all_global(in.backend, k); });
  r.global = choose(in, everything, globals, opt);
  if (globals.empty()) r.global.confidence = "not swept";
  r.deploy = merge_deploy(in.backend, r);
  r.advice = advise(in, opt);
  return r;
}

}  // namespace collbench::tune

#include "check/evaluate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/collective.hpp"
#include "core/size.hpp"
#include "plan/groups.hpp"

namespace collbench::check {

std::string Verdict::verdict() const {
  return code == core::ExitCode::run_failed ? "RUN FAILED" : code == core::ExitCode::wrong ? "FAIL" : "PASS";
}

std::string Verdict::headline() const {
  const int total = passed + failed + errors + skipped;
  std::string s = fmt::format("{}: {} checks, {} passed, {} failed, {} errors, {} skipped", verdict(), total, passed, failed,
                              errors, skipped);
  if (!run_failures.empty()) s += "; " + run_failures.front();
  if (!named.empty()) s += "; suspect: " + named.front();
  return s;
}

namespace {

std::string suite_of(const CaseKey& k) {
  return k.scope == "world" ? k.collective : k.collective + (k.scope == "node" ? " per node" : " pairs");
}

std::string case_name(const CaseKey& k) {
  std::string s = fmt::format("{} {}", core::format_size(k.bytes), k.datatype);
  if (k.op != "none") s += " " + k.op;
  return s + " " + k.placement + fmt::format(" {}r", k.nranks);
}

class Evaluator {
 public:
  Evaluator(const Inputs& in, const CheckOptions& opt) : m_in(in), m_opt(opt) {
    std::set<std::pair<int, int>> runs;
    for (const Observation& o : in.obs) runs.insert({o.input, o.rep});
    m_many_runs = runs.size() > 1;
  }

  Verdict run() {
    for (const Source& s : m_in.sources)
      for (const std::string& f : s.run_failures) m_v.run_failures.push_back(f);
    for (std::size_t i = 0; i < m_in.obs.size(); ++i) observation(m_in.obs[i]);
    present();
    peers();
    name_suspects();
    for (const Item& it : m_v.items) {
      if (it.status == "pass") ++m_v.passed;
      else if (it.status == "fail") ++m_v.failed;
      else if (it.status == "error") ++m_v.errors;
      else ++m_v.skipped;
    }
    m_v.code = (!m_v.run_failures.empty() || m_v.errors > 0) ? core::ExitCode::run_failed
               : m_v.failed > 0                              ? core::ExitCode::wrong
                                                             : core::ExitCode::ok;
    return std::move(m_v);
  }

 private:
  Item& add(const Observation* o, const CaseKey& key, const std::string& rule, const std::string& status) {
    Item it;
    it.suite = suite_of(key);
    it.classname = "collbench.check." + key.collective + (key.scope == "world" ? "" : "." + key.scope);
    it.key = key;
    it.rule = rule;
    it.status = status;
    it.label = case_name(key);
    it.name = rule + " " + it.label;
    if (o != nullptr) {
      it.group = o->group_label();
      it.where = o->where;
      if (!it.group.empty()) it.name += " [" + it.group + "]";
      if (m_many_runs) it.name += o->rep > 0 ? fmt::format(" ({} rep {})", m_in.sources[static_cast<std::size_t>(o->input)].path, o->rep)
                                             : fmt::format(" ({})", m_in.sources[static_cast<std::size_t>(o->input)].path);
      it.time_s = o->rec.time_us.mean * o->rec.iters / 1e6;
    }
    m_v.items.push_back(std::move(it));
    return m_v.items.back();
  }

  // Where a failing case points: the world's straggler, or the ranks with wrong elements.
  std::string blame(const Observation& o) {
    std::string s;
    if (o.rec.straggler) {
      const results::Straggler& st = *o.rec.straggler;
      s = fmt::format("; straggler rank {} on host {} (outside the call {:.1f} us per iteration vs {:.1f} us for the others)",
                      st.rank, st.host, st.outside_call_us, st.others_us);
      m_stragglers[{st.rank, st.host}].insert(&o);  // cases, not failing rules
    }
    return s;
  }

  void observation(const Observation& o) {
    const CaseKey key = o.key();
    const results::ResultRecord& r = o.rec;
    const Limits lim = m_opt.rules.for_case(key);
    if (r.status == "failed" || r.status == "timeout") {
      add(&o, key, "run", "error").message =
          fmt::format("{}: {} {}: {}", o.where, key.describe(), r.status == "timeout" ? "timed out" : "failed", r.error);
      m_v.run_failures.push_back(fmt::format("{}: {} {}", o.where, key.describe(), r.status == "timeout" ? "timed out" : "failed"));
      return;
    }
    if (r.status == "skipped") {
      add(&o, key, "run", "skipped").message = fmt::format("{} was skipped: {}", key.describe(), r.error);
      return;
    }
    if (r.backend_notes.count("standin")) m_v.standin = true;
    // wrong == 0
    if (r.backend_notes.count("predicted")) {
      add(&o, key, "wrong", "skipped").message = fmt::format("{}: a prediction: nothing ran, nothing to verify", key.describe());
    } else if (!r.checked || r.wrong < 0) {
      add(&o, key, "wrong", lim.require_verified ? "fail" : "skipped").message =
          fmt::format("{}: results were not verified (run with --check 1)", key.describe());
    } else if (r.wrong > 0) {
      std::string ranks;
      for (const results::RankSummary& rs : r.per_rank)
        if (rs.wrong > 0) {
          ranks += fmt::format("{}rank {} on host {} ({} elements)", ranks.empty() ? "" : ", ", rs.rank, rs.host, rs.wrong);
          m_wrong_ranks[{rs.rank, rs.host}].insert(&o);
        }
      Item& it = add(&o, key, "wrong", "fail");
      it.measured = static_cast<double>(r.wrong);
      it.limit = 0;
      it.message = fmt::format("{}: {} wrong elements{}{}", key.describe(), r.wrong, ranks.empty() ? "" : "; wrong on ", ranks);
      if (!o.group_label().empty()) it.message += " [" + o.group_label() + "]";
    } else {
      add(&o, key, "wrong", "pass").measured = 0;
    }
    if (r.time_us.n == 0 || !(r.time_us.p50 > 0)) return;
    if (m_opt.baseline != nullptr)
      if (const Expectation* e = m_opt.baseline->find(key)) against_baseline(o, key, lim, *e);
    if (m_opt.expect != nullptr)
      for (const AbsoluteExpectation& x : m_opt.expect->items)
        if (x.matches(key)) absolute(o, key, lim, x);
    if (m_opt.model && lim.model_min) against_model(o, key, lim);
  }

  // --model: the busbw the fastest plausible median time gives, against a fraction of the
  // prediction of NCCL's cost model for the described topology.
  void against_model(const Observation& o, const CaseKey& key, const Limits& lim) {
    const ModelPrediction p = m_opt.model(o, m_in.sources[static_cast<std::size_t>(o.input)]);
    if (!p.why_not.empty()) {
      add(&o, key, "model_busbw", "skipped").message = fmt::format("{}: no prediction: {}", key.describe(), p.why_not);
      return;
    }
    const results::ResultRecord& r = o.rec;
    const double best = r.busbw_gbps * r.time_us.p50 / fastest_plausible_us(r, lim.noise_aware);
    const double limit = *lim.model_min * p.busbw_gbps;
    Item& it = add(&o, key, "model_busbw", best < limit ? "fail" : "pass");
    it.unit = "GB/s";
    it.measured = r.busbw_gbps;
    it.reference = p.busbw_gbps;
    it.limit = limit;
    if (it.status == "fail")
      it.message = fmt::format("{}: busbw {:.4g} GB/s is {:.1f}% of the predicted {:.4g} GB/s ({} {}, NCCL's cost model for {}); "
                               "the limit is {:.0f}%",
                               key.describe(), r.busbw_gbps, 100.0 * r.busbw_gbps / p.busbw_gbps, p.busbw_gbps, p.basis, p.cell,
                               m_opt.model_name, 100.0 * *lim.model_min);
    finish_fail(it, o);
  }

  // The run's own noise: the optimistic end of its median's confidence interval.
  static double fastest_plausible_us(const results::ResultRecord& r, bool noise) {
    if (!noise) return r.time_us.p50;
    const double lo = r.time_us.median_ci.lo;
    return lo > 0 && lo <= r.time_us.p50 ? lo : r.time_us.p50;
  }

  void finish_fail(Item& it, const Observation& o) {
    if (it.status == "fail" && !it.group.empty()) it.message += " [" + it.group + "]";
    if (it.status == "fail") it.message += blame(o);
  }

  void against_baseline(const Observation& o, const CaseKey& key, const Limits& lim, const Expectation& e) {
    const results::ResultRecord& r = o.rec;
    if (lim.busbw_drop) {
      const double tol = std::max(*lim.busbw_drop, lim.noise_aware ? e.slow_spread() : 0.0);
      const double limit_us = e.time_us.median / (1.0 - tol);
      const bool slow = fastest_plausible_us(r, lim.noise_aware) > limit_us;
      const bool bw = e.busbw_gbps.median > 0 && r.busbw_gbps > 0;
      Item& it = add(&o, key, bw ? "busbw" : "time", slow ? "fail" : "pass");
      if (bw) {
        it.unit = "GB/s";
        it.measured = r.busbw_gbps;
        it.reference = e.busbw_gbps.median;
        it.limit = e.busbw_gbps.median * (1.0 - tol);
        if (slow)
          it.message = fmt::format("{}: busbw {:.3g} GB/s is {:.1f}% below the baseline's {:.3g} GB/s; the limit is {:.3g} GB/s "
                                   "(-{:.1f}%{})",
                                   key.describe(), r.busbw_gbps, 100.0 * (1.0 - r.busbw_gbps / e.busbw_gbps.median),
                                   e.busbw_gbps.median, *it.limit, 100.0 * tol,
                                   tol > *lim.busbw_drop ? ", widened to the baseline's own spread" : "");
      } else {
        it.unit = "us";
        it.measured = r.time_us.p50;
        it.reference = e.time_us.median;
        it.limit = limit_us;
        if (slow)
          it.message = fmt::format("{}: median time {:.4g} us is {} the baseline's {:.4g} us; the limit is {:.4g} us",
                                   key.describe(), r.time_us.p50, core::format_ratio(r.time_us.p50 / e.time_us.median),
                                   e.time_us.median, limit_us);
      }
      finish_fail(it, o);
    }
    if (lim.p99_ratio && e.p99_us.median > 0) {
      const double ratio = std::max(*lim.p99_ratio, lim.noise_aware ? e.p99_us.max / e.p99_us.median : 1.0);
      const double limit = e.p99_us.median * ratio;
      Item& it = add(&o, key, "p99", r.time_us.p99 > limit ? "fail" : "pass");
      it.unit = "us";
      it.measured = r.time_us.p99;
      it.reference = e.p99_us.median;
      it.limit = limit;
      if (it.status == "fail")
        it.message = fmt::format("{}: p99 {:.4g} us is {} the baseline's {:.4g} us; the limit is {}", key.describe(),
                                 r.time_us.p99, core::format_ratio(r.time_us.p99 / e.p99_us.median), e.p99_us.median,
                                 core::format_ratio(ratio));
      finish_fail(it, o);
    }
    if (lim.cv_max) cv_rule(o, key, *lim.cv_max, &e, lim);
  }

  void cv_rule(const Observation& o, const CaseKey& key, double cv_max, const Expectation* e, const Limits& lim) {
    const double limit = std::max(cv_max, e != nullptr && lim.noise_aware ? e->cv.max : 0.0);
    Item& it = add(&o, key, "cv", o.rec.time_us.cv > limit ? "fail" : "pass");
    it.measured = o.rec.time_us.cv;
    it.limit = limit;
    if (e != nullptr) it.reference = e->cv.median;
    if (it.status == "fail")
      it.message = fmt::format("{}: the iteration times vary too much: CV {:.3f} > {:.3f}", key.describe(), o.rec.time_us.cv, limit);
    finish_fail(it, o);
  }

  void absolute(const Observation& o, const CaseKey& key, const Limits& lim, const AbsoluteExpectation& x) {
    const results::ResultRecord& r = o.rec;
    m_expect_seen.insert(&x);
    auto item = [&](const char* rule, bool fail, double measured, double limit, const char* unit, const std::string& what) {
      Item& it = add(&o, key, rule, fail ? "fail" : "pass");
      it.measured = measured;
      it.limit = limit;
      it.unit = unit;
      if (fail) it.message = fmt::format("{}: {} ({})", key.describe(), what, x.where);
      finish_fail(it, o);
    };
    if (x.min_busbw_gbps) {
      // Noise-aware: the busbw the fastest plausible median time gives.
      const double best = r.busbw_gbps * r.time_us.p50 / fastest_plausible_us(r, lim.noise_aware);
      item("expect_busbw", best < *x.min_busbw_gbps, r.busbw_gbps, *x.min_busbw_gbps, "GB/s",
           fmt::format("busbw {:.4g} GB/s is below the expected {:.4g} GB/s", r.busbw_gbps, *x.min_busbw_gbps));
    }
    if (x.max_time_us)
      item("expect_time", fastest_plausible_us(r, lim.noise_aware) > *x.max_time_us, r.time_us.p50, *x.max_time_us, "us",
           fmt::format("median time {:.4g} us is above the expected {:.4g} us", r.time_us.p50, *x.max_time_us));
    if (x.max_p99_us)
      item("expect_p99", r.time_us.p99 > *x.max_p99_us, r.time_us.p99, *x.max_p99_us, "us",
           fmt::format("p99 {:.4g} us is above the expected {:.4g} us", r.time_us.p99, *x.max_p99_us));
    if (x.max_cv)
      item("expect_cv", r.time_us.cv > *x.max_cv, r.time_us.cv, *x.max_cv, "",
           fmt::format("CV {:.3f} is above the expected {:.3f}", r.time_us.cv, *x.max_cv));
  }

  // Every case the baseline or the expectations name must have been measured.
  void present() {
    std::map<CaseKey, int> measured;
    std::set<std::string> scopes;
    for (const Observation& o : m_in.obs) {
      scopes.insert(o.key().scope);
      if (o.rec.status == "ok" || o.rec.status == "wrong") ++measured[o.key()];
    }
    const bool stopped = !m_v.run_failures.empty();
    const char* hint_node = "; run with --per-node";
    const char* hint_pair = "; run with --pairs";
    std::vector<const Item*> missing;
    if (m_opt.baseline != nullptr) {
      for (const Expectation& e : m_opt.baseline->expectations) {
        const bool ok = measured.count(e.key) > 0;
        Item& it = add(nullptr, e.key, "present", ok ? "pass" : stopped ? "error" : "fail");
        if (!ok) {
          const char* hint = stopped || scopes.count(e.key.scope) ? "" : e.key.scope == "node" ? hint_node : e.key.scope == "pair" ? hint_pair : "";
          it.message = fmt::format("{}: expected by the baseline but not measured{}{}", e.key.describe(),
                                   stopped ? " (the run stopped before it)" : "", hint);
        }
      }
    }
    if (m_opt.expect != nullptr)
      for (const AbsoluteExpectation& x : m_opt.expect->items) {
        if (m_expect_seen.count(&x)) continue;
        CaseKey k;
        k.collective = x.collective;
        k.scope = x.scope;
        k.bytes = x.min_bytes;
        Item& it = add(nullptr, k, "present", stopped ? "error" : "fail");
        it.label = x.describe();
        it.name = "present " + x.describe();
        it.message = fmt::format("{}: no measured case matches {}", x.where, x.describe());
      }
    // The case in flight when a run stopped: the first one not measured, in run order (the
    // collectives in the order the run measured them, then sizes, out-of-place first).
    if (stopped) {
      std::map<std::string, int> order;
      for (const Observation& o : m_in.obs) order.try_emplace(o.rec.collective, static_cast<int>(order.size()));
      for (const core::Collective c : core::parse_collectives("every"))
        order.try_emplace(std::string(core::name(c)), static_cast<int>(order.size()));
      auto rank = [&order](const Item& it) {
        const auto pos = order.find(it.key.collective);
        return std::make_tuple(pos == order.end() ? 1 << 20 : pos->second, it.key.bytes, it.key.placement != "out_of_place");
      };
      const Item* first = nullptr;
      for (const Item& it : m_v.items)
        if (it.rule == "present" && it.status == "error" && it.key.scope == "world" && (first == nullptr || rank(it) < rank(*first)))
          first = &it;
      if (first != nullptr) m_v.run_failures.front() += "; first case not measured: " + first->key.describe();
    }
  }

  void peers() {
    const bool have_node = std::any_of(m_in.obs.begin(), m_in.obs.end(), [](const Observation& o) { return o.key().scope == "node"; });
    const bool have_pair = std::any_of(m_in.obs.begin(), m_in.obs.end(), [](const Observation& o) { return o.key().scope == "pair"; });
    if (m_opt.require_per_node && !have_node)
      throw core::InputError("--per-node: the results hold no per-node measurements; expected a run made with collbench run --per-node");
    if (m_opt.require_pairs && !have_pair)
      throw core::InputError("--pairs: the results hold no pair measurements; expected a run made with collbench run --pairs");
    m_v.localization = locate(
        m_in.obs, [this](const CaseKey& k) { return peer_slowdown(k); },
        [this](const CaseKey& k) { return m_opt.rules.for_case(k).noise_aware; });
    for (Suspect& s : m_v.localization.suspects)  // Slurm's name for the host, where a run recorded it
      for (const Source& src : m_in.sources)
        for (const results::HostRanks& h : src.hosts)
          if (h.host == s.host && !h.slurm_node.empty() && s.slurm_node.empty()) s.slurm_node = h.slurm_node;
    for (const PeerComparison& c : m_v.localization.comparisons)
      for (const PeerResult& p : c.groups) {
        const Observation& o = m_in.obs[p.obs];
        const double slowdown = peer_slowdown(c.key);
        if (slowdown < 0) continue;
        Item& it = add(&o, c.key, "peer", p.slow ? "fail" : "pass");
        it.measured = p.ratio;
        it.limit = 1.0 + slowdown;
        it.reference = p.peers_us;
        if (p.slow)
          it.message = fmt::format("{}: {} took {:.4g} us, {} the median of the other {} {} ({:.4g} us)", c.key.describe(),
                                   o.group_label(), o.rec.time_us.p50, core::format_ratio(p.ratio), c.groups.size() - 1,
                                   c.key.scope == "node" ? "nodes" : "pairs", p.peers_us);
      }
  }

  // The peer rule's slowdown for a case (-1: disabled), widened (noise-aware) to how far known-good
  // groups already differed from their peers in the baseline.
  double peer_slowdown(const CaseKey& k) const {
    const Limits lim = m_opt.rules.for_case(k);
    if (!lim.peer_slowdown) return -1.0;
    double s = *lim.peer_slowdown;
    if (lim.noise_aware && m_opt.baseline != nullptr)
      if (const Expectation* e = m_opt.baseline->find(k); e != nullptr && e->peer_ratio.max > 0) s = std::max(s, e->peer_ratio.max - 1.0);
    return s;
  }

  void name_suspects() {
    for (const Suspect& s : m_v.localization.suspects) m_v.named.push_back(s.describe());
    std::vector<std::pair<int, std::string>> lines;
    for (const auto& [rh, cases] : m_stragglers) {
      const int n = static_cast<int>(cases.size());
      lines.push_back({n, fmt::format("rank {} on host {}: the straggler in {} failing case{}", rh.first, rh.second, n, n == 1 ? "" : "s")});
    }
    for (const auto& [rh, cases] : m_wrong_ranks) {
      const int n = static_cast<int>(cases.size());
      lines.push_back({n, fmt::format("rank {} on host {}: wrong elements in {} case{}", rh.first, rh.second, n, n == 1 ? "" : "s")});
    }
    std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (auto& l : lines) m_v.named.push_back(std::move(l.second));
  }

  const Inputs& m_in;
  const CheckOptions& m_opt;
  bool m_many_runs = false;
  Verdict m_v;
  std::map<std::pair<int, std::string>, std::set<const Observation*>> m_stragglers, m_wrong_ranks;
  std::set<const AbsoluteExpectation*> m_expect_seen;
};

}  // namespace

Verdict evaluate(const Inputs& in, const CheckOptions& opt) {
  if (opt.baseline == nullptr && opt.expect == nullptr && !opt.model && !opt.require_per_node && !opt.require_pairs)
    throw core::InputError("expected --baseline FILE, --expect FILE or --model TOPOLOGY (or --per-node / --pairs to compare nodes "
                           "with each other)");
  if (opt.model && in.backend == "model")
    throw core::InputError("--model: the results are predictions of the model backend themselves; expected measured results "
                           "(--backend nccl or mpi, or an imported log)");
  if (opt.baseline != nullptr) {
    const Baseline& b = *opt.baseline;
    if (!b.backend.empty() && !in.backend.empty() && b.backend != in.backend)
      throw core::InputError(fmt::format("--baseline '{}': measured with backend '{}', the results with '{}'; expected the same backend",
                                         b.path, b.backend, in.backend));
    // A baseline of another job size matches nothing at the world scope: say so, not 100 misses.
    std::set<int> base_n, run_n;
    for (const Expectation& e : b.expectations)
      if (e.key.scope == "world") base_n.insert(e.key.nranks);
    for (const Observation& o : in.obs)
      if (o.key().scope == "world") run_n.insert(o.rec.nranks);
    if (!base_n.empty() && !run_n.empty()) {
      bool any = false;
      for (int n : run_n) any = any || base_n.count(n) > 0;
      if (!any)
        throw core::InputError(fmt::format("--baseline '{}': its expectations are for {} ranks, the results have {}; expected a "
                                           "baseline of the same job size",
                                           b.path, *base_n.begin(), *run_n.begin()));
    }
  }
  return Evaluator(in, opt).run();
}

}  // namespace collbench::check

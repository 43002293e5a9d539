#include "app/groups.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <span>

#include <nlohmann/json.hpp>

#include "app/driver.hpp"
#include "app/job.hpp"
#include "app/record_sinks.hpp"
#include "check/locate.hpp"
#include "measure/session.hpp"
#include "plan/groups.hpp"
#include "report/groups.hpp"
#include "results/json.hpp"
#include "stats/summary.hpp"

namespace collbench::app {

namespace {

results::GroupInfo group_info(const plan::GroupPhase& phase, std::size_t g, const std::vector<plan::Node>& nodes) {
  results::GroupInfo info;
  info.kind = phase.kind;
  info.round = phase.round;
  info.index = static_cast<int>(g);
  for (int n : phase.groups[g]) {
    const plan::Node& node = nodes[static_cast<std::size_t>(n)];
    info.nodes.push_back(results::GroupNode{node.label, node.host, node.ranks});
  }
  return info;
}

// Ranks in a group's records are the group's own: make them the job's.
void to_job_ranks(results::ResultRecord& r, const measure::World& sub) {
  for (results::RankSummary& rs : r.per_rank) rs.rank = sub.job_rank(rs.rank);
  if (r.straggler) r.straggler->rank = sub.job_rank(r.straggler->rank);
}

std::string phase_title(const plan::GroupPhase& p, std::size_t nodes, int rounds) {
  if (p.kind == "node") return fmt::format("per node: {} nodes, each alone, all at once", nodes);
  return fmt::format("pairs, round {} of {}: {} pairs at once{}", p.round + 1, rounds, p.groups.size(),
                     p.idle.empty() ? "" : fmt::format(" ({} node sits out)", p.idle.size()));
}

// Per case (in the order first seen), the slowest group against the median of the others.
std::vector<report::GroupComparison> compare_groups(std::span<const check::Observation> obs) {
  std::map<check::CaseKey, std::vector<std::size_t>> by_case;
  std::vector<check::CaseKey> order;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    if (obs[i].rec.status != "ok" && obs[i].rec.status != "wrong") continue;
    auto [it, fresh] = by_case.try_emplace(obs[i].key());
    if (fresh) order.push_back(obs[i].key());
    it->second.push_back(i);
  }
  std::vector<report::GroupComparison> rows;
  for (const check::CaseKey& k : order) {
    const auto& members = by_case[k];
    std::size_t slowest = members.front();
    for (std::size_t m : members)
      if (obs[m].rec.time_us.p50 > obs[slowest].rec.time_us.p50) slowest = m;
    std::vector<double> times;  // the others'
    for (std::size_t m : members)
      if (m != slowest) times.push_back(obs[m].rec.time_us.p50);
    std::sort(times.begin(), times.end());
    rows.push_back(report::GroupComparison{k.collective, k.bytes, k.placement, members.size(), stats::percentile(times, 0.5),
                                           obs[slowest].group_label(), obs[slowest].rec.time_us.p50, obs[slowest].rec.wrong > 0});
  }
  return rows;
}

// The plan on one group (every rank of `sub` calls it); its root returns the group's records,
// ranks made the job's, as JSON for the job's rank 0.
std::string run_group(const RunConfig& cfg, const measure::World& sub, std::unique_ptr<backend::Backend> be,
                      const std::vector<plan::Block>& blocks, const results::GroupInfo& info, bool* any_wrong) {
  CollectSink collect;
  measure::NullSink null_sink;
  const Drive d{cfg, sub, sub.is_root() ? static_cast<measure::RecordSink&>(collect) : null_sink,
                [&info](const plan::Block&) { return fmt::format("{} group {}: ", info.kind, info.index); }, {}, {}};
  const std::optional<measure::Outcome> outcome = drive(d, blocks, [&be](const plan::Block&) { return std::move(be); });
  *any_wrong = *any_wrong || outcome->wrong;  // a refused case is recorded already
  if (!sub.is_root()) return "";
  nlohmann::json arr = nlohmann::json::array();
  for (results::ResultRecord& r : collect.records) {
    to_job_ranks(r, sub);
    r.group = info;
    arr.push_back(r);
  }
  return arr.dump();
}

std::vector<plan::GroupPhase> phases_of(const RunConfig& cfg, const measure::World& world, const std::vector<plan::Node>& nodes) {
  std::vector<plan::GroupPhase> phases;
  if (cfg.per_node) {
    if (nodes.size() >= 2) phases.push_back(plan::per_node_phase(nodes));
    else if (world.is_root()) report::print_group_heading(stdout, "--per-node: the job has 1 node; nothing to compare it with (see --ranks-per-node)");
  }
  if (cfg.pairs) {
    if (nodes.size() >= 3) {
      for (plan::GroupPhase& p : plan::pair_phases(nodes, cfg.pair_rounds)) phases.push_back(std::move(p));
    } else if (world.is_root()) {
      report::print_group_heading(stdout, fmt::format("--pairs: the job has {} node(s); pairs tell nodes apart from 3 nodes on "
                                                      "(see --ranks-per-node)", nodes.size()));
    }
  }
  return phases;
}

}  // namespace

core::ExitCode run_groups(const RunConfig& cfg, const measure::World& world, const std::vector<plan::Node>& nodes,
                          BackendFactory& factory, const PhaseSink& sink) {
  const std::vector<plan::GroupPhase> phases = phases_of(cfg, world, nodes);
  const int rounds = static_cast<int>(std::count_if(phases.begin(), phases.end(), [](const auto& p) { return p.kind == "pair"; }));
  const std::vector<plan::Block> blocks = plan::blocks_of(cfg.plan);
  bool any_wrong = false;
  std::vector<check::Observation> all;  // every phase's records, for the suspects
  for (const plan::GroupPhase& phase : phases) {
    const std::vector<int> colors = phase.color_of(nodes, world.size());
    const int mine = colors[static_cast<std::size_t>(world.rank())];
    std::unique_ptr<measure::World> sub = world.split(mine);
    std::string failure;
    std::unique_ptr<backend::Backend> be;
    if (sub) be = factory.make(*sub, {}, &failure);
    // Every rank learns whether every group could start, so the job stops together.
    std::vector<std::string> failures = world.gather_strings(failure);
    if (world.sum(failure.empty() ? 0 : 1) > 0) {
      std::string first;
      for (const std::string& f : failures)
        if (!f.empty() && first.empty()) first = f;
      return fail_together(world, fmt::format("{}: the backend could not start on a group: {}", phase.kind == "node" ? "--per-node" : "--pairs", first),
                           core::ExitCode::run_failed);
    }
    const std::string payload =
        sub ? run_group(cfg, *sub, std::move(be), blocks, group_info(phase, static_cast<std::size_t>(mine), nodes), &any_wrong) : "";
    const std::vector<std::string> payloads = world.gather_strings(payload);
    if (world.is_root()) {
      std::vector<results::ResultRecord> recs;
      for (const std::string& p : payloads)
        if (!p.empty())
          for (const auto& j : nlohmann::json::parse(p)) recs.push_back(j.get<results::ResultRecord>());
      const std::size_t first = all.size();
      for (const results::ResultRecord& r : recs) all.push_back(check::Observation{0, 0, "run", r});
      report::print_group_phase(stdout, phase_title(phase, nodes.size(), rounds),
                                compare_groups(std::span<const check::Observation>(all).subspan(first)));
      sink(std::move(recs));
    }
    world.barrier();
  }
  if (world.is_root() && !phases.empty()) {
    const check::Localization loc = check::locate(all, [](const check::CaseKey&) { return 0.10; }, [](const check::CaseKey&) { return true; });
    std::vector<std::string> suspects;
    for (const check::Suspect& s : loc.suspects) suspects.push_back(s.describe());
    report::print_group_suspects(stdout, suspects);
  }
  any_wrong = world.sum(any_wrong ? 1 : 0) > 0;
  return any_wrong ? core::ExitCode::wrong : core::ExitCode::ok;
}

}  // namespace collbench::app

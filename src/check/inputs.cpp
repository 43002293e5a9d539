#include "check/inputs.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "core/error.hpp"
#include "core/size.hpp"
#include "plan/groups.hpp"
#include "plan/knobs.hpp"
#include "results/json.hpp"
#include "results/input.hpp"

namespace collbench::check {


std::string CaseKey::describe() const {
  std::string s = fmt::format("{} {} {}", collective, core::format_size(bytes), datatype);
  if (op != "none") s += " " + op;
  s += fmt::format(" {} ({} rank{})", placement, nranks, nranks == 1 ? "" : "s");
  if (scope != "world") s += scope == "node" ? " per node" : " per pair";
  return s;
}

CaseKey Observation::key() const {
  return CaseKey{rec.collective, rec.datatype, rec.op, rec.placement, rec.nranks, rec.bytes,
                 rec.group ? rec.group->kind : std::string("world")};
}

std::string Observation::group_label() const {
  if (!rec.group) return "";
  const results::GroupInfo& g = *rec.group;
  if (g.kind == "node" && !g.nodes.empty())
    return fmt::format("node {} (ranks {})", g.nodes[0].label, plan::format_ranks(g.nodes[0].ranks));
  std::string s = "pair";
  for (std::size_t i = 0; i < g.nodes.size(); ++i) s += (i ? " + " : " ") + g.nodes[i].label;
  return s + fmt::format(" (round {})", g.round + 1);
}

namespace {

void read_run(const std::string& path, int input, Inputs& in) {
  const results::RunDocument doc = results::load_run(path).run;
  Source s;
  s.path = path;
  s.kind = "run";
  s.backend = doc.metadata.backend;
  s.nranks = doc.metadata.nranks;
  s.hosts = doc.metadata.hosts;
  s.env = doc.metadata.env;
  if (doc.status == "running")
    s.run_failures.push_back(fmt::format("'{}': the run stopped before it finished (status \"running\": it crashed, was "
                                         "killed or timed out after {} records)",
                                         path, doc.results.size()));
  else if (doc.status == "interrupted")
    s.run_failures.push_back(fmt::format("'{}': the run was interrupted (status \"interrupted\": SIGINT or SIGTERM) after {} "
                                         "records",
                                         path, doc.results.size()));
  else if (doc.status == "failed")
    s.run_failures.push_back(fmt::format("'{}': the run failed (status \"failed\") after {} records", path, doc.results.size()));
  for (const results::ResultRecord& r : doc.results) in.obs.push_back(Observation{input, 0, path, r});
  in.sources.push_back(std::move(s));
}

void read_store_dir(const std::string& dir, int input, const std::string& config, Inputs& in) {
  const results::LoadedInput store = results::load_store(dir, {results::StoreKinds::sweep, true, false});
  Source s;
  s.path = dir;
  s.kind = "store";
  s.backend = store.manifest.backend();
  s.config = config.empty() ? "default" : config;
  const std::string status = store.manifest.status();
  if (status != "complete")
    s.run_failures.push_back(fmt::format("'{}': the sweep is {} (manifest status \"{}\")", dir,
                                         status == "running" ? "still running or was killed" : "not complete", status));
  const std::string& results_path = store.results_path;
  const results::StoreContents& contents = store.contents;
  // The last record of each case wins (--retry-failed), in the order of first appearance.
  std::map<std::string, std::size_t> slot;
  std::vector<Observation> mine;
  std::set<std::string> labels;
  std::size_t line = 0;
  for (const results::StoredCase& c : contents.records) {
    ++line;
    const std::string label = plan::describe(c.knobs);
    labels.insert(label);
    if (label != s.config) continue;
    Observation o{input, c.rep, fmt::format("{}:{}", results_path, line), c.result};
    auto [it, fresh] = slot.try_emplace(c.case_id, mine.size());
    if (fresh) mine.push_back(std::move(o));
    else mine[it->second] = std::move(o);
    s.nranks = std::max(s.nranks, c.result.nranks);
    s.env = c.knobs;
  }
  if (mine.empty() && !contents.records.empty()) {
    std::string list;
    for (const std::string& l : labels) list += (list.empty() ? "" : "; ") + l;
    throw core::InputError(fmt::format("'{}': no configuration labelled '{}' (--config); the store has: {}", dir, s.config, list));
  }
  for (Observation& o : mine) in.obs.push_back(std::move(o));
  in.sources.push_back(std::move(s));
}

}  // namespace

Inputs read_inputs(const std::vector<std::string>& paths, const std::string& config) {
  Inputs in;
  if (paths.empty()) throw core::InputError("expected at least one RESULTS input (a run JSON file or a sweep store)");
  for (const std::string& p : paths) {
    const int input = static_cast<int>(in.sources.size());
    if (results::is_store_path(p)) {
      read_store_dir(p, input, config, in);
    } else {
      if (!config.empty() && config != "default")
        throw core::InputError(fmt::format("--config '{}': only sweep stores hold several configurations; '{}' is a run file", config, p));
      read_run(p, input, in);
    }
    const Source& s = in.sources.back();
    if (in.backend.empty()) in.backend = s.backend;
    else if (!s.backend.empty() && s.backend != in.backend)
      throw core::InputError(fmt::format("'{}': backend '{}', but '{}' is '{}'; expected inputs of one backend", p, s.backend,
                                         in.sources.front().path, in.backend));
  }
  return in;
}

}  // namespace collbench::check

#include "report/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <span>
#include <tuple>

#include <fmt/format.h>

#include "core/collective.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"
#include "ingest/nccl_tests.hpp"
#include "plan/knobs.hpp"
#include "results/file_io.hpp"
#include "results/json.hpp"
#include "results/input.hpp"
#include "stats/bandwidth.hpp"
#include "stats/summary.hpp"

namespace collbench::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Tagged {
  const results::ResultRecord* rec;
  std::string config;
};

double median_of(std::vector<double> v) {
  std::erase_if(v, [](double x) { return !std::isfinite(x); });
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  return stats::percentile(v, 0.5);
}

// Whole-job, measured records only: groups (--per-node, --pairs) and skipped, failed or timed-out
// cases have no place on a curve.
bool plotted(const results::ResultRecord& r) {
  return !r.group && (r.status == "ok" || r.status == "wrong");
}

int hosts_in(const results::ResultRecord& r) {
  std::set<std::string> hosts;
  for (const auto& pr : r.per_rank)
    if (!pr.host.empty()) hosts.insert(pr.host);
  return static_cast<int>(hosts.size());
}

Point combine(std::uint64_t bytes, const std::vector<const results::ResultRecord*>& recs, bool median_basis,
              double factor) {
  Point p;
  p.bytes = bytes;
  p.reps = static_cast<int>(recs.size());
  std::vector<double> centre, mean, p50, p90, p99, p999, nccl_tests, printed;
  std::map<int, std::pair<std::string, std::vector<double>>> rank_p50, rank_outside;
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  bool any_ci = false;
  for (const auto* r : recs) {
    nccl_tests.push_back(r->nccl_tests ? r->nccl_tests->time_us : kNaN);
    printed.push_back(r->printed ? r->printed->busbw_gbps : kNaN);
    const double c = median_basis ? r->time_us.p50 : r->time_us.mean;
    centre.push_back(c);
    mean.push_back(r->time_us.mean);
    p50.push_back(r->time_us.p50);
    p90.push_back(r->time_us.p90);
    p99.push_back(r->time_us.p99);
    p999.push_back(r->time_us.p999);
    for (const auto& pr : r->per_rank) {
      auto& [host, v] = rank_p50[pr.rank];
      host = pr.host;
      v.push_back(pr.time_us.p50);
      rank_outside[pr.rank].second.push_back(pr.outside_call_us);
    }
    const auto& ci = r->time_us.median_ci;
    const bool has_ci = median_basis && std::isfinite(ci.lo) && std::isfinite(ci.hi);
    any_ci = any_ci || has_ci;
    lo = std::min(lo, has_ci ? ci.lo : c);
    hi = std::max(hi, has_ci ? ci.hi : c);
    if (r->wrong < 0 || p.wrong < 0) p.wrong = -1;
    else p.wrong += r->wrong;
  }
  p.time_us = median_of(centre);
  p.mean_us = median_of(mean);
  p.p50_us = median_of(p50);
  p.p90_us = median_of(p90);
  p.p99_us = median_of(p99);
  p.p999_us = median_of(p999);
  for (auto& [rank, hv] : rank_p50)
    p.ranks.push_back({rank, hv.first, median_of(std::move(hv.second)), median_of(std::move(rank_outside[rank].second))});
  if (recs.size() >= 6) {
    // Enough repetitions for an interval of the median of their centres.
    std::vector<double> sorted = centre;
    std::erase_if(sorted, [](double x) { return !std::isfinite(x); });
    std::sort(sorted.begin(), sorted.end());
    const auto ci = stats::median_ci(sorted);
    p.lo_us = ci.lo, p.hi_us = ci.hi;
  } else if (any_ci || recs.size() >= 2) {
    // The envelope of the repetitions' own intervals: conservative for few repetitions.
    p.lo_us = lo, p.hi_us = hi;
  }
  if (p.time_us > 0) p.busbw = stats::algbw_gbps(bytes, p.time_us) * factor;
  if (std::ranges::all_of(nccl_tests, [](double t) { return t > 0; })) {
    p.nccl_tests_us = median_of(nccl_tests);
    p.nccl_tests_busbw = stats::algbw_gbps(bytes, p.nccl_tests_us) * factor;
  }
  // Imported records: the busbw the log printed, where every repetition printed one with a digit
  // (a printed 0.00 at tiny sizes says nothing; the recalculation stays there). It is the busbw
  // of the printed time, so it replaces the figures from that time: nccl-tests' figure, and the
  // point's own on the mean basis (whose time is the printed one); a median basis (-I 1
  // percentiles) is not what the log printed.
  if (std::ranges::all_of(printed, [](double b) { return b > 0; })) {
    const double busbw = median_of(printed);
    if (p.nccl_tests_us > 0) p.nccl_tests_busbw = busbw;
    if (!median_basis) p.busbw = busbw;
  }
  return p;
}

void add_series(Dataset& d, int source, const std::vector<Tagged>& records, int nnodes) {
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string, int>;
  std::map<Key, std::map<std::uint64_t, std::vector<const results::ResultRecord*>>> groups;
  std::vector<Key> order;
  for (const Tagged& t : records) {
    const auto& r = *t.rec;
    if (!plotted(r)) continue;
    Key k{t.config, r.collective, r.datatype, r.op, r.placement, r.nranks};
    auto [it, fresh] = groups.try_emplace(k);
    if (fresh) order.push_back(k);
    it->second[r.bytes].push_back(&r);
  }
  const SourceInfo& src = d.sources[static_cast<std::size_t>(source)];
  for (const Key& k : order) {
    Series s;
    s.source = source;
    std::tie(s.config, s.collective, s.datatype, s.op, s.placement, s.nranks) = k;
    const auto& by_size = groups[k];
    bool median_basis = true;
    int nodes = nnodes;
    for (const auto& [bytes, recs] : by_size)
      for (const auto* r : recs) {
        median_basis = median_basis && std::isfinite(r->time_us.p50) && r->time_us.p50 > 0;
        nodes = std::max(nodes, hosts_in(*r));
      }
    s.nnodes = nodes;
    s.basis = median_basis ? "median" : "mean";
    const double factor = core::bus_factor(s.collective, s.nranks);
    for (const auto& [bytes, recs] : by_size) s.points.push_back(combine(bytes, recs, median_basis, factor));
    s.label = (src.kind == "import" || src.kind == "log" || s.config == src.label) ? s.config
              : s.config == "default"                                             ? src.label
                                                                                  : src.label + " " + s.config;
    d.series.push_back(std::move(s));
  }
}

std::string gpu_of(const results::RunMetadata& md) {
  for (const auto& dev : md.devices)
    if (const auto it = dev.details.find("gpu"); it != dev.details.end()) return it->second;
  return "";
}

// What a run's metadata (a run JSON's, an imported log's, a sweep's first launch's) says of the
// source: library, versions, GPU, Slurm job.
void take_metadata(SourceInfo& s, const results::RunMetadata& md) {
  s.library = md.backend_library;
  s.gpu = gpu_of(md);
  const auto detail = [&](const char* key) {
    const auto it = md.backend_details.find(key);
    return it == md.backend_details.end() ? std::string() : it->second;
  };
  s.nccl_version = detail("nccl_library");
  s.cuda_version = detail("cuda_runtime");
  if (md.launch && md.launch->slurm) s.slurm_job_id = md.launch->slurm->job_id;
}

SourceInfo source_of(const std::string& path, const std::string& kind, const std::string& label,
                     const results::RunDocument& doc) {
  SourceInfo s;
  s.path = path;
  s.kind = kind;
  s.label = label;
  s.backend = doc.metadata.backend;
  take_metadata(s, doc.metadata);
  s.status = doc.status;
  s.predicted = doc.metadata.predicted;
  s.standin = doc.metadata.standin;
  s.nranks = doc.metadata.nranks;
  s.nnodes = static_cast<int>(doc.metadata.hosts.size());
  s.version = doc.metadata.version;
  s.end_time = doc.metadata.end_time;
  if (doc.metadata.imported) {
    s.imported = true;
    s.format = doc.metadata.imported->format;
    s.notes = doc.metadata.imported->notes;
  }
  if (doc.status == "running") s.notes.push_back("the run did not finish (cut short): what it measured is shown");
  if (doc.status == "interrupted") s.notes.push_back("the run was interrupted (SIGINT/SIGTERM): what it measured is shown");
  if (doc.status == "failed") s.notes.push_back("the run failed: what it measured before is shown");
  return s;
}

// Series copy what they need: the document may go once they are built.
void add_document(Dataset& d, const std::string& path, const std::string& kind, const std::string& label,
                  const results::RunDocument& doc) {
  d.sources.push_back(source_of(path, kind, label, doc));
  std::vector<Tagged> tagged;
  for (const auto& r : doc.results) tagged.push_back({&r, label});
  add_series(d, static_cast<int>(d.sources.size() - 1), tagged, d.sources.back().nnodes);
}

std::string label_for(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return ingest::default_label(p);
}

void add_import_store(Dataset& d, const results::LoadedInput& store) {
  std::map<std::string, std::vector<const results::StoredCase*>> by_config;
  for (const auto& c : store.contents.records) by_config[c.config_id].push_back(&c);
  for (const results::ImportSource& src : results::import_sources(store.manifest)) {
    results::RunDocument doc;
    doc.metadata = src.metadata;
    doc.status = src.status;
    for (const auto* c : by_config[src.config_id]) doc.results.push_back(c->result);
    add_document(d, store.path, "import", src.label, doc);
  }
}

void add_sweep_store(Dataset& d, const results::LoadedInput& store) {
  const std::string& dir = store.path;
  const results::StoreContents& contents = store.contents;
  SourceInfo s;
  s.path = dir;
  s.kind = "sweep";
  s.label = label_for(dir);
  s.backend = store.manifest.backend();
  s.predicted = s.backend == "model";
  s.status = store.manifest.status();
  if (s.status != "complete") s.notes.push_back(fmt::format("the sweep is not complete (status \"{}\")", s.status));
  s.nranks = store.manifest.launcher_ranks();
  const results::LaunchFacts launches = results::read_launch_facts(dir);
  if (launches.first) take_metadata(s, *launches.first);
  s.standin = launches.standin;
  const json& m = store.manifest.raw;
  if (const auto v = m.find("collbench_version"); v != m.end() && v->is_string()) s.version = v->get<std::string>();
  if (const auto ss = m.find("sessions"); ss != m.end() && ss->is_array() && !ss->empty() && ss->back().is_object())
    if (const auto e = ss->back().find("end"); e != ss->back().end() && e->is_string()) s.end_time = e->get<std::string>();
  d.sources.push_back(s);
  // The last record of a case wins (--retry-failed), as in tune and check.
  std::map<std::string, std::size_t> slot;
  std::vector<Tagged> tagged;
  for (const auto& c : contents.records) {
    if (c.result.backend_notes.count("standin")) d.sources.back().standin = true;
    Tagged t{&c.result, plan::describe(c.knobs)};
    auto [it, fresh] = slot.try_emplace(c.case_id + "#" + std::to_string(c.rep), tagged.size());
    if (fresh) tagged.push_back(t);
    else tagged[it->second] = t;
  }
  add_series(d, static_cast<int>(d.sources.size() - 1), tagged, 0);
}

void add_tune(Dataset& d, const std::string& path, json summary) {
  if (summary.value("schema", "") != "collbench.tune")
    throw core::InputError("'" + path + "': expected a tune summary (schema \"collbench.tune\")");
  d.tunes.push_back({path, std::move(summary)});
}

// JSON, or discarded when it does not parse (an nccl-tests -J file cut off mid-way is then
// recovered by the log importer). A number beyond double's range is bad input at once.
json parse_or_null(const std::string& text, const std::string& path) {
  core::JsonParse parsed = core::parse_json(text);
  if (parsed.status == core::JsonParse::Status::refused) throw core::InputError(fmt::format("'{}': {}", path, parsed.problem));
  return parsed.ok() ? std::move(parsed.value) : json(json::value_t::discarded);
}

}  // namespace

Dataset load_dataset(const std::vector<std::string>& inputs) {
  if (inputs.empty()) throw core::InputError("expected at least one input (a run JSON, a store, a tune summary or a log)");
  Dataset d;
  for (const std::string& path : inputs) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      if (fs::exists(results::store_layout(path).manifest())) {
        const results::LoadedInput store = results::load_store(path, {results::StoreKinds::sweep_or_import});
        if (store.kind == results::InputKind::import_store) add_import_store(d, store);
        else add_sweep_store(d, store);
      } else if (fs::exists(path + "/summary.json")) {
        add_tune(d, path + "/summary.json", parse_or_null(results::read_file_text(path + "/summary.json"), path + "/summary.json"));
      } else {
        throw core::InputError("'" + path + "': expected a sweep or import store (manifest.json) or a tune output (summary.json)");
      }
      continue;
    }
    const std::string text = results::read_file_text(path);
    const json j = (text.find('{') != std::string::npos && text.find_first_not_of(" \t\r\n") == text.find('{'))
                       ? parse_or_null(text, path)
                       : json();
    const auto s = j.is_object() ? j.find("schema") : j.end();
    const std::string schema = s != j.end() && s->is_string() ? s->get<std::string>() : "";
    if (schema == results::kSchemaName) {
      add_document(d, path, "run", label_for(path), results::parse_document(j, path));
    } else if (schema == "collbench.tune") {
      add_tune(d, path, j);
    } else if (schema == results::kImportSchemaName || schema == results::kStoreSchemaName) {
      throw core::InputError("'" + path + "': a store's manifest; give the store's directory instead");
    } else if (!schema.empty()) {
      throw core::InputError(fmt::format("'{}': schema \"{}\" is not one report reads (collbench.run, a store, "
                                         "collbench.tune, or an nccl-tests log)", path, schema));
    } else {
      ingest::ImportedLog log;
      try {
        log = ingest::import_text(text, path, {});
      } catch (const core::InputError& e) {
        throw core::InputError(std::string(e.what()) +
                               "; expected a collbench run JSON, a store directory, a tune summary or an nccl-tests log");
      }
      add_document(d, path, "log", log.label, log.doc);
    }
  }
  return d;
}

Dataset dataset_of_run(const results::RunDocument& doc, const std::string& path) {
  Dataset d;
  add_document(d, path, "run", label_for(path), doc);
  return d;
}

}  // namespace collbench::report

#include "app/export.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "exposition/metrics.hpp"
#include "exposition/push.hpp"
#include "measure/world.hpp"
#include "report/dataset.hpp"
#include "results/file_io.hpp"
#include "results/json.hpp"

namespace collbench::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A check verdict (schema collbench.check), or null for any other input (read by load_dataset).
json verdict_or_null(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return nullptr;
  const std::string text = results::read_file_text(path);
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || text[first] != '{') return nullptr;
  core::JsonParse parsed = core::parse_json(text);
  if (parsed.status == core::JsonParse::Status::refused) throw core::InputError(fmt::format("'{}': {}", path, parsed.problem));
  if (!parsed.ok() || !parsed.value.is_object()) return nullptr;
  const auto s = parsed.value.find("schema");
  return s != parsed.value.end() && *s == "collbench.check" ? std::move(parsed.value) : json();
}

// job, instance (this host), and the Slurm job: the one job the sources were measured in, else
// (sources outside Slurm, a verdict alone) the environment's. The Pushgateway gives every series
// of the group the key's labels, replacing its own slurm_job_id: sources of several jobs leave it
// out of the key, so that each series keeps its own.
exposition::GroupingKey grouping_key(const std::string& job, const report::Dataset& d) {
  exposition::GroupingKey key = {{"job", job}, {"instance", measure::this_host()}};
  std::set<std::string> ids;
  for (const auto& s : d.sources)
    if (!s.slurm_job_id.empty()) ids.insert(s.slurm_job_id);
  std::string slurm = ids.size() == 1 ? *ids.begin() : "";
  if (const char* env = std::getenv("SLURM_JOB_ID"); ids.empty() && env != nullptr && *env != '\0') slurm = env;
  if (!slurm.empty()) key.emplace_back("slurm_job_id", slurm);
  return key;
}

void write_metrics_file(const std::string& path, const std::string& text, const char* flag) {
  try {
    results::write_file_atomically(path, text);
  } catch (const core::Error& e) {
    throw core::RunError(fmt::format("{} '{}': {}", flag, path, e.what()));
  }
}

}  // namespace

int export_metrics(const ExportRequest& a) {
  if (a.format != "prometheus") throw core::InputError(fmt::format("--format '{}': expected prometheus", a.format));
  if (a.inputs.empty()) throw core::InputError("expected at least one input (a run JSON, a store, a log or a check verdict)");
  if (!a.push.empty() && !(a.push.starts_with("http://") || a.push.starts_with("https://")))
    throw core::InputError(fmt::format("--push '{}': expected the http:// or https:// URL of a Pushgateway", a.push));
  if (a.job.empty()) throw core::InputError("--job: expected a name for the Pushgateway's job");
  if (!a.out.empty() && a.out != "-") results::check_writable(a.out, "--out");
  std::vector<std::string> results_inputs;
  std::vector<std::pair<std::string, json>> verdicts;
  for (const std::string& path : a.inputs) {
    json v = verdict_or_null(path);
    if (v.is_null()) results_inputs.push_back(path);
    else verdicts.emplace_back(path, std::move(v));
  }
  if (verdicts.size() > 1)
    throw core::InputError(fmt::format("'{}' and '{}': one check verdict per exposition (their series would collide); export each "
                                       "to its own file or push group",
                                       verdicts[0].first, verdicts[1].first));
  const report::Dataset d = results_inputs.empty() ? report::Dataset{} : report::load_dataset(results_inputs);
  if (!d.tunes.empty())
    throw core::InputError(fmt::format("'{}': a tune summary; export reads results (run JSON, stores, logs) and check verdicts",
                                       d.tunes.front().path));
  exposition::Exposition e;
  exposition::add_results(e, d, {a.per_rank});
  for (const auto& [path, v] : verdicts) exposition::add_verdict(e, v, path);
  if (e.empty()) throw core::InputError("the inputs hold nothing to export: no run, no measured case, no verdict");
  const std::string text = e.text();
  const bool to_stdout = a.out == "-" || (a.out.empty() && a.push.empty());
  if (to_stdout) std::fwrite(text.data(), 1, text.size(), stdout);
  else if (!a.out.empty()) write_metrics_file(a.out, text, "--out");
  std::vector<std::string> wrote;
  if (to_stdout) wrote.emplace_back("standard output");
  else if (!a.out.empty()) wrote.push_back(a.out);
  if (!a.push.empty()) {
    const exposition::GroupingKey key = grouping_key(a.job, d);
    try {
      exposition::push(a.push, key, text);
    } catch (const core::RunError& err) {
      throw core::RunError(fmt::format("{}; nothing was pushed{}", err.what(),
                                       to_stdout || a.out.empty() ? "" : fmt::format(" ('{}' was written)", a.out)));
    }
    wrote.push_back(exposition::group_url(a.push, key));
  }
  std::fprintf(stderr, "export: %zu samples -> %s\n", e.samples(), fmt::format("{}", fmt::join(wrote, " and ")).c_str());
  return 0;
}

void write_run_prometheus(const std::string& path, const results::RunDocument& doc, const std::string& source) {
  exposition::Exposition e;
  exposition::add_results(e, report::dataset_of_run(doc, source), {});
  write_metrics_file(path, e.text(), "--prometheus");
}

void write_check_prometheus(const std::string& path, const std::vector<std::string>& inputs, const json& verdict) {
  exposition::Exposition e;
  exposition::add_results(e, report::load_dataset(inputs), {});
  exposition::add_verdict(e, verdict, path);
  write_metrics_file(path, e.text(), "--prometheus");
}

}  // namespace collbench::app

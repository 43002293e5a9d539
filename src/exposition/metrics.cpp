#include "exposition/metrics.hpp"

#include <cmath>
#include <cstdint>
#include <ctime>
#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"

namespace collbench::exposition {
namespace {

using nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string origin_of(const report::SourceInfo& s) {
  if (s.predicted) return "predicted";
  if (s.standin) return "standin";
  if (s.imported || s.kind == "log" || s.kind == "import") return "imported";
  return "measured";
}

// The input a series came from: its path, and the log's label within an import store.
std::string source_of(const report::SourceInfo& s) { return s.kind == "import" ? s.path + ":" + s.label : s.path; }

Labels case_labels(const report::SourceInfo& src, const report::Series& s, const report::Point& p) {
  return {{"source", source_of(src)},
          {"origin", origin_of(src)},
          // A run JSON's series carry its file's label as their configuration (report's legends):
          // "default" here, as a sweep's default configuration, so that runs compare by name.
          {"config", src.kind == "run" ? "default" : s.config},
          {"collective", inspector_collective(s.collective)},
          {"datatype", s.datatype},
          {"op", s.op},
          {"placement", s.placement},
          {"nranks", std::to_string(s.nranks)},
          {"n_nodes", std::to_string(s.nnodes)},
          {"size", std::to_string(p.bytes)},
          {"message_size", inspector_message_size(p.bytes)},
          {"slurm_job_id", src.slurm_job_id.empty() ? "unknown" : src.slurm_job_id}};
}

Labels with(Labels l, std::initializer_list<std::pair<std::string, std::string>> more) {
  l.insert(l.end(), more.begin(), more.end());
  return l;
}

constexpr double kGB = 1e9;   // nccl-tests' GB/s: 1e9 bytes per second (its getBw)
constexpr double kUsPerS = 1e6;  // divided, not multiplied by 1e-6: 40 us is 4e-05 s exactly as printed

void add_point(Exposition& e, const report::SourceInfo& src, const report::Series& s, const report::Point& p,
               const MetricOptions& o) {
  const Labels l = case_labels(src, s, p);
  e.add("collbench_busbw_bytes_per_second",
        "Bus bandwidth from the median iteration time (a log without percentiles: the busbw it printed), median over repetitions, "
        "bytes per second (nccl-tests' busbw x 1e9)",
        l, p.busbw * kGB);
  e.add("collbench_nccl_tests_busbw_bytes_per_second",
        "Bus bandwidth as nccl-tests prints it (the mean over ranks of each rank's mean iteration time), bytes per second",
        l, p.nccl_tests_busbw * kGB);
  // A percentile label, not "quantile": these are gauges (a median over repetitions of each
  // repetition's percentile), not a summary's quantiles, and promtool refuses "quantile" on them.
  const std::pair<const char*, double> percentiles[] = {{"50", p.p50_us}, {"90", p.p90_us}, {"99", p.p99_us}, {"99.9", p.p999_us}};
  for (const auto& [q, us] : percentiles)
    e.add("collbench_iteration_time_seconds",
          "Iteration time percentile (the slowest rank's duration per iteration; median over repetitions), seconds",
          with(l, {{"percentile", q}}), us / kUsPerS);
  e.add("collbench_iteration_time_mean_seconds", "Mean iteration time (median over repetitions), seconds", l, p.mean_us / kUsPerS);
  if (p.wrong >= 0)
    e.add("collbench_wrong_elements", "Elements that differed from the expected result, summed over ranks and repetitions", l,
          static_cast<double>(p.wrong));
  e.add("collbench_repetitions", "Records combined into this point (repetitions, runs)", l, p.reps);
  // Inspector's busbw name (plugins/profiler/inspector/inspector_prom.cc:456-459) for measured
  // figures only: a prediction or a stand-in figure must not read as a GPU's. Its time,
  // nccl_collective_exec_time_microseconds, is not reused: promtool refuses a unit other than
  // seconds; collbench_iteration_time_mean_seconds is the same figure x 1e-6.
  const std::string origin = origin_of(src);
  if (origin == "measured" || origin == "imported")
    e.add("nccl_bus_bandwidth_gbs", "NCCL bus bandwidth in GB/s (collbench: collbench_busbw_bytes_per_second / 1e9)",
          with(l, {{"algo_proto", "unknown"}}), p.busbw);
  if (o.per_rank)
    for (const report::RankPoint& r : p.ranks) {
      const Labels rl = with(l, {{"rank", std::to_string(r.rank)}, {"node", r.host}});
      e.add("collbench_rank_iteration_time_seconds", "One rank's own median iteration time (--per-rank), seconds",
            with(rl, {{"percentile", "50"}}), r.p50_us / kUsPerS);
      e.add("collbench_rank_outside_call_seconds",
            "One rank's median time per iteration outside the collective call (--per-rank): a straggler's stands out, seconds", rl,
            r.outside_call_us / kUsPerS);
    }
}

void add_source(Exposition& e, const report::SourceInfo& s) {
  const Labels l = {{"source", source_of(s)}};
  e.add("collbench_run_info", "The run: what measured it and with which versions (value 1)",
        with(l, {{"kind", s.kind},
                 {"origin", origin_of(s)},
                 {"backend", s.backend},
                 {"status", s.status},
                 {"collbench_version", s.version},
                 {"library", s.library},
                 {"nccl_version", s.nccl_version},
                 {"cuda_version", s.cuda_version},
                 {"gpu", s.gpu}}),
        1);
  e.add("collbench_run_end_time_seconds", "When the run (a sweep: its last session) ended, seconds since the epoch", l,
        epoch_seconds(s.end_time));
  const bool complete = s.status == "ok" || s.status == "wrong" || s.status == "complete";
  e.add("collbench_run_complete", "1 when the run finished (its status ok, wrong or complete), 0 when cut short, interrupted or failed",
        l, complete ? 1 : 0);
}

[[noreturn]] void bad(const std::string& path, const std::string& field, const std::string& expected) {
  throw core::InputError(fmt::format("'{}': {}: expected {}", path, field, expected));
}

std::string text_field(const json& j, const char* key, const std::string& path, const std::string& where, bool required = true) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) bad(path, where + "." + key, "a string (missing)");
    return "";
  }
  if (!it->is_string()) bad(path, where + "." + key, "a string");
  return it->get<std::string>();
}

double number_field(const json& j, const char* key, const std::string& path, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) bad(path, where + "." + key, "a number");
  return it->get<double>();
}

// check's "where" as the results' source label: "STORE/results.jsonl:12" -> "STORE" (a label per
// input, not per line, and the value the results' series carry, so the two join on it).
std::string source_of_where(const std::string& where) {
  std::string s = where;
  if (const auto colon = s.rfind(':'); colon != std::string::npos && colon + 1 < s.size() &&
                                       s.find_first_not_of("0123456789", colon + 1) == std::string::npos)
    s.resize(colon);
  constexpr std::string_view kLines = "/results.jsonl";
  if (s.size() > kLines.size() && s.ends_with(kLines)) s.resize(s.size() - kLines.size());
  return s;
}

void add_items(Exposition& e, const json& items, const std::string& path) {
  if (!items.is_array()) bad(path, "items", "an array");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const json& it = items[i];
    const std::string at = fmt::format("items[{}]", i);
    if (!it.is_object()) bad(path, at, "an object");
    const std::string status = text_field(it, "status", path, at);
    if (status != "pass" && status != "fail" && status != "error" && status != "skipped")
      bad(path, at + ".status", "pass, fail, error or skipped, got \"" + status + "\"");
    if (status == "skipped") continue;
    const double bytes = number_field(it, "bytes", path, at);
    const double nranks = number_field(it, "nranks", path, at);
    if (!(bytes >= 0 && bytes < 1.8e19 && bytes == std::floor(bytes))) bad(path, at + ".bytes", "a byte count");
    if (!(nranks >= 0 && nranks < 1e9 && nranks == std::floor(nranks))) bad(path, at + ".nranks", "a rank count");
    const auto b = static_cast<std::uint64_t>(bytes);
    Labels l = {{"rule", text_field(it, "rule", path, at)},
                {"scope", text_field(it, "scope", path, at)},
                {"group", text_field(it, "group", path, at, false)},
                {"collective", inspector_collective(text_field(it, "collective", path, at))},
                {"datatype", text_field(it, "datatype", path, at)},
                {"op", text_field(it, "op", path, at)},
                {"placement", text_field(it, "placement", path, at)},
                {"nranks", fmt::format("{:.0f}", nranks)},
                {"size", std::to_string(b)},
                {"message_size", inspector_message_size(b)},
                {"source", source_of_where(text_field(it, "where", path, at, false))}};
    e.add("collbench_check_pass",
          "One check of one case: 1 pass, 0 fail or error (the run failed); rule, scope and group say which (skipped checks are absent)",
          std::move(l), status == "pass" ? 1 : 0);
  }
}

void add_suspects(Exposition& e, const json& suspects, const std::string& path) {
  if (suspects.is_null()) return;
  if (!suspects.is_array()) bad(path, "suspects", "an array");
  for (std::size_t i = 0; i < suspects.size(); ++i) {
    const json& s = suspects[i];
    const std::string at = fmt::format("suspects[{}]", i);
    if (!s.is_object()) bad(path, at, "an object");
    Labels l = {{"node", text_field(s, "node", path, at)},
                {"host", text_field(s, "host", path, at, false)},
                {"slurm_node", text_field(s, "slurm_node", path, at, false)},
                {"kind", text_field(s, "kind", path, at, false)}};
    // A link names both ends: `node` and its partner.
    if (s.contains("kind") && s["kind"] == "link") l.emplace_back("partner", text_field(s, "partner", path, at, false));
    e.add("collbench_check_suspect_node", "A node check names as slow (value 1); the node, its host and Slurm name are labels", l, 1);
    e.add("collbench_check_suspect_slowdown_ratio", "The largest slowdown of a suspect node against its peers", l,
          number_field(s, "worst_ratio", path, at));
    e.add("collbench_check_suspect_slow_cases", "Cases in which the suspect node was slow", l, number_field(s, "slow_cases", path, at));
  }
}

}  // namespace

std::string inspector_collective(const std::string& c) {
  if (c == "allreduce") return "AllReduce";
  if (c == "allgather") return "AllGather";
  if (c == "reducescatter") return "ReduceScatter";
  if (c == "broadcast") return "Broadcast";
  if (c == "reduce") return "Reduce";
  if (c == "alltoall") return "All2All";
  return c;
}

std::string inspector_message_size(std::uint64_t bytes) {
  if (bytes == 0) return "0B";
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  std::size_t unit = 0;
  double value = static_cast<double>(bytes);
  while (value >= 1024.0 && unit < 4) value /= 1024.0, ++unit;
  const double lower = std::max(1.0, std::floor(value));
  return fmt::format("{:.0f}-{:.0f}{}", lower, lower + 1, units[unit]);
}

double epoch_seconds(const std::string& iso) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
                  &consumed) != 6)
    return kNaN;
  double frac = 0;
  std::size_t i = static_cast<std::size_t>(consumed);
  if (i < iso.size() && iso[i] == '.') {
    double scale = 0.1;
    for (++i; i < iso.size() && iso[i] >= '0' && iso[i] <= '9'; ++i, scale /= 10) frac += (iso[i] - '0') * scale;
  }
  if (i + 1 != iso.size() || iso[i] != 'Z') return kNaN;
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return kNaN;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm)) + frac;
}

void add_results(Exposition& e, const report::Dataset& d, const MetricOptions& options) {
  for (const report::SourceInfo& s : d.sources) add_source(e, s);
  for (const report::Series& s : d.series) {
    const report::SourceInfo& src = d.sources.at(static_cast<std::size_t>(s.source));
    for (const report::Point& p : s.points) add_point(e, src, s, p, options);
  }
}

void add_verdict(Exposition& e, const json& v, const std::string& path) {
  if (!v.is_object() || v.value("schema", "") != "collbench.check") bad(path, "schema", "\"collbench.check\"");
  const auto version = v.find("version");
  if (version == v.end() || !version->is_number_integer() || version->get<std::int64_t>() != 1)
    bad(path, "version", "1 (this collbench reads check verdicts of version 1)");
  const std::string verdict = text_field(v, "verdict", path, "verdict");
  if (verdict != "PASS" && verdict != "FAIL" && verdict != "RUN FAILED") bad(path, "verdict", "PASS, FAIL or RUN FAILED");
  const auto counts = v.find("counts");
  if (counts == v.end() || !counts->is_object()) bad(path, "counts", "an object");
  e.add("collbench_check_verdict_pass", "The check's verdict: 1 PASS, 0 FAIL or RUN FAILED (the verdict is a label too)",
        {{"verdict", verdict}}, verdict == "PASS" ? 1 : 0);
  e.add("collbench_check_exit_code", "The exit code check gave: 0 pass, 1 fail, 3 the run failed", {},
        number_field(v, "exit_code", path, "exit_code"));
  for (const char* status : {"passed", "failed", "errors", "skipped"})
    e.add("collbench_check_items", "Checks by outcome (passed, failed, errors: the run failed, skipped)", {{"status", status}},
          number_field(*counts, status, path, "counts"));
  if (const auto t = v.find("time"); t != v.end() && t->is_string())
    e.add("collbench_check_time_seconds", "When the check ran, seconds since the epoch", {}, epoch_seconds(t->get<std::string>()));
  add_items(e, v.contains("items") ? v["items"] : json(), path);
  add_suspects(e, v.contains("suspects") ? v["suspects"] : json(), path);
}

}  // namespace collbench::exposition

#include "check/baseline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "check/json_fields.hpp"
#include "core/datatype.hpp"
#include "core/collective.hpp"
#include "check/locate.hpp"
#include "results/metadata.hpp"
#include "stats/summary.hpp"

#ifndef COLLBENCH_VERSION
#define COLLBENCH_VERSION "0.0.0"
#endif

namespace collbench::check {

using nlohmann::json;

const Expectation* Baseline::find(const CaseKey& key) const {
  auto it = std::lower_bound(expectations.begin(), expectations.end(), key,
                             [](const Expectation& e, const CaseKey& k) { return e.key < k; });
  return it != expectations.end() && it->key == key ? &*it : nullptr;
}

namespace {

Spread spread_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return Spread{stats::percentile(v, 0.5), v.front(), v.back()};
}

std::string group_id(const Observation& o) {
  if (!o.rec.group) return "world";
  std::string id = o.rec.group->kind;
  for (const auto& n : o.rec.group->nodes) id += "/" + n.label;
  return id;
}

}  // namespace

Baseline build_baseline(const Inputs& in, const std::string& config) {
  Baseline b;
  b.created = results::iso8601_utc(std::chrono::system_clock::now());
  b.tool_version = COLLBENCH_VERSION;
  b.backend = in.backend;
  b.config = config.empty() ? "default" : config;
  for (const Source& s : in.sources) {
    if (!s.run_failures.empty())
      throw core::InputError(s.run_failures.front() + "; a baseline needs known-good runs that finished");
    b.sources.push_back(s.path);
  }
  struct Acc {
    std::vector<double> busbw, time, p99, cv, ci;
    std::set<std::pair<int, int>> runs;
    std::set<std::string> groups;
  };
  std::map<CaseKey, Acc> acc;
  for (const Observation& o : in.obs) {
    const results::ResultRecord& r = o.rec;
    if (r.status == "skipped") continue;
    if (r.wrong > 0)
      throw core::InputError(fmt::format("{}: {} has {} wrong elements; a baseline needs known-good runs", o.where,
                                         o.key().describe(), r.wrong));
    if (r.status != "ok")
      throw core::InputError(fmt::format("{}: {} is {}{}; a baseline needs known-good runs", o.where, o.key().describe(), r.status,
                                         r.error.empty() ? "" : " (" + r.error + ")"));
    if (r.time_us.n == 0 || !(r.time_us.p50 > 0)) continue;  // nothing timed
    Acc& a = acc[o.key()];
    a.busbw.push_back(r.busbw_gbps);
    a.time.push_back(r.time_us.p50);
    a.p99.push_back(r.time_us.p99);
    a.cv.push_back(r.time_us.cv);
    a.ci.push_back(r.time_us.median_ci.rel_half_width);
    a.runs.insert({o.input, o.rep});
    a.groups.insert(group_id(o));
  }
  if (acc.empty())
    throw core::InputError(fmt::format("'{}': no measured case to build a baseline from", in.sources.front().path));
  // How much known-good groups differed from their peers: every ratio counts (no slowdown limit).
  std::map<CaseKey, std::vector<double>> peer;
  const Localization loc = locate(in.obs, [](const CaseKey&) { return 0.0; }, [](const CaseKey&) { return false; });
  for (const PeerComparison& c : loc.comparisons)
    for (const PeerResult& r : c.groups) peer[c.key].push_back(r.ratio);
  for (auto& [key, a] : acc) {
    Expectation e;
    e.key = key;
    e.samples = static_cast<int>(a.time.size());
    e.runs = static_cast<int>(a.runs.size());
    e.groups = static_cast<int>(a.groups.size());
    e.busbw_gbps = spread_of(a.busbw);
    e.time_us = spread_of(a.time);
    e.p99_us = spread_of(a.p99);
    e.cv = spread_of(a.cv);
    e.ci_rel = spread_of(a.ci).median;
    if (auto it = peer.find(key); it != peer.end()) e.peer_ratio = spread_of(it->second);
    b.expectations.push_back(std::move(e));
  }
  return b;
}

namespace {

json spread_json(const Spread& s) { return {{"median", s.median}, {"min", s.min}, {"max", s.max}}; }

Spread read_spread(const json& j, const std::string& file, const std::string& path) {
  if (!j.is_object()) detail::bad(file, path, "an object {\"median\", \"min\", \"max\"}");
  Spread s;
  s.median = detail::number(detail::member(j, file, path, "median"), file, detail::sub(path, "median"));
  s.min = detail::number(detail::member(j, file, path, "min"), file, detail::sub(path, "min"));
  s.max = detail::number(detail::member(j, file, path, "max"), file, detail::sub(path, "max"));
  if (s.min > s.median || s.median > s.max || s.min < 0) detail::bad(file, path, "0 <= min <= median <= max");
  return s;
}

}  // namespace

json baseline_json(const Baseline& b) {
  json ex = json::array();
  for (const Expectation& e : b.expectations) {
    ex.push_back({{"collective", e.key.collective}, {"datatype", e.key.datatype}, {"op", e.key.op},
                  {"placement", e.key.placement}, {"nranks", e.key.nranks}, {"bytes", e.key.bytes},
                  {"scope", e.key.scope}, {"samples", e.samples}, {"runs", e.runs}, {"groups", e.groups},
                  {"busbw_gbps", spread_json(e.busbw_gbps)}, {"time_us", spread_json(e.time_us)},
                  {"p99_us", spread_json(e.p99_us)}, {"cv", spread_json(e.cv)}, {"ci_rel_half_width", e.ci_rel},
                  {"slow_spread", e.slow_spread()}});
    if (e.peer_ratio.max > 0) ex.back()["peer_ratio"] = spread_json(e.peer_ratio);
  }
  return {{"schema", kBaselineSchema}, {"version", kBaselineVersion}, {"created", b.created},
          {"tool_version", b.tool_version}, {"backend", b.backend}, {"config", b.config},
          {"sources", b.sources}, {"expectations", ex}};
}

Baseline parse_baseline(const json& j, const std::string& file) {
  detail::expect_schema(j, file, kBaselineSchema, kBaselineVersion);
  Baseline b;
  b.path = file;
  static const std::set<std::string> top = {"schema", "version", "created", "tool_version", "backend", "config",
                                            "sources", "expectations", "description"};
  static const std::set<std::string> fields = {"collective", "datatype", "op", "placement", "scope", "nranks",
                                               "bytes", "samples", "runs", "groups", "busbw_gbps", "time_us",
                                               "p99_us", "cv", "peer_ratio", "ci_rel_half_width", "slow_spread"};
  for (const auto& [k, v] : j.items())
    if (!top.count(k)) detail::bad(file, k, "a key collbench baseline writes (schema, version, backend, expectations …)");
  b.backend = detail::text(detail::member(j, file, "", "backend"), file, "backend");
  if (j.contains("config")) b.config = detail::text(j["config"], file, "config");
  if (j.contains("created")) b.created = detail::text(j["created"], file, "created");
  if (j.contains("tool_version")) b.tool_version = detail::text(j["tool_version"], file, "tool_version");
  if (j.contains("sources")) {
    if (!j["sources"].is_array()) detail::bad(file, "sources", "an array of strings");
    for (std::size_t i = 0; i < j["sources"].size(); ++i)
      b.sources.push_back(detail::text(j["sources"][i], file, detail::item("sources", i)));
  }
  const json& ex = detail::member(j, file, "", "expectations");
  if (!ex.is_array() || ex.empty()) detail::bad(file, "expectations", "a non-empty array");
  for (std::size_t i = 0; i < ex.size(); ++i) {
    const std::string p = detail::item("expectations", i);
    const json& x = ex[i];
    if (!x.is_object()) detail::bad(file, p, "an object");
    for (const auto& [k, v] : x.items())
      if (!fields.count(k)) detail::bad(file, detail::sub(p, k), "a field collbench baseline writes (collective … ci_rel_half_width)");
    auto str = [&](const char* k) { return detail::text(detail::member(x, file, p, k), file, detail::sub(p, k)); };
    Expectation e;
    e.key.collective = str("collective");
    e.key.datatype = str("datatype");
    e.key.op = str("op");
    e.key.placement = str("placement");
    e.key.scope = str("scope");
    // The names a record can have (results/json.cpp): another would be an expectation no case meets.
    if (!core::find_collective(e.key.collective))
      detail::bad(file, detail::sub(p, "collective"), "allreduce, allgather, reducescatter, alltoall, broadcast or reduce");
    try {
      (void)core::parse_datatype(e.key.datatype);
    } catch (const core::InputError&) {
      detail::bad(file, detail::sub(p, "datatype"), "a data type (int8 … f8e5m2)");
    }
    if (e.key.placement != "out_of_place" && e.key.placement != "in_place")
      detail::bad(file, detail::sub(p, "placement"), "\"out_of_place\" or \"in_place\"");
    if (e.key.scope != "world" && e.key.scope != "node" && e.key.scope != "pair")
      detail::bad(file, detail::sub(p, "scope"), "\"world\", \"node\" or \"pair\"");
    const std::int64_t nranks = detail::integer(detail::member(x, file, p, "nranks"), file, detail::sub(p, "nranks"));
    if (nranks < 1) detail::bad(file, detail::sub(p, "nranks"), "a positive integer");
    e.key.nranks = static_cast<int>(nranks);
    e.key.bytes = detail::size(detail::member(x, file, p, "bytes"), file, detail::sub(p, "bytes"));
    auto count = [&](const char* k) {
      const std::int64_t v = detail::integer(detail::member(x, file, p, k), file, detail::sub(p, k));
      if (v < 1) detail::bad(file, detail::sub(p, k), "a positive integer");
      return static_cast<int>(v);
    };
    e.samples = count("samples");
    e.runs = count("runs");
    e.groups = count("groups");
    e.busbw_gbps = read_spread(detail::member(x, file, p, "busbw_gbps"), file, detail::sub(p, "busbw_gbps"));
    e.time_us = read_spread(detail::member(x, file, p, "time_us"), file, detail::sub(p, "time_us"));
    if (!(e.time_us.median > 0)) detail::bad(file, detail::sub(p, "time_us.median"), "a positive time");
    e.p99_us = read_spread(detail::member(x, file, p, "p99_us"), file, detail::sub(p, "p99_us"));
    e.cv = read_spread(detail::member(x, file, p, "cv"), file, detail::sub(p, "cv"));
    if (x.contains("peer_ratio")) e.peer_ratio = read_spread(x["peer_ratio"], file, detail::sub(p, "peer_ratio"));
    if (x.contains("ci_rel_half_width")) e.ci_rel = detail::number(x["ci_rel_half_width"], file, detail::sub(p, "ci_rel_half_width"));
    b.expectations.push_back(std::move(e));
  }
  std::sort(b.expectations.begin(), b.expectations.end(), [](const Expectation& a, const Expectation& c) { return a.key < c.key; });
  const auto twice = std::adjacent_find(b.expectations.begin(), b.expectations.end(),
                                        [](const Expectation& a, const Expectation& c) { return a.key == c.key; });
  if (twice != b.expectations.end()) detail::bad(file, "expectations", "one expectation per case; " + twice->key.describe() + " appears twice");
  return b;
}

Baseline read_baseline_file(const std::string& path) { return parse_baseline(detail::parse_file(path, "a baseline"), path); }

}  // namespace collbench::check

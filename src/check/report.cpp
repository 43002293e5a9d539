#include "check/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#include "core/printf_text.hpp"
#include "plan/groups.hpp"

namespace collbench::check {

using nlohmann::json;

namespace {

std::string value(const std::optional<double>& v, const std::string& unit) {
  if (!v) return "-";
  return unit.empty() ? fmt::format("{:.3g}", *v) : fmt::format("{:.4g} {}", *v, unit);
}

std::string status_word(const std::string& s) {
  return s == "pass" ? "ok" : s == "fail" ? "FAIL" : s == "error" ? "ERROR" : "skipped";
}

// Suites in order of first appearance.
std::vector<std::pair<std::string, std::vector<const Item*>>> suites(const Verdict& v) {
  std::vector<std::pair<std::string, std::vector<const Item*>>> out;
  std::map<std::string, std::size_t> index;
  for (const Item& it : v.items) {
    auto [pos, fresh] = index.try_emplace(it.suite, out.size());
    if (fresh) out.push_back({it.suite, {}});
    out[pos->second].second.push_back(&it);
  }
  return out;
}

}  // namespace

std::string quiet_text(const Verdict& v) {
  std::string out;
  for (const Item& it : v.items)
    if (it.status == "fail" || it.status == "error")
      out += core::printf_text("%s: %s\n", it.status == "fail" ? "FAIL" : "ERROR", it.message.c_str());
  for (const std::string& f : v.run_failures) out += core::printf_text("run failed: %s\n", f.c_str());
  for (const std::string& n : v.named) out += core::printf_text("suspect: %s\n", n.c_str());
  return out + core::printf_text("%s\n", v.headline().c_str());
}

std::string baseline_text(const Baseline& b, std::size_t inputs, const std::string& out) {
  int scopes[3] = {0, 0, 0};
  for (const Expectation& e : b.expectations) ++scopes[e.key.scope == "world" ? 0 : e.key.scope == "node" ? 1 : 2];
  return core::printf_text("baseline: %zu expectations (%d whole job, %d per node, %d per pair) from %zu input(s), %s backend -> %s\n",
                           b.expectations.size(), scopes[0], scopes[1], scopes[2], inputs, b.backend.c_str(), out.c_str());
}

void print_verdict(std::FILE* out, const Verdict& v, const ReportContext& ctx) {
  const CheckOptions& o = *ctx.options;
  fmt::print(out, "# collbench check: {} input{}", ctx.inputs->sources.size(), ctx.inputs->sources.size() == 1 ? "" : "s");
  if (o.baseline) fmt::print(out, ", baseline {} ({} expectations)", o.baseline->path, o.baseline->expectations.size());
  if (o.expect) fmt::print(out, ", expectations {} ({})", o.expect->source, o.expect->items.size());
  fmt::print(out, ", rules: {}\n", o.rules.source);
  if (v.standin)
    fmt::print(out, "# STAND-IN: the results come from collbench's CPU stand-ins for CUDA and NCCL (tests/standin): "
                    "a rehearsal of the verdict, not a GPU rack's\n");
  for (const auto& [suite, items] : suites(v)) {
    int bad = 0;
    for (const Item* it : items) bad += it->status == "fail" || it->status == "error";
    fmt::print(out, "#\n# {}: {} checks, {} not passed\n", suite, items.size(), bad);
    std::size_t width = 4, gwidth = 0;
    for (const Item* it : items) {
      width = std::max(width, it->label.size());
      gwidth = std::max(gwidth, it->group.size());
    }
    fmt::print(out, "# {:<12} {:<{}} {:<{}}{:>14} {:>14} {:>14}  {}\n", "rule", "case", width, gwidth ? "group" : "", gwidth ? gwidth + 1 : 0,
               "measured", "limit", "baseline", "status");
    for (const Item* it : items)
      fmt::print(out, "  {:<12} {:<{}} {:<{}}{:>14} {:>14} {:>14}  {}\n", it->rule, it->label, width, it->group, gwidth ? gwidth + 1 : 0,
                 value(it->measured, it->unit), value(it->limit, it->unit), value(it->reference, it->rule == "peer" ? "us" : it->unit),
                 status_word(it->status));
  }
  bool header = false;
  for (const Item& it : v.items) {
    if (it.status != "fail" && it.status != "error") continue;
    if (!header) fmt::print(out, "#\n# Failures:\n");
    header = true;
    fmt::print(out, "  {}: {}\n", status_word(it.status), it.message);
  }
  if (!v.run_failures.empty()) {
    fmt::print(out, "#\n# The run itself failed:\n");
    for (const std::string& f : v.run_failures) fmt::print(out, "  {}\n", f);
  }
  if (!v.named.empty()) {
    fmt::print(out, "#\n# Suspects:\n");
    for (const std::string& n : v.named) fmt::print(out, "  {}\n", n);
  }
  fmt::print(out, "#\n# {}\n", v.headline());
}

json verdict_json(const Verdict& v, const ReportContext& ctx) {
  const CheckOptions& o = *ctx.options;
  json inputs = json::array();
  for (const Source& s : ctx.inputs->sources)
    inputs.push_back({{"path", s.path}, {"kind", s.kind}, {"backend", s.backend}, {"nranks", s.nranks},
                      {"config", s.config}, {"run_failures", s.run_failures}});
  json items = json::array();
  for (const Item& it : v.items) {
    json j = {{"suite", it.suite}, {"name", it.name}, {"rule", it.rule}, {"status", it.status},
              {"collective", it.key.collective}, {"datatype", it.key.datatype}, {"op", it.key.op},
              {"placement", it.key.placement}, {"nranks", it.key.nranks}, {"bytes", it.key.bytes}, {"scope", it.key.scope}};
    if (!it.message.empty()) j["message"] = it.message;
    if (!it.group.empty()) j["group"] = it.group;
    if (!it.where.empty()) j["where"] = it.where;
    if (it.measured) j["measured"] = *it.measured;
    if (it.limit) j["limit"] = *it.limit;
    if (it.reference) j["reference"] = *it.reference;
    if (!it.unit.empty()) j["unit"] = it.unit;
    items.push_back(std::move(j));
  }
  json suspects = json::array();
  for (const Suspect& s : v.localization.suspects) {
    suspects.push_back({{"node", s.node}, {"host", s.host}, {"ranks", s.ranks}, {"kind", s.kind}, {"slow_cases", s.slow_cases},
                        {"cases", s.cases}, {"worst_ratio", s.worst_ratio}, {"ambiguous", s.ambiguous}, {"partner", s.partner},
                        {"summary", s.describe()}});
    if (!s.slurm_node.empty()) suspects.back()["slurm_node"] = s.slurm_node;
    if (s.kind == "link") {
      suspects.back()["partner_host"] = s.partner_host;
      suspects.back()["partner_ranks"] = s.partner_ranks;
    }
  }
  json rules = {{"source", o.rules.source},
                {"defaults",
                 {{"busbw_drop", o.rules.defaults.busbw_drop ? json(*o.rules.defaults.busbw_drop) : json()},
                  {"p99_ratio", o.rules.defaults.p99_ratio ? json(*o.rules.defaults.p99_ratio) : json()},
                  {"cv_max", o.rules.defaults.cv_max ? json(*o.rules.defaults.cv_max) : json()},
                  {"peer_slowdown", o.rules.defaults.peer_slowdown ? json(*o.rules.defaults.peer_slowdown) : json()},
                  {"noise_aware", o.rules.defaults.noise_aware},
                  {"require_verified", o.rules.defaults.require_verified}}},
                {"overrides", o.rules.overrides.size()}};
  json j = {{"schema", kCheckSchema},
          {"version", kCheckVersion},
          {"verdict", v.verdict()},
          {"exit_code", static_cast<int>(v.code)},
          {"headline", v.headline()},
          {"counts", {{"checks", v.items.size()}, {"passed", v.passed}, {"failed", v.failed}, {"errors", v.errors}, {"skipped", v.skipped}}},
          {"command_line", ctx.command_line},
          {"inputs", inputs},
          {"baseline", o.baseline ? json(o.baseline->path) : json()},
          {"expect", o.expect ? json(o.expect->source) : json()},
          {"rules", rules},
          {"run_failures", v.run_failures},
          {"named", v.named},
          {"suspects", suspects},
          {"items", items}};
  if (!ctx.time.empty()) j["time"] = ctx.time;
  if (v.standin) j["standin"] = true;  // only then: verdicts on GPUs stay as they were
  return j;
}

std::string junit_xml(const Verdict& v, const ReportContext& ctx) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  double total_time = 0;
  for (const Item& it : v.items) total_time += it.time_s;
  // No "skipped" here: junit-10.xsd, which CI plugins validate against, has it on testsuite only.
  x += fmt::format("<testsuites name=\"collbench check\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.6f}\">\n",
                   v.items.size(), v.failed, v.errors, total_time);
  int id = 0;
  for (const auto& [suite, items] : suites(v)) {
    int f = 0, e = 0, s = 0;
    double t = 0;
    for (const Item* it : items) {
      f += it->status == "fail";
      e += it->status == "error";
      s += it->status == "skipped";
      t += it->time_s;
    }
    x += fmt::format("  <testsuite name=\"{}\" id=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.6f}\">\n",
                     xml_escape(suite), id++, items.size(), f, e, s, t);
    if (id == 1) {
      x += "    <properties>\n";
      x += fmt::format("      <property name=\"verdict\" value=\"{}\"/>\n", xml_escape(v.verdict()));
      if (ctx.options->baseline) x += fmt::format("      <property name=\"baseline\" value=\"{}\"/>\n", xml_escape(ctx.options->baseline->path));
      if (ctx.options->expect) x += fmt::format("      <property name=\"expect\" value=\"{}\"/>\n", xml_escape(ctx.options->expect->source));
      x += fmt::format("      <property name=\"rules\" value=\"{}\"/>\n", xml_escape(ctx.options->rules.source));
      for (const Source& src : ctx.inputs->sources) x += fmt::format("      <property name=\"input\" value=\"{}\"/>\n", xml_escape(src.path));
      for (const std::string& n : v.named) x += fmt::format("      <property name=\"suspect\" value=\"{}\"/>\n", xml_escape(n));
      x += "    </properties>\n";
    }
    for (const Item* it : items) {
      x += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.6f}\"", xml_escape(it->classname), xml_escape(it->name), it->time_s);
      if (it->status == "pass") {
        x += "/>\n";
        continue;
      }
      x += ">\n";
      const std::string tag = it->status == "fail" ? "failure" : it->status == "error" ? "error" : "skipped";
      const std::string type = it->status == "skipped" ? "" : fmt::format(" type=\"{}\"", xml_escape(it->rule));
      std::string body;
      if (it->measured) body += fmt::format("measured: {}\n", value(it->measured, it->unit));
      if (it->limit) body += fmt::format("limit: {}\n", value(it->limit, it->unit));
      if (it->reference) body += fmt::format("baseline: {}\n", value(it->reference, it->rule == "peer" ? "us" : it->unit));
      if (!it->where.empty()) body += "input: " + it->where + "\n";
      if (tag == "skipped") x += fmt::format("      <skipped message=\"{}\"/>\n", xml_escape(it->message));
      else x += fmt::format("      <{} message=\"{}\"{}>{}</{}>\n", tag, xml_escape(it->message), type, xml_escape(body), tag);
      x += "    </testcase>\n";
    }
    x += "  </testsuite>\n";
  }
  x += "</testsuites>\n";
  return x;
}

}  // namespace collbench::check

#include "cli/check_command.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "check/baseline.hpp"
#include "cli/output.hpp"
#include "check/evaluate.hpp"
#include "check/inputs.hpp"
#include "check/locate.hpp"
#include "check/report.hpp"
#include "check/rules.hpp"
#include "core/error.hpp"
#include "core/launcher.hpp"
#include "results/json.hpp"

namespace collbench::cli {

namespace {

constexpr const char* kBaselineFooter = R"(Examples:
  collbench baseline good-1.json good-2.json good-3.json --out baseline.json
  collbench baseline out/sweep --config default --out baseline.json

RESULTS are run JSON files (collbench run --json) or sweep stores. Every input must be known-good:
finished, no failed case, no wrong result. Per case (collective, size, type, op, placement, ranks,
scope) the baseline keeps the median, min and max over the samples of busbw, median time, p99 and
CV; the statistics are documented in reports/CHECK.md.)";

constexpr const char* kCheckFooter = R"(Examples:
  collbench check run.json --baseline baseline.json --junit junit.xml --json verdict.json
  collbench check run.json --expect expect.json
  collbench check run.json --per-node --pairs --baseline baseline.json --rules rules.json

Rules (defaults; override per collective, scope and size with --rules FILE, reports/CHECK.md):
  busbw >= 95% of the baseline, p99 <= 1.5x the baseline's, CV <= 0.1, wrong == 0, every case the
  baseline or --expect names measured and not failed; nodes or pairs no more than 10% slower than
  their peers. Noise-aware: a limit widens to what the known-good runs themselves varied, and a
  case fails only when its median's confidence interval lies beyond the limit.
Exit codes: 0 pass, 1 fail, 2 bad input, 3 the run itself failed (crash, timeout, cases missing).)";

void refuse_under_launcher(const char* what) {
  if (core::launcher_rank() >= 0) throw core::InputError(fmt::format("collbench {} runs as a plain process, not under mpirun or srun", what));
}

}  // namespace

CLI::App* add_baseline_command(CLI::App& app, BaselineArgs& a) {
  CLI::App* b = app.add_subcommand("baseline", "Build per-case expectations from known-good runs");
  b->footer(kBaselineFooter);
  b->add_option("results", a.inputs, "Run JSON files or sweep stores of known-good runs")->required();
  b->add_option("--out", a.out, "The baseline file to write")->required();
  b->add_option("--config", a.config, "For sweep stores: the configuration to use (its label; default: the default)");
  return b;
}

CLI::App* add_check_command(CLI::App& app, CheckArgs& a) {
  CLI::App* c = app.add_subcommand("check", "Acceptance verdict: results against a baseline, thresholds and each other");
  c->footer(kCheckFooter);
  c->add_option("results", a.inputs, "Run JSON files or sweep stores to check")->required();
  c->add_option("--baseline", a.baseline, "Expectations from known-good runs (collbench baseline)");
  c->add_option("--expect", a.expect, "Absolute thresholds per collective and size (reports/CHECK.md)");
  c->add_option("--rules", a.rules, "Rules file overriding the default limits (reports/CHECK.md)");
  c->add_option("--config", a.config, "For sweep stores: the configuration to check (default: the default)");
  c->add_option("--json", a.json, "Write the verdict as JSON (schema collbench.check)");
  c->add_option("--junit", a.junit, "Write the verdict as JUnit XML: one testcase per rule and size");
  c->add_flag("--per-node", a.per_node, "Require and compare the per-node measurements (collbench run --per-node)");
  c->add_flag("--pairs", a.pairs, "Require and compare the pair measurements (collbench run --pairs)");
  c->add_flag("-q,--quiet", a.quiet, "Print only the failures, suspects and the verdict line");
  return c;
}

int baseline_command(const BaselineArgs& a, const std::string&) {
  refuse_under_launcher("baseline");
  results::check_writable(a.out, "--out");
  const check::Inputs in = check::read_inputs(a.inputs, a.config);
  const check::Baseline b = check::build_baseline(in, a.config);
  write_output(a.out, check::baseline_json(b).dump(2) + "\n", "--out");
  int scopes[3] = {0, 0, 0};
  for (const check::Expectation& e : b.expectations) ++scopes[e.key.scope == "world" ? 0 : e.key.scope == "node" ? 1 : 2];
  std::printf("baseline: %zu expectations (%d whole job, %d per node, %d per pair) from %zu input(s), %s backend -> %s\n",
              b.expectations.size(), scopes[0], scopes[1], scopes[2], in.sources.size(), b.backend.c_str(), a.out.c_str());
  // A node slow in most cases of "known-good" runs widens every peer and time limit to its own
  // slowness: say so.
  const check::RuleSet defaults;
  const check::Localization loc = check::locate(
      in.obs, [&defaults](const check::CaseKey& k) { return defaults.for_case(k).peer_slowdown.value_or(-1.0); },
      [](const check::CaseKey&) { return true; });
  for (const check::Suspect& s : loc.suspects)
    if (2 * s.slow_cases >= s.cases)  // slow in most cases: a node, not a noisy moment
      std::fprintf(stderr, "collbench: baseline: warning: %s; the baseline's limits now allow that much (drop the node's runs if it was not good)\n",
                 s.describe().c_str());
  return 0;
}

int check_command(const CheckArgs& a, const std::string& command_line) {
  refuse_under_launcher("check");
  if (!a.json.empty()) results::check_writable(a.json, "--json");
  if (!a.junit.empty()) results::check_writable(a.junit, "--junit");
  check::CheckOptions opt;
  std::optional<check::Baseline> baseline;
  std::optional<check::ExpectFile> expect;
  if (!a.baseline.empty()) baseline = check::read_baseline_file(a.baseline);
  if (!a.expect.empty()) expect = check::read_expect_file(a.expect);
  if (!a.rules.empty()) opt.rules = check::read_rules_file(a.rules);
  opt.baseline = baseline ? &*baseline : nullptr;
  opt.expect = expect ? &*expect : nullptr;
  opt.require_per_node = a.per_node;
  opt.require_pairs = a.pairs;
  const check::Inputs in = check::read_inputs(a.inputs, a.config);
  const check::Verdict v = check::evaluate(in, opt);
  const check::ReportContext ctx{&in, &opt, command_line};
  if (a.quiet) {
    for (const check::Item& it : v.items)
      if (it.status == "fail" || it.status == "error") std::printf("%s: %s\n", it.status == "fail" ? "FAIL" : "ERROR", it.message.c_str());
    for (const std::string& f : v.run_failures) std::printf("run failed: %s\n", f.c_str());
    for (const std::string& n : v.named) std::printf("suspect: %s\n", n.c_str());
    std::printf("%s\n", v.headline().c_str());
  } else {
    check::print_verdict(stdout, v, ctx);
  }
  if (!a.json.empty()) write_output(a.json, check::verdict_json(v, ctx).dump(2) + "\n", "--json");
  if (!a.junit.empty()) write_output(a.junit, check::junit_xml(v, ctx), "--junit");
  std::fflush(stdout);
  if (v.code != core::ExitCode::ok) std::fprintf(stderr, "collbench: %s\n", v.headline().c_str());
  return static_cast<int>(v.code);
}

}  // namespace collbench::cli

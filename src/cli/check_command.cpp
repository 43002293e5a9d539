#include "cli/check_command.hpp"

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

}  // namespace

CLI::App* add_baseline_command(CLI::App& app, app::BaselineRequest& a) {
  CLI::App* b = app.add_subcommand("baseline", "Build per-case expectations from known-good runs");
  b->footer(kBaselineFooter);
  b->add_option("results", a.inputs, "Run JSON files or sweep stores of known-good runs")->required();
  b->add_option("--out", a.out, "The baseline file to write")->required();
  b->add_option("--config", a.config, "For sweep stores: the configuration to use (its label; default: the default)");
  return b;
}

CLI::App* add_check_command(CLI::App& app, app::CheckRequest& a) {
  CLI::App* c = app.add_subcommand("check", "Acceptance verdict: results against a baseline, thresholds and each other");
  c->footer(kCheckFooter);
  c->add_option("results", a.inputs, "Run JSON files or sweep stores to check")->required();
  c->add_option("--baseline", a.baseline, "Expectations from known-good runs (collbench baseline)");
  c->add_option("--expect", a.expect, "Absolute thresholds per collective and size (reports/CHECK.md)");
  c->add_option("--rules", a.rules, "Rules file overriding the default limits (reports/CHECK.md)");
  c->add_option("--config", a.config, "For sweep stores: the configuration to check (default: the default)");
  c->add_option("--json", a.json, "Write the verdict as JSON (schema collbench.check)");
  c->add_option("--junit", a.junit, "Write the verdict as JUnit XML: one testcase per rule and size");
  c->add_option("--prometheus", a.prometheus,
                "Write the verdict and the results as Prometheus metrics to FILE, atomically (node_exporter's textfile collector)");
  c->add_option("--model", a.model, "A topology (reports/MODEL.md): busbw must reach a fraction of NCCL's cost-model prediction");
  c->add_option("--model-min", a.model_min, "With --model: the fraction in percent (default 80; rules files: model_min)");
  c->add_flag("--per-node", a.per_node, "Require and compare the per-node measurements (collbench run --per-node)");
  c->add_flag("--pairs", a.pairs, "Require and compare the pair measurements (collbench run --pairs)");
  c->add_flag("-q,--quiet", a.quiet, "Print only the failures, suspects and the verdict line");
  return c;
}

}  // namespace collbench::cli

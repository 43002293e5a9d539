#include "cli/check_command.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <memory>

#include "check/baseline.hpp"
#include "cli/output.hpp"
#include "check/evaluate.hpp"
#include "check/inputs.hpp"
#include "check/locate.hpp"
#include "check/report.hpp"
#include "check/rules.hpp"
#include "core/error.hpp"
#include "backend/model/predictor.hpp"
#include "core/datatype.hpp"
#include "core/launcher.hpp"
#include "plan/knobs.hpp"
#include "stats/bandwidth.hpp"
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

// --model: per job size and NCCL settings, one predictor; each case against NCCL's prediction for
// the cell it used when the run recorded it (--nccl-tuning-info), else NCCL's default choice.
check::ModelFn model_check(const std::string& path) {
  const model::Topology topology = model::read_topology(path);
  auto cache = std::make_shared<std::map<std::string, std::shared_ptr<model::Predictor>>>();
  return [topology, cache, path](const check::Observation& o, const check::Source& src) -> check::ModelPrediction {
    const results::ResultRecord& r = o.rec;
    check::ModelPrediction out;
    const auto coll = core::find_collective(r.collective);
    std::optional<core::DataType> dtype;
    try {
      dtype = core::parse_datatype(r.datatype);
    } catch (const core::InputError&) {
    }
    if (!coll || !dtype) return out.why_not = "'" + r.collective + "' / '" + r.datatype + "' is not a case the model knows", out;
    const auto call = model::call_for(*coll, *dtype, r.op == "avg" ? core::RedOp::avg : core::RedOp::sum, r.bytes);
    if (!call) return out.why_not = "all-to-all runs on NCCL's send/recv path, which its cost model does not cover", out;
    std::map<std::string, std::string> nccl_env;
    for (const auto& [k, v] : src.env)
      if (k.rfind("NCCL_", 0) == 0) nccl_env[k] = v;
    const std::string key = fmt::format("{}|{}", r.nranks, plan::describe(nccl_env));
    std::shared_ptr<model::Predictor>& p = (*cache)[key];
    if (!p) p = std::make_shared<model::Predictor>(model::scaled_to(topology, r.nranks, "--model"), model::settings_from_map(nccl_env));
    const model::CostModel& m = p->model();
    const auto a = r.backend_notes.find("nccl_algo");
    const auto pr = r.backend_notes.find("nccl_proto");
    double used_us = -1;
    if (a != r.backend_notes.end() && pr != r.backend_notes.end()) {
      const std::optional<model::Algo> algo = model::algo_from_text(a->second);
      const std::optional<model::Proto> proto = model::proto_from_text(pr->second);
      if (algo.has_value() && proto.has_value()) {
        used_us = m.time_us(*call, algo.value(), proto.value());
        out.cell = fmt::format("{}/{}", model::log_name(algo.value()), model::log_name(proto.value()));
      }
    }
    if (used_us >= 0) {
      out.time_us = used_us;
      out.basis = "the cell NCCL used";
    } else if (const auto c = m.choose(*call)) {
      out.time_us = c->time_us;
      out.cell = fmt::format("{}/{}", model::log_name(c->algo), model::log_name(c->proto));
      out.basis = "NCCL's default choice";
    } else {
      return out.why_not = "no algorithm/protocol is usable under the run's NCCL settings on " + topology.name, out;
    }
    out.busbw_gbps = stats::busbw_gbps(stats::algbw_gbps(r.bytes, out.time_us), core::bus_factor(*coll, r.nranks));
    return out;
  };
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
  c->add_option("--model", a.model, "A topology (reports/MODEL.md): busbw must reach a fraction of NCCL's cost-model prediction");
  c->add_option("--model-min", a.model_min, "With --model: the fraction in percent (default 80; rules files: model_min)");
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
  std::fputs(check::baseline_text(b, in.sources.size(), a.out).c_str(), stdout);
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
  if (a.model_min >= 0 && a.model.empty()) throw core::InputError("--model-min: applies with --model TOPOLOGY only");
  if (!a.model.empty()) {
    if (a.model_min >= 0) {
      if (!(a.model_min > 0 && a.model_min <= 200))
        throw core::InputError(fmt::format("--model-min {}: expected a percentage in (0, 200] of the predicted busbw", a.model_min));
      opt.rules.defaults.model_min = a.model_min / 100.0;
    }
    opt.model = model_check(a.model);
    opt.model_name = a.model;
  }
  const check::Inputs in = check::read_inputs(a.inputs, a.config);
  const check::Verdict v = check::evaluate(in, opt);
  const check::ReportContext ctx{&in, &opt, command_line};
  if (a.quiet) std::fputs(check::quiet_text(v).c_str(), stdout);
  else check::print_verdict(stdout, v, ctx);
  if (!a.json.empty()) write_output(a.json, check::verdict_json(v, ctx).dump(2) + "\n", "--json");
  if (!a.junit.empty()) write_output(a.junit, check::junit_xml(v, ctx), "--junit");
  std::fflush(stdout);
  if (v.code != core::ExitCode::ok) std::fprintf(stderr, "collbench: %s\n", v.headline().c_str());
  return static_cast<int>(v.code);
}

}  // namespace collbench::cli

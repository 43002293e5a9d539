#include "app/check.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "app/export.hpp"
#include "app/output.hpp"
#include "backend/model/predictor.hpp"
#include "check/baseline.hpp"
#include "check/evaluate.hpp"
#include "check/inputs.hpp"
#include "check/locate.hpp"
#include "check/report.hpp"
#include "check/rules.hpp"
#include "core/datatype.hpp"
#include "core/error.hpp"
#include "core/launcher.hpp"
#include "plan/knobs.hpp"
#include "results/json.hpp"
#include "results/metadata.hpp"
#include "stats/bandwidth.hpp"

namespace collbench::app {

namespace {

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

int baseline(const BaselineRequest& a) {
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

int check(const CheckRequest& a, const std::string& command_line) {
  refuse_under_launcher("check");
  if (!a.json.empty()) results::check_writable(a.json, "--json");
  if (!a.junit.empty()) results::check_writable(a.junit, "--junit");
  if (!a.prometheus.empty()) results::check_writable(a.prometheus, "--prometheus");
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
  const check::ReportContext ctx{&in, &opt, command_line, results::iso8601_utc(std::chrono::system_clock::now())};
  if (a.quiet) std::fputs(check::quiet_text(v).c_str(), stdout);
  else check::print_verdict(stdout, v, ctx);
  if (!a.json.empty()) write_output(a.json, check::verdict_json(v, ctx).dump(2) + "\n", "--json");
  if (!a.junit.empty()) write_output(a.junit, check::junit_xml(v, ctx), "--junit");
  if (!a.prometheus.empty()) write_check_prometheus(a.prometheus, a.inputs, check::verdict_json(v, ctx));
  std::fflush(stdout);
  if (v.code != core::ExitCode::ok) std::fprintf(stderr, "collbench: %s\n", v.headline().c_str());
  return static_cast<int>(v.code);
}

}  // namespace collbench::app

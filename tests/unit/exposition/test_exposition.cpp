// The Prometheus exposition: the text format, Inspector's names, the Pushgateway's URL, and the
// metrics of results and verdicts (reports/METRICS.md). The real parts (promtool, node_exporter,
// Prometheus, Pushgateway) read it in tests/prometheus.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "exposition/metrics.hpp"
#include "exposition/push.hpp"
#include "exposition/text_format.hpp"

namespace collbench::exposition {
namespace {

using nlohmann::json;

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Exposition, OneHelpAndTypePerFamilyEscapedLabelsNoNaN) {
  Exposition e;
  e.add("collbench_a", "first\\family", {{"x", "quote \" back \\ line\nend"}}, 1.5);
  e.add("collbench_b", "second", {}, std::numeric_limits<double>::quiet_NaN());
  e.add("collbench_a", "first\\family", {{"x", "2"}}, 1e21);
  e.add("collbench_a", "first\\family", {{"x", "3"}}, HUGE_VAL);
  const std::string t = e.text();
  EXPECT_EQ(t,
            "# HELP collbench_a first\\\\family\n"
            "# TYPE collbench_a gauge\n"
            "collbench_a{x=\"quote \\\" back \\\\ line\\nend\"} 1.5\n"
            "collbench_a{x=\"2\"} 1e+21\n"
            "collbench_a{x=\"3\"} +Inf\n");
  EXPECT_EQ(count(t, "collbench_b"), 0) << "a family with only NaN samples is left out";
  EXPECT_EQ(e.samples(), 3u);
}

TEST(Exposition, ASecondSampleWithTheSameLabelsKeepsTheSmallerValue) {
  Exposition e;
  e.add("collbench_check_pass", "h", {{"rule", "busbw"}}, 1);
  e.add("collbench_check_pass", "h", {{"rule", "busbw"}}, 0);
  e.add("collbench_check_pass", "h", {{"rule", "busbw"}}, 1);
  EXPECT_EQ(e.samples(), 1u);
  EXPECT_NE(e.text().find("collbench_check_pass{rule=\"busbw\"} 0\n"), std::string::npos);
}

TEST(Exposition, NumbersAreIntegersWhenWholeAndRoundTripOtherwise) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(1796590800), "1796590800");
  EXPECT_EQ(format_value(-3), "-3");
  EXPECT_EQ(format_value(0.1), "0.1");
  EXPECT_EQ(std::stod(format_value(1.3729339425776603e-06)), 1.3729339425776603e-06);
  EXPECT_EQ(format_value(-HUGE_VAL), "-Inf");
}

TEST(Exposition, ABadNameIsABug) {
  Exposition e;
  e.add("9starts_with_a_digit", "h", {}, 1);
  EXPECT_THROW((void)e.text(), std::logic_error);
  Exposition f;
  f.add("collbench_ok", "h", {{"__reserved", "x"}}, 1);
  EXPECT_THROW((void)f.text(), std::logic_error);
}

// inspector_prom.cc:129-160: the size in its largest 1024-based unit (up to TB), floor to floor + 1.
TEST(Inspector, MessageSizeBucketsAreInspectorsOwn) {
  EXPECT_EQ(inspector_message_size(0), "0B");
  EXPECT_EQ(inspector_message_size(1), "1-2B");
  EXPECT_EQ(inspector_message_size(1023), "1023-1024B");
  EXPECT_EQ(inspector_message_size(1024), "1-2KB");
  EXPECT_EQ(inspector_message_size(2047), "1-2KB");
  EXPECT_EQ(inspector_message_size(2048), "2-3KB");
  EXPECT_EQ(inspector_message_size(1u << 20), "1-2MB");
  EXPECT_EQ(inspector_message_size(4608ull << 20), "4-5GB");  // 4.5 GiB
  EXPECT_EQ(inspector_message_size(8ull << 40), "8-9TB");
  EXPECT_EQ(inspector_message_size(1ull << 50), "1024-1025TB");  // no unit above TB
}

TEST(Inspector, CollectivesAsNcclFuncToStringSpellsThem) {
  EXPECT_EQ(inspector_collective("allreduce"), "AllReduce");
  EXPECT_EQ(inspector_collective("allgather"), "AllGather");
  EXPECT_EQ(inspector_collective("reducescatter"), "ReduceScatter");
  EXPECT_EQ(inspector_collective("broadcast"), "Broadcast");
  EXPECT_EQ(inspector_collective("reduce"), "Reduce");
  EXPECT_EQ(inspector_collective("alltoall"), "All2All");
}

TEST(Time, EpochSecondsOfIso8601Utc) {
  EXPECT_EQ(epoch_seconds("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(epoch_seconds("2026-12-06T21:00:00Z"), 1796590800);
  EXPECT_DOUBLE_EQ(epoch_seconds("2026-12-06T21:00:00.25Z"), 1796590800.25);
  for (const char* bad : {"", "2026-12-06", "2026-13-01T00:00:00Z", "2026-12-06T21:00:00+01:00", "2026-12-06T21:00:00Zjunk"})
    EXPECT_TRUE(std::isnan(epoch_seconds(bad))) << bad;
}

TEST(Push, GroupingKeyInTheUrlWithBase64ForSlashesAndEmptyValues) {
  EXPECT_EQ(base64url("a/b"), "YS9i");
  EXPECT_EQ(base64url("ab"), "YWI=");
  EXPECT_EQ(base64url("rack 7/node:3"), "cmFjayA3L25vZGU6Mw==");
  EXPECT_EQ(group_url("http://gw:9091/", {{"job", "collbench"}, {"instance", "node1"}, {"slurm_job_id", "12"}}),
            "http://gw:9091/metrics/job/collbench/instance/node1/slurm_job_id/12");
  EXPECT_EQ(group_url("http://gw:9091", {{"job", "collbench"}, {"instance", "a/b"}, {"x", ""}}),
            "http://gw:9091/metrics/job/collbench/instance@base64/YS9i/x@base64/=");
}

report::Dataset one_point(bool predicted, std::int64_t wrong) {
  report::Dataset d;
  report::SourceInfo s;
  s.path = "out/run.json";
  s.kind = "run";
  s.backend = predicted ? "model" : "nccl";
  s.predicted = predicted;
  s.status = "interrupted";
  s.version = "0.1.0";
  s.end_time = "2026-12-06T21:00:00Z";
  s.slurm_job_id = "77";
  d.sources.push_back(s);
  report::Series series;
  series.config = "default";
  series.collective = "allreduce";
  series.datatype = "float";
  series.op = "sum";
  series.placement = "out_of_place";
  series.nranks = 16;
  series.nnodes = 2;
  report::Point p;
  p.bytes = 1 << 20;
  p.busbw = 100;
  p.nccl_tests_busbw = 110;
  p.p50_us = 20, p.p90_us = 25, p.p99_us = 40, p.p999_us = std::numeric_limits<double>::quiet_NaN();
  p.mean_us = 22;
  p.wrong = wrong;
  p.reps = 3;
  p.ranks = {{0, "node-a", 19, 1.5}, {8, "node-b", 21, 9}};
  series.points.push_back(p);
  d.series.push_back(series);
  return d;
}

TEST(ResultMetrics, ACaseInBaseUnitsWithInspectorsLabels) {
  Exposition e;
  add_results(e, one_point(false, 0), {});
  const std::string t = e.text();
  const std::string labels =
      "source=\"out/run.json\",origin=\"measured\",config=\"default\",collective=\"AllReduce\",datatype=\"float\",op=\"sum\","
      "placement=\"out_of_place\",nranks=\"16\",n_nodes=\"2\",size=\"1048576\",message_size=\"1-2MB\",slurm_job_id=\"77\"";
  EXPECT_NE(t.find("collbench_busbw_bytes_per_second{" + labels + "} 100000000000\n"), std::string::npos) << t;
  EXPECT_NE(t.find("collbench_nccl_tests_busbw_bytes_per_second{" + labels + "} 110000000000\n"), std::string::npos);
  EXPECT_NE(t.find("collbench_iteration_time_seconds{" + labels + ",percentile=\"99\"} 4e-05\n"), std::string::npos);
  EXPECT_EQ(count(t, "percentile=\"99.9\""), 0) << "a NaN percentile is left out";
  EXPECT_NE(t.find("collbench_wrong_elements{" + labels + "} 0\n"), std::string::npos);
  EXPECT_NE(t.find("nccl_bus_bandwidth_gbs{" + labels + ",algo_proto=\"unknown\"} 100\n"), std::string::npos);
  EXPECT_NE(t.find("collbench_run_end_time_seconds{source=\"out/run.json\"} 1796590800\n"), std::string::npos);
  EXPECT_NE(t.find("collbench_run_complete{source=\"out/run.json\"} 0\n"), std::string::npos) << "interrupted";
  EXPECT_EQ(count(t, "collbench_rank_"), 0) << "per-rank series only when asked";
}

TEST(ResultMetrics, PredictionsAreLabelledAndNeverUnderInspectorsName) {
  Exposition e;
  add_results(e, one_point(true, -1), {true});
  const std::string t = e.text();
  EXPECT_NE(t.find("origin=\"predicted\""), std::string::npos);
  EXPECT_EQ(count(t, "nccl_bus_bandwidth_gbs"), 0);
  EXPECT_EQ(count(t, "collbench_wrong_elements"), 0) << "not checked: no series";
  EXPECT_NE(t.find(",rank=\"8\",node=\"node-b\"} 9e-06\n"), std::string::npos) << t;
}

json verdict() {
  return json::parse(R"({
    "schema": "collbench.check", "version": 1, "verdict": "FAIL", "exit_code": 1, "time": "2026-12-06T21:00:00Z",
    "counts": {"checks": 3, "passed": 1, "failed": 1, "errors": 0, "skipped": 1},
    "items": [
      {"rule": "busbw", "status": "pass", "scope": "world", "collective": "allreduce", "datatype": "float", "op": "sum",
       "placement": "in_place", "nranks": 16, "bytes": 1024, "where": "store/results.jsonl:12"},
      {"rule": "busbw", "status": "fail", "scope": "node", "group": "node-b", "collective": "allreduce", "datatype": "float",
       "op": "sum", "placement": "in_place", "nranks": 8, "bytes": 1024, "where": "store/results.jsonl:13"},
      {"rule": "cv", "status": "skipped", "scope": "world", "collective": "allreduce", "datatype": "float", "op": "sum",
       "placement": "in_place", "nranks": 16, "bytes": 1024}],
    "suspects": [{"node": "node-b", "host": "node-b", "kind": "node", "slow_cases": 5, "cases": 6, "worst_ratio": 3.5,
                  "slurm_node": "gpu-b"}]})");
}

TEST(VerdictMetrics, PerRuleAndNodeGaugesTheVerdictAndTheSlowNode) {
  Exposition e;
  add_verdict(e, verdict(), "v.json");
  const std::string t = e.text();
  EXPECT_NE(t.find("collbench_check_verdict_pass{verdict=\"FAIL\"} 0\n"), std::string::npos) << t;
  EXPECT_NE(t.find("collbench_check_exit_code 1\n"), std::string::npos);
  EXPECT_NE(t.find("collbench_check_items{status=\"skipped\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("collbench_check_time_seconds 1796590800\n"), std::string::npos);
  EXPECT_NE(t.find("collbench_check_pass{rule=\"busbw\",scope=\"node\",group=\"node-b\",collective=\"AllReduce\",datatype=\"float\","
                   "op=\"sum\",placement=\"in_place\",nranks=\"8\",size=\"1024\",message_size=\"1-2KB\",source=\"store\"} 0\n"),
            std::string::npos);
  EXPECT_EQ(count(t, "rule=\"cv\""), 0) << "a skipped check is absent";
  EXPECT_NE(t.find("collbench_check_suspect_node{node=\"node-b\",host=\"node-b\",slurm_node=\"gpu-b\",kind=\"node\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("collbench_check_suspect_slowdown_ratio{node=\"node-b\",host=\"node-b\",slurm_node=\"gpu-b\",kind=\"node\"} 3.5\n"),
            std::string::npos);
}

TEST(VerdictMetrics, ABrokenVerdictNamesTheFileAndTheField) {
  const auto message = [](json v) {
    try {
      Exposition e;
      add_verdict(e, v, "v.json");
    } catch (const core::InputError& err) {
      return std::string(err.what());
    }
    return std::string("no error");
  };
  json v = verdict();
  v["version"] = 2;
  EXPECT_EQ(message(v), "'v.json': version: expected 1 (this collbench reads check verdicts of version 1)");
  v = verdict();
  v["items"][1]["status"] = "maybe";
  EXPECT_EQ(message(v), "'v.json': items[1].status: expected pass, fail, error or skipped, got \"maybe\"");
  v = verdict();
  v["items"][0].erase("bytes");
  EXPECT_EQ(message(v), "'v.json': items[0].bytes: expected a number");
  v = verdict();
  v["items"][0]["bytes"] = -1;
  EXPECT_EQ(message(v), "'v.json': items[0].bytes: expected a byte count");
  v = verdict();
  v["suspects"][0]["worst_ratio"] = "big";
  EXPECT_EQ(message(v), "'v.json': suspects[0].worst_ratio: expected a number");
  EXPECT_EQ(message(json::array()), "'v.json': schema: expected \"collbench.check\"");
}

}  // namespace
}  // namespace collbench::exposition

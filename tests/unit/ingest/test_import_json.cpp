// collbench import of nccl-tests -J JSON (versions 2 and 3, with their quirks), of files that are
// not logs at all, and the import store (duplicates, labels, a directory of another kind).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "ingest/import_store.hpp"
#include "ingest/nccl_tests.hpp"
#include "unit/ingest/import_support.hpp"
#include "unit/ingest/text_logs.hpp"
#include "unit/test_support.hpp"

namespace {

namespace fs = std::filesystem;
namespace ingest = collbench::ingest;
namespace results = collbench::results;
using namespace importlogs;
using namespace importsupport;
using testsupport::error_of;
using testsupport::TempDir;

// ------------------------------------------------------------------ not a log

void expect_not_a_log(const std::string& path) {
  const std::string msg = error_of([&] { ingest::import_log(path); });
  EXPECT_HAS(msg, path);
  EXPECT_HAS(msg, "not an nccl-tests or rccl-tests log");
}

TEST(NotALog, ReadmeCsvEmptyAndBinaryFiles) {
  TempDir dir;
  expect_not_a_log(dir.write("README.md",
                             "# nccl-tests\n\nThese tests check both the performance and the correctness of NCCL "
                             "operations.\n\n1. Build with make MPI=1\n2. Run ./build/all_reduce_perf -b 8 -e 256M -f 2 -g 8\n"));
  expect_not_a_log(dir.write("results.csv",
                             "size,count,type,redop,root,time,algbw,busbw,wrong\n1024,256,float,sum,-1,10.5,0.10,0.10,0\n"));
  expect_not_a_log(dir.write("empty.log", ""));
  expect_not_a_log(dir.write("blank.log", "\n  \n\t\n"));
  expect_not_a_log(dir.write("core.bin", std::string("\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0", 16) + "all_reduce_perf"));
}

TEST(NotALog, JsonThatIsNotAnNcclTestsDocument) {
  TempDir dir;
  expect_not_a_log(dir.write("package.json", "{\"name\": \"x\", \"version\": \"1.0.0\"}\n"));
}

// ------------------------------------------------------------------ JSON (-J)

std::string json_doc(int version, const std::string& okay = "unchecked", const std::string& errors = "[]") {
  std::string d = R"JSON({"version":@V@,"start_time":"2025-01-01 10:00:00","args":["/x/build/all_reduce_perf","-b","1K","-e","2K","-f","2","-I","1","-J","out.json"],"env":["NCCL_DEBUG=INFO","SECRET=1","PATH=/usr/bin","CUDA_VISIBLE_DEVICES=0"],"nccl_version":22809,"config":{"nthreads":1,"ngpus":1,"minimum_bytes":1024,"maximum_bytes":2048,"step_factor":2,"warmup_iters":1,"iterations":5,"aggregated_iterations":1,"validation":1,"graph":0,"blocking_collectives":"false","per_iter_timing":"true","parallel_init":"false","devices":[{"rank":0,"group":0,"pid":1,"hostname":"h1","device":0,"device_hex":"0000:04:00","device_info":"NVIDIA H100"},{"rank":1,"group":0,"pid":2,"hostname":"h2","device":0,"device_hex":"0000:04:00","device_info":"NVIDIA H100"}]},"results":[{"size":1024,"count":256,"type":"float","redop":"sum","root":"    -1","out_of_place":{"time":10.500000,"alg_bw":0.097524,"bus_bw":0.097524,"nwrong":0.000000},"out_of_place_per_iter":{"min_us":10.000000,"max_us":12.500000,"avg_us":10.820000,"p50_us":10.400000,"p95_us":12.500000,"p99_us":12.500000,"stdev_us":0.893085,"cv_pct":8.254020,"times_us":[10.400000,10.000000,12.500000,10.200000,11.000000]},"in_place":{"time":10.300000,"alg_bw":0.099417,"bus_bw":0.099417,"nwrong":null},"in_place_per_iter":{"min_us":9.900000,"max_us":11.000000,"avg_us":10.300000,"p50_us":10.300000,"p95_us":11.000000,"p99_us":11.000000,"stdev_us":0.390000,"cv_pct":3.786408,"times_us":[10.300000,9.900000,11.000000,10.100000,10.200000]},"actual_iterations":5,"experiment_name":""},{"size":2048,"count":512,"type":"float","redop":"sum","root":"    -1","out_of_place":{"time":11.200000,"alg_bw":0.182857,"bus_bw":0.182857,"nwrong":0.000000},"out_of_place_per_iter":{"min_us":10.800000,"max_us":12.000000,"avg_us":11.200000,"p50_us":11.200000,"p95_us":12.000000,"p99_us":12.000000,"stdev_us":0.400000,"cv_pct":3.571429,"times_us":[11.200000,10.800000,12.000000,11.000000,11.000000]},"in_place":{"time":11.000000,"alg_bw":0.186182,"bus_bw":0.186182,"nwrong":null},"actual_iterations":5,"experiment_name":""}],"out_of_bounds":{"count":0,"okay":"true"},"average_bus_bandwidth":{"bandwidth":0.141605,"okay":"@OK@"},"errors":@E@,"end_time":"2025-01-01 10:00:05"})JSON";
  auto put = [&d](const std::string& key, const std::string& value) { d.replace(d.find(key), key.size(), value); };
  put("@V@", std::to_string(version));
  put("@OK@", okay);
  put("@E@", errors);
  return d;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

TEST(JsonFormat, Version3Document) {
  const auto log = ingest::parse_json_log(json_doc(3), "out.json");
  const auto& doc = log.doc;
  const auto& md = doc.metadata;
  EXPECT_EQ(md.imported->format, "nccl-tests JSON (version 3)");
  EXPECT_EQ(md.imported->program, "all_reduce_perf");
  EXPECT_EQ(md.backend_library, "NCCL 2.28.9");
  EXPECT_EQ(md.env.count("NCCL_DEBUG"), 1u);
  EXPECT_EQ(md.env.at("NCCL_DEBUG"), "INFO");
  EXPECT_EQ(md.env.count("SECRET"), 0u) << "-J writes the whole environment; only NCCL_* & co. are kept";
  EXPECT_EQ(md.env.count("PATH"), 0u);
  EXPECT_EQ(md.command_line.front(), "/x/build/all_reduce_perf");
  EXPECT_EQ(md.nranks, 2);
  ASSERT_EQ(md.hosts.size(), 2u);
  EXPECT_TRUE(md.imported->complete);
  EXPECT_EQ(doc.status, "ok");
  EXPECT_DOUBLE_EQ(md.imported->avg_busbw_gbps, 0.141605);
  ASSERT_EQ(doc.results.size(), 4u);

  const auto& r = doc.results[0];
  EXPECT_EQ(r.collective, "allreduce");
  EXPECT_EQ(r.placement, "out_of_place");
  EXPECT_EQ(r.root, -1) << "root is the padded string \"    -1\"";
  EXPECT_EQ(r.bytes, 1024u);
  EXPECT_EQ(r.count, 256u);
  EXPECT_EQ(r.wrong, 0);
  EXPECT_TRUE(r.checked);
  EXPECT_EQ(r.iters, 5);
  EXPECT_EQ(r.nranks, 2);
  const std::vector<double> times = {10.4, 10.0, 12.5, 10.2, 11.0};
  EXPECT_EQ(r.samples_us, times);
  EXPECT_EQ(r.time_us.n, times.size());
  EXPECT_DOUBLE_EQ(r.time_us.p50, median(times));
  EXPECT_DOUBLE_EQ(r.time_us.min, 10.0);
  EXPECT_DOUBLE_EQ(r.time_us.max, 12.5);
  EXPECT_NEAR(r.time_us.mean, std::accumulate(times.begin(), times.end(), 0.0) / 5, 1e-12);
  EXPECT_FALSE(has(r.missing, "time_us.p50"));
  EXPECT_FALSE(has(r.missing, "samples_us"));
  EXPECT_TRUE(std::isfinite(r.busbw_gbps));
  EXPECT_NEAR(r.busbw_gbps, algbw(1024, median(times)), 1e-9) << "median-based, allreduce factor 1 on 2 ranks";
  EXPECT_NEAR(r.busbw_mean_gbps, algbw(1024, 10.5), 1e-9) << "from the printed (host) time";
  EXPECT_EQ(r.backend_notes.at("host_time_us"), "10.5");

  const auto& ip = doc.results[1];
  EXPECT_EQ(ip.placement, "in_place");
  EXPECT_EQ(ip.wrong, -1) << "nwrong null";
  EXPECT_FALSE(ip.checked);
  EXPECT_TRUE(has(ip.missing, "wrong"));
  EXPECT_DOUBLE_EQ(ip.time_us.p50, 10.2);

  // The second result's in-place has no per-iteration block: its mean is the printed time.
  const auto& ip2 = doc.results[3];
  EXPECT_EQ(ip2.bytes, 2048u);
  EXPECT_DOUBLE_EQ(ip2.time_us.mean, 11.0);
  EXPECT_TRUE(ip2.samples_us.empty());
  EXPECT_TRUE(has(ip2.missing, "time_us.p50"));
}

TEST(JsonFormat, Version2DocumentViaImportLog) {
  TempDir dir;
  const std::string path = dir.write("run.json", "\n  " + json_doc(2));
  const auto log = ingest::import_log(path);
  EXPECT_EQ(log.doc.metadata.imported->format, "nccl-tests JSON (version 2)");
  EXPECT_EQ(log.doc.results.size(), 4u);
  EXPECT_EQ(log.label, "run");
  EXPECT_NE(log.doc.metadata.imported->fingerprint, 0u);
  EXPECT_EQ(log.doc.status, "ok");
}

TEST(JsonFormat, NanStringIsNaNNotAnError) {
  // No devices (so the printed busbw is kept) and NaN bandwidths, as util.cu writes NaN: "nan".
  const std::string d =
      R"JSON({"version":3,"start_time":"2025-01-01 10:00:00","args":["./all_reduce_perf"],"env":[],"nccl_version":22809,"config":{"nthreads":1,"ngpus":1,"iterations":20,"warmup_iters":1},"results":[{"size":1024,"count":256,"type":"float","redop":"sum","root":"    -1","out_of_place":{"time":10.500000,"alg_bw":"nan","bus_bw":"nan","nwrong":0.000000},"in_place":{"time":10.300000,"alg_bw":0.099417,"bus_bw":0.099417,"nwrong":0.000000},"actual_iterations":20,"experiment_name":""}],"out_of_bounds":{"count":0,"okay":"true"},"average_bus_bandwidth":{"bandwidth":"nan","okay":"unchecked"},"errors":[],"end_time":"2025-01-01 10:00:01"})JSON";
  const auto log = ingest::parse_json_log(d, "nan.json");
  ASSERT_EQ(log.doc.results.size(), 2u);
  EXPECT_TRUE(std::isnan(log.doc.results[0].busbw_mean_gbps));
  EXPECT_NEAR(log.doc.results[0].algbw_mean_gbps, algbw(1024, 10.5), 1e-9);
  EXPECT_DOUBLE_EQ(log.doc.results[1].busbw_mean_gbps, 0.099417);
  EXPECT_TRUE(std::isnan(log.doc.metadata.imported->avg_busbw_gbps));
}

TEST(JsonFormat, CutOffInTheSecondResult) {
  const std::string full = json_doc(3);
  const auto second = full.find("{\"size\":2048");
  ASSERT_NE(second, std::string::npos);
  const std::string cut = full.substr(0, second + 120);  // inside its out_of_place_per_iter
  const auto log = ingest::parse_json_log(cut, "cut.json");
  ASSERT_EQ(log.doc.results.size(), 2u);
  for (const auto& r : log.doc.results) EXPECT_EQ(r.bytes, 1024u);
  EXPECT_FALSE(log.doc.metadata.imported->complete);
  EXPECT_EQ(log.doc.status, "running");
  EXPECT_TRUE(has_note(log, "cut off")) << notes_of(log);
}

TEST(JsonFormat, BandwidthBelowMinimumIsFailed) {
  const auto log = ingest::parse_json_log(json_doc(3, "false"), "minbw.json");
  EXPECT_EQ(log.doc.status, "failed");
  EXPECT_EQ(log.doc.results.size(), 4u);
}

TEST(JsonFormat, ReportedErrorIsFailed) {
  const auto log = ingest::parse_json_log(json_doc(3, "unchecked", R"(["NCCL WARN Net : Connection closed by remote peer"])"),
                                          "err.json");
  EXPECT_EQ(log.doc.status, "failed");
  EXPECT_TRUE(has_note(log, "Connection closed")) << notes_of(log);
}

TEST(JsonFormat, EmptyErrorStringOfASuccessfulRunIsNotAFailure) {
  const auto log = ingest::parse_json_log(json_doc(3, "unchecked", R"([""])"), "ok.json");
  EXPECT_EQ(log.doc.status, "ok");
}

TEST(JsonFormat, NotJsonOfNcclTests) {
  const std::string msg = error_of([] { ingest::parse_json_log("{\"version\":3,\"results\":", "broken.json"); });
  EXPECT_HAS(msg, "broken.json");
}

// ------------------------------------------------------------------ import store

std::size_t line_count(const fs::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) ++n;
  return n;
}

TEST(ImportStore, DuplicatesAreSkippedAndLabelsStayUnique) {
  TempDir tmp;
  const std::string run_a = tmp.write("a/run.log", kAllGather2176);
  const std::string other = tmp.write("a/other.log", kTwoCollectives);
  const std::string run_b = tmp.write("b/run.log", kPerIter2192);
  const std::string store = (tmp.path() / "store").string();

  std::vector<ingest::ImportedLog> first;
  first.push_back(ingest::import_log(run_a));
  first.push_back(ingest::import_log(other));
  const std::size_t n_run_a = first[0].doc.results.size(), n_other = first[1].doc.results.size();
  const auto out1 = ingest::write_import_store(store, std::move(first), "collbench import a/run.log a/other.log", "0.0.0");
  EXPECT_EQ(out1.added, (std::vector<std::string>{"run", "other"}));
  EXPECT_TRUE(out1.duplicates.empty());
  EXPECT_EQ(out1.records, n_run_a + n_other);

  std::vector<ingest::ImportedLog> second;
  second.push_back(ingest::import_log(other));
  second.push_back(ingest::import_log(run_b));
  const std::size_t n_run_b = second[1].doc.results.size();
  const auto out2 = ingest::write_import_store(store, std::move(second), "collbench import a/other.log b/run.log", "0.0.0");
  ASSERT_EQ(out2.duplicates.size(), 1u);
  EXPECT_HAS(out2.duplicates[0], other);
  EXPECT_HAS(out2.duplicates[0], "other");
  ASSERT_EQ(out2.added.size(), 1u);
  EXPECT_NE(out2.added[0], "run") << "the label 'run' is taken";
  EXPECT_EQ(out2.records, n_run_b);

  const nlohmann::json m = results::read_import_manifest(store);
  EXPECT_EQ(m.at("schema"), "collbench.import");
  ASSERT_EQ(m.at("sources").size(), 3u);
  std::vector<std::string> labels;
  std::size_t records = 0;
  for (const auto& s : m.at("sources")) {
    labels.push_back(s.at("label").get<std::string>());
    records += s.at("records").get<std::size_t>();
  }
  std::sort(labels.begin(), labels.end());
  EXPECT_EQ(std::adjacent_find(labels.begin(), labels.end()), labels.end()) << ::testing::PrintToString(labels);
  EXPECT_EQ(records, n_run_a + n_other + n_run_b);
  EXPECT_EQ(line_count(fs::path(store) / "results.jsonl"), n_run_a + n_other + n_run_b);
  EXPECT_EQ(m.at("imports").size(), 2u);
}

TEST(ImportStore, RefusesADirectoryWithAnotherManifest) {
  TempDir tmp;
  tmp.write("sweep/manifest.json", "{\"schema\":\"collbench.sweep\",\"schema_version\":1}\n");
  std::vector<ingest::ImportedLog> logs;
  logs.push_back(parse(kAllGather2176));
  const std::string dir = (tmp.path() / "sweep").string();
  const std::string msg = error_of([&] { ingest::write_import_store(dir, std::move(logs), "collbench import", "0.0.0"); });
  EXPECT_HAS(msg, "collbench.import");
  EXPECT_HAS(msg, "collbench.sweep");
  EXPECT_FALSE(fs::exists(tmp.path() / "sweep" / "results.jsonl"));
}

}  // namespace

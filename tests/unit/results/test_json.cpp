#include "results/json.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>

#include "core/error.hpp"

namespace {

namespace fs = std::filesystem;
using collbench::core::InputError;
using nlohmann::json;
namespace results = collbench::results;
namespace stats = collbench::stats;

stats::Summary make_summary(double base) {
  stats::Summary s;
  s.n = 1000 + static_cast<std::size_t>(base);
  s.min = base + 0.125;
  s.mean = base + 1.5;
  s.p50 = base + 1.25;
  s.p90 = base + 2.75;
  s.p99 = base + 3.1;
  s.p999 = base + 4.2;
  s.max = base + 9.9;
  s.stddev = 0.3333333333333333;
  s.cv = 0.0123456789;
  s.median_ci = {base + 1.2, base + 1.3, 0.99, 0.04};
  return s;
}

results::ResultRecord make_record() {
  results::ResultRecord r;
  r.collective = "reducescatter";
  r.bytes = 1ULL << 40;
  r.requested_bytes = (1ULL << 40) + 3;
  r.count = 1ULL << 37;
  r.datatype = "bfloat16";
  r.op = "max";
  r.root = 3;
  r.placement = "in_place";
  r.nranks = 4;
  r.wrong = 17;
  r.checked = true;
  r.status = "wrong";
  r.error = "rank 2: 17 elements differ";
  r.warmup_iters = 5;
  r.iters = 123;
  r.stop_reason = "target_rel_ci";
  r.time_us = make_summary(10);
  r.algbw_gbps = 101.5;
  r.busbw_gbps = 76.125;
  r.algbw_mean_gbps = 99.25;
  r.busbw_mean_gbps = 74.4375;
  r.nccl_tests = results::NcclTestsFigure{10.625, 99.75, 74.8125};
  r.per_rank = {{0, "node-a", make_summary(20), 1.5, 8.25, 0}, {1, "node-b", make_summary(30), 7.5, 2.0, 3}};
  r.straggler = results::Straggler{1, "node-b", 7.5, 1.5};
  r.group = results::GroupInfo{"pair", 2, 1, {{"node-a", "node-a", {0}}, {"node-b:1", "node-b", {1}}}};
  r.samples_us = {11.0, 12.5, 1e-3, 1e9};
  return r;
}

// The fewest fields a reader accepts: a skipped case, everything else at its default.
results::ResultRecord minimal_record() {
  results::ResultRecord r;
  r.collective = "allgather";
  r.datatype = "float";
  r.op = "none";
  r.placement = "out_of_place";
  r.nranks = 1;
  r.status = "skipped";
  return r;
}

results::RunDocument make_document() {
  results::RunDocument d;
  d.status = "wrong";
  auto& m = d.metadata;
  m.tool = "collbench-test";
  m.version = "0.1.0";
  m.command_line = {"collbench", "--backend", "mpi", "--json", "out.json"};
  m.start_time = "2026-11-21T10:00:00Z";
  m.end_time = "2026-11-21T10:05:00Z";
  m.backend = "model";
  m.predicted = true;
  m.backend_library = "Open MPI v4.1.4";
  m.timer = "steady_clock";
  m.nranks = 4;
  m.hosts = {{"node-a", {0, 2}}, {"node-b", {1, 3}}};
  m.env = {{"NCCL_DEBUG", "INFO"}, {"UCX_TLS", "rc,sm"}};
  m.settings = {{"sizes", "8:1G"}, {"iters", "20"}};
  d.results = {make_record(), minimal_record()};
  return d;
}

void expect_same(const stats::Summary& a, const stats::Summary& b) {
  EXPECT_EQ(a.n, b.n);
  EXPECT_EQ(a.min, b.min);
  EXPECT_EQ(a.mean, b.mean);
  EXPECT_EQ(a.p50, b.p50);
  EXPECT_EQ(a.p90, b.p90);
  EXPECT_EQ(a.p99, b.p99);
  EXPECT_EQ(a.p999, b.p999);
  EXPECT_EQ(a.max, b.max);
  EXPECT_EQ(a.stddev, b.stddev);
  EXPECT_EQ(a.cv, b.cv);
  EXPECT_EQ(a.median_ci.lo, b.median_ci.lo);
  EXPECT_EQ(a.median_ci.hi, b.median_ci.hi);
  EXPECT_EQ(a.median_ci.level, b.median_ci.level);
  EXPECT_EQ(a.median_ci.rel_half_width, b.median_ci.rel_half_width);
}

void expect_same(const results::ResultRecord& a, const results::ResultRecord& b) {
  EXPECT_EQ(a.collective, b.collective);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(a.requested_bytes, b.requested_bytes);
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.datatype, b.datatype);
  EXPECT_EQ(a.op, b.op);
  EXPECT_EQ(a.root, b.root);
  EXPECT_EQ(a.placement, b.placement);
  EXPECT_EQ(a.nranks, b.nranks);
  EXPECT_EQ(a.wrong, b.wrong);
  EXPECT_EQ(a.checked, b.checked);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.error, b.error);
  EXPECT_EQ(a.warmup_iters, b.warmup_iters);
  EXPECT_EQ(a.iters, b.iters);
  EXPECT_EQ(a.stop_reason, b.stop_reason);
  expect_same(a.time_us, b.time_us);
  EXPECT_EQ(a.algbw_gbps, b.algbw_gbps);
  EXPECT_EQ(a.busbw_gbps, b.busbw_gbps);
  EXPECT_EQ(a.algbw_mean_gbps, b.algbw_mean_gbps);
  EXPECT_EQ(a.busbw_mean_gbps, b.busbw_mean_gbps);
  ASSERT_EQ(a.nccl_tests.has_value(), b.nccl_tests.has_value());
  if (a.nccl_tests) {
    EXPECT_EQ(a.nccl_tests->time_us, b.nccl_tests->time_us);
    EXPECT_EQ(a.nccl_tests->algbw_gbps, b.nccl_tests->algbw_gbps);
    EXPECT_EQ(a.nccl_tests->busbw_gbps, b.nccl_tests->busbw_gbps);
  }
  ASSERT_EQ(a.per_rank.size(), b.per_rank.size());
  for (std::size_t i = 0; i < a.per_rank.size(); ++i) {
    EXPECT_EQ(a.per_rank[i].rank, b.per_rank[i].rank);
    EXPECT_EQ(a.per_rank[i].host, b.per_rank[i].host);
    expect_same(a.per_rank[i].time_us, b.per_rank[i].time_us);
    EXPECT_EQ(a.per_rank[i].outside_call_us, b.per_rank[i].outside_call_us);
    EXPECT_EQ(a.per_rank[i].in_call_us, b.per_rank[i].in_call_us);
    EXPECT_EQ(a.per_rank[i].wrong, b.per_rank[i].wrong);
  }
  ASSERT_EQ(a.group.has_value(), b.group.has_value());
  if (a.group) {
    EXPECT_EQ(a.group->kind, b.group->kind);
    EXPECT_EQ(a.group->round, b.group->round);
    EXPECT_EQ(a.group->index, b.group->index);
    ASSERT_EQ(a.group->nodes.size(), b.group->nodes.size());
    for (std::size_t i = 0; i < a.group->nodes.size(); ++i) {
      EXPECT_EQ(a.group->nodes[i].label, b.group->nodes[i].label);
      EXPECT_EQ(a.group->nodes[i].host, b.group->nodes[i].host);
      EXPECT_EQ(a.group->nodes[i].ranks, b.group->nodes[i].ranks);
    }
  }
  ASSERT_EQ(a.straggler.has_value(), b.straggler.has_value());
  if (a.straggler) {
    EXPECT_EQ(a.straggler->rank, b.straggler->rank);
    EXPECT_EQ(a.straggler->host, b.straggler->host);
    EXPECT_EQ(a.straggler->outside_call_us, b.straggler->outside_call_us);
    EXPECT_EQ(a.straggler->others_us, b.straggler->others_us);
  }
  EXPECT_EQ(a.samples_us, b.samples_us);
}

void expect_same(const results::RunDocument& a, const results::RunDocument& b) {
  EXPECT_EQ(a.schema_version, b.schema_version);
  EXPECT_EQ(a.status, b.status);
  const auto& x = a.metadata;
  const auto& y = b.metadata;
  EXPECT_EQ(x.tool, y.tool);
  EXPECT_EQ(x.version, y.version);
  EXPECT_EQ(x.command_line, y.command_line);
  EXPECT_EQ(x.start_time, y.start_time);
  EXPECT_EQ(x.end_time, y.end_time);
  EXPECT_EQ(x.backend, y.backend);
  EXPECT_EQ(x.predicted, y.predicted);
  EXPECT_EQ(x.backend_library, y.backend_library);
  EXPECT_EQ(x.timer, y.timer);
  EXPECT_EQ(x.nranks, y.nranks);
  ASSERT_EQ(x.hosts.size(), y.hosts.size());
  for (std::size_t i = 0; i < x.hosts.size(); ++i) {
    EXPECT_EQ(x.hosts[i].host, y.hosts[i].host);
    EXPECT_EQ(x.hosts[i].ranks, y.hosts[i].ranks);
  }
  EXPECT_EQ(x.env, y.env);
  EXPECT_EQ(x.settings, y.settings);
  ASSERT_EQ(a.results.size(), b.results.size());
  for (std::size_t i = 0; i < a.results.size(); ++i) expect_same(a.results[i], b.results[i]);
}

// The InputError message of parse_document(j, "src"), or "" when it does not throw.
std::string parse_error(const json& j) {
  try {
    results::parse_document(j, "src");
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(e.code(), collbench::core::ExitCode::bad_input);
    return message;
  }
  ADD_FAILURE() << "parse_document accepted " << j.dump();
  return "";
}

TEST(ResultsJson, FullDocumentRoundTrips) {
  const results::RunDocument doc = make_document();
  const json j = doc;
  EXPECT_EQ(j.at("schema"), "collbench.run");
  EXPECT_EQ(j.at("schema_version"), 10);
  expect_same(doc, results::parse_document(j, "mem"));
  // And through text, as files are.
  expect_same(doc, results::parse_document(json::parse(j.dump(1)), "text"));
}

TEST(ResultsJson, OptionalFieldsAreOmittedWhenEmpty) {
  const json j = results::ResultRecord{};
  EXPECT_FALSE(j.contains("samples_us"));
  EXPECT_FALSE(j.contains("straggler"));
  EXPECT_FALSE(j.contains("error"));
  EXPECT_FALSE(j.contains("group"));
  EXPECT_TRUE(j.contains("per_rank"));
  const json full = make_record();
  EXPECT_EQ(full.at("group").at("nodes").at(1).at("label"), "node-b:1");
  EXPECT_EQ(full.at("per_rank").at(1).at("wrong"), 3);
  EXPECT_TRUE(full.contains("samples_us"));
  EXPECT_TRUE(full.contains("straggler"));
  EXPECT_EQ(full.at("error"), "rank 2: 17 elements differ");
}

TEST(ResultsJson, OptionalFieldsMayBeAbsentOrNull) {
  json j = make_record();
  j.erase("samples_us");
  j.erase("error");
  j["straggler"] = nullptr;
  j["group"] = nullptr;
  j["per_rank"][0] = json::object();
  const auto r = j.get<results::ResultRecord>();
  EXPECT_FALSE(r.group.has_value());
  EXPECT_EQ(r.per_rank[0].wrong, -1);  // absent: not known
  EXPECT_TRUE(r.samples_us.empty());
  EXPECT_TRUE(r.error.empty());
  EXPECT_FALSE(r.straggler.has_value());
  ASSERT_EQ(r.per_rank.size(), 2U);
  EXPECT_EQ(r.per_rank[0].rank, 0);
  EXPECT_EQ(r.per_rank[0].time_us.n, 0U);
  EXPECT_EQ(r.per_rank[1].host, "node-b");
  j.erase("straggler");
  EXPECT_FALSE(j.get<results::ResultRecord>().straggler.has_value());
}

TEST(ResultsJson, NonFiniteDoublesAreWrittenAsNull) {
  results::RunDocument doc = make_document();
  auto& r = doc.results[0];
  r.time_us.p99 = std::numeric_limits<double>::quiet_NaN();
  r.time_us.max = std::numeric_limits<double>::infinity();
  r.busbw_gbps = -std::numeric_limits<double>::infinity();
  r.samples_us[1] = std::numeric_limits<double>::quiet_NaN();
  const json j = doc;
  const auto& rj = j.at("results").at(0);
  EXPECT_TRUE(rj.at("time_us").at("p99").is_null());
  EXPECT_TRUE(rj.at("time_us").at("max").is_null());
  EXPECT_TRUE(rj.at("busbw_gbps").is_null());
  EXPECT_TRUE(rj.at("samples_us").at(1).is_null());
  const std::string text = j.dump();
  EXPECT_EQ(text.find("nan"), std::string::npos);
  EXPECT_EQ(text.find("inf"), std::string::npos);
  const auto back = results::parse_document(json::parse(text), "text");
  EXPECT_TRUE(std::isnan(back.results[0].time_us.p99));
  EXPECT_TRUE(std::isnan(back.results[0].time_us.max));
  EXPECT_TRUE(std::isnan(back.results[0].busbw_gbps));
  EXPECT_TRUE(std::isnan(back.results[0].samples_us[1]));
  EXPECT_EQ(back.results[0].time_us.p50, r.time_us.p50);
}

TEST(ResultsJson, RejectsWrongSchemaName) {
  json j = make_document();
  j["schema"] = "nccl-tests";
  const auto message = parse_error(j);
  EXPECT_NE(message.find("src: schema: "), std::string::npos) << message;
  EXPECT_NE(message.find("collbench.run"), std::string::npos) << message;
  j.erase("schema");
  EXPECT_NE(parse_error(j).find("src: schema: "), std::string::npos);
}

// Version 5: where an imported document came from, and what each record lacks.
TEST(ResultsJson, ImportInfoAndMissingRoundTrip) {
  results::RunDocument doc = make_document();
  results::ImportInfo info;
  info.source = "logs/a.txt";
  info.format = "nccl-tests text (>= 2.17.3)";
  info.tool = "nccl-tests";
  info.tool_version = "2.17.6";
  info.program = "all_reduce_perf";
  info.complete = true;
  info.source_bytes = 1234;
  info.fingerprint = 0xfedcba9876543210ull;
  info.missing = {"per_rank", "time_us.p50"};
  info.notes = {"the log holds 2 runs"};
  info.avg_busbw_gbps = 12.5;
  info.out_of_bounds = 0;
  doc.metadata.imported = info;
  doc.results.at(0).missing = {"time_us.p50", "wrong"};
  const results::RunDocument back = results::parse_document(json::parse(json(doc).dump()), "mem");
  ASSERT_TRUE(back.metadata.imported.has_value());
  const auto& b = *back.metadata.imported;
  EXPECT_EQ(b.source, info.source);
  EXPECT_EQ(b.format, info.format);
  EXPECT_EQ(b.tool_version, info.tool_version);
  EXPECT_EQ(b.program, info.program);
  EXPECT_TRUE(b.complete);
  EXPECT_EQ(b.source_bytes, 1234u);
  EXPECT_EQ(b.fingerprint, info.fingerprint);
  EXPECT_EQ(b.missing, info.missing);
  EXPECT_EQ(b.notes, info.notes);
  EXPECT_DOUBLE_EQ(b.avg_busbw_gbps, 12.5);
  EXPECT_EQ(b.out_of_bounds, 0);
  EXPECT_EQ(back.results.at(0).missing, (std::vector<std::string>{"time_us.p50", "wrong"}));
  // Documents of collbench's own runs carry neither.
  const json plain = make_document();
  EXPECT_FALSE(plain.at("metadata").contains("imported"));
  EXPECT_FALSE(plain.at("results").at(0).contains("missing"));
}

TEST(ResultsJson, RejectsNewerSchemaVersion) {
  json j = make_document();
  j["schema_version"] = results::kSchemaVersion + 1;
  const auto message = parse_error(j);
  EXPECT_NE(message.find("src: schema_version: " + std::to_string(results::kSchemaVersion + 1)), std::string::npos) << message;
  EXPECT_NE(message.find("(" + std::to_string(results::kSchemaVersion) + ")"), std::string::npos) << message;
  j["schema_version"] = "1";
  EXPECT_NE(parse_error(j).find("src: schema_version: expected an integer"), std::string::npos);
}

TEST(ResultsJson, RejectsWrongFieldTypesNamingThePath) {
  json j = make_document();
  j["results"][0]["bytes"] = "1024";
  EXPECT_NE(parse_error(j).find("src: results[0].bytes: expected a non-negative integer, got string"),
            std::string::npos);
  j = make_document();
  j["results"][1]["time_us"]["p50"] = "fast";
  EXPECT_NE(parse_error(j).find("src: results[1].time_us.p50: expected a number"), std::string::npos);
  j = make_document();
  j["results"][0]["bytes"] = -8;
  EXPECT_NE(parse_error(j).find("src: results[0].bytes: expected a non-negative integer, got -8"),
            std::string::npos);
  j = make_document();
  j["metadata"]["hosts"][1]["ranks"][0] = true;
  EXPECT_NE(parse_error(j).find("src: metadata.hosts[1].ranks[0]: expected an integer"),
            std::string::npos);
  j = make_document();
  j["metadata"]["env"]["NCCL_DEBUG"] = 3;
  EXPECT_NE(parse_error(j).find("src: metadata.env.NCCL_DEBUG: expected a string"), std::string::npos);
  j = make_document();
  j["results"][0]["per_rank"][1]["time_us"]["median_ci"]["lo"] = json::array();
  EXPECT_NE(parse_error(j).find("src: results[0].per_rank[1].time_us.median_ci.lo: expected a number"),
            std::string::npos);
  j = make_document();
  j["results"][0]["root"] = 1LL << 40;
  EXPECT_NE(parse_error(j).find("src: results[0].root: expected an integer in "
                                "[-2147483648, 2147483647], got 1099511627776"),
            std::string::npos);
}

TEST(ResultsJson, RejectsMissingFieldsAndBadValues) {
  json j = make_document();
  j.erase("metadata");
  EXPECT_NE(parse_error(j).find("src: metadata: missing required field"), std::string::npos);
  j = make_document();
  j["results"][0].erase("time_us");
  EXPECT_NE(parse_error(j).find("src: results[0].time_us: missing required field"), std::string::npos);
  j = make_document();
  j["results"][0]["straggler"].erase("host");
  EXPECT_NE(parse_error(j).find("src: results[0].straggler.host: missing"), std::string::npos);
  j = make_document();
  j["results"] = json::object();
  EXPECT_NE(parse_error(j).find("src: results: expected an array, got object"), std::string::npos);
  j = make_document();
  j["status"] = "done";
  EXPECT_NE(parse_error(j).find("src: status: expected one of"), std::string::npos);
  j = make_document();
  j["results"][0]["status"] = "crashed";
  EXPECT_NE(parse_error(j).find("src: results[0].status: expected one of"), std::string::npos);
  EXPECT_NE(parse_error(json::array()).find("src: expected a collbench.run document"),
            std::string::npos);
}

TEST(ResultsJson, FromJsonThrowsInputErrorWithRelativePath) {
  json j = make_summary(1);
  j["median_ci"]["hi"] = "x";
  try {
    (void)j.get<stats::Summary>();
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "median_ci.hi: expected a number, got string");
  }
}

class ResultsJsonFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    m_dir = fs::temp_directory_path() /
            ("collbench_json_test_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    fs::create_directories(m_dir);
  }
  void TearDown() override { fs::remove_all(m_dir); }
  std::string path(const std::string& name) const { return (m_dir / name).string(); }
  std::size_t files_in_dir() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(m_dir), fs::directory_iterator()));
  }
  fs::path m_dir;
};

TEST_F(ResultsJsonFiles, WriteThenReadRoundTrips) {
  const auto doc = make_document();
  const auto file = path("run.json");
  results::write_document_file(file, doc);
  EXPECT_FALSE(fs::exists(file + ".tmp"));
  EXPECT_EQ(files_in_dir(), 1U);
  expect_same(doc, results::read_document_file(file));
  // Replacing an existing snapshot.
  auto done = doc;
  done.status = "ok";
  results::write_document_file(file, done);
  EXPECT_EQ(results::read_document_file(file).status, "ok");
  EXPECT_EQ(files_in_dir(), 1U);
}

TEST_F(ResultsJsonFiles, WriteIntoMissingDirectoryThrows) {
  const auto file = path("missing/run.json");
  try {
    results::write_document_file(file, make_document());
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--json '" + file + "': cannot write: "), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(files_in_dir(), 0U);
}

TEST_F(ResultsJsonFiles, WriteOverDirectoryThrowsAndLeavesNoTmp) {
  fs::create_directory(path("dir"));
  EXPECT_THROW(results::write_document_file(path("dir"), make_document()), InputError);
  EXPECT_FALSE(fs::exists(path("dir.tmp")));
}

TEST_F(ResultsJsonFiles, ReadErrorsNameTheFile) {
  const auto missing = path("nope.json");
  try {
    results::read_document_file(missing);
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), missing + ": cannot read: No such file or directory");
  }
  const auto bad = path("bad.json");
  std::ofstream(bad) << "{\n \"schema\": \"collbench.run\",\n oops\n}\n";
  try {
    results::read_document_file(bad);
    FAIL() << "no throw";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(bad + ": not valid JSON: ", 0), 0U) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.find("[json.exception"), std::string::npos) << message;
  }
  const auto other = path("other.json");
  std::ofstream(other) << R"({"schema": "collbench.run", "schema_version": 1, "status": "ok"})";
  EXPECT_THROW(
      {
        try {
          results::read_document_file(other);
        } catch (const InputError& e) {
          EXPECT_EQ(std::string(e.what()), other + ": metadata: missing required field");
          throw;
        }
      },
      InputError);
}

TEST_F(ResultsJsonFiles, CheckWritableRejectsDirectoriesAndMissingParents) {
  try {
    results::check_writable(m_dir.string());
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "--json '" + m_dir.string() + "': is a directory, expected a file path");
  }
  const auto file = path("missing/run.json");
  try {
    results::check_writable(file);
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "--json '" + file + "': cannot write: No such file or directory");
  }
  EXPECT_THROW(results::check_writable(""), InputError);
  EXPECT_THROW(results::check_writable("/dev/null"), InputError);
}

TEST_F(ResultsJsonFiles, CheckWritableLeavesNothingBehind) {
  EXPECT_NO_THROW(results::check_writable(path("run.json")));
  EXPECT_EQ(files_in_dir(), 0U);
  // An existing file is neither clobbered nor removed.
  std::ofstream(path("keep.json")) << "previous";
  EXPECT_NO_THROW(results::check_writable(path("keep.json")));
  std::stringstream content;
  content << std::ifstream(path("keep.json")).rdbuf();
  EXPECT_EQ(content.str(), "previous");
  EXPECT_EQ(files_in_dir(), 1U);
}

TEST(ResultsJson, Version2FieldsRoundTripAndVersion1DocumentsStillLoad) {
  results::RunDocument doc = make_document();
  doc.metadata.backend = "nccl";
  doc.metadata.backend_details = {{"nccl_library", "2.28.9"}, {"cuda_driver", "13.0"}};
  doc.metadata.devices = {{0, "gpu-a01", {{"gpu", "NVIDIA H100 80GB HBM3"}, {"pci_bus_id", "00000000:19:00.0"}}},
                          {1, "gpu-a01", {{"gpu", "NVIDIA H100 80GB HBM3"}, {"pci_bus_id", "00000000:3B:00.0"}}}};
  doc.results.at(0).backend_notes = {{"nccl_algo", "RING"}, {"nccl_proto", "SIMPLE"}};
  doc.results.at(0).status = "timeout";
  doc.results.at(0).error = "allreduce 1M float sum out-of-place did not complete within --timeout 5 s";
  const json j = doc;
  const results::RunDocument back = results::parse_document(json::parse(j.dump()), "v2");
  EXPECT_EQ(back.metadata.backend_details, doc.metadata.backend_details);
  ASSERT_EQ(back.metadata.devices.size(), 2u);
  EXPECT_EQ(back.metadata.devices[1].rank, 1);
  EXPECT_EQ(back.metadata.devices[1].details.at("pci_bus_id"), "00000000:3B:00.0");
  EXPECT_EQ(back.results.at(0).backend_notes.at("nccl_algo"), "RING");
  EXPECT_EQ(back.results.at(0).status, "timeout");
  EXPECT_EQ(back.results.at(0).error, doc.results.at(0).error);
  // A version 1 document has none of them.
  json v1 = make_document();
  v1["schema_version"] = 1;
  const results::RunDocument old = results::parse_document(v1, "v1");
  EXPECT_EQ(old.schema_version, 1);
  EXPECT_TRUE(old.metadata.devices.empty());
  EXPECT_TRUE(old.results.at(0).backend_notes.empty());
  // The mpi backend writes neither key.
  const json plain = make_document();
  EXPECT_FALSE(plain.at("metadata").contains("devices"));
  EXPECT_FALSE(plain.at("results").at(0).contains("backend_notes"));
}


}  // namespace

TEST(ResultsJson, AGroupOfAnUnknownKindIsRejectedNamingTheField) {
  json j = make_record();
  j["group"]["kind"] = "rack";
  try {
    (void)j.get<results::ResultRecord>();
    ADD_FAILURE() << "accepted group.kind 'rack'";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("group.kind"), std::string::npos) << e.what();
  }
  j = make_record();
  j["group"].erase("nodes");
  EXPECT_THROW((void)j.get<results::ResultRecord>(), InputError);
}

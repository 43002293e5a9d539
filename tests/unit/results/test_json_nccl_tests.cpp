// Schema 7: a record's nccl_tests (nccl-tests' figure: the mean over ranks of each rank's mean
// time, and the bandwidths from it), written when known and optional when read.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "results/json.hpp"
#include "unit/test_support.hpp"

namespace {

using nlohmann::json;
namespace results = collbench::results;

results::RunDocument figure_document() {
  results::RunDocument doc;
  doc.status = "ok";
  doc.metadata.backend = "mpi";
  doc.metadata.nranks = 2;
  results::ResultRecord r;
  r.collective = "allreduce";
  r.datatype = "float";
  r.op = "sum";
  r.placement = "out_of_place";
  r.bytes = r.requested_bytes = 1048576;
  r.nranks = 2;
  r.time_us.mean = 18.0;
  r.nccl_tests = results::NcclTestsFigure{14.0, 74.898285714285713, 74.898285714285713};
  doc.results = {r, r};
  doc.results[1].nccl_tests.reset();  // e.g. a case that was skipped
  return doc;
}

}  // namespace

TEST(ResultsJson, NcclTestsFigureRoundTripsAndIsOmittedWhenUnknown) {
  const results::RunDocument doc = figure_document();
  const json j = doc;
  EXPECT_EQ(j.at("schema_version"), 10);
  const json& f = j.at("results").at(0).at("nccl_tests");
  EXPECT_EQ(f, (json{{"time_us", 14.0}, {"algbw_gbps", 74.898285714285713}, {"busbw_gbps", 74.898285714285713}}));
  EXPECT_FALSE(j.at("results").at(1).contains("nccl_tests"));

  const results::RunDocument back = results::parse_document(json::parse(j.dump(1)), "text");
  ASSERT_TRUE(back.results.at(0).nccl_tests.has_value());
  EXPECT_EQ(back.results[0].nccl_tests->time_us, 14.0);
  EXPECT_EQ(back.results[0].nccl_tests->algbw_gbps, 74.898285714285713);
  EXPECT_EQ(back.results[0].nccl_tests->busbw_gbps, 74.898285714285713);
  EXPECT_FALSE(back.results.at(1).nccl_tests.has_value());
}

TEST(ResultsJson, NcclTestsFigureKeepsAnUnknownBandwidthAsNull) {
  results::RunDocument doc = figure_document();
  doc.results[0].nccl_tests->busbw_gbps = std::numeric_limits<double>::quiet_NaN();  // an import of unknown ranks
  const json j = doc;
  EXPECT_TRUE(j.at("results").at(0).at("nccl_tests").at("busbw_gbps").is_null());
  const results::RunDocument back = results::parse_document(j, "mem");
  ASSERT_TRUE(back.results[0].nccl_tests.has_value());
  EXPECT_TRUE(std::isnan(back.results[0].nccl_tests->busbw_gbps));
  EXPECT_EQ(back.results[0].nccl_tests->time_us, 14.0);
}

TEST(ResultsJson, Version6DocumentsLoadWithoutTheFigure) {
  json j = figure_document();
  j["schema_version"] = 6;
  j["results"][0].erase("nccl_tests");
  const results::RunDocument old = results::parse_document(j, "v6");
  EXPECT_EQ(old.schema_version, 6);
  EXPECT_FALSE(old.results.at(0).nccl_tests.has_value());
  j["results"][0]["nccl_tests"] = nullptr;  // null reads as absent, as the other optional objects
  EXPECT_FALSE(results::parse_document(j, "v6").results.at(0).nccl_tests.has_value());
}

TEST(ResultsJson, AMalformedNcclTestsFigureIsRejectedNamingTheField) {
  const auto error = [](const json& j) { return testsupport::error_of([&] { (void)results::parse_document(j, "src"); }); };
  json j = figure_document();
  j["results"][0]["nccl_tests"]["time_us"] = "14";
  EXPECT_HAS(error(j), "src: results[0].nccl_tests.time_us: expected a number");
  j = figure_document();
  j["results"][0]["nccl_tests"].erase("busbw_gbps");
  EXPECT_HAS(error(j), "results[0].nccl_tests.busbw_gbps: missing required field");
  j = figure_document();
  j["results"][0]["nccl_tests"] = 14.0;
  EXPECT_HAS(error(j), "results[0].nccl_tests: expected an object");
}

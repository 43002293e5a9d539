// Schema 9: an imported record's `printed` (the row's figures as the log printed them) and
// metadata.imported.algbw_definition, written when known and optional when read.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "results/json.hpp"
#include "unit/test_support.hpp"

namespace {

using nlohmann::json;
namespace results = collbench::results;

results::RunDocument imported_document() {
  results::RunDocument doc;
  doc.status = "ok";
  doc.metadata.tool = "nccl-tests";
  doc.metadata.backend = "nccl";
  doc.metadata.nranks = 8;
  doc.metadata.imported.emplace();
  doc.metadata.imported->source = "rs.log";
  doc.metadata.imported->tool = "nccl-tests";
  doc.metadata.imported->avg_busbw_gbps = 15.8688;
  doc.metadata.imported->algbw_definition = "pre-2020 (nccl-tests #45)";
  results::ResultRecord r;
  r.collective = "reducescatter";
  r.datatype = "float";
  r.op = "sum";
  r.placement = "out_of_place";
  r.bytes = r.requested_bytes = 67108864;
  r.nranks = 8;
  r.time_us.mean = 2995.9;
  r.algbw_mean_gbps = 22.400245335291567;
  r.busbw_mean_gbps = 19.600214668380121;
  r.printed = results::PrintedFigure{2995.9, 19.6, 19.6};
  doc.results = {r, r};
  doc.results[1].printed->algbw_gbps = std::numeric_limits<double>::quiet_NaN();  // printed N/A
  return doc;
}

}  // namespace

TEST(ResultsJsonPrinted, RoundTripsWithNullForWhatWasNotPrinted) {
  const results::RunDocument doc = imported_document();
  const json j = doc;
  EXPECT_EQ(j.at("schema_version"), 10);
  EXPECT_EQ(j.at("results").at(0).at("printed"), (json{{"time_us", 2995.9}, {"algbw_gbps", 19.6}, {"busbw_gbps", 19.6}}));
  EXPECT_TRUE(j.at("results").at(1).at("printed").at("algbw_gbps").is_null());
  EXPECT_EQ(j.at("metadata").at("imported").at("algbw_definition"), "pre-2020 (nccl-tests #45)");

  const results::RunDocument back = results::parse_document(json::parse(j.dump(1)), "text");
  ASSERT_TRUE(back.results.at(0).printed.has_value());
  EXPECT_EQ(back.results[0].printed->time_us, 2995.9);
  EXPECT_EQ(back.results[0].printed->algbw_gbps, 19.6);
  EXPECT_EQ(back.results[0].printed->busbw_gbps, 19.6);
  EXPECT_EQ(back.results[0].algbw_mean_gbps, 22.400245335291567) << "the recalculation stays beside it";
  EXPECT_TRUE(std::isnan(back.results.at(1).printed->algbw_gbps));
  EXPECT_EQ(back.results[1].printed->busbw_gbps, 19.6);
  ASSERT_TRUE(back.metadata.imported.has_value());
  EXPECT_EQ(back.metadata.imported->algbw_definition, "pre-2020 (nccl-tests #45)");
}

TEST(ResultsJsonPrinted, OmittedWhenNotKnown) {
  results::RunDocument doc = imported_document();
  doc.results[0].printed.reset();  // a collbench measurement has none
  doc.metadata.imported->algbw_definition.clear();  // an all_reduce log
  const json j = doc;
  EXPECT_FALSE(j.at("results").at(0).contains("printed"));
  EXPECT_FALSE(j.at("metadata").at("imported").contains("algbw_definition"));
}

TEST(ResultsJsonPrinted, Version8DocumentsLoadWithoutThem) {
  json j = imported_document();
  j["schema_version"] = 8;
  for (auto& r : j["results"]) r.erase("printed");
  j["metadata"]["imported"].erase("algbw_definition");
  const results::RunDocument old = results::parse_document(j, "v8");
  EXPECT_EQ(old.schema_version, 8);
  EXPECT_FALSE(old.results.at(0).printed.has_value());
  EXPECT_EQ(old.metadata.imported->algbw_definition, "");
  j["results"][0]["printed"] = nullptr;  // null reads as absent, as the other optional objects
  EXPECT_FALSE(results::parse_document(j, "v8").results.at(0).printed.has_value());
}

TEST(ResultsJsonPrinted, AMalformedPrintedFigureIsRejectedNamingTheField) {
  json j = imported_document();
  j["results"][0]["printed"]["busbw_gbps"] = "19.6";
  EXPECT_HAS(testsupport::error_of([&] { (void)results::parse_document(j, "src"); }),
             "src: results[0].printed.busbw_gbps: expected a number");
  j = imported_document();
  j["metadata"]["imported"]["algbw_definition"] = 1;
  EXPECT_HAS(testsupport::error_of([&] { (void)results::parse_document(j, "src"); }),
             "metadata.imported.algbw_definition: expected a string");
}

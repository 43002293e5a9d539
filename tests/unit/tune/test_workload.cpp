// tune::parse_workload / read_workload (JSON with comments, errors "SOURCE: key: expected …") and
// tune::weigh (nearest measured size on a log scale, weight split over the series at a size).
#include "tune/workload.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "core/error.hpp"
#include "tune/input.hpp"
#include "tune_fixture.hpp"
#include "unit/test_support.hpp"

namespace {

using namespace tunetest;
namespace tune = collbench::tune;
namespace core = collbench::core;

std::string error_of(const std::string& text, const std::string& source = "w.json") {
  try {
    tune::parse_workload(text, source);
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

TEST(TuneWorkload, ParsesSizesCallsNameAndComments) {
  const tune::Workload w = tune::parse_workload(R"(// training step
{
  "name": "llm-dp", /* data parallel */
  "collectives": {
    "allreduce": { "64K": 100, "1048576": 3, "1M": 2.5 },  // 1048576 and 1M are one size
    "allgather": { "8": 0 }
  }
})", "jobs/llm.json");
  EXPECT_EQ(w.source, "jobs/llm.json");
  EXPECT_EQ(w.name, "llm-dp");
  EXPECT_FALSE(w.uniform());
  const std::map<std::uint64_t, double> ar{{65536, 100.0}, {1048576, 5.5}};
  EXPECT_EQ(w.calls.at("allreduce"), ar);
  const std::map<std::uint64_t, double> ag{{8, 0.0}};
  EXPECT_EQ(w.calls.at("allgather"), ag);
  EXPECT_EQ(w.calls.size(), 2u);
  EXPECT_TRUE(tune::Workload{}.uniform());
  EXPECT_EQ(tune::parse_workload(R"({"collectives": {"broadcast": {"4K": 1}}})", "b.json").name, "");
}

TEST(TuneWorkload, ErrorsNameTheSourceAndTheKey) {
  EXPECT_EQ(error_of(R"({"collectives": {"allreduce": {"64K": 1}}, "extra": 1})"),
            "w.json: extra: expected only \"name\" and \"collectives\"");
  EXPECT_EQ(error_of(R"({"collectives": {"allreduz": {"64K": 1}}})"),
            "w.json: collectives.allreduz: expected a collective name (allreduce, allgather, reducescatter, alltoall, "
            "broadcast, reduce)");
  EXPECT_EQ(error_of(R"({"collectives": {"allreduce": {"64Q": 1}}})"),
            "w.json: collectives.allreduce.64Q: expected a size such as 64K, 1M or 1048576");
  EXPECT_EQ(error_of(R"({"collectives": {"allreduce": {"0": 1}}})"),
            "w.json: collectives.allreduce.0: expected a size such as 64K, 1M or 1048576");
  EXPECT_EQ(error_of(R"({"collectives": {"allreduce": {"64K": -1}}})"),
            "w.json: collectives.allreduce.64K: expected a number of calls >= 0");
  EXPECT_EQ(error_of(R"({"collectives": {"allreduce": {"64K": "ten"}}})"),
            "w.json: collectives.allreduce.64K: expected a number of calls >= 0");
  EXPECT_EQ(error_of(R"({"name": 3, "collectives": {"allreduce": {"64K": 1}}})"), "w.json: name: expected a string");
  EXPECT_EQ(error_of(R"({"collectives": {}})"), "w.json: collectives: expected an object: collective -> { size: calls }");
  EXPECT_EQ(error_of(R"({"name": "x"})"), "w.json: collectives: expected an object: collective -> { size: calls }");
  EXPECT_EQ(error_of(R"({"collectives": {"allreduce": {}}})"),
            "w.json: collectives.allreduce: expected an object: size (\"64K\", \"1M\" or bytes) -> number of calls");
  EXPECT_EQ(error_of(R"({"collectives": {"all": {"64K": 1}}})"), "w.json: collectives.all: expected one collective name");
  EXPECT_EQ(error_of("[1, 2]"), "w.json: (top level): expected an object with \"collectives\"");
  const std::string malformed = error_of(R"({"collectives": {"allreduce": {"64K": 1}})", "bad.json");
  EXPECT_EQ(malformed.rfind("bad.json: malformed JSON (byte ", 0), 0u) << malformed;
  EXPECT_NE(malformed.find("expected a workload object"), std::string::npos) << malformed;
}

TEST(TuneWorkload, ReadWorkloadNamesTheFile) {
  TempDir tmp;
  std::ofstream(tmp / "w.json") << R"({"collectives": {"allreduce": {"64K": 1}}, "nope": 1})";
  try {
    tune::read_workload(tmp / "w.json");
    ADD_FAILURE() << "expected an InputError";
  } catch (const core::InputError& e) {
    EXPECT_EQ(std::string(e.what()), (tmp / "w.json") + ": nope: expected only \"name\" and \"collectives\"");
  }
  std::ofstream(tmp / "ok.json") << R"({"collectives": {"allreduce": {"64K": 7}}})";
  EXPECT_EQ(tune::read_workload(tmp / "ok.json").calls.at("allreduce").at(65536), 7.0);
  EXPECT_EQ(tune::read_workload(tmp / "ok.json").source, tmp / "ok.json");
  try {
    tune::read_workload(tmp / "missing.json");
    ADD_FAILURE() << "expected an InputError";
  } catch (const core::InputError& e) {
    EXPECT_EQ(std::string(e.what()), "--workload '" + (tmp / "missing.json") + "': cannot be read: No such file or directory");
  }
}

class TuneWeigh : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreBuilder b("mpi");
    for (std::uint64_t s : {1024u, 65536u, 1048576u}) b.add_reps({}, "allreduce", s, timing(100, 1));
    b.add_reps({}, "allreduce", 65536, timing(100, 1), "double");
    b.add_reps({}, "allgather", 4096, timing(100, 1));
    b.write(m_tmp / "s");
    m_in = tune::load_stores({m_tmp / "s"});
  }
  // weight per (datatype, bytes)
  std::map<std::pair<std::string, std::uint64_t>, double> weights(const std::vector<tune::WeightedCell>& wc) {
    std::map<std::pair<std::string, std::uint64_t>, double> out;
    for (const auto& c : wc) out[{c.cell->series.datatype, c.cell->bytes}] += c.weight;
    EXPECT_EQ(out.size(), wc.size()) << "one entry per cell";
    return out;
  }
  TempDir m_tmp;
  tune::TuneInput m_in;
};

TEST_F(TuneWeigh, UniformCountsEveryMeasuredSizeOnceSplitOverItsSeries) {
  std::vector<std::string> notes;
  const auto w = weights(tune::weigh(m_in, {}, "allreduce", 4, &notes));
  const std::map<std::pair<std::string, std::uint64_t>, double> expected{
      {{"float", 1024}, 1.0}, {{"float", 65536}, 0.5}, {{"double", 65536}, 0.5}, {{"float", 1048576}, 1.0}};
  EXPECT_EQ(w, expected);
  EXPECT_TRUE(notes.empty());
  EXPECT_TRUE(tune::weigh(m_in, {}, "allreduce", 8, &notes).empty()) << "no cell on 8 ranks";
  EXPECT_TRUE(tune::weigh(m_in, {}, "alltoall", 4, &notes).empty());
}

TEST_F(TuneWeigh, WorkloadSizesGoToTheNearestMeasuredSize) {
  const tune::Workload wl = tune::parse_workload(
      R"({"collectives": {"allreduce": {"2K": 10, "3K": 6, "16K": 4, "64K": 8, "1G": 1}, "allgather": {"4K": 2}}})", "w.json");
  std::vector<std::string> notes;
  const auto w = weights(tune::weigh(m_in, wl, "allreduce", 4, &notes));
  // 2K, 3K -> 1K; 16K (log2 14: 2 from 64K, 4 from 1K) -> 64K, split over float and double; 1G -> 1M.
  const std::map<std::pair<std::string, std::uint64_t>, double> expected{
      {{"float", 1024}, 16.0}, {{"float", 65536}, 6.0}, {{"double", 65536}, 6.0}, {{"float", 1048576}, 1.0}};
  EXPECT_EQ(w, expected);
  // A note for each size more than 2x from where it is counted (2K is exactly 2x: no note).
  const std::vector<std::string> expected_notes{
      "workload: allreduce 3K counted at the nearest measured size, 1K",
      "workload: allreduce 16K counted at the nearest measured size, 64K",
      "workload: allreduce 1G counted at the nearest measured size, 1M"};
  EXPECT_EQ(notes, expected_notes);
  const auto ag = tune::weigh(m_in, wl, "allgather", 4, nullptr);
  ASSERT_EQ(ag.size(), 1u);
  EXPECT_EQ(ag[0].weight, 2.0);
  EXPECT_TRUE(tune::weigh(m_in, wl, "broadcast", 4, &notes).empty()) << "not in the workload";
}

TEST_F(TuneWeigh, SizesWithZeroCallsAreLeftOut) {
  const tune::Workload wl = tune::parse_workload(R"({"collectives": {"allreduce": {"1K": 0, "1M": 3}}})", "w.json");
  const auto w = weights(tune::weigh(m_in, wl, "allreduce", 4, nullptr));
  const std::map<std::pair<std::string, std::uint64_t>, double> expected{{{"float", 1048576}, 3.0}};
  EXPECT_EQ(w, expected);
}

}  // namespace

// The one run driver: consecutive blocks with equal per-communicator settings share a backend;
// a sweep's store gets each case under its planned id.
#include "app/driver.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "app/backend_factory.hpp"
#include "app/record_sinks.hpp"
#include "results/store.hpp"
#include "unit/test_support.hpp"

namespace {

namespace app = collbench::app;
namespace backend = collbench::backend;
namespace measure = collbench::measure;
namespace plan = collbench::plan;
namespace results = collbench::results;

class FakeBackend final : public backend::Backend {
 public:
  backend::BackendInfo info() const override { return {"fake", "", "", false}; }
  void reserve(std::uint64_t, std::uint64_t) override {}
  std::string unsupported(const backend::CaseSpec&) const override { return {}; }
  void prepare(const backend::CaseSpec&) override {}
  void run_timed(std::span<double> out) override { std::fill(out.begin(), out.end(), 1.0); }
  void run_probe(std::span<double> outside, std::span<double> inside) override {
    std::fill(outside.begin(), outside.end(), 0.0);
    std::fill(inside.begin(), inside.end(), 1.0);
  }
  std::uint64_t check(const collbench::verify::Pattern&) override { return 0; }
};

plan::Block block(const std::string& config, std::optional<std::string> algo, std::vector<plan::PlannedCase> cases) {
  plan::Block b;
  b.config_id = config;
  b.knobs = {{"NCCL_ALGO", algo.value_or("default")}};
  b.comm_env = {{"NCCL_ALGO", algo}};
  b.cases = std::move(cases);
  return b;
}

app::RunConfig config() {
  app::RunConfig cfg;
  cfg.measure.iters = 2;
  cfg.measure.warmup_iters = 0;
  cfg.measure.probe_iters = 0;
  cfg.timeout_s = 0;
  return cfg;
}

TEST(Driver, ConsecutiveBlocksWithEqualCommSettingsShareABackend) {
  const std::vector<plan::Block> blocks = {block("r1", "Ring", {{"a", 8, false}}), block("r2", "Ring", {{"b", 8, false}}),
                                           block("t1", "Tree", {{"c", 8, false}}), block("r3", "Ring", {{"d", 8, false}})};
  const app::RunConfig cfg = config();
  measure::SoloWorld world("host");
  app::CollectSink sink;
  std::vector<std::string> asked;
  const app::Drive d{cfg, world, sink, {}, {}, {}};
  const auto outcome = app::drive(d, blocks, [&](const plan::Block& first) {
    asked.push_back(first.config_id);
    return std::make_unique<FakeBackend>();
  });
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(asked, (std::vector<std::string>{"r1", "t1", "r3"}));
  EXPECT_EQ(sink.records.size(), 4u);
}

TEST(Driver, ABackendRefusedStopsTheRun) {
  const std::vector<plan::Block> blocks = {block("r1", "Ring", {{"a", 8, false}}), block("t1", "Tree", {{"c", 8, false}})};
  const app::RunConfig cfg = config();
  measure::SoloWorld world("host");
  app::CollectSink sink;
  const app::Drive d{cfg, world, sink, {}, {}, {}};
  const auto outcome = app::drive(d, blocks, [&](const plan::Block& first) -> std::unique_ptr<backend::Backend> {
    if (first.config_id == "t1") return nullptr;
    return std::make_unique<FakeBackend>();
  });
  EXPECT_FALSE(outcome.has_value());
  EXPECT_EQ(sink.records.size(), 1u);  // the first backend's cases were run
}

TEST(Driver, TheStoreGetsEachCaseUnderItsPlannedId) {
  const testsupport::TempDir dir;
  const std::string path = (dir.path() / "results.jsonl").string();
  {
    results::StoreAppender store(path);
    app::StoreSink sink(store, "L001-r1");
    std::vector<plan::Block> blocks = {block("cfg1", "Ring", {{"id-8-out", 8, false}, {"id-8-in", 8, true}, {"id-64-in", 64, true}})};
    blocks[0].rep = 1;
    const app::RunConfig cfg = config();
    measure::SoloWorld world("host");
    const app::Drive d{cfg, world, sink, {}, {}, {}};
    ASSERT_TRUE(app::drive(d, blocks, [](const plan::Block&) { return std::make_unique<FakeBackend>(); }).has_value());
  }
  const results::StoreContents got = results::read_store(path);
  ASSERT_EQ(got.records.size(), 3u);
  const std::vector<std::pair<std::string, std::uint64_t>> want = {{"id-8-out", 8}, {"id-8-in", 8}, {"id-64-in", 64}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got.records[i].case_id, want[i].first);
    EXPECT_EQ(got.records[i].result.requested_bytes, want[i].second);
    EXPECT_EQ(got.records[i].config_id, "cfg1");
    EXPECT_EQ(got.records[i].launch, "L001-r1");
    EXPECT_EQ(got.records[i].rep, 1);
    EXPECT_EQ(got.records[i].knobs.at("NCCL_ALGO"), "Ring");
  }
}

}  // namespace

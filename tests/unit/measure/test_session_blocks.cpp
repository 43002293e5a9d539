// The measuring loop under every run: rows per size, each record with the planned case (its id)
// it answers; a predicting backend's records taken whole.
#include "measure/session.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

namespace backend = collbench::backend;
namespace measure = collbench::measure;
namespace plan = collbench::plan;
namespace results = collbench::results;
using collbench::core::Collective;

// Every iteration takes 2 us; nothing is wrong.
class BlockBackend final : public backend::Backend {
 public:
  std::uint64_t reserved = 0;
  int prepared = 0;
  backend::BackendInfo info() const override { return {"fake", "", "", false}; }
  void reserve(std::uint64_t send, std::uint64_t) override { reserved = send; }
  std::string unsupported(const backend::CaseSpec& c) const override { return c.requested_bytes == 4 ? "too small" : ""; }
  void prepare(const backend::CaseSpec&) override { ++prepared; }
  void run_timed(std::span<double> out) override { std::fill(out.begin(), out.end(), 2.0); }
  void run_probe(std::span<double> outside, std::span<double> inside) override {
    std::fill(outside.begin(), outside.end(), 0.0);
    std::fill(inside.begin(), inside.end(), 2.0);
  }
  std::uint64_t check(const collbench::verify::Pattern&) override { return 0; }
};

struct Row {
  std::string config;
  std::vector<std::string> ids;
  std::vector<std::uint64_t> bytes;
  std::vector<std::string> status;
};

class RowSink final : public measure::RecordSink {
 public:
  std::vector<std::string> events;
  std::vector<Row> rows;
  void begin_block(const plan::Block& b) override { events.push_back("begin " + b.config_id); }
  void row(const plan::Block& b, std::span<const plan::PlannedCase> cases, std::span<const results::ResultRecord> records) override {
    Row r{b.config_id, {}, {}, {}};
    for (const auto& c : cases) r.ids.push_back(c.id);
    for (const auto& rec : records) r.bytes.push_back(rec.requested_bytes), r.status.push_back(rec.status);
    rows.push_back(r);
    events.push_back("row");
  }
  void end_block(const plan::Block& b) override { events.push_back("end " + b.config_id); }
};

plan::Block block(const std::string& config, std::vector<plan::PlannedCase> cases) {
  plan::Block b;
  b.config_id = config;
  b.coll = Collective::allreduce;
  b.cases = std::move(cases);
  return b;
}

measure::SessionOptions options() {
  measure::SessionOptions o;
  o.measure.iters = 3;
  o.measure.warmup_iters = 1;
  o.measure.probe_iters = 1;
  o.timeout_s = 0;
  return o;
}

TEST(SessionBlocks, RowsPerSizeCarryTheirPlannedCases) {
  const std::vector<plan::Block> blocks = {block("c1", {{"a8o", 8, false}, {"a8i", 8, true}, {"a64i", 64, true}}),
                                           block("c2", {{"b4o", 4, false}, {"b16o", 16, false}})};
  BlockBackend be;
  measure::SoloWorld world("host");
  RowSink sink;
  measure::Session s(be, world, options(), sink);
  s.reserve_for(blocks);
  for (const auto& b : blocks) s.run(b);
  EXPECT_EQ(be.reserved, 64u);  // the largest case of all blocks, once
  EXPECT_EQ(sink.events, (std::vector<std::string>{"begin c1", "row", "row", "end c1", "begin c2", "row", "row", "end c2"}));
  ASSERT_EQ(sink.rows.size(), 4u);
  EXPECT_EQ(sink.rows[0].ids, (std::vector<std::string>{"a8o", "a8i"}));
  EXPECT_EQ(sink.rows[0].bytes, (std::vector<std::uint64_t>{8, 8}));
  EXPECT_EQ(sink.rows[1].ids, (std::vector<std::string>{"a64i"}));
  EXPECT_EQ(sink.rows[2].ids, (std::vector<std::string>{"b4o"}));
  EXPECT_EQ(sink.rows[2].status, (std::vector<std::string>{"skipped"}));  // unsupported: recorded, not measured
  EXPECT_EQ(sink.rows[3].status, (std::vector<std::string>{"ok"}));
  EXPECT_EQ(be.prepared, 4);
  EXPECT_FALSE(s.outcome().wrong);
  EXPECT_FALSE(s.outcome().failed);
}

TEST(SessionBlocks, APredictingBackendsRecordsAreTakenWhole) {
  BlockBackend be;
  measure::SoloWorld world("host");
  RowSink sink;
  measure::SessionOptions o = options();
  o.predict = [](const backend::CaseSpec& c) {
    results::ResultRecord r;
    r.requested_bytes = c.requested_bytes;
    r.status = "predicted";
    return r;
  };
  measure::Session s(be, world, o, sink);
  s.run(block("m", {{"x", 4, false}, {"y", 8, false}}));
  ASSERT_EQ(sink.rows.size(), 2u);
  EXPECT_EQ(sink.rows[0].status, (std::vector<std::string>{"predicted"}));  // not "skipped": the model says why itself
  EXPECT_EQ(be.prepared, 0);
}

}  // namespace

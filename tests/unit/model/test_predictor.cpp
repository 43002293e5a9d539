// The model backend's records and what-if points: what run, sweep and whatif write (labelled
// predictions, NCCL's choice in its log spelling, skipped cases with their reason).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "backend/model/cost_model.hpp"
#include "backend/model/graphs.hpp"
#include "backend/model/predictor.hpp"
#include "backend/model/topology.hpp"
#include "backend/model/whatif.hpp"
#include "unit/model/model_support.hpp"
#include "unit/test_support.hpp"

namespace collbench::model {
namespace {

using testsupport::error_of;
using namespace model_test;

// ---------------------------------------------------------------------------------------------
// Predictor records.

std::string three_decimals(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", x);
  return buf;
}

TEST(Predictor, AllToAllIsSkipped) {
  const Predictor p(read_topology(topo("dgx-h100.json")), Settings{});
  const results::ResultRecord r = p.predict(core::Collective::alltoall, core::DataType::float32, core::RedOp::sum, 0, false, 1 << 20);
  EXPECT_EQ(r.status, "skipped");
  EXPECT_HAS(r.error, "send/recv");
  EXPECT_EQ(r.backend_notes.at("predicted"), "true");
  EXPECT_FALSE(r.checked);
  EXPECT_FALSE(r.nccl_tests.has_value()) << "nothing predicted, no figure";
}

TEST(Predictor, ZeroBytesPerRankIsSkipped) {
  const Predictor p(read_topology(topo("h100-8x400g-16n.json")), Settings{});
  ASSERT_EQ(p.nranks(), 128);
  // 8 B of float32 = 2 elements: 2/128 = 0 per rank.
  const results::ResultRecord r = p.predict(core::Collective::allgather, core::DataType::float32, core::RedOp::sum, 0, false, 8);
  EXPECT_EQ(r.status, "skipped");
  EXPECT_EQ(r.bytes, 0u);
  EXPECT_HAS(r.error, "0 bytes per rank");
}

TEST(Predictor, OkRecordIsAMarkedPrediction) {
  const Predictor p(read_topology(topo("dgx-h100.json")), Settings{});
  const std::uint64_t bytes = 1 << 20;
  const results::ResultRecord r = p.predict(core::Collective::allreduce, core::DataType::float32, core::RedOp::sum, 0, false, bytes);
  ASSERT_EQ(r.status, "ok") << r.error;
  EXPECT_EQ(r.backend_notes.at("predicted"), "true");
  EXPECT_FALSE(r.checked);
  EXPECT_EQ(r.wrong, -1);
  EXPECT_EQ(r.nranks, 8);
  EXPECT_EQ(r.bytes, bytes);
  // NCCL's choice, worked by hand from the DGX H100 example (reports/MODEL.md): Ring/LL at 141
  // GB/s bus bandwidth after 15 us, i.e. 15 + 2^20 B / (141e3 B/us x 8/14) = 28.014 us.
  EXPECT_EQ(r.backend_notes.at("nccl_algo"), "RING");
  EXPECT_EQ(r.backend_notes.at("nccl_proto"), "LL");
  EXPECT_NEAR(r.time_us.p50, 15.0 + 1048576.0 / (141e3 * 8 / 14), 1e-6);
  EXPECT_EQ(r.backend_notes.at("model_us.Ring/Simple"), three_decimals(56.0 + 1048576.0 / (360e3 * 8 / 14)));  // 61.097
  EXPECT_EQ(r.backend_notes.at("model_us.NVLS/Simple"), three_decimals(25.0 + 1048576.0 / (400e3 * 8 / 14)));  // 29.588
  // The record says what the model's own choice says, in NCCL's log spelling.
  const Choice c = p.model().choose(call(AR, bytes)).value();
  EXPECT_EQ(r.backend_notes.at("nccl_algo"), std::string(log_name(c.algo)));
  EXPECT_EQ(r.backend_notes.at("nccl_proto"), std::string(log_name(c.proto)));
  EXPECT_EQ(algo_from_text(r.backend_notes.at("nccl_algo")), c.algo);
  EXPECT_EQ(proto_from_text(r.backend_notes.at("nccl_proto")), c.proto);
  // One "sample": every statistic is the predicted time.
  EXPECT_EQ(r.time_us.n, 1u);
  EXPECT_DOUBLE_EQ(r.time_us.p50, c.time_us);
  EXPECT_DOUBLE_EQ(r.time_us.min, r.time_us.p50);
  EXPECT_DOUBLE_EQ(r.time_us.p99, r.time_us.p50);
  EXPECT_EQ(r.backend_notes.at("nccl_estimated_us"), three_decimals(r.time_us.p50));
  // algbw = bytes / time; busbw = algbw * 2(n-1)/n = algbw * 14/8.
  EXPECT_NEAR(r.algbw_gbps, static_cast<double>(bytes) / 1000 / c.time_us, 1e-9);
  EXPECT_NEAR(r.busbw_gbps, r.algbw_gbps * 2 * 7 / 8, 1e-9);
  // nccl-tests' figure (the mean over ranks): one predicted time for every rank, so that time.
  ASSERT_TRUE(r.nccl_tests.has_value());
  EXPECT_DOUBLE_EQ(r.nccl_tests->time_us, c.time_us);
  EXPECT_DOUBLE_EQ(r.nccl_tests->algbw_gbps, r.algbw_gbps);
  EXPECT_DOUBLE_EQ(r.nccl_tests->busbw_gbps, r.busbw_gbps);
  // Every usable cell's time is in the notes.
  EXPECT_EQ(r.backend_notes.at("model_us.Ring/Simple"),
            three_decimals(p.model().time_us(call(AR, bytes), Algo::ring, Proto::simple)));
}

TEST(Predictor, LogSpellings) {
  EXPECT_EQ(log_name(Algo::ring), "RING");
  EXPECT_EQ(log_name(Algo::nvls_tree), "NVLS_TREE");
  EXPECT_EQ(log_name(Proto::simple), "SIMPLE");
  EXPECT_EQ(algo_from_text("NVLS_TREE"), Algo::nvls_tree);
  EXPECT_EQ(algo_from_text("NVLSTree"), Algo::nvls_tree);
  EXPECT_EQ(algo_from_text("CollNetDirect"), Algo::collnet_direct);
  EXPECT_EQ(proto_from_text("Simple"), Proto::simple);
  EXPECT_EQ(proto_from_text("LL128"), Proto::ll128);
  EXPECT_FALSE(algo_from_text("RUNG").has_value());
  EXPECT_FALSE(proto_from_text("LL64").has_value());
}

TEST(Predictor, ForcedAlgorithmIsRecorded) {
  const Topology t = read_topology(topo("dgx-h100.json"));
  const std::uint64_t gib = 1ull << 30;
  // The default at 1 GiB on a DGX H100 is NVLS; NCCL_ALGO=allreduce:ring forces Ring.
  const results::ResultRecord def =
      Predictor(t, Settings{}).predict(core::Collective::allreduce, core::DataType::float32, core::RedOp::sum, 0, false, gib);
  EXPECT_EQ(def.backend_notes.at("nccl_algo"), "NVLS");
  const Predictor forced(t, settings_from_map({{"NCCL_ALGO", "allreduce:ring"}}));
  const results::ResultRecord r = forced.predict(core::Collective::allreduce, core::DataType::float32, core::RedOp::sum, 0, false, gib);
  ASSERT_EQ(r.status, "ok");
  EXPECT_EQ(r.backend_notes.at("nccl_algo"), "RING");
  EXPECT_EQ(r.backend_notes.at("nccl_proto"), "SIMPLE");
}

TEST(Predictor, NoUsableCellIsSkipped) {
  const Predictor p(read_topology(topo("dgx-h100.json")),
                    settings_from_map({{"NCCL_ALGO", "allreduce:nvls"}, {"NCCL_NVLS_ENABLE", "0"}}));
  const results::ResultRecord r = p.predict(core::Collective::allreduce, core::DataType::float32, core::RedOp::sum, 0, false, 1 << 20);
  EXPECT_EQ(r.status, "skipped");
  EXPECT_HAS(r.error, "no algorithm/protocol is usable");
  EXPECT_EQ(r.backend_notes.count("nccl_algo"), 0u);
  // Other collectives keep their defaults.
  EXPECT_EQ(p.predict(core::Collective::allgather, core::DataType::float32, core::RedOp::sum, 0, false, 1 << 20).status, "ok");
}

TEST(Predictor, ScaledTo) {
  const Topology t = read_topology(topo("dgx-h100.json"));
  const Topology two = scaled_to(t, 16, "--topology");
  EXPECT_EQ(two.nodes, 2);
  EXPECT_EQ(two.gpus_per_node, 8);
  EXPECT_EQ(two.nranks(), 16);
  const Topology part = scaled_to(t, 4, "--topology");
  EXPECT_EQ(part.nodes, 1);
  EXPECT_EQ(part.gpus_per_node, 4);
  EXPECT_EQ(scaled_to(t, 8, "--topology").nranks(), 8);
  const std::string e = error_of([&] { (void)scaled_to(t, 12, "--topology"); });
  EXPECT_HAS(e, "--topology");
  EXPECT_HAS(e, "12 ranks");
  EXPECT_HAS(e, "expected");
}

// ---------------------------------------------------------------------------------------------
// What-if.

TEST(WhatIf, NodeCountsOnDgxH100) {
  const Topology t = read_topology(topo("dgx-h100.json"));
  const WhatIf w = what_if(t, Settings{}, {core::Collective::allreduce}, {1ull << 30}, {1, 2, 4}, core::DataType::float32);
  ASSERT_EQ(w.points.size(), 3u);
  const int nranks[] = {8, 16, 32};
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(w.points[i].nranks, nranks[i]);
    EXPECT_EQ(w.points[i].nodes, nranks[i] / 8);
    EXPECT_GT(w.points[i].busbw_gbps, 0);
    EXPECT_GT(w.points[i].time_us, 0);
    EXPECT_FALSE(w.points[i].algo.empty());
  }
  // One node: NVLS/Simple at 400 GB/s bus bandwidth after 25 us (the worked example), by hand.
  EXPECT_EQ(w.points[0].algo, "NVLS");
  EXPECT_EQ(w.points[0].proto, "SIMPLE");
  EXPECT_NEAR(w.points[0].time_us, 25.0 + 1073741824.0 / (400e3 * 8 / 14), 1e-6);
  EXPECT_NEAR(w.points[0].busbw_gbps, 1073741824.0 / 1e3 / w.points[0].time_us * 14 / 8, 1e-9);
  // Across nodes NCCL switches to NVLSTree.
  EXPECT_EQ(w.points[1].algo, "NVLS_TREE");
  EXPECT_EQ(w.points[2].algo, "NVLS_TREE");
  const nlohmann::json j = what_if_json(w);
  EXPECT_EQ(j.at("schema"), "collbench.whatif");
  EXPECT_EQ(j.at("predicted"), true);
  EXPECT_EQ(j.at("points").size(), 3u);
}

TEST(WhatIf, SeveralNodesNeedNics) {
  const Topology t = parse_topology(nlohmann::json::parse(R"({"nodes": 1, "gpu": {"arch": "hopper", "per_node": 8},
                                                             "nvlink": {"links": 18}})"),
                                    "nonic.json");
  EXPECT_EQ(with_nodes(t, 1).nodes, 1);
  const std::string e = error_of([&] { (void)with_nodes(t, 2); });
  EXPECT_HAS(e, "--nodes");
  EXPECT_HAS(e, "nic.per_node");
  EXPECT_HAS(error_of([&] { (void)what_if(t, Settings{}, {core::Collective::allreduce}, {1 << 20}, {1, 2},
                                          core::DataType::float32); }),
             "--nodes");
}

}  // namespace
}  // namespace collbench::model

// The nccl backend end to end on whatever GPUs this machine has (one rank per GPU; on one GPU,
// nranks = 1 still runs NCCL init, the kernels, events and every collective with validation).
// Skipped (never passed) without a GPU; ctest label "gpu".
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <string>

#include "../e2e_support.hpp"

namespace {

int gpus() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess ? n : 0;
}

class NcclRun : public ::testing::Test {
 protected:
  void SetUp() override {
    m_np = std::min(gpus(), 8);
    if (m_np == 0) GTEST_SKIP() << "no CUDA GPU visible";
  }
  int m_np = 0;
};

// Every record ran or was skipped for a stated reason, and none is wrong; returns the ones that ran.
int expect_all_right(const nlohmann::json& doc, const std::string& what) {
  int ran = 0;
  for (const auto& rec : doc.at("results")) {
    if (rec.at("status") == "skipped") {
      EXPECT_FALSE(rec.at("error").get<std::string>().empty()) << what << rec.dump();
      continue;
    }
    EXPECT_EQ(rec.at("status"), "ok") << what << rec.dump();
    EXPECT_EQ(rec.at("wrong"), 0) << what << rec.dump();
    EXPECT_GT(rec.at("time_us").at("p50").get<double>(), 0.0) << what << rec.dump();
    ++ran;
  }
  return ran;
}

TEST_F(NcclRun, EveryCollectiveAndDatatypeVerifies) {
  const std::string json = e2e::temp_path("types.json");
  for (const char* type : {"int8", "uint8", "int32", "uint32", "int64", "uint64", "half", "bfloat16", "float",
                           "double", "f8e4m3", "f8e5m2"}) {
    const e2e::Result r = e2e::run(m_np, std::string("run --backend nccl -b 8 -e 1M -f 32 --coll every -n 5 -w 2 -d ") +
                                             type + " --json " + json, "", 300);
    ASSERT_EQ(r.exit_code, 0) << type << "\n" << r.output;
    const auto doc = e2e::read_json(json);
    EXPECT_EQ(doc.at("metadata").at("backend"), "nccl");
    // On the GPU stand-in (tests/standin) the events run on its simulated clock, and say so.
    if (doc.at("metadata").value("standin", false))
      EXPECT_NE(doc.at("metadata").at("timer").get<std::string>().find("stand-in clock"), std::string::npos);
    else
      EXPECT_EQ(doc.at("metadata").at("timer"), "cuda_event");
    EXPECT_EQ(doc.at("metadata").at("devices").size(), static_cast<std::size_t>(m_np));
    EXPECT_FALSE(doc.at("metadata").at("backend_details").at("nccl_library").get<std::string>().empty());
    EXPECT_GT(expect_all_right(doc, type), 0) << type;
  }
}

TEST_F(NcclRun, EveryOpOnFloatingTypes) {
  const std::string json = e2e::temp_path("ops.json");
  for (const char* op : {"sum", "prod", "min", "max", "avg"})
    for (const char* type : {"half", "bfloat16", "float"}) {
      const e2e::Result r = e2e::run(m_np, std::string("run --backend nccl -b 4 -e 4M -f 64 --coll allreduce,reducescatter,reduce -n 5 -w 1 -d ") +
                                               type + " -o " + op + " --json " + json, "", 300);
      ASSERT_EQ(r.exit_code, 0) << type << " " << op << "\n" << r.output;
      EXPECT_GT(expect_all_right(e2e::read_json(json), std::string(type) + " " + op), 0);
    }
}

TEST_F(NcclRun, GraphModeRotationAndConfigKnobs) {
  const std::string json = e2e::temp_path("graph.json");
  const e2e::Result r = e2e::run(m_np, "run --backend nccl -b 8 -e 16M -f 16 --coll all -n 10 --cuda-graph --rotate 4 "
                                       "--nccl-max-ctas 8 --nccl-cta-policy efficiency --nccl-tuning-info --json " + json, "", 300);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto doc = e2e::read_json(json);
  EXPECT_GT(expect_all_right(doc, "graph"), 0);
  const auto& details = doc.at("metadata").at("backend_details");
  EXPECT_NE(details.at("launch").get<std::string>().find("cuda_graph"), std::string::npos);
  EXPECT_EQ(details.at("nccl_config.maxCTAs").get<std::string>().substr(0, 1), "8");
  for (const auto& rec : doc.at("results")) {
    if (rec.at("status") != "ok") continue;
    EXPECT_EQ(rec.at("backend_notes").at("buffer_sets"), "4") << rec.dump();
    // NCCL estimates collectives on a blocking communicator of 2+ ranks; elsewhere "unavailable",
    // never -1 as a time.
    const std::string est = rec.at("backend_notes").value("nccl_estimated_us", std::string());
    if (m_np >= 2 && rec.at("collective") != "alltoall") EXPECT_GT(std::stod(est), 0.0) << rec.dump();
    else EXPECT_EQ(est.rfind("unavailable: ", 0), 0u) << rec.dump();
  }
}

TEST_F(NcclRun, AHangBecomesATimeoutNamingTheCaseWithExit3) {
  const std::string json = e2e::temp_path("hang.json");
  const e2e::Result r = e2e::run(m_np, "run --backend nccl -b 1M -e 1M --coll allreduce --timeout 5 --json " + json,
                                 "COLLBENCH_INJECT=hang:0", 120);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("case allreduce 1M float sum out-of-place timed out"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("NCCL communicator was aborted"), std::string::npos) << r.output;
  const auto doc = e2e::read_json(json);
  EXPECT_EQ(doc.at("status"), "failed");
  ASSERT_FALSE(doc.at("results").empty()) << doc.dump();
  EXPECT_EQ(doc.at("results").back().at("status"), "timeout");
}

}  // namespace

// `collbench run --backend nccl` end to end on the GPU stand-in (ctest label "standin"): the same
// binary a GPU machine runs, with CUDA and NCCL replaced by tests/standin's CPU libraries.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "standin_support.hpp"

namespace {

using nlohmann::json;

// Every collective x datatype x op x placement on 4 ranks of two simulated hosts (2 GPUs each):
// NCCL's reductions as the stand-in computes them, checked bit for bit by collbench's kernels
// (run as host twins), data moved between processes.
TEST(StandinRun, EveryCollectiveDatatypeOpAndPlacementVerifiesOnTwoHosts) {
  const std::string path = e2e::temp_path("matrix.json");
  int ran = 0;
  for (const char* type : {"int8", "uint8", "int32", "uint32", "int64", "uint64", "half", "bfloat16", "float", "double",
                           "f8e4m3", "f8e5m2"}) {
    const bool floating = std::string(type) == "half" || std::string(type) == "bfloat16" || std::string(type) == "float" ||
                          std::string(type) == "double";
    for (const char* op : {"sum", "prod", "min", "max", "avg"}) {
      if (std::string(op) == "avg" && !floating) continue;  // collbench refuses avg on integers and fp8
      const e2e::Result r = standin::run_hosts(2, 2, std::string("run --backend nccl -b 8 -e 96K -f 24 -n 2 -w 1 --probe-iters 0 ") +
                                                         "--coll every -d " + type + " -o " + op + " --json " + path);
      ASSERT_EQ(r.exit_code, 0) << type << " " << op << "\n" << r.output;
      const json doc = e2e::read_json(path);
      ASSERT_EQ(doc.at("metadata").at("hosts").size(), 2u) << doc.at("metadata").dump();
      EXPECT_EQ(doc.at("metadata").at("hosts").at(0).at("host"), "standin-host1");
      ran += standin::expect_all_right(doc, std::string(type) + " " + op);
    }
  }
  // types x ops (at least) x 8 collectives x 2 sizes x 2 placements, in place of a2a, sendrecv and alltoallv aside
  EXPECT_GE(ran, 12 * 4 * 8 * 2 * 2 - 12 * 4 * 3 * 2);
}

// Nothing measured on the stand-in can pass for a GPU measurement.
TEST(StandinRun, TablesAndDocumentsSayTheyCameFromTheStandin) {
  const std::string path = e2e::temp_path("label.json");
  const e2e::Result r = standin::run(2, "run --backend nccl -b 1K -e 4K -f 4 -n 3 -w 1 --json " + path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("# STAND-IN: CUDA and NCCL are collbench's CPU stand-ins"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[collbench stand-in]"), std::string::npos) << r.output;  // the device names
  const json doc = e2e::read_json(path);
  EXPECT_EQ(doc.at("metadata").at("standin"), true);
  EXPECT_NE(doc.at("metadata").at("backend_library").get<std::string>().find("stand-in"), std::string::npos);
  EXPECT_NE(doc.at("metadata").at("timer").get<std::string>().find("simulated"), std::string::npos);
  EXPECT_GT(standin::expect_all_right(doc, "label"), 0);

  const std::string md = e2e::temp_path("label.md"), html = e2e::temp_path("label.html");
  ASSERT_EQ(e2e::run(0, "report " + path + " --format md --out " + md).exit_code, 0);
  ASSERT_EQ(e2e::run(0, "report " + path + " --format html --out " + html).exit_code, 0);
  EXPECT_NE(e2e::slurp(md).find("GPU stand-in, not a GPU"), std::string::npos);
  EXPECT_NE(e2e::slurp(md).find("nccl (stand-in)"), std::string::npos);
  EXPECT_NE(e2e::slurp(html).find("GPU stand-in, not a GPU"), std::string::npos);
}

// Graph capture and replay, buffer rotation, NCCL's TUNING lines, and ncclConfig_t fields.
TEST(StandinRun, GraphsRotationTuningInfoAndConfig) {
  const std::string path = e2e::temp_path("graph.json");
  const e2e::Result r = standin::run(4, "run --backend nccl -b 8 -e 1M -f 32 --coll all -n 5 -w 1 --cuda-graph --rotate 4 "
                                        "--nccl-min-ctas 2 --nccl-max-ctas 8 --nccl-cta-policy efficiency --nccl-tuning-info --json " + path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json doc = e2e::read_json(path);
  EXPECT_GT(standin::expect_all_right(doc, "graph"), 0);
  const auto& d = doc.at("metadata").at("backend_details");
  EXPECT_NE(d.at("launch").get<std::string>().find("cuda_graph"), std::string::npos);
  EXPECT_EQ(d.at("nccl_config.maxCTAs"), "8");
  int tuned = 0;
  for (const auto& rec : doc.at("results")) {
    if (rec.at("status") != "ok") continue;
    EXPECT_EQ(rec.at("backend_notes").at("buffer_sets"), "4") << rec.dump();
    if (rec.at("collective") == "alltoall") continue;  // NCCL logs no TUNING line for send/recv
    const auto& n = rec.at("backend_notes");
    ASSERT_TRUE(n.contains("nccl_algo")) << rec.dump();
    EXPECT_LE(std::stoi(n.at("nccl_channels").get<std::string>()), 8) << rec.dump();  // maxCTAs bounds the channels
    ++tuned;
  }
  EXPECT_GT(tuned, 0);
}

// NCCL_ALGO / NCCL_PROTO change what the stand-in runs and how long it takes, the same way every
// time (no host gaps, no jitter).
TEST(StandinRun, SettingsDifferMeasurablyAndReproducibly) {
  auto median_and_algo = [](const std::string& env, const std::string& tag) {
    const std::string path = e2e::temp_path(tag + ".json");
    const e2e::Result r = standin::run(4, "run --backend nccl -b 4M -e 4M --coll allreduce --placement out -n 5 -w 1 "
                                          "--probe-iters 0 --nccl-tuning-info --json " + path, "COLLBENCH_STANDIN_HOST_GAPS=0 " + env);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    const json rec = e2e::read_json(path).at("results").at(0);
    return std::make_pair(rec.at("time_us").at("p50").get<double>(), rec.at("backend_notes").at("nccl_algo").get<std::string>());
  };
  const auto ring = median_and_algo("NCCL_ALGO=ring NCCL_PROTO=simple", "ring");
  const auto ring_again = median_and_algo("NCCL_ALGO=ring NCCL_PROTO=simple", "ring-again");
  const auto tree = median_and_algo("NCCL_ALGO=tree NCCL_PROTO=simple", "tree");
  EXPECT_EQ(ring.second, "RING");
  EXPECT_EQ(tree.second, "TREE");
  EXPECT_NEAR(ring.first, ring_again.first, ring.first * 1e-3);
  EXPECT_GT(std::abs(ring.first - tree.first), ring.first * 0.05) << ring.first << " vs " << tree.first;
  // Seeded jitter: the same seed gives the same times, another seed others.
  const auto seed1 = median_and_algo("NCCL_ALGO=ring NCCL_PROTO=simple COLLBENCH_STANDIN_JITTER=0.3 COLLBENCH_STANDIN_SEED=1", "s1");
  const auto seed1_again = median_and_algo("NCCL_ALGO=ring NCCL_PROTO=simple COLLBENCH_STANDIN_JITTER=0.3 COLLBENCH_STANDIN_SEED=1", "s1b");
  const auto seed2 = median_and_algo("NCCL_ALGO=ring NCCL_PROTO=simple COLLBENCH_STANDIN_JITTER=0.3 COLLBENCH_STANDIN_SEED=2", "s2");
  EXPECT_NEAR(seed1.first, seed1_again.first, seed1.first * 1e-3);
  EXPECT_GT(std::abs(seed1.first - seed2.first), seed1.first * 1e-3) << seed1.first << " vs " << seed2.first;
  EXPECT_GT(std::abs(seed1.first - ring.first), ring.first * 1e-3);
}

// A rank that hangs inside a collective: the case is recorded as a timeout, the job ends with 3.
TEST(StandinRun, AHangInsideNcclIsATimeoutWithExit3) {
  const std::string path = e2e::temp_path("hang.json");
  const e2e::Result r = standin::run(2, "run --backend nccl -b 64K -e 64K --coll allreduce -n 5 -w 1 --timeout 4 --json " + path,
                                     "COLLBENCH_STANDIN_FAULT=hang:1:3");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("timed out"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("NCCL communicator was aborted"), std::string::npos) << r.output;
  const json doc = e2e::read_json(path);
  EXPECT_EQ(doc.at("status"), "failed");
  ASSERT_FALSE(doc.at("results").empty());
  EXPECT_EQ(doc.at("results").back().at("status"), "timeout");
}

// An asynchronous NCCL error (a peer's network failing) ends the job with NCCL's error named.
TEST(StandinRun, AnAsyncErrorEndsTheJobNamingIt) {
  const e2e::Result r = standin::run(2, "run --backend nccl -b 64K -e 64K --coll allreduce -n 5 -w 1 --timeout 30",
                                     "COLLBENCH_STANDIN_FAULT=async:0:2");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_TRUE(r.output.find("unhandled system error") != std::string::npos ||
              r.output.find("remote process exited") != std::string::npos) << r.output;
}

// A corrupted element inside NCCL is caught by collbench's bit-exact check.
TEST(StandinRun, CorruptionInsideNcclIsCaughtByTheCheck) {
  const std::string path = e2e::temp_path("corrupt.json");
  const e2e::Result r = standin::run(2, "run --backend nccl -b 4K -e 4K --coll allreduce -n 3 -w 1 --json " + path,
                                     "COLLBENCH_STANDIN_FAULT=corrupt:1");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  for (const auto& rec : e2e::read_run_results(path)) EXPECT_GT(rec.at("wrong").get<int>(), 0) << rec.dump();
}

// More ranks on a host than GPUs visible there is refused with the rank and host named; so is
// CUDA_VISIBLE_DEVICES hiding them.
TEST(StandinRun, MoreLocalRanksThanVisibleGpusIsRefused) {
  const e2e::Result r = standin::run(4, "run --backend nccl -b 8 -e 8", "", 2);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("is local rank 2 of 4 but only 2 GPU(s) are visible there; run at most one rank per GPU"),
            std::string::npos) << r.output;
  // One GPU visible to every process, the same one: each would take device 0, and share it.
  const e2e::Result hidden = standin::run(2, "run --backend nccl -b 8 -e 8", "CUDA_VISIBLE_DEVICES=3", 4);
  EXPECT_EQ(hidden.exit_code, 3);
  EXPECT_NE(hidden.output.find("ranks 0 and 1 on"), std::string::npos) << hidden.output;
  EXPECT_NE(hidden.output.find("would both use GPU GPU-"), std::string::npos) << hidden.output;
  const e2e::Result none = standin::run(1, "run --backend nccl -b 8 -e 8", "CUDA_VISIBLE_DEVICES=", 4);
  EXPECT_NE(none.exit_code, 0) << none.output;
  EXPECT_NE(none.output.find("no CUDA GPU visible"), std::string::npos) << none.output;
}

// sendrecv and alltoallv on the nccl path: grouped ncclSend/ncclRecv with uneven per-peer counts
// (zero counts left out of the group), eagerly and as captured graphs over rotated buffer sets,
// checked element by element; a corrupted receive is caught; NCCL estimates no send/recv.
TEST(StandinRun, SendrecvAndAlltoallvOnTheNcclPath) {
  const std::string matrix = e2e::temp_path("traffic.txt");
  {
    std::ofstream f(matrix);
    f << "0 4096 64 16\n1024 0 0 0\n32 8192 512 0\n0 0 0 2048\n";  // rank 3 sends only itself
  }
  const std::string path = e2e::temp_path("p2p.json");
  for (const std::string extra : {"", " --cuda-graph --rotate 3"}) {
    const e2e::Result r = standin::run_hosts(2, 2, "run --backend nccl -b 4K -e 4K -n 3 -w 1 --probe-iters 0 --coll alltoallv "
                                                   "--placement out --alltoallv-traffic matrix:" + matrix + extra +
                                                   " --json " + path);
    ASSERT_EQ(r.exit_code, 0) << extra << "\n" << r.output;
    const json doc = e2e::read_json(path);
    ASSERT_EQ(standin::expect_all_right(doc, "matrix" + extra), 1);
    EXPECT_EQ(doc.at("results").at(0).at("bytes"), 4096 + 8192) << "the largest receive: rank 1's column";
  }
  const e2e::Result r = standin::run_hosts(2, 2, "run --backend nccl -b 1K -e 1M -f 32 -n 3 -w 1 --probe-iters 0 "
                                                 "--coll sendrecv,alltoallv --alltoallv-traffic spread:0.25 "
                                                 "--nccl-tuning-info -d bfloat16 --json " + path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json doc = e2e::read_json(path);
  EXPECT_EQ(standin::expect_all_right(doc, "spread"), 2 * 3);  // out of place at 1K, 32K, 1M; in place skipped
  for (const json& rec : doc.at("results")) {
    if (rec.at("status") == "skipped") continue;
    EXPECT_EQ(rec.at("backend_notes").at("nccl_estimated_us"),
              "unavailable: NCCL estimates collectives, not send/recv (" + rec.at("collective").get<std::string>() + ")");
  }
  const e2e::Result bad = standin::run_hosts(2, 2, "run --backend nccl -b 64K -e 64K -n 2 -w 1 --coll sendrecv,alltoallv "
                                                   "--placement out --json " + path, "COLLBENCH_INJECT=corrupt:2");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  for (const json& rec : e2e::read_json(path).at("results")) EXPECT_EQ(rec.at("wrong"), 3) << rec.dump();
  // The ring reversed (each rank sends to rank-1) across the two hosts, eagerly and as graphs: on
  // 4 ranks the other neighbour's data would be wrong in every element.
  for (const std::string extra : {"", " --cuda-graph"}) {
    const e2e::Result rev = standin::run_hosts(2, 2, "run --backend nccl -b 4K -e 256K -f 64 -n 3 -w 1 --probe-iters 0 "
                                                     "--coll sendrecv --placement out --sendrecv-ring reverse" + extra +
                                                     " --json " + path);
    ASSERT_EQ(rev.exit_code, 0) << extra << "\n" << rev.output;
    EXPECT_EQ(standin::expect_all_right(e2e::read_json(path), "reverse" + extra), 2);
  }
}

// One rank: NCCL's one-rank path (a copy), every collective still verified.
TEST(StandinRun, OneRank) {
  const std::string path = e2e::temp_path("one.json");
  const e2e::Result r = standin::run(1, "run --backend nccl -b 8 -e 64K -f 64 --coll every -n 3 -w 1 --json " + path, "", 1);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(standin::expect_all_right(e2e::read_json(path), "one rank"), 0);
}

}  // namespace

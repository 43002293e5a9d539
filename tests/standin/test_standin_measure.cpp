// Issue 19 on the GPU stand-in: the nccl backend measures what nccl-tests measures (blocking
// communicators, NCCL's estimates, one buffer set with --compat) and survives what users give it
// (a minCTAs alone, cases NCCL refuses, one GPU per process, an init that never ends), and checks
// what it timed (the pattern tables on the kernels' stream, the captured graph).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "standin_support.hpp"
#include "sweep/sweep_support.hpp"

namespace {

using nlohmann::json;

std::string note(const json& rec, const char* key) { return rec.at("backend_notes").value(key, std::string()); }

// A table cell as nccl-tests prints a bandwidth that fits (%.2f).
std::string fmt_cell(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, " %.2f ", v);
  return buf;
}

// Without host launch gaps the stand-in's device clock holds only what runs on the GPU: on a
// blocking communicator an iteration takes exactly NCCL's estimate. A non-blocking one adds the
// thread NCCL starts per call (group.cc:735), and gives no estimate (group.cc:706-737).
TEST(StandinMeasure, BlockingCommunicatorTimesWhatNcclEstimates) {
  const std::string path = e2e::temp_path("blocking.json");
  const e2e::Result r = standin::run(2, "run --backend nccl -b 8 -e 64K -f 8 --coll allreduce,allgather,alltoall "
                                        "--placement out -n 5 -w 1 --probe-iters 0 --nccl-tuning-info --json " + path,
                                     "COLLBENCH_STANDIN_HOST_GAPS=0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json doc = e2e::read_json(path);
  EXPECT_EQ(doc.at("metadata").at("backend_details").at("nccl_config.blocking").get<std::string>().rfind("1 (blocking", 0), 0u)
      << doc.at("metadata").at("backend_details").dump();
  int estimated = 0;
  for (const json& rec : doc.at("results")) {
    const std::string est = note(rec, "nccl_estimated_us");
    if (rec.at("collective") == "alltoall") {
      EXPECT_EQ(est.rfind("unavailable: ", 0), 0u) << rec.dump();
      continue;
    }
    ASSERT_FALSE(est.empty()) << rec.dump();
    const double us = std::stod(est);
    EXPECT_GT(us, 0) << rec.dump();
    EXPECT_NEAR(rec.at("time_us").at("p50").get<double>(), us, 0.02 * us) << rec.dump();
    ++estimated;
  }
  EXPECT_EQ(estimated, 10);  // 8 B to 32K, all-reduce and all-gather
  // NCCL_COMM_BLOCKING=0 (init.cc:1647) overrides the config: still measured, and said.
  const std::string nb = e2e::temp_path("nonblocking.json");
  const e2e::Result n = standin::run(2, "run --backend nccl -b 8 -e 8 --coll allreduce --placement out -n 5 -w 1 "
                                        "--probe-iters 0 --nccl-tuning-info --json " + nb,
                                     "COLLBENCH_STANDIN_HOST_GAPS=0 NCCL_COMM_BLOCKING=0");
  ASSERT_EQ(n.exit_code, 0) << n.output;
  const json ndoc = e2e::read_json(nb);
  EXPECT_NE(ndoc.at("metadata").at("backend_details").at("nccl_config.blocking").get<std::string>().find("NCCL_COMM_BLOCKING=0"),
            std::string::npos);
  const json rec = ndoc.at("results").at(0);
  EXPECT_EQ(note(rec, "nccl_estimated_us").rfind("unavailable: the communicator is non-blocking", 0), 0u) << rec.dump();
}

// One rank: NCCL makes no estimate (the call is a copy); "unavailable", never -1.
TEST(StandinMeasure, OneRankEstimateIsUnavailable) {
  const std::string path = e2e::temp_path("one-est.json");
  const e2e::Result r = standin::run(1, "run --backend nccl -b 1K -e 1K --coll allreduce -n 3 -w 1 --nccl-tuning-info --json " + path, "", 1);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const json& rec : e2e::read_run_results(path))
    EXPECT_EQ(note(rec, "nccl_estimated_us").rfind("unavailable: NCCL makes no estimate on one rank", 0), 0u) << rec.dump();
}

// A rank that never gets through NCCL's init: the job ends at --timeout with exit 3 and a line
// saying so, instead of waiting forever in a blocking init.
TEST(StandinMeasure, AnInitThatNeverEndsIsATimeout) {
  const e2e::Result r = standin::run(2, "run --backend nccl -b 8 -e 8 --coll allreduce -n 3 -w 1 --timeout 3",
                                     "COLLBENCH_STANDIN_FAULT=inithang:1", 4, 60);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("NCCL's communicator init did not finish within --timeout"), std::string::npos) << r.output;
}

// minCTAs alone: NCCL compares it with an unset maxCTAs (INT_MIN) and fails init; collbench passes
// NCCL's default maxCTAs with it. A crossed pair with the environment is refused before launch.
TEST(StandinMeasure, MinCtasAloneRunsAndACrossedPairIsRefused) {
  const std::string path = e2e::temp_path("minctas.json");
  const e2e::Result r = standin::run(2, "run --backend nccl -b 1M -e 1M --coll allreduce -n 3 -w 1 --nccl-min-ctas 2 "
                                        "--nccl-tuning-info --json " + path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json doc = e2e::read_json(path);
  EXPECT_EQ(doc.at("metadata").at("backend_details").at("nccl_config.maxCTAs"), "64 (NCCL's default, passed with minCTAs)");
  EXPECT_GT(standin::expect_all_right(doc, "min ctas"), 0);
  const e2e::Result crossed = standin::run(2, "run --backend nccl -b 8 -e 8 --nccl-min-ctas 8", "NCCL_MAX_CTAS=4");
  EXPECT_EQ(crossed.exit_code, 2) << crossed.output;
  EXPECT_NE(crossed.output.find("--nccl-min-ctas: NCCL would run with minCTAs 8 above maxCTAs 4"), std::string::npos)
      << crossed.output;
}

// A case NCCL refuses (fp8 + avg on one rank: onerank.cu:65-75) is recorded failed with NCCL's
// message; the other cases are measured; the run ends with 3.
TEST(StandinMeasure, ACaseNcclRefusesIsRecordedAndTheRunGoesOn) {
  const std::string path = e2e::temp_path("refused.json");
  const e2e::Result r = standin::run(1, "run --backend nccl -b 1K -e 4K -f 4 --coll allreduce,allgather -d f8e4m3 -o avg "
                                        "-n 3 -w 1 --json " + path, "", 1);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("the library refused some cases"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("     N/A     N/A     N/A  failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("# failed: allreduce 1K out_of_place: the library refused the case: AllReduce failed: invalid argument"),
            std::string::npos) << r.output;
  const json doc = e2e::read_json(path);
  EXPECT_EQ(doc.at("status"), "failed");
  int failed = 0, ok = 0;
  for (const json& rec : doc.at("results")) {
    if (rec.at("collective") == "allreduce") {
      EXPECT_EQ(rec.at("status"), "failed") << rec.dump();
      EXPECT_NE(rec.at("error").get<std::string>().find("invalid argument"), std::string::npos) << rec.dump();
      ++failed;
    } else {
      EXPECT_EQ(rec.at("status"), "ok") << rec.dump();
      EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
      ++ok;
    }
  }
  EXPECT_EQ(failed, 4);
  EXPECT_EQ(ok, 4);
}

// fp8 below compute capability 9.0: NCCL refuses reductions only (enqueue.cc:2557-2559);
// moving fp8 data is measured.
TEST(StandinMeasure, Fp8BelowSm90SkipsReductionsOnly) {
  const std::string path = e2e::temp_path("fp8cc80.json");
  const e2e::Result r = standin::run(2, "run --backend nccl -b 1K -e 1K --coll allreduce,allgather,broadcast -d f8e5m2 "
                                        "--placement out -n 3 -w 1 --json " + path, "COLLBENCH_STANDIN_CC=80");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const json& rec : e2e::read_run_results(path))
    EXPECT_EQ(rec.at("status"), rec.at("collective") == "allreduce" ? "skipped" : "ok") << rec.dump();
}

// One GPU visible to each process (srun --gpus-per-task=1): every rank uses device 0, its own GPU.
TEST(StandinMeasure, OneVisibleGpuPerProcessUsesDeviceZero) {
  const std::string path = e2e::temp_path("pergpu.json");
  const std::string args = "run --backend nccl -b 4K -e 4K --coll allreduce -n 3 -w 1 --json " + path;
  // Two processes (an MPMD launch), each with its own CUDA_VISIBLE_DEVICES of one GPU.
  const e2e::Result two = e2e::run(1, args, standin::env("", 4), 180,
                                   "-x CUDA_VISIBLE_DEVICES=2 " COLLBENCH_BINARY " " + args + " : -np 1 -x CUDA_VISIBLE_DEVICES=3");
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const json doc = e2e::read_json(path);
  EXPECT_EQ(doc.at("metadata").at("nranks"), 2);
  EXPECT_GT(standin::expect_all_right(doc, "one gpu each"), 0);
  const json& devices = doc.at("metadata").at("devices");
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices.at(0).at("details").at("device_index"), "0");
  EXPECT_EQ(devices.at(1).at("details").at("device_index"), "0");
  EXPECT_NE(devices.at(0).at("details").at("uuid"), devices.at(1).at("details").at("uuid"));
}

// The pattern tables go up on the kernels' stream: a pageable cudaMemcpy that lands late (as CUDA
// allows) would leave the fill kernels reading stale tables, and every check wrong.
TEST(StandinMeasure, PatternTablesArriveBeforeTheKernelsThatReadThem) {
  const std::string path = e2e::temp_path("pageable.json");
  const e2e::Result r = standin::run(2, "run --backend nccl -b 4K -e 4K --coll allreduce,reducescatter -n 2 -w 1 --json " + path,
                                     "COLLBENCH_STANDIN_PAGEABLE_LAG_MS=300");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(standin::expect_all_right(e2e::read_json(path), "pageable"), 0);
}

// --cuda-graph: the check launches the captured graph, so a fault only in graph replays is caught.
TEST(StandinMeasure, CudaGraphChecksTheGraphThatWasTimed) {
  const std::string path = e2e::temp_path("graph-corrupt.json");
  const e2e::Result r = standin::run(2, "run --backend nccl -b 4K -e 4K --coll allreduce -n 3 -w 1 --cuda-graph --json " + path,
                                     "COLLBENCH_STANDIN_FAULT=graphcorrupt:1");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  for (const json& rec : e2e::read_run_results(path)) EXPECT_GT(rec.at("wrong").get<int>(), 0) << rec.dump();
  const e2e::Result eager = standin::run(2, "run --backend nccl -b 4K -e 4K --coll allreduce -n 3 -w 1", "COLLBENCH_STANDIN_FAULT=graphcorrupt:1");
  EXPECT_EQ(eager.exit_code, 0) << eager.output;
}

// --compat nccl-tests: one buffer set, nvlinkCentricSched=1, -w 1, and nccl-tests' figure in the table.
TEST(StandinMeasure, CompatNcclTests) {
  const std::string path = e2e::temp_path("compat.json");
  const e2e::Result r = standin::run(2, "run --backend nccl -b 1M -e 1M --coll allreduce -n 4 --compat nccl-tests --json " + path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json doc = e2e::read_json(path);
  EXPECT_EQ(doc.at("metadata").at("settings").at("compat"), "nccl-tests");
  EXPECT_EQ(doc.at("metadata").at("settings").at("warmup_iters"), "1");
  EXPECT_EQ(doc.at("metadata").at("backend_details").at("nccl_config.nvlinkCentricSched"), "1");
  for (const json& rec : doc.at("results")) EXPECT_EQ(note(rec, "buffer_sets"), "1") << rec.dump();
  EXPECT_NE(r.output.find("# time, algbw, busbw: nccl-tests' figure"), std::string::npos) << r.output;
  for (const json& rec : doc.at("results")) {  // the table's busbw is the record's nccl-tests figure
    const double bw = rec.at("nccl_tests").at("busbw_gbps").get<double>();
    EXPECT_NE(r.output.find(fmt_cell(bw)), std::string::npos) << bw << "\n" << r.output;
  }
  const e2e::Result bad = standin::run(0, "run --backend nccl --compat nccl-tests --rotate 4");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--compat nccl-tests uses one buffer set"), std::string::npos) << bad.output;
}

// With --nccl-tuning-info NCCL's log goes to collbench's file; the warnings the user's NCCL_DEBUG
// asked for still reach stderr.
TEST(StandinMeasure, TuningInfoKeepsTheUsersWarningsVisible) {
  const e2e::Result r = standin::run(1, "run --backend nccl -b 1K -e 1K --coll allreduce -d f8e4m3 -o avg -n 3 -w 1 "
                                        "--nccl-tuning-info", "NCCL_DEBUG=WARN", 1);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("NCCL WARN"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Bytes -> Algo"), std::string::npos) << r.output;
}

class StandinSweepEnv : public sweep_e2e::DirTest {
 protected:
  void SetUp() override {
    DirTest::SetUp();
    sweep_e2e::ensure_mpirun_env();
    ::setenv("LD_LIBRARY_PATH", STANDIN_LIB_DIR, 1);
    ::setenv("COLLBENCH_STANDIN_GPUS", "4", 1);
  }
  void TearDown() override {
    for (const char* v : {"LD_LIBRARY_PATH", "COLLBENCH_STANDIN_GPUS", "NCCL_CONF_FILE"}) ::unsetenv(v);
    DirTest::TearDown();
  }
};

// A knob a configuration leaves at "default" gets the launch's starting value back — here the
// NCCL_PROTO an nccl.conf gives (param.cc applies it with setenv(..., 0)) — not an unset variable.
TEST_F(StandinSweepEnv, DefaultRestoresTheLaunchsStartingEnvironmentNcclConfIncluded) {
  ::setenv("NCCL_CONF_FILE", write("nccl.conf", "# a site's settings\nNCCL_PROTO=LL128\n").c_str(), 1);
  const json spec = {{"name", "conf-default"}, {"backend", "nccl"}, {"collectives", {"allreduce"}},
                     {"sizes", {{"min", "1M"}, {"max", "1M"}}}, {"placements", "out"}, {"launcher", {{"ranks", 2}}},
                     {"knobs", {{"NCCL_ALGO", {"default", "allreduce:ring"}}, {"NCCL_PROTO", {"default", "allreduce:simple"}}}},
                     {"repetitions", 1}, {"measure", {{"iters", 3}, {"warmup", 1}, {"timeout", 60}, {"nccl-tuning-info", true}}}};
  const std::string store = path("store");
  const sweep_e2e::Proc p = collbench({"sweep", write("spec.json", spec.dump()), "--out", store}, 300);
  ASSERT_EQ(p.exit_code, 0) << p.all();
  int seen = 0;
  for (const json& rec : sweep_e2e::read_results(store + "/results.jsonl")) {
    const std::string knobs = rec.at("sweep").dump();
    const std::string proto = note(rec, "nccl_proto");
    if (knobs.find("allreduce:simple") != std::string::npos) EXPECT_EQ(proto, "SIMPLE") << rec.dump();
    else EXPECT_EQ(proto, "LL128") << rec.dump();  // from nccl.conf, in every configuration that leaves it
    ++seen;
  }
  EXPECT_EQ(seen, 4);
}

// config.minCTAs alone: NCCL would fail init (maxCTAs unset is INT_MIN); the launch passes NCCL's
// default maxCTAs with it. Crossed with the environment's NCCL_MAX_CTAS it is refused at planning.
TEST_F(StandinSweepEnv, ConfigMinCtasAloneRunsAndACrossedPairIsRefusedBeforeLaunch) {
  json spec = {{"name", "min-ctas"}, {"backend", "nccl"}, {"collectives", {"allreduce"}},
               {"sizes", {{"min", "64K"}, {"max", "64K"}}}, {"placements", "out"}, {"launcher", {{"ranks", 2}}},
               {"knobs", {{"config.minCTAs", {2, 4}}}}, {"repetitions", 1},
               {"measure", {{"iters", 3}, {"warmup", 1}, {"timeout", 60}}}};
  const std::string store = path("store");
  const sweep_e2e::Proc p = collbench({"sweep", write("spec.json", spec.dump()), "--out", store}, 300);
  ASSERT_EQ(p.exit_code, 0) << p.all();
  int ok = 0;
  for (const json& rec : sweep_e2e::read_results(store + "/results.jsonl")) ok += rec.at("status") == "ok";
  EXPECT_EQ(ok, 2);
  spec["knobs"] = {{"config.minCTAs", {32}}};
  ::setenv("NCCL_MAX_CTAS", "8", 1);
  const sweep_e2e::Proc crossed = collbench({"sweep", write("crossed.json", spec.dump()), "--dry-run"}, 60);
  ::unsetenv("NCCL_MAX_CTAS");
  EXPECT_EQ(crossed.exit_code, 2) << crossed.all();
  EXPECT_NE(crossed.err.find("configuration config.minCTAs=32: config.minCTAs: NCCL would run with minCTAs 32 above maxCTAs 8"),
            std::string::npos) << crossed.all();
}

}  // namespace

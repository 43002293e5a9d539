// The real binary under mpirun: what it prints, what it writes, how it exits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include "../e2e_support.hpp"

namespace {

using nlohmann::json;

double factor(const std::string& coll, int n) {
  if (coll == "allreduce") return 2.0 * (n - 1) / n;
  if (coll == "broadcast" || coll == "reduce") return 1.0;
  return static_cast<double>(n - 1) / n;
}

// nccl-tests' figure of a measured record (schema 7): the mean over ranks of each rank's own mean
// (nccl-tests -a 1), which no rank's slowest iterations can push above the mean of the per-iteration
// max over ranks; algbw / busbw from it as nccl-tests does.
void check_nccl_tests_figure(const json& r, double bus_factor) {
  ASSERT_TRUE(r.contains("nccl_tests")) << r.dump();
  const json& f = r.at("nccl_tests");
  const double time = f.at("time_us"), algbw = f.at("algbw_gbps"), busbw = f.at("busbw_gbps");
  double sum = 0, fastest_min = HUGE_VAL;
  for (const json& pr : r.at("per_rank")) {
    sum += pr.at("time_us").at("mean").get<double>();
    fastest_min = std::min(fastest_min, pr.at("time_us").at("min").get<double>());
  }
  EXPECT_NEAR(time, sum / static_cast<double>(r.at("per_rank").size()), 1e-9 * time);
  EXPECT_LE(time, r.at("time_us").at("mean").get<double>() * (1 + 1e-9)) << "the mean of the max over ranks bounds it";
  EXPECT_GE(time, fastest_min);
  EXPECT_NEAR(algbw, r.at("bytes").get<double>() / 1e3 / time, 1e-9 * algbw);
  EXPECT_NEAR(busbw, algbw * bus_factor, 1e-9 * algbw);
  EXPECT_GE(busbw, r.at("busbw_mean_gbps").get<double>() * (1 - 1e-9));
}

// The checks of issue #2 on a `--coll all` document.
void check_document(const json& doc, int np, const std::vector<std::uint64_t>& sizes) {
  ASSERT_EQ(doc.at("schema"), "collbench.run");
  EXPECT_EQ(doc.at("schema_version"), 10);
  EXPECT_EQ(doc.at("status"), "ok");
  const json& meta = doc.at("metadata");
  EXPECT_EQ(meta.at("launch").at("launcher"), "mpirun");  // tests/slurm checks srun's
  EXPECT_EQ(meta.at("nranks"), np);
  EXPECT_EQ(meta.at("backend"), "mpi");
  EXPECT_NE(meta.at("backend_library").get<std::string>().find("Open MPI"), std::string::npos);
  EXPECT_FALSE(meta.at("hosts").empty());
  for (auto& [k, v] : meta.at("env").items()) EXPECT_TRUE(k.rfind("OMPI_", 0) == 0 || k.rfind("NCCL_", 0) == 0 ||
                                                          k.rfind("UCX_", 0) == 0 || k.rfind("CUDA_", 0) == 0) << k;
  std::set<std::tuple<std::string, std::uint64_t, std::string>> seen;
  for (const json& r : doc.at("results")) {
    const std::string coll = r.at("collective");
    seen.insert({coll, r.at("requested_bytes").get<std::uint64_t>(), r.at("placement").get<std::string>()});
    if (r.at("status") == "skipped") {
      EXPECT_EQ(r.at("count"), 0) << r.dump();
      continue;
    }
    EXPECT_EQ(r.at("status"), "ok") << r.dump();
    EXPECT_EQ(r.at("wrong"), 0) << r.dump();
    const json& t = r.at("time_us");
    EXPECT_GE(t.at("p99").get<double>(), t.at("p50").get<double>());
    EXPECT_GE(t.at("p50").get<double>(), t.at("min").get<double>());
    EXPECT_GT(t.at("min").get<double>(), 0.0);
    EXPECT_EQ(t.at("n"), r.at("iters"));
    const double alg = r.at("algbw_gbps"), bus = r.at("busbw_gbps");
    ASSERT_GT(alg, 0.0);
    EXPECT_NEAR(bus / alg, factor(coll, np), 1e-9) << coll;
    EXPECT_NEAR(r.at("busbw_mean_gbps").get<double>() / r.at("algbw_mean_gbps").get<double>(), factor(coll, np), 1e-9);
    EXPECT_NEAR(alg, r.at("bytes").get<double>() / 1e3 / t.at("p50").get<double>(), 1e-9 * alg);
    check_nccl_tests_figure(r, factor(coll, np));
    ASSERT_EQ(r.at("per_rank").size(), static_cast<std::size_t>(np));
    for (int i = 0; i < np; ++i) {
      EXPECT_EQ(r.at("per_rank")[i].at("rank"), i);
      EXPECT_EQ(r.at("per_rank")[i].at("wrong"), 0);  // checked, and right on every rank
    }
    EXPECT_FALSE(r.contains("group"));
  }
  for (const char* c : {"allreduce", "allgather", "reducescatter", "alltoall"})
    for (std::uint64_t s : sizes)
      for (const char* p : {"out_of_place", "in_place"})
        EXPECT_TRUE(seen.count({c, s, p})) << c << " " << s << " " << p;
}

TEST(MpiRun, TwoRanksEveryCollectiveSizeAndPlacement) {
  const std::string out = e2e::temp_path("np2.json");
  const e2e::Result r = e2e::run(2, "run --backend mpi -b 8 -e 256K -f 4 --coll all --json " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  check_document(e2e::read_json(out), 2, {8, 32, 128, 512, 2048, 8192, 32768, 131072});
  EXPECT_NE(r.output.find("# Collective test starting: all_reduce_perf"), std::string::npos);
  EXPECT_EQ(e2e::count_lines_containing(r.output, "# Out of bounds values : 0 OK"), 4) << r.output;
}

TEST(MpiRun, FourRanksOversubscribedTheDoneWhenCommand) {
  const std::string out = e2e::temp_path("np4.json");
  const e2e::Result r = e2e::run(4, "run --backend mpi -b 8 -e 4M -f 4 --coll all --json " + out, "", 240);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  check_document(e2e::read_json(out), 4, {8, 32, 128, 512, 2048, 8192, 32768, 131072, 524288, 2097152});
}

TEST(MpiRun, EveryTypeAndOpVerifiesOnThreeRanks) {
  for (const char* dtype : {"int8", "uint8", "int32", "uint32", "int64", "uint64", "half", "bfloat16", "float", "double"}) {
    const bool fp = std::string(dtype) == "half" || std::string(dtype) == "bfloat16" || std::string(dtype) == "float" ||
                    std::string(dtype) == "double";
    for (const char* op : {"sum", "prod", "min", "max", "avg"}) {
      if (!fp && std::string(op) == "avg") continue;
      const std::string out = e2e::temp_path("types.json");
      const e2e::Result r = e2e::run(
          3, std::string("run -b 1K -e 64K -f 8 -n 3 -w 1 --probe-iters 0 --coll every -d ") + dtype + " -o " + op + " --json " + out);
      ASSERT_EQ(r.exit_code, 0) << dtype << " " << op << "\n" << r.output;
      for (const json& rec : e2e::read_run_results(out)) EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
    }
  }
}

TEST(MpiRun, InjectedCorruptionIsCaughtWithExit1) {
  const std::string out = e2e::temp_path("corrupt.json");
  const e2e::Result r = e2e::run(2, "run -b 1K -e 16K -f 4 --json " + out, "COLLBENCH_INJECT=corrupt:1");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const json doc = e2e::read_json(out);
  EXPECT_EQ(doc.at("status"), "wrong");
  EXPECT_EQ(doc.at("metadata").at("settings").at("fault_injection"), "corrupt:1");
  for (const json& rec : doc.at("results")) EXPECT_EQ(rec.at("wrong"), 3) << rec.dump();
  EXPECT_NE(r.output.find("FAILED"), std::string::npos);
}

TEST(MpiRun, InjectedDelayNamesTheStraggler) {
  const std::string out = e2e::temp_path("delay.json");
  const e2e::Result r = e2e::run(3, "run -b 1K -e 1K -n 10 -w 1 --json " + out, "COLLBENCH_INJECT=delay:2:3000");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const json& rec : e2e::read_run_results(out)) {
    ASSERT_TRUE(rec.contains("straggler")) << rec.dump();
    EXPECT_EQ(rec.at("straggler").at("rank"), 2);
    EXPECT_GT(rec.at("straggler").at("outside_call_us").get<double>(), 2000.0);
    EXPECT_GT(rec.at("time_us").at("p50").get<double>(), 2500.0);  // everyone waits for it
    check_nccl_tests_figure(rec, 2.0 * 2 / 3);                        // allreduce on 3 ranks
  }
  EXPECT_NE(r.output.find("straggler: allreduce 1K out_of_place: rank 2 on"), std::string::npos) << r.output;
}

TEST(MpiRun, InjectedCrashExits3AndKeepsWhatWasMeasured) {
  const std::string out = e2e::temp_path("crash.json");
  const e2e::Result r = e2e::run(2, "run -b 1K -e 1K --json " + out, "COLLBENCH_INJECT=crash:1", 60);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("collbench: rank 1 on"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("crashed with signal 11"), std::string::npos) << r.output;
  // A run cut short, readable: "interrupted" when mpirun's SIGTERM reached rank 0 before its kill.
  const std::string status = e2e::read_json(out).at("status");
  EXPECT_TRUE(status == "running" || status == "interrupted") << status;
}

TEST(MpiRun, InjectedHangTimesOutWithExit3) {
  const e2e::Result r = e2e::run(2, "run -b 1K -e 1K --timeout 3", "COLLBENCH_INJECT=hang:0", 60);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("timeout: allreduce 1K float sum out-of-place did not finish within 3 s"), std::string::npos)
      << r.output;
}

TEST(MpiRun, AdaptiveModeStopsOnItsRule) {
  const std::string out = e2e::temp_path("adaptive.json");
  const e2e::Result r = e2e::run(
      2, "run -b 4K -e 4K --placement out --min-iters 50 --max-iters 20000 --target-rel-ci 0.02 --time-budget 5 --samples --json " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json rec = e2e::read_json(out).at("results").at(0);
  const std::string why = rec.at("stop_reason");
  EXPECT_GE(rec.at("iters").get<int>(), 50);
  EXPECT_EQ(rec.at("samples_us").size(), rec.at("iters").get<std::size_t>());
  if (why == "target_rel_ci") EXPECT_LE(rec.at("time_us").at("median_ci").at("rel_half_width").get<double>(), 0.02);
  else if (why == "max_iters") EXPECT_EQ(rec.at("iters"), 20000);
  else EXPECT_EQ(why, "time_budget");
}

TEST(MpiRun, OneRankRunsWithZeroBusBandwidthAndSaysSo) {
  const std::string out = e2e::temp_path("np1.json");
  const e2e::Result r = e2e::run(1, "run -b 1K -e 4K --coll all --json " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("1 rank: bus bandwidth is 0"), std::string::npos) << r.output;
  const json doc = e2e::read_json(out);  // the range-for would outlive a temporary's member (ASan)
  for (const json& rec : doc.at("results")) {
    EXPECT_EQ(rec.at("busbw_gbps"), 0.0);
    EXPECT_GT(rec.at("algbw_gbps").get<double>(), 0.0);
    check_nccl_tests_figure(rec, 0.0);  // one rank: its own mean, and busbw 0
  }
}

}  // namespace

// nccl-tests' sendrecv_perf and alltoallv_perf on the mpi backend (MPI_Sendrecv, MPI_Alltoallv):
// byte counts as core::shape computes them (unit-tested against alltoallv.cu), every element
// checked, no in-place (nccl-tests times it but does not check it).
TEST(MpiRun, SendrecvAndAlltoallvVerifyWithNcclTestsCounts) {
  const std::string out = e2e::temp_path("p2p.json");
  const e2e::Result r = e2e::run(3, "run -b 1K -e 64K -f 8 -n 3 -w 1 --probe-iters 0 --coll sendrecv,alltoallv -d int32 "
                                    "--alltoallv-traffic spread:0.5 --json " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json doc = e2e::read_json(out);
  EXPECT_NE(doc.at("metadata").at("settings").at("alltoallv_traffic").get<std::string>().find("spread 0.5"),
            std::string::npos);
  int measured = 0;
  for (const json& rec : doc.at("results")) {
    const std::string coll = rec.at("collective");
    if (rec.at("placement") == "in_place") {
      EXPECT_EQ(rec.at("status"), "skipped") << rec.dump();
      EXPECT_NE(rec.at("error").get<std::string>().find("no in-place " + coll), std::string::npos) << rec.dump();
      continue;
    }
    ASSERT_EQ(rec.at("status"), "ok") << rec.dump();
    EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
    EXPECT_EQ(rec.at("op"), "none");
    EXPECT_EQ(rec.at("root"), -1);
    const std::uint64_t asked = rec.at("requested_bytes");
    if (coll == "sendrecv") {
      EXPECT_EQ(rec.at("bytes"), asked);
      EXPECT_NEAR(rec.at("busbw_gbps").get<double>(), rec.at("algbw_gbps").get<double>(), 1e-12);
    } else {
      // Spread 0.5 on 3 ranks: per peer (asked/4/3 & ~3) ints; rank 0 sends distance d
      // 0.5*total/3 + 0.5*d*total/3 bytes, 16-aligned.
      const std::uint64_t per_peer = (asked / 4 / 3) & ~std::uint64_t{3};
      const double total = static_cast<double>(per_peer * 3 * 4);
      std::uint64_t sent = 0;
      for (int d = 0; d < 3; ++d)
        sent += static_cast<std::uint64_t>(0.5 * total / 3 + 0.5 * d * total / 3) & ~std::uint64_t{15};
      EXPECT_EQ(rec.at("bytes"), sent) << rec.dump();
      EXPECT_EQ(rec.at("count"), per_peer);
      EXPECT_NEAR(rec.at("busbw_gbps").get<double>(), rec.at("algbw_gbps").get<double>() * 2 / 3, 1e-9);
    }
    ++measured;
  }
  EXPECT_EQ(measured, 6);  // 1K, 8K, 64K for each
}

// --sendrecv-ring reverse: each rank sends to rank-1; on 3 ranks the other neighbour's data would
// be wrong in every element, so 0 wrong says the ring ran the way the checker expected.
TEST(MpiRun, SendrecvRingReversed) {
  const std::string out = e2e::temp_path("sendrecv-reverse.json");
  const e2e::Result r = e2e::run(3, "run -b 1K -e 64K -f 8 -n 3 -w 1 --probe-iters 0 --coll sendrecv --placement out "
                                    "--sendrecv-ring reverse --json " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json doc = e2e::read_json(out);
  EXPECT_EQ(doc.at("metadata").at("settings").at("sendrecv_ring"),
            "reverse (each rank sends to rank-1 and receives from rank+1)");
  ASSERT_EQ(doc.at("results").size(), 3u);
  for (const auto& rec : doc.at("results")) {
    EXPECT_EQ(rec.at("status"), "ok") << rec.dump();
    EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
  }
}

TEST(MpiRun, AlltoallvFromAMatrixFileAndItsCorruptionCaught) {
  const std::string matrix = e2e::temp_path("traffic.txt");
  {
    std::ofstream f(matrix);
    f << "0 4096 64\n1024 0 0\n32 8192 512\n";  // uneven: rank 1 sends rank 0 only; rank 2 sends most
  }
  const std::string out = e2e::temp_path("matrix.json");
  const std::string args = "run -b 4K -e 4K -n 3 -w 1 --probe-iters 0 --coll alltoallv --placement out "
                           "--alltoallv-traffic matrix:" + matrix + " --alltoallv-scale 2 --json " + out;
  const e2e::Result r = e2e::run(3, args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json recs = e2e::read_run_results(out);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].at("wrong"), 0) << recs[0].dump();
  // The largest of any rank's send (row 2: 17472 B) and receive (column 1: 24576 B), scaled.
  EXPECT_EQ(recs[0].at("bytes"), (4096 + 8192) * 2) << recs[0].dump();
  EXPECT_EQ(recs[0].at("count"), 0);
  // A corrupted receive on rank 1 is three wrong elements.
  const e2e::Result bad = e2e::run(3, args, "COLLBENCH_INJECT=corrupt:1");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_EQ(e2e::read_run_results(out).at(0).at("wrong"), 3);
  // The matrix must cover the job, and fixes the bytes: one line each, exit 2.
  const e2e::Result big = e2e::run(4, args);
  EXPECT_EQ(big.exit_code, 2) << big.output;
  EXPECT_NE(big.output.find("traffic matrix '" + matrix + "': 3x3 for a job of 4 ranks"), std::string::npos) << big.output;
  const e2e::Result range = e2e::run(1, "run -b 1K -e 4K --coll alltoallv --alltoallv-traffic matrix:" + matrix);
  EXPECT_EQ(range.exit_code, 2) << range.output;
  EXPECT_NE(range.output.find("expected one size (-b equal to -e)"), std::string::npos) << range.output;
}

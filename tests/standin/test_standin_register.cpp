// `collbench run --register none|local|symmetric` and `--nccl-cta-policy` combinations end to end
// on the GPU stand-in (ctest label "standin"): registration per case of every buffer set, the
// skipped case when NCCL gives no window, the refusals of an NCCL library that cannot do what is
// asked, and the notes NCCL's log gives (symmetric kernel, copy engine). The stand-in's symmetric
// and CE behaviour follows NCCL 2.28.9's rules (tests/standin/README.md); none of it is a GPU's.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "standin_support.hpp"

namespace {

using nlohmann::json;

const json& details(const json& doc) { return doc.at("metadata").at("backend_details"); }

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Both kinds of registration, one buffer set and three rotated, in and out of place, every
// collective of `--coll all`: bit-exact results, nothing skipped, and the metadata says how.
TEST(StandinRegister, LocalAndSymmetricVerifyWithAndWithoutRotation) {
  for (const char* mode : {"local", "symmetric"}) {
    for (const char* rotate : {"off", "3"}) {
      const std::string what = std::string(mode) + " --rotate " + rotate;
      const std::string path = e2e::temp_path(std::string("reg-") + mode + "-" + rotate + ".json");
      const e2e::Result r = standin::run(4, std::string("run --backend nccl -b 8 -e 256K -f 64 --coll all -n 3 -w 1 "
                                                        "--probe-iters 0 --register ") + mode + " --rotate " + rotate +
                                                " --json " + path);
      ASSERT_EQ(r.exit_code, 0) << what << "\n" << r.output;
      const json doc = e2e::read_json(path);
      EXPECT_GE(standin::expect_all_right(doc, what), 4 * 3 * 2 - 3) << what;  // in-place all-to-all aside
      for (const auto& rec : doc.at("results")) {
        if (rec.at("status") == "skipped")  // only NCCL's missing in-place all-to-all
          EXPECT_EQ(rec.at("collective"), "alltoall") << what << rec.dump();
        else {
          EXPECT_EQ(rec.at("backend_notes").at("buffer_sets"), std::string(rotate) == "off" ? "1" : "3") << rec.dump();
          EXPECT_FALSE(rec.at("backend_notes").contains("nccl_register")) << "real windows: " << rec.dump();
        }
      }
      EXPECT_TRUE(starts_with(details(doc).at("nccl_register"), mode)) << details(doc).dump();
      EXPECT_TRUE(starts_with(details(doc).at("buffer_allocator"), "ncclMemAlloc")) << details(doc).dump();
    }
  }
}

// Symmetric windows are registered collectively (dev_runtime.cc:165,629): ranks whose L2 caches (or
// free memory) differ would want different numbers of rotated buffer sets, and the rank with more
// would wait forever in its extra registrations. The ranks agree on the fewest. Rank 0 sees an
// 8 MiB L2 (64 sets of 128 KiB to exceed 2x L2, the most), rank 1 a 1 MiB L2 (16 sets).
TEST(StandinRegister, SymmetricRanksWithDifferentCachesAgreeOnTheBufferSets) {
  const char* launch = std::getenv("COLLBENCH_E2E_LAUNCH");
  if (launch && *launch && std::string(launch) != "mpirun") GTEST_SKIP() << "needs a rank's own environment under mpirun";
  const char* given = std::getenv("COLLBENCH_BIN");
  const std::string bin = given && *given ? given : COLLBENCH_BINARY;
  const std::string wrapper = e2e::temp_path("l2-by-rank.sh");
  e2e::write_text(wrapper, "#!/bin/sh\n"
                           "if [ \"$OMPI_COMM_WORLD_RANK\" = 0 ]; then COLLBENCH_STANDIN_L2=8388608; else COLLBENCH_STANDIN_L2=1048576; fi\n"
                           "export COLLBENCH_STANDIN_L2\nexec '" + bin + "' \"$@\"\n");
  ASSERT_EQ(::chmod(wrapper.c_str(), 0755), 0);
  ::setenv("COLLBENCH_BIN", wrapper.c_str(), 1);
  const std::string path = e2e::temp_path("reg-sets.json");
  const e2e::Result r = standin::run(2, "run --backend nccl -b 64K -e 64K --coll allreduce --placement out -n 3 -w 1 "
                                        "--probe-iters 0 --register symmetric --json " + path, "", 4, 60);
  if (given) ::setenv("COLLBENCH_BIN", given, 1); else ::unsetenv("COLLBENCH_BIN");
  ASSERT_EQ(r.exit_code, 0) << "a rank left waiting in ncclCommWindowRegister ends in the timeout (124)\n" << r.output;
  const json rec = e2e::read_run_results(path).at(0);
  EXPECT_EQ(rec.at("status"), "ok") << rec.dump();
  EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
  EXPECT_EQ(rec.at("backend_notes").at("buffer_sets"), "16") << rec.dump();
}

// --nccl-tuning-info: symmetric windows on one node give the symmetric kernel's line for float
// sums and every all-gather, NCCL's usual line for what has no symmetric kernel (double).
TEST(StandinRegister, SymmetricKernelNoteUnderTuningInfo) {
  const std::string path = e2e::temp_path("reg-kernel.json");
  ASSERT_EQ(standin::run(4, "run --backend nccl -b 1K -e 1M -f 1024 --coll allreduce,allgather,reducescatter --placement out "
                            "-n 3 -w 1 --probe-iters 0 --register symmetric --nccl-tuning-info --json " + path).exit_code, 0);
  int symmetric = 0;
  for (const auto& rec : e2e::read_run_results(path)) {
    const json& n = rec.at("backend_notes");
    ASSERT_TRUE(n.contains("nccl_kernel")) << rec.dump();
    const std::string coll = rec.at("collective");
    const std::string func = coll == "allreduce" ? "AllReduce_" : coll == "allgather" ? "AllGather_" : "ReduceScatter_";
    EXPECT_TRUE(starts_with(n.at("nccl_kernel"), "symmetric " + func)) << rec.dump();
    EXPECT_FALSE(n.contains("nccl_algo")) << rec.dump();
    EXPECT_FALSE(n.contains("nccl_proto")) << rec.dump();
    ++symmetric;
  }
  EXPECT_EQ(symmetric, 6);
  const std::string dbl = e2e::temp_path("reg-double.json");
  ASSERT_EQ(standin::run(4, "run --backend nccl -b 1K -e 1K --coll allreduce --placement out -d double -n 3 -w 1 "
                            "--probe-iters 0 --register symmetric --nccl-tuning-info --json " + dbl).exit_code, 0);
  const json rec = e2e::read_run_results(dbl).at(0);
  EXPECT_TRUE(rec.at("backend_notes").contains("nccl_algo")) << rec.dump();
  EXPECT_FALSE(rec.at("backend_notes").contains("nccl_kernel")) << rec.dump();
}

// The stand-in charges symmetric kernels a lower latency (its documented assumption, not a GPU's):
// a small float all-reduce in symmetric windows takes less simulated time than unregistered.
TEST(StandinRegister, SymmetricSmallMessagesAreFasterOnTheStandin) {
  auto p50 = [](const std::string& mode) {
    const std::string path = e2e::temp_path("reg-time-" + mode + ".json");
    const e2e::Result r = standin::run(4, "run --backend nccl -b 8K -e 8K --coll allreduce --placement out -n 20 -w 2 "
                                          "--probe-iters 0 --rotate off --register " + mode + " --json " + path,
                                       "COLLBENCH_STANDIN_HOST_GAPS=0");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return e2e::read_run_results(path).at(0).at("time_us").at("p50").get<double>();
  };
  const double none = p50("none"), symmetric = p50("symmetric");
  EXPECT_LT(symmetric, none * 0.95) << symmetric << " vs " << none;
}

// CTAPolicy zero with symmetric windows on one node: the all-gather goes to the copy engines (no
// TUNING line; NCCL logged "Init CE"), the all-reduce still to a symmetric kernel.
TEST(StandinRegister, CopyEnginePathUnderPolicyZero) {
  const std::string path = e2e::temp_path("reg-ce.json");
  const e2e::Result r = standin::run(4, "run --backend nccl -b 4K -e 64K -f 16 --coll allgather,allreduce --placement out "
                                        "-n 3 -w 1 --probe-iters 0 --register symmetric --nccl-cta-policy zero "
                                        "--nccl-tuning-info --json " + path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  int ce = 0;
  for (const auto& rec : e2e::read_run_results(path)) {
    EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
    const json& n = rec.at("backend_notes");
    if (rec.at("collective") == "allgather") {
      EXPECT_EQ(n.value("nccl_path", ""), "copy engine (NCCL logged Init CE; no kernel line)") << rec.dump();
      EXPECT_FALSE(n.contains("nccl_kernel") || n.contains("nccl_algo")) << rec.dump();
      ++ce;
    } else {
      EXPECT_TRUE(starts_with(n.value("nccl_kernel", ""), "symmetric AllReduce_")) << rec.dump();
      EXPECT_FALSE(n.contains("nccl_path")) << rec.dump();
    }
  }
  EXPECT_EQ(ce, 2);
}

// all-to-all is ncclAlltoAll on NCCL 2.28+, as nccl-tests 2.19 calls it (alltoall.cu:317-320), so
// it too goes to the copy engines under CTAPolicy zero with symmetric windows on one node; a
// grouped send/recv (what an older NCCL gets) never would.
TEST(StandinRegister, AllToAllIsNcclAlltoAllAndTakesTheCopyEngines) {
  auto run = [](const std::string& tag, const std::string& flags, const std::string& env) {
    const std::string path = e2e::temp_path("a2a-" + tag + ".json");
    const e2e::Result r = standin::run(4, "run --backend nccl -b 4K -e 64K -f 16 --coll alltoall --placement out -n 3 -w 1 "
                                          "--probe-iters 0 --nccl-tuning-info " + flags + " --json " + path, env);
    EXPECT_EQ(r.exit_code, 0) << tag << "\n" << r.output;
    return e2e::read_json(path);
  };
  const json ce = run("ce", "--register symmetric --nccl-cta-policy zero", "");
  EXPECT_TRUE(starts_with(details(ce).at("nccl_alltoall"), "ncclAlltoAll")) << details(ce).dump();
  ASSERT_EQ(ce.at("results").size(), 2u);
  for (const auto& rec : ce.at("results")) {
    EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
    EXPECT_EQ(rec.at("backend_notes").value("nccl_path", ""), "copy engine (NCCL logged Init CE; no kernel line)") << rec.dump();
  }
  // Symmetric windows under the default policy: NCCL's send/recv tasks, no copy engines.
  for (const auto& rec : run("sym", "--register symmetric", "").at("results"))
    EXPECT_FALSE(rec.at("backend_notes").contains("nccl_path")) << rec.dump();
  // NCCL 2.27 has no ncclAlltoAll: the group of sends and receives, and still no copy engines.
  const json old = run("old", "--register symmetric", "COLLBENCH_STANDIN_NCCL_VERSION=22703");
  EXPECT_TRUE(starts_with(details(old).at("nccl_alltoall"), "grouped ncclSend/ncclRecv")) << details(old).dump();
  for (const auto& rec : old.at("results")) {
    EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
    EXPECT_FALSE(rec.at("backend_notes").contains("nccl_path")) << rec.dump();
  }
}

// No symmetric support: with NCCL_LOCAL_REGISTER=0 NCCL leaves the window NULL and the case is
// skipped with the reason (the run goes on, exit 0); without, NCCL hands back a local
// registration as the "window" and its usual kernels run (its TUNING line says so).
TEST(StandinRegister, NoSymmetricSupportSkipsOrFallsBack) {
  const std::string path = e2e::temp_path("reg-off.json");
  const e2e::Result r = standin::run(2, "run --backend nccl -b 1K -e 4K -f 4 --coll allreduce,allgather -n 3 -w 1 "
                                        "--probe-iters 0 --register symmetric --json " + path,
                                     "COLLBENCH_STANDIN_SYMMETRIC=0 NCCL_LOCAL_REGISTER=0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json doc = e2e::read_json(path);
  ASSERT_EQ(doc.at("results").size(), 8u);
  for (const auto& rec : doc.at("results")) {
    EXPECT_EQ(rec.at("status"), "skipped") << rec.dump();
    EXPECT_EQ(rec.at("error"), "--register symmetric: NCCL returned no window: symmetric memory is off here "
                               "(NCCL_WIN_ENABLE=0 / NCCL_LOCAL_REGISTER=0 / no CUDA P2P; dev_runtime.cc:902)") << rec.dump();
  }
  const std::string local = e2e::temp_path("reg-local-off.json");
  ASSERT_EQ(standin::run(2, "run --backend nccl -b 1K -e 1K --coll allreduce -n 3 -w 1 --probe-iters 0 --register local "
                            "--json " + local, "NCCL_LOCAL_REGISTER=0").exit_code, 0);
  for (const auto& rec : e2e::read_json(local).at("results")) {
    EXPECT_EQ(rec.at("status"), "skipped") << rec.dump();
    EXPECT_NE(rec.at("error").get<std::string>().find("NCCL returned no handle"), std::string::npos) << rec.dump();
  }
  const std::string fallback = e2e::temp_path("reg-fallback.json");
  ASSERT_EQ(standin::run(2, "run --backend nccl -b 1K -e 1K --coll allreduce --placement out -n 3 -w 1 --probe-iters 0 "
                            "--register symmetric --nccl-tuning-info --json " + fallback, "COLLBENCH_STANDIN_SYMMETRIC=0").exit_code, 0);
  const json rec = e2e::read_run_results(fallback).at(0);
  EXPECT_EQ(rec.at("wrong"), 0);
  EXPECT_TRUE(rec.at("backend_notes").contains("nccl_algo")) << rec.dump();
  EXPECT_FALSE(rec.at("backend_notes").contains("nccl_kernel")) << rec.dump();
  // NCCL says nothing of it; the record does (the window is the range's local registration).
  EXPECT_TRUE(starts_with(rec.at("backend_notes").value("nccl_register", ""), "local: NCCL has no symmetric support"))
      << rec.dump();
}

// What the NCCL library in use cannot do is refused before NCCL starts: one line, exit 2.
TEST(StandinRegister, OlderLibrariesAreRefusedWithOneLine) {
  const e2e::Result old = standin::run(2, "run --backend nccl -b 8 -e 8 --register symmetric",
                                       "COLLBENCH_STANDIN_NCCL_VERSION=22605");
  EXPECT_EQ(old.exit_code, 2) << old.output;
  EXPECT_EQ(e2e::count_lines_containing(old.output, "collbench: --register symmetric: ncclCommWindowRegister needs NCCL "
                                                    "2.27 or newer; the NCCL library in use is 2.26.5"), 1) << old.output;
  const e2e::Result older = standin::run(2, "run --backend nccl -b 8 -e 8 --register local", "COLLBENCH_STANDIN_NCCL_VERSION=21805");
  EXPECT_EQ(older.exit_code, 2) << older.output;
  EXPECT_NE(older.output.find("--register local: ncclCommRegister needs NCCL 2.19 or newer; the NCCL library in use is 2.18.5"),
            std::string::npos) << older.output;
  const e2e::Result combined = standin::run(2, "run --backend nccl -b 8 -e 8 --nccl-cta-policy 'efficiency|zero'");
  EXPECT_EQ(combined.exit_code, 2) << combined.output;
  EXPECT_EQ(e2e::count_lines_containing(combined.output, "collbench: --nccl-cta-policy efficiency|zero: NCCL 2.28.9 takes one "
                                                         "policy (init.cc:1887-1891); combining them needs NCCL 2.29"), 1)
      << combined.output;
  // A library that takes the combination (2.29) runs with it.
  const std::string path = e2e::temp_path("reg-229.json");
  const e2e::Result newer = standin::run(2, "run --backend nccl -b 8 -e 8 -n 2 -w 1 --probe-iters 0 --nccl-cta-policy 3 --json " + path,
                                         "COLLBENCH_STANDIN_NCCL_VERSION=22900");
  ASSERT_EQ(newer.exit_code, 0) << newer.output;
  EXPECT_EQ(details(e2e::read_json(path)).at("nccl_config.CTAPolicy"), "3");
}

}  // namespace

// Backend choice without a GPU: the default falls back to mpi and says so; --backend nccl is
// refused with one line and exit 3 (the run could not happen here; the input was fine).
#include <gtest/gtest.h>

#include <filesystem>

#include "../e2e_support.hpp"

namespace {

bool gpu_machine() { return std::filesystem::exists("/dev/nvidia0") || std::filesystem::exists("/dev/nvidiactl"); }

TEST(BackendChoice, NcclWithoutAGpuExits3WithOneLine) {
  if (gpu_machine()) GTEST_SKIP() << "a GPU driver is present: the refusal path is not reachable here";
  const std::string json = e2e::temp_path("refused.json");
  for (int np : {0, 2}) {
    const e2e::Result r = e2e::run(np, "run --backend nccl -b 8 -e 64 --json " + json, "", 60);
    EXPECT_EQ(r.exit_code, 3) << r.output;
    EXPECT_EQ(e2e::count_lines_containing(r.output, "collbench: "), 1) << r.output;
    EXPECT_NE(r.output.find("--backend nccl: no NVIDIA driver found"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("--backend mpi runs on CPUs"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("terminate called"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("# Collective test starting"), std::string::npos) << r.output;  // nothing ran
  }
}

TEST(BackendChoice, DefaultFallsBackToMpiAndSaysSo) {
  if (gpu_machine()) GTEST_SKIP() << "a GPU driver is present: the default is nccl here";
  const std::string json = e2e::temp_path("auto.json");
  const e2e::Result r = e2e::run(2, "run -b 8 -e 64 --coll allreduce --json " + json, "", 60);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(e2e::count_lines_containing(r.output, "collbench: backend mpi (no NVIDIA driver found"), 1) << r.output;
  const auto doc = e2e::read_json(json);
  EXPECT_EQ(doc.at("metadata").at("backend"), "mpi");
  EXPECT_FALSE(doc.at("metadata").contains("devices"));
  // An explicit --backend mpi says nothing about the choice.
  const e2e::Result quiet = e2e::run(2, "run --backend mpi -b 8 -e 64 --coll allreduce", "", 60);
  EXPECT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_EQ(quiet.output.find("collbench: backend"), std::string::npos) << quiet.output;
}

TEST(BackendChoice, Fp8TypesRunAndVerifyOnTheMpiBackend) {
  const std::string json = e2e::temp_path("fp8.json");
  for (const char* type : {"f8e4m3", "f8e5m2"})
    for (const char* op : {"sum", "max", "avg"}) {
      const e2e::Result r = e2e::run(3, std::string("run --backend mpi -b 8 -e 4K -f 8 --coll every -d ") + type +
                                            " -o " + op + " -n 3 -w 1 --probe-iters 0 --json " + json, "", 120);
      ASSERT_EQ(r.exit_code, 0) << type << " " << op << "\n" << r.output;
      const auto doc = e2e::read_json(json);
      int checked = 0;
      for (const auto& rec : doc.at("results")) {
        if (rec.at("status") == "skipped") continue;
        EXPECT_EQ(rec.at("datatype"), type);
        EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
        ++checked;
      }
      EXPECT_GE(checked, 20) << type << " " << op;
    }
}

}  // namespace

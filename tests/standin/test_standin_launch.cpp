// Jobs without MPI on the GPU stand-in (ctest label "standin"): ranks started with torchrun's
// variables by the test itself, by `collbench launch`, a rank that never starts, bad launch
// environments, --per-node/--pairs over NCCL's control plane, and a sweep whose launches are
// `collbench launch`, then tune. No mpirun anywhere: the ranks meet at NCCL's rendezvous.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <set>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "standin_support.hpp"
#include "sweep/sweep_support.hpp"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// A loopback port nothing listens on now (the kernel's pick for port 0).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

struct Ranks {
  std::vector<int> codes;  // by rank started
  std::vector<std::string> outputs;
  double seconds = 0;
};

// Starts `started` of `world` ranks as torchrun would (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), each with `per_rank_env(rank)` too, and waits.
Ranks torchrun_like(int world, int started, const std::string& args, int port, const std::string& extra_env = "",
                    const std::function<std::string(int)>& per_rank_env = nullptr, int timeout_s = 240) {
  const std::string dir = e2e::temp_path("ranks-" + std::to_string(port));
  std::string script = "mkdir -p " + dir + "; ";
  for (int r = 0; r < started; ++r) {
    script += "env " + standin::env(extra_env) + " RANK=" + std::to_string(r) + " WORLD_SIZE=" + std::to_string(world) +
              " LOCAL_RANK=" + std::to_string(r) + " LOCAL_WORLD_SIZE=" + std::to_string(world) +
              " MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " " + (per_rank_env ? per_rank_env(r) : "") +
              " timeout -k 5 " + std::to_string(timeout_s) + " " COLLBENCH_BINARY " " + args + " >" + dir + "/out." +
              std::to_string(r) + " 2>&1 & pids=\"$pids $!\"; ";
  }
  script += "i=0; for p in $pids; do wait $p; echo $? > " + dir + "/rc.$i; i=$((i+1)); done";
  const Clock::time_point t0 = Clock::now();
  const int status = std::system(("bash -c '" + script + "'").c_str());
  Ranks out;
  out.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0) << script;
  for (int r = 0; r < started; ++r) {
    out.outputs.push_back(e2e::slurp(dir + "/out." + std::to_string(r)));
    const std::string rc = e2e::slurp(dir + "/rc." + std::to_string(r));
    out.codes.push_back(rc.empty() ? -1 : std::stoi(rc));
  }
  return out;
}

std::string all_output(const Ranks& r) {
  std::string s;
  for (std::size_t i = 0; i < r.outputs.size(); ++i) s += "--- rank " + std::to_string(i) + "\n" + r.outputs[i];
  return s;
}

void expect_no_mpi_launch(const json& doc, const std::string& launcher, int port) {
  const json& launch = doc.at("metadata").at("launch");
  EXPECT_EQ(launch.at("launcher"), launcher) << launch.dump();
  EXPECT_EQ(launch.at("control_plane"), "nccl") << launch.dump();
  EXPECT_EQ(launch.at("rendezvous"), "127.0.0.1:" + std::to_string(port)) << launch.dump();
  EXPECT_FALSE(doc.at("metadata").at("settings").contains("mpi_library")) << doc.at("metadata").at("settings").dump();
}

// Four processes started with torchrun's variables: every collective verifies, on a float sum and
// an int8 max.
TEST(StandinLaunch, TorchrunVariablesRunEveryCollectiveWithValidation) {
  for (const char* type_op : {"-d float -o sum", "-d int8 -o max"}) {
    const int port = free_port();
    const std::string path = e2e::temp_path("torchrun.json");
    const Ranks r = torchrun_like(4, 4, std::string("run --backend nccl -b 8 -e 64K -f 32 -n 2 -w 1 --coll every ") + type_op +
                                            " --json " + path, port);
    for (int code : r.codes) ASSERT_EQ(code, 0) << type_op << "\n" << all_output(r);
    const json doc = e2e::read_json(path);
    EXPECT_EQ(doc.at("metadata").at("nranks"), 4);
    expect_no_mpi_launch(doc, "torchrun", port);
    EXPECT_GE(standin::expect_all_right(doc, type_op), 6 * 3);  // collectives x sizes, at least
    EXPECT_NE(r.outputs[0].find("# Launched by torchrun without MPI: rendezvous 127.0.0.1:" + std::to_string(port)),
              std::string::npos) << r.outputs[0];
    for (int rank = 1; rank < 4; ++rank) EXPECT_EQ(r.outputs[static_cast<std::size_t>(rank)].find("# nRanks"), std::string::npos);
  }
}

// `collbench launch --nproc-per-node 4`: the same, started by collbench itself.
TEST(StandinLaunch, CollbenchLaunchStartsFourRanks) {
  const std::string path = e2e::temp_path("launch.json");
  const e2e::Result r = e2e::run(0, "launch --nproc-per-node 4 run --backend nccl -b 1K -e 1M -f 32 -n 3 -w 1 --coll every --json " + path,
                                 standin::env());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json doc = e2e::read_json(path);
  EXPECT_EQ(doc.at("metadata").at("nranks"), 4);
  EXPECT_EQ(doc.at("metadata").at("launch").at("launcher"), "collbench-launch");
  EXPECT_EQ(doc.at("metadata").at("launch").at("control_plane"), "nccl");
  EXPECT_GE(standin::expect_all_right(doc, "launch"), 6 * 3);
  EXPECT_EQ(e2e::count_lines_containing(r.output, "# nRanks 4"), 1) << r.output;  // rank 0 alone prints the table
}

// Three of four ranks arrive: each says where it waited and for how many ranks, and exits 3 at
// the deadline instead of waiting forever.
TEST(StandinLaunch, ARankThatNeverStartsEndsTheOthersWithExit3AtTheDeadline) {
  const int port = free_port();
  const Ranks r = torchrun_like(4, 3, "run --backend nccl -b 1K -e 1K --init-timeout 4", port, "", nullptr, 60);
  // Rank 0 (NCCL's root) gives up at the deadline; the others then lose the root and say so.
  EXPECT_NE(r.outputs[0].find("did not complete within --init-timeout 4 s"), std::string::npos) << r.outputs[0];
  for (std::size_t i = 0; i < r.codes.size(); ++i) {
    EXPECT_EQ(r.codes[i], 3) << all_output(r);
    EXPECT_NE(r.outputs[i].find("rendezvous at 127.0.0.1:" + std::to_string(port)), std::string::npos) << r.outputs[i];
    EXPECT_NE(r.outputs[i].find("expects 4 ranks"), std::string::npos) << r.outputs[i];
    EXPECT_EQ(e2e::count_lines_containing(r.outputs[i], "collbench: "), 1) << r.outputs[i];
  }
  EXPECT_LT(r.seconds, 40) << all_output(r);
}

// NCCL refusing the address: rank 0 cannot start the root there (not this machine's address, or
// a port another program holds). Exit 3 with NCCL's own reason, at once rather than at the deadline.
TEST(StandinLaunch, AnAddressNcclCannotUseIsExit3WithItsReason) {
  const int port = free_port();
  const int held = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ASSERT_EQ(::bind(held, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(held, 1), 0);
  const struct {
    std::string env;
    const char* reason;
  } cases[] = {
      {"RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port), "Address already in use"},
      {"RANK=0 WORLD_SIZE=2 MASTER_ADDR=192.0.2.1 MASTER_PORT=" + std::to_string(port), "Cannot assign requested address"},
  };
  for (const auto& c : cases) {
    const Clock::time_point t0 = Clock::now();
    const e2e::Result r = e2e::run(0, "run --backend nccl -b 1K -e 1K --init-timeout 30", standin::env(c.env), 60);
    EXPECT_EQ(r.exit_code, 3) << c.env << "\n" << r.output;
    EXPECT_NE(r.output.find("failed: "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(c.reason), std::string::npos) << r.output;
    EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 20) << r.output;
  }
  ::close(held);
}

// A launch environment that cannot be right: one line naming the variable, exit 2, before NCCL.
TEST(StandinLaunch, BadLaunchEnvironmentsExit2WithOneLine) {
  const struct {
    const char* env;
    const char* says;
  } cases[] = {
      {"RANK=4 WORLD_SIZE=4 MASTER_ADDR=127.0.0.1 MASTER_PORT=29400", "RANK"},
      {"RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=29400", "WORLD_SIZE"},
      {"RANK=0 WORLD_SIZE=two MASTER_ADDR=127.0.0.1 MASTER_PORT=29400", "WORLD_SIZE"},
      {"RANK=0 WORLD_SIZE=2", "MASTER_ADDR"},
      {"RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=70000", "MASTER_PORT"},
      {"RANK=0 WORLD_SIZE=2 LOCAL_RANK=3 LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29400", "LOCAL_RANK"},
  };
  for (const auto& c : cases) {
    const e2e::Result r = e2e::run(0, "run --backend nccl -b 1K -e 1K", standin::env(c.env), 60);
    EXPECT_EQ(r.exit_code, 2) << c.env << "\n" << r.output;
    EXPECT_EQ(e2e::count_lines_containing(r.output, "collbench: "), 1) << c.env << "\n" << r.output;
    EXPECT_NE(r.output.find(c.says), std::string::npos) << c.env << "\n" << r.output;
  }
  // --backend mpi in a job without MPI is refused the same way.
  const Ranks m = torchrun_like(2, 2, "run --backend mpi -b 1K -e 1K", free_port());
  for (int code : m.codes) EXPECT_EQ(code, 2) << all_output(m);
  EXPECT_NE(m.outputs[0].find("--backend mpi: this job was not started by an MPI launcher"), std::string::npos) << all_output(m);
}

// --per-node and --pairs split NCCL's control plane (ncclCommSplit) by simulated host: three hosts
// of one rank each, so there are pairs to compare.
TEST(StandinLaunch, PerNodeAndPairsSplitTheControlPlane) {
  const int port = free_port();
  const std::string path = e2e::temp_path("groups.json");
  const Ranks r = torchrun_like(
      3, 3, "run --backend nccl -b 64K -e 64K -n 4 -w 1 --coll allreduce --per-node --pairs --json " + path, port, "",
      [](int rank) { return "COLLBENCH_STANDIN_HOST=standin-host" + std::to_string(rank + 1); });
  for (int code : r.codes) ASSERT_EQ(code, 0) << all_output(r);
  const json doc = e2e::read_json(path);
  int node = 0, pair = 0;
  for (const json& rec : doc.at("results")) {
    if (!rec.contains("group")) continue;
    const std::string kind = rec.at("group").at("kind");
    (kind == "node" ? node : pair) += 1;
    EXPECT_EQ(rec.at("status"), "ok") << rec.dump();
    EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
  }
  EXPECT_EQ(node, 3 * 2) << doc.dump();  // each node alone, both placements
  EXPECT_GE(pair, 3 * 2) << doc.dump();  // every pair of three nodes
  EXPECT_EQ(doc.at("metadata").at("hosts").size(), 3u);
  EXPECT_NE(r.outputs[0].find("# per node: 3 nodes"), std::string::npos) << r.outputs[0];
}

// A rank that hangs inside NCCL: its communicator is aborted at --timeout, it exits 3, and
// `collbench launch` stops the others and passes the 3 on.
TEST(StandinLaunch, AHangUnderCollbenchLaunchIsExit3) {
  const Clock::time_point t0 = Clock::now();
  // The fault counts each communicator's collectives; the control plane's own (about 30 here)
  // stay below 40, the measured loop's first case passes it.
  const e2e::Result r = e2e::run(0, "launch --nproc-per-node 2 run --backend nccl -b 1K -e 1K -n 50 --timeout 3",
                                 standin::env("COLLBENCH_STANDIN_FAULT=hang:1:40"), 120);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("did not complete within --timeout"), std::string::npos) << r.output;
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 60) << r.output;
}

// A sweep whose launches are `collbench launch` (launcher kind "launch"): no mpirun, then tune.
class StandinLaunchSweep : public sweep_e2e::DirTest {
 protected:
  void SetUp() override {
    DirTest::SetUp();
    ::setenv("LD_LIBRARY_PATH", STANDIN_LIB_DIR, 1);  // inherited by the sweep, collbench launch and every rank
    ::setenv("COLLBENCH_STANDIN_GPUS", "4", 1);
  }
  void TearDown() override {
    ::unsetenv("LD_LIBRARY_PATH");
    ::unsetenv("COLLBENCH_STANDIN_GPUS");
    DirTest::TearDown();
  }
};

TEST_F(StandinLaunchSweep, SweepWithCollbenchLaunchThenTune) {
  json spec = {{"name", "no-mpi"},
               {"backend", "nccl"},
               {"collectives", {"allreduce"}},
               {"sizes", {{"min", "4K"}, {"max", "64K"}, {"factor", 4}}},
               {"launcher", {{"kind", "launch"}, {"ranks", 2}}},
               {"knobs", {{"NCCL_ALGO", {"allreduce:ring", "allreduce:tree"}}}},
               {"measure", {{"iters", 5}, {"warmup", 1}, {"timeout", 60}}}};
  const std::string store = path("store");
  const sweep_e2e::Proc s = collbench({"sweep", write("spec.json", spec.dump()), "--out", store}, 600);
  ASSERT_EQ(s.exit_code, 0) << s.all();
  int ok = 0;
  std::set<std::string> configs;
  for (const json& rec : sweep_e2e::read_results(store + "/results.jsonl")) {
    EXPECT_EQ(rec.at("status"), "ok") << rec.dump();
    EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
    ok += rec.at("status") == "ok";
    configs.insert(rec.at("sweep").at("config_id").get<std::string>());
  }
  EXPECT_EQ(ok, 2 * 3);  // configurations x sizes (a sweep measures out of place unless asked)
  EXPECT_EQ(configs.size(), 2u);
  const std::string log = e2e::slurp(store + "/logs/L000-r0.log");
  EXPECT_NE(log.find("Launched by collbench launch without MPI"), std::string::npos) << log;
  const sweep_e2e::Proc t = collbench({"tune", store, "--out", path("tune")}, 120);
  ASSERT_EQ(t.exit_code, 0) << t.all();
  EXPECT_NE(t.out.find("NCCL_ALGO"), std::string::npos) << t.all();
}

}  // namespace

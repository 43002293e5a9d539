// The stand-in's fidelity to CUDA 13 and NCCL 2.28.9, through their own APIs (ctest label
// "standin"): what collbench and nccl-tests rely on, checked without either. Every scenario runs
// in forked processes (the stand-in reads its environment once per process), ranks rendezvous
// through NCCL_COMM_ID as a launch without MPI does.
#include <arpa/inet.h>
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>
#include <nccl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace {

// Runs `body(rank)` in `n` forked processes with `env` set; the exit codes (0 = pass). A child's
// complaint goes to stderr; a child that runs past 60 s is killed.
std::vector<int> ranks(int n, const std::vector<std::pair<std::string, std::string>>& env,
                       const std::function<int(int)>& body) {
  std::vector<pid_t> pids;
  for (int r = 0; r < n; ++r) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::alarm(60);
      for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      std::fflush(nullptr);
      ::_exit(body(r));
    }
    pids.push_back(pid);
  }
  std::vector<int> codes;
  for (pid_t p : pids) {
    int st = 0;
    ::waitpid(p, &st, 0);
    codes.push_back(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  }
  return codes;
}

// A loopback port nothing listens on now (the kernel's pick for port 0), for NCCL_COMM_ID.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
    std::abort();
  ::close(fd);
  return ntohs(sa.sin_port);
}

std::string comm_id() { return "127.0.0.1:" + std::to_string(free_port()); }

#define REQUIRE(cond)                                                                                   \
  do {                                                                                                  \
    if (!(cond)) {                                                                                      \
      std::fprintf(stderr, "rank check failed at line %d: %s (NCCL's last error: %s)\n", __LINE__, #cond, \
                   ncclGetLastError(nullptr));                                                          \
      return 1;                                                                                         \
    }                                                                                                   \
  } while (0)

ncclComm_t join(int rank, int n, int device, ncclConfig_t* cfg = nullptr) {
  if (cudaSetDevice(device) != cudaSuccess) return nullptr;
  ncclUniqueId id;
  if (ncclGetUniqueId(&id) != ncclSuccess) return nullptr;  // NCCL_COMM_ID: the same on every rank
  ncclComm_t c = nullptr;
  const ncclResult_t rc = cfg ? ncclCommInitRankConfig(&c, n, id, rank, cfg) : ncclCommInitRank(&c, n, id, rank);
  return rc == ncclSuccess ? c : nullptr;
}

// One 4 KiB allreduce on a communicator of 2 made for it (NCCL_COMM_ID as set), then destroyed:
// rank 0 prints one TUNING line. 0 when it all worked.
int allreduce_on_new_comm(int r, float* buf) {
  ncclComm_t c = join(r, 2, r);
  REQUIRE(c != nullptr);
  REQUIRE(ncclAllReduce(buf, buf, 1024, ncclFloat32, ncclSum, c, nullptr) == ncclSuccess);
  REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
  REQUIRE(ncclCommDestroy(c) == ncclSuccess);
  return 0;
}

std::vector<std::pair<std::string, std::string>> comm_env(int gpus = 4) {
  return {{"NCCL_COMM_ID", comm_id()}, {"COLLBENCH_STANDIN_GPUS", std::to_string(gpus)}};
}

// init.cc:1852-1885: minCTAs alone compares with maxCTAs' INT_MIN and fails; so do bad values.
TEST(StandinNccl, ConfigIsValidatedAsNcclDoes) {
  const auto codes = ranks(1, comm_env(), [](int) {
    REQUIRE(cudaSetDevice(0) == cudaSuccess);
    ncclUniqueId id;
    REQUIRE(ncclGetUniqueId(&id) == ncclSuccess);
    ncclComm_t c = nullptr;
    ncclConfig_t cfg = NCCL_CONFIG_INITIALIZER;
    cfg.minCTAs = 8;
    REQUIRE(ncclCommInitRankConfig(&c, 1, id, 0, &cfg) == ncclInvalidArgument);
    REQUIRE(std::string(ncclGetLastError(nullptr)) == "Invalid config min/max channels attribute value 8/-2147483648");
    ncclConfig_t bad = NCCL_CONFIG_INITIALIZER;
    bad.CTAPolicy = 7;
    REQUIRE(ncclCommInitRankConfig(&c, 1, id, 0, &bad) == ncclInvalidArgument);
    ncclConfig_t raw;
    std::memset(&raw, 0, sizeof raw);
    REQUIRE(ncclCommInitRankConfig(&c, 1, id, 0, &raw) == ncclInvalidArgument);  // not from NCCL_CONFIG_INITIALIZER
    ncclConfig_t ok = NCCL_CONFIG_INITIALIZER;
    ok.minCTAs = 2;
    ok.maxCTAs = 8;
    REQUIRE(ncclCommInitRankConfig(&c, 1, id, 0, &ok) == ncclSuccess);
    return ncclCommDestroy(c) == ncclSuccess ? 0 : 1;
  });
  EXPECT_EQ(codes, std::vector<int>({0}));
}

// The stand-in's own settings are checked like NCCL's: a malformed one fails init with the reason.
TEST(StandinNccl, MalformedStandinSettingsFailInitNamingThem) {
  for (const auto& [var, value, expect] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"COLLBENCH_STANDIN_FAULT", "hang:x", "COLLBENCH_STANDIN_FAULT: expected KIND:RANK[:AFTER]"},
           {"COLLBENCH_STANDIN_SKEW", "ring=-1", "COLLBENCH_STANDIN_SKEW: expected algo[/proto]=factor"}}) {
    auto env = comm_env();
    env.push_back({var, value});
    const std::string want = expect;
    const auto codes = ranks(2, env, [&](int r) {
      REQUIRE(join(r, 2, r) == nullptr);
      REQUIRE(std::string(ncclGetLastError(nullptr)).rfind(want, 0) == 0);
      return 0;
    });
    EXPECT_EQ(codes, std::vector<int>({0, 0})) << var;
  }
}

// Four processes, no MPI: NCCL_COMM_ID bootstrap, every rank's data moved, blocking and not.
TEST(StandinNccl, CommIdBootstrapAllReduceAndNonBlockingInit) {
  const auto codes = ranks(4, comm_env(), [](int r) {
    REQUIRE(cudaSetDevice(r) == cudaSuccess);
    ncclUniqueId id;
    REQUIRE(ncclGetUniqueId(&id) == ncclSuccess);
    ncclConfig_t cfg = NCCL_CONFIG_INITIALIZER;
    cfg.blocking = 0;
    ncclComm_t c = nullptr;
    const ncclResult_t rc = ncclCommInitRankConfig(&c, 4, id, r, &cfg);
    REQUIRE(rc == ncclInProgress);
    ncclResult_t st = ncclInProgress;
    while (st == ncclInProgress) REQUIRE(ncclCommGetAsyncError(c, &st) == ncclSuccess);
    REQUIRE(st == ncclSuccess);
    int count = 0, user = -1;
    REQUIRE(ncclCommCount(c, &count) == ncclSuccess && count == 4);
    REQUIRE(ncclCommUserRank(c, &user) == ncclSuccess && user == r);
    cudaStream_t s;
    REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
    int* buf = nullptr;
    REQUIRE(cudaMalloc(reinterpret_cast<void**>(&buf), 1000 * sizeof(int)) == cudaSuccess);
    for (int i = 0; i < 1000; ++i) buf[i] = i * (r + 1);  // device memory is host memory here
    REQUIRE(ncclAllReduce(buf, buf, 1000, ncclInt32, ncclSum, c, s) == ncclInProgress);  // a thread per call
    st = ncclInProgress;
    while (st == ncclInProgress) REQUIRE(ncclCommGetAsyncError(c, &st) == ncclSuccess);
    REQUIRE(cudaStreamSynchronize(s) == cudaSuccess);
    for (int i = 0; i < 1000; ++i) REQUIRE(buf[i] == i * 10);
    REQUIRE(ncclCommFinalize(c) == ncclSuccess);
    return ncclCommDestroy(c) == ncclSuccess ? 0 : 1;
  });
  EXPECT_EQ(codes, std::vector<int>({0, 0, 0, 0}));
}

TEST(StandinNccl, TwoRanksOnOneGpuAreRefused) {
  const auto codes = ranks(2, comm_env(), [](int r) {
    REQUIRE(join(r, 2, 0) == nullptr);
    REQUIRE(std::string(ncclGetLastError(nullptr)).find("Duplicate GPU detected : rank 0 and rank 1 both on CUDA device") == 0);
    return 0;
  });
  EXPECT_EQ(codes, std::vector<int>({0, 0}));
}

TEST(StandinNccl, SplitMakesCommunicatorsOfEachColor) {
  const auto codes = ranks(4, comm_env(), [](int r) {
    ncclComm_t c = join(r, 4, r);
    REQUIRE(c != nullptr);
    ncclComm_t half = nullptr;
    REQUIRE(ncclCommSplit(c, r % 2, -r, &half, nullptr) == ncclSuccess);  // key -r: reversed order
    int count = 0, user = -1;
    REQUIRE(ncclCommCount(half, &count) == ncclSuccess && count == 2);
    REQUIRE(ncclCommUserRank(half, &user) == ncclSuccess && user == (r < 2 ? 1 : 0));
    long long* v = nullptr;
    REQUIRE(cudaMalloc(reinterpret_cast<void**>(&v), sizeof *v) == cudaSuccess);
    *v = r;
    REQUIRE(ncclAllReduce(v, v, 1, ncclInt64, ncclSum, half, nullptr) == ncclSuccess);
    REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
    REQUIRE(*v == (r % 2 == 0 ? 0 + 2 : 1 + 3));
    ncclComm_t none = reinterpret_cast<ncclComm_t>(1);
    REQUIRE(ncclCommSplit(c, r == 0 ? NCCL_SPLIT_NOCOLOR : 7, 0, &none, nullptr) == ncclSuccess);
    REQUIRE((r == 0) == (none == nullptr));
    return 0;
  });
  EXPECT_EQ(codes, std::vector<int>({0, 0, 0, 0}));
}

// group.cc:706-737: an estimate from a blocking communicator of 2+ ranks, nothing launched; a
// non-blocking one launches for real and leaves the estimate at -1.
TEST(StandinNccl, GroupSimulateEndEstimatesOnlyOnBlockingCommunicators) {
  const auto codes = ranks(2, comm_env(), [](int r) {
    ncclComm_t c = join(r, 2, r);
    REQUIRE(c != nullptr);
    float* buf = nullptr;
    REQUIRE(cudaMalloc(reinterpret_cast<void**>(&buf), 1 << 20) == cudaSuccess);
    buf[0] = 1;
    ncclSimInfo_t sim = NCCL_SIM_INFO_INITIALIZER;
    REQUIRE(ncclGroupStart() == ncclSuccess);
    REQUIRE(ncclAllReduce(buf, buf, 1 << 18, ncclFloat32, ncclSum, c, nullptr) == ncclSuccess);
    REQUIRE(ncclGroupSimulateEnd(&sim) == ncclSuccess);
    REQUIRE(sim.estimatedTime > 0);
    REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
    REQUIRE(buf[0] == 1);  // not run
    ncclConfig_t cfg = NCCL_CONFIG_INITIALIZER;
    cfg.blocking = 0;
    ncclComm_t nb = nullptr;
    REQUIRE(ncclCommSplit(c, 0, r, &nb, &cfg) == ncclInProgress || nb != nullptr);
    ncclResult_t st = ncclInProgress;
    while (st == ncclInProgress) REQUIRE(ncclCommGetAsyncError(nb, &st) == ncclSuccess);
    ncclSimInfo_t sim2 = NCCL_SIM_INFO_INITIALIZER;
    REQUIRE(ncclGroupStart() == ncclSuccess);
    REQUIRE(ncclAllReduce(buf, buf, 1, ncclFloat32, ncclSum, nb, nullptr) == ncclSuccess);  // deferred to the group's end
    REQUIRE(ncclGroupSimulateEnd(&sim2) == ncclInProgress);
    REQUIRE(sim2.estimatedTime == -1.0f);
    st = ncclInProgress;
    while (st == ncclInProgress) REQUIRE(ncclCommGetAsyncError(nb, &st) == ncclSuccess);
    REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
    REQUIRE(buf[0] == 2);  // it ran
    return 0;
  });
  EXPECT_EQ(codes, std::vector<int>({0, 0}));
}

// NCCL_ALGO is read at every init; rank 0 prints enqueue.cc:741's TUNING line to NCCL_DEBUG_FILE.
TEST(StandinNccl, AlgoReadAtEachInitAndTuningLineFormat) {
  const std::string log = ::testing::TempDir() + "standin-tuning-" + std::to_string(::getpid()) + ".%h.%p.log";
  auto env = comm_env();
  env.push_back({"NCCL_DEBUG", "INFO"});
  env.push_back({"NCCL_DEBUG_SUBSYS", "TUNING"});
  env.push_back({"NCCL_DEBUG_FILE", log});
  const std::vector<std::string> ids = {comm_id(), comm_id()};  // one communicator each
  const auto codes = ranks(2, env, [&](int r) {
    float* buf = nullptr;
    REQUIRE(cudaSetDevice(r) == cudaSuccess);
    REQUIRE(cudaMalloc(reinterpret_cast<void**>(&buf), 1 << 20) == cudaSuccess);
    for (const char* algo : {"ring", "tree"}) {
      ::setenv("NCCL_ALGO", algo, 1);
      ::setenv("NCCL_COMM_ID", ids[algo[0] == 't'].c_str(), 1);
      REQUIRE(allreduce_on_new_comm(r, buf) == 0);
    }
    return 0;
  });
  ASSERT_EQ(codes, std::vector<int>({0, 0}));
  // Rank 0's file: one line per call, ring then tree.
  std::string text;
  const std::string dir = ::testing::TempDir();
  std::FILE* ls = ::popen(("cat " + dir + "standin-tuning-" + std::to_string(::getpid()) + ".*.log").c_str(), "r");
  char buf[4096];
  while (ls && std::fgets(buf, sizeof buf, ls)) text += buf;
  if (ls) ::pclose(ls);
  const std::regex line(R"(^[^:\s]+:\d+:\d+ \[\d+\] NCCL INFO AllReduce: 4096 Bytes -> Algo (RING|TREE) proto (LL|LL128|SIMPLE) channel\{Lo\.\.Hi\}=\{0\.\.\d+\}$)");
  std::vector<std::string> algos;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(l, m, line)) << l;
    algos.push_back(m[1]);
  }
  EXPECT_EQ(algos, std::vector<std::string>({"RING", "TREE"})) << text;
}

// nccl.conf applies once, under the environment (setenv(k, v, 0)); NCCL_PARAM knobs such as
// NCCL_MAX_NCHANNELS freeze at their first read; NCCL_ALGO is read live. Seen in TUNING lines.
TEST(StandinNccl, ConfFileOnceParamsFrozenAlgoLive) {
  const std::string dir = ::testing::TempDir(), tag = std::to_string(::getpid());
  const std::string conf = dir + "standin-nccl-" + tag + ".conf";
  std::ofstream(conf) << "# a site's defaults\nNCCL_ALGO = Tree   # the file's choice\nNCCL_MAX_NCHANNELS=3\nNCCL_PROTO=Simple\n";
  const std::string log = dir + "standin-params-" + tag + ".log";
  auto env = comm_env();
  for (const auto& kv : std::vector<std::pair<std::string, std::string>>{
           {"NCCL_CONF_FILE", conf}, {"NCCL_DEBUG", "INFO"}, {"NCCL_DEBUG_SUBSYS", "TUNING"}, {"NCCL_DEBUG_FILE", log}})
    env.push_back(kv);
  const std::vector<std::string> ids = {comm_id(), comm_id(), comm_id()};
  const auto codes = ranks(2, env, [&](int r) {
    float* buf = nullptr;
    REQUIRE(cudaSetDevice(r) == cudaSuccess);
    REQUIRE(cudaMalloc(reinterpret_cast<void**>(&buf), 1 << 20) == cudaSuccess);
    for (int round = 0; round < 3; ++round) {
      if (round == 1) {
        ::setenv("NCCL_MAX_NCHANNELS", "1", 1);  // frozen: no effect
        ::setenv("NCCL_ALGO", "ring", 1);        // live: takes effect
      }
      if (round == 2) ::unsetenv("NCCL_ALGO");  // the file's value went into the environment: unset, it is gone
      ::setenv("NCCL_COMM_ID", ids[static_cast<std::size_t>(round)].c_str(), 1);
      REQUIRE(allreduce_on_new_comm(r, buf) == 0);
    }
    return 0;
  });
  ASSERT_EQ(codes, std::vector<int>({0, 0}));
  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l.substr(l.find("NCCL INFO")));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "NCCL INFO AllReduce: 4096 Bytes -> Algo TREE proto SIMPLE channel{Lo..Hi}={0..2}");
  EXPECT_EQ(lines[1], "NCCL INFO AllReduce: 4096 Bytes -> Algo RING proto SIMPLE channel{Lo..Hi}={0..2}");
  EXPECT_EQ(lines[2].find("NCCL INFO AllReduce: 4096 Bytes -> Algo TREE"), std::string::npos) << lines[2];
}

// CUDA: CUDA_VISIBLE_DEVICES (indices and UUIDs, ending at the first bad entry), memory capacity,
// and events on the simulated clock.
TEST(StandinCuda, VisibleDevicesCapacityAndEventClock) {
  auto codes = ranks(1, {{"COLLBENCH_STANDIN_GPUS", "8"}, {"CUDA_VISIBLE_DEVICES", "5,2,9,1"},
                         {"COLLBENCH_STANDIN_MEMORY", "1073741824"}}, [](int) {
    int n = 0;
    REQUIRE(cudaGetDeviceCount(&n) == cudaSuccess && n == 2);  // "9" names no device: the list ends there
    char bus[32];
    REQUIRE(cudaDeviceGetPCIBusId(bus, sizeof bus, 0) == cudaSuccess && std::string(bus) == "0000:ab:00.0");
    REQUIRE(cudaSetDevice(2) == cudaErrorInvalidDevice);
    void* p = nullptr;
    REQUIRE(cudaMalloc(&p, 2ull << 30) == cudaErrorMemoryAllocation);
    REQUIRE(cudaGetLastError() == cudaErrorMemoryAllocation && cudaGetLastError() == cudaSuccess);
    void* a = nullptr;
    void* b = nullptr;
    REQUIRE(cudaMalloc(&a, 300 << 20) == cudaSuccess && cudaMalloc(&b, 300 << 20) == cudaSuccess);
    std::size_t free_b = 0, total = 0;
    REQUIRE(cudaMemGetInfo(&free_b, &total) == cudaSuccess && total == (1u << 30) && free_b == total - (600u << 20));
    cudaStream_t s;
    cudaEvent_t e0, e1;
    REQUIRE(cudaStreamCreate(&s) == cudaSuccess && cudaEventCreate(&e0) == cudaSuccess && cudaEventCreate(&e1) == cudaSuccess);
    REQUIRE(cudaEventRecord(e0, s) == cudaSuccess);
    for (int i = 0; i < 10; ++i) REQUIRE(cudaMemcpyAsync(b, a, 300 << 20, cudaMemcpyDeviceToDevice, s) == cudaSuccess);
    REQUIRE(cudaEventRecord(e1, s) == cudaSuccess);
    REQUIRE(cudaEventSynchronize(e1) == cudaSuccess);
    float ms = 0;
    REQUIRE(cudaEventElapsedTime(&ms, e0, e1) == cudaSuccess);
    // 10 x (2 us + 300 MiB at 1.5 TB/s) = 2.117 ms, plus the host's few microseconds of launching.
    REQUIRE(ms > 2.1f && ms < 2.6f);
    REQUIRE(cudaFree(a) == cudaSuccess && cudaFree(b) == cudaSuccess && cudaFree(a) == cudaErrorInvalidValue);
    return 0;
  });
  EXPECT_EQ(codes, std::vector<int>({0}));
  codes = ranks(1, {{"CUDA_VISIBLE_DEVICES", ""}}, [](int) {
    int n = -1;
    REQUIRE(cudaGetDeviceCount(&n) == cudaErrorNoDevice && n == 0);
    return 0;
  });
  EXPECT_EQ(codes, std::vector<int>({0}));
}

// An event recorded twice and destroyed while both records are still queued (collbench's
// events after a case NCCL refused halfway): the stream reaches both records and goes on.
TEST(StandinCuda, EventReRecordedAndDestroyedWhilePending) {
  auto codes = ranks(1, {{"COLLBENCH_STANDIN_GPUS", "1"}}, [](int) {
    void* a = nullptr;
    void* b = nullptr;
    cudaStream_t s;
    REQUIRE(cudaMalloc(&a, 64 << 20) == cudaSuccess && cudaMalloc(&b, 64 << 20) == cudaSuccess);
    REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
    for (int round = 0; round < 20; ++round) {
      cudaEvent_t e;
      REQUIRE(cudaEventCreate(&e) == cudaSuccess);
      REQUIRE(cudaMemcpyAsync(b, a, 64 << 20, cudaMemcpyDeviceToDevice, s) == cudaSuccess);  // the stream stays busy
      REQUIRE(cudaEventRecord(e, s) == cudaSuccess && cudaEventRecord(e, s) == cudaSuccess);
      REQUIRE(cudaEventQuery(e) == cudaErrorNotReady);
      REQUIRE(cudaEventDestroy(e) == cudaSuccess);
      REQUIRE(cudaStreamSynchronize(s) == cudaSuccess);
    }
    cudaEvent_t e;
    REQUIRE(cudaEventCreate(&e) == cudaSuccess);
    REQUIRE(cudaEventRecord(e, s) == cudaSuccess && cudaEventRecord(e, s) == cudaSuccess);
    REQUIRE(cudaStreamSynchronize(s) == cudaSuccess && cudaEventQuery(e) == cudaSuccess);  // the last record reached
    return 0;
  });
  EXPECT_EQ(codes, std::vector<int>({0}));
}

// A graph replays what was captured, as often as it is launched; each replay is a collective.
TEST(StandinCuda, GraphsReplayCapturedCollectives) {
  const auto codes = ranks(2, comm_env(), [](int r) {
    ncclComm_t c = join(r, 2, r);
    REQUIRE(c != nullptr);
    cudaStream_t s;
    REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
    int* v = nullptr;
    REQUIRE(cudaMalloc(reinterpret_cast<void**>(&v), sizeof(int)) == cudaSuccess);
    *v = 1;
    cudaGraph_t g;
    REQUIRE(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal) == cudaSuccess);
    REQUIRE(ncclAllReduce(v, v, 1, ncclInt32, ncclSum, c, s) == ncclSuccess);
    REQUIRE(cudaStreamEndCapture(s, &g) == cudaSuccess);
    REQUIRE(cudaStreamSynchronize(s) == cudaSuccess && *v == 1);  // captured, not run
    cudaGraphExec_t x;
    REQUIRE(cudaGraphInstantiate(&x, g, 0) == cudaSuccess);
    for (int i = 0; i < 3; ++i) REQUIRE(cudaGraphLaunch(x, s) == cudaSuccess);
    REQUIRE(cudaStreamSynchronize(s) == cudaSuccess);
    REQUIRE(*v == 8);  // 1 -> 2 -> 4 -> 8
    return 0;
  });
  EXPECT_EQ(codes, std::vector<int>({0, 0}));
}

// Registration as NCCL 2.28.9 does it (nccl_reg_facts.md §1-2): local handles ref-counted per
// range, an unknown one refused; windows of ncclMemAlloc memory made by every rank together;
// cudaMalloc memory and a misaligned start refused with NCCL's words, the window left NULL.
TEST(StandinNccl, RegistrationAndWindowsAsNcclDoes) {
  const auto codes = ranks(2, comm_env(), [](int r) {
    ncclComm_t c = join(r, 2, r);
    REQUIRE(c != nullptr);
    char* mem = nullptr;
    REQUIRE(ncclMemAlloc(reinterpret_cast<void**>(&mem), 1 << 20) == ncclSuccess);
    void* h = nullptr;
    void* inner = nullptr;
    REQUIRE(ncclCommRegister(c, mem, 1 << 20, &h) == ncclSuccess && h != nullptr);
    REQUIRE(ncclCommRegister(c, mem + 8192, 4096, &inner) == ncclSuccess && inner == h);  // register.cc:53-58
    REQUIRE(ncclCommDeregister(c, inner) == ncclSuccess);
    REQUIRE(ncclCommDeregister(c, h) == ncclSuccess);
    REQUIRE(ncclCommDeregister(c, h) == ncclInvalidUsage);  // gone once its references are
    REQUIRE(std::string(ncclGetLastError(c)) == "Deregister: Could not find handle");
    REQUIRE(ncclCommDeregister(c, nullptr) == ncclSuccess);
    char* plain = nullptr;
    REQUIRE(cudaMalloc(reinterpret_cast<void**>(&plain), 1 << 16) == cudaSuccess);
    ncclWindow_t w = nullptr;
    REQUIRE(ncclCommWindowRegister(c, plain, 1 << 16, &w, NCCL_WIN_COLL_SYMMETRIC) == ncclUnhandledCudaError && w == nullptr);
    REQUIRE(std::string(ncclGetLastError(c)) == "Cuda failure 1 'invalid argument'");
    REQUIRE(ncclCommWindowRegister(c, mem + 256, 4096, &w, NCCL_WIN_COLL_SYMMETRIC) == ncclInvalidArgument && w == nullptr);
    REQUIRE(std::string(ncclGetLastError(c)) == "Window address must be suitably aligned.");
    REQUIRE(ncclCommWindowRegister(c, mem, 1 << 20, &w, NCCL_WIN_COLL_SYMMETRIC) == ncclSuccess && w != nullptr);
    auto* f = reinterpret_cast<float*>(mem);
    for (int i = 0; i < 1024; ++i) f[i] = static_cast<float>(i * (r + 1));
    REQUIRE(ncclAllReduce(f, f + 1024, 1024, ncclFloat32, ncclSum, c, nullptr) == ncclSuccess);  // a symmetric kernel
    REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
    for (int i = 0; i < 1024; ++i) REQUIRE(f[1024 + i] == static_cast<float>(i * 3));
    REQUIRE(ncclCommWindowDeregister(c, w) == ncclSuccess);
    REQUIRE(ncclMemFree(mem) == ncclSuccess);
    REQUIRE(cudaFree(plain) == cudaSuccess);
    return ncclCommDestroy(c) == ncclSuccess ? 0 : 1;
  });
  EXPECT_EQ(codes, std::vector<int>({0, 0}));
  // No symmetric support and NCCL_LOCAL_REGISTER=0: success, the window not written (dev_runtime.cc:902).
  auto env = comm_env();
  env.push_back({"COLLBENCH_STANDIN_SYMMETRIC", "0"});
  env.push_back({"NCCL_LOCAL_REGISTER", "0"});
  const auto off = ranks(1, env, [](int) {
    ncclComm_t c = join(0, 1, 0);
    REQUIRE(c != nullptr);
    void* mem = nullptr;
    REQUIRE(ncclMemAlloc(&mem, 4096) == ncclSuccess);
    ncclWindow_t w = nullptr;
    REQUIRE(ncclCommWindowRegister(c, mem, 4096, &w, NCCL_WIN_COLL_SYMMETRIC) == ncclSuccess && w == nullptr);
    void* h = reinterpret_cast<void*>(1);
    REQUIRE(ncclCommRegister(c, mem, 4096, &h) == ncclSuccess && h == nullptr);  // register.cc:117-126
    REQUIRE(ncclMemFree(mem) == ncclSuccess);
    return ncclCommDestroy(c) == ncclSuccess ? 0 : 1;
  });
  EXPECT_EQ(off, std::vector<int>({0}));
}

}  // namespace

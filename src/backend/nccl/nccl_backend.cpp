#include "backend/nccl/nccl_backend.hpp"

#include <cuda_runtime.h>
#include <dlfcn.h>
#include <nccl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

#include "backend/nccl/nccl_calls.hpp"
#include "backend/nccl/nccl_device.hpp"
#include "backend/nccl/nccl_registration.hpp"
#include "backend/nccl/nccl_setup.hpp"
#include "backend/nccl/tuning_log.hpp"
#include "core/error.hpp"
#include "kernels/cuda_check.hpp"
#include "kernels/pattern_kernels.hpp"

namespace collbench::backend::nccl {

namespace {

using Clock = std::chrono::steady_clock;
using core::Collective;
using core::DataType;

constexpr std::size_t kAlign = 4096;  // each buffer starts on its own page, as cudaMalloc gives
constexpr int kMaxSets = 64;

std::size_t align_up(std::uint64_t n) { return static_cast<std::size_t>((n + kAlign - 1) / kAlign * kAlign); }

// NCCL 2.28's ncclAlltoAll, which nccl-tests 2.19 calls on NCCL 2.28+ (alltoall.cu:317-320): NCCL
// makes it the same send/recv tasks as a group of them (enqueue.cc:2585-2589), or a copy-engine
// collective with CTAPolicy zero and both buffers in symmetric windows on one node
// (enqueue.cc:2578-2580, ce_coll.cc:82-99), which a group never becomes. Resolved at run time:
// older libraries lack it (null: the group, as nccl-tests does there).
using AlltoAllFn = ncclResult_t (*)(const void*, void*, std::size_t, ncclDataType_t, ncclComm_t, cudaStream_t);
AlltoAllFn resolve_alltoall() {
  int version = 0;
  if (ncclGetVersion(&version) != ncclSuccess || version < NCCL_VERSION(2, 28, 0)) return nullptr;
  return reinterpret_cast<AlltoAllFn>(dlsym(RTLD_DEFAULT, "ncclAlltoAll"));
}

class NcclBackend final : public Backend {
 public:
  NcclBackend(const JobInfo& job, const NcclOptions& opt) : m_job(job), m_opt(opt) {
    const DeviceChoice d = choose_device(probe_gpus().count, job.local_rank, job.local_size, job.rank, job.host);
    if (d.device < 0) throw core::RunError("--backend nccl: " + d.why);
    m_device = d.device;
    m_nonblocking = env_makes_nonblocking();
    CHECK_CUDA(cudaSetDevice(m_device));
    CHECK_CUDA(cudaStreamCreateWithFlags(&m_stream, cudaStreamNonBlocking));
    m_cc = compute_capability(m_device);
    m_l2 = l2_cache_bytes(m_device);
    m_rank_details = describe_device(m_device);
    m_standin = standin_description();
    if (m_opt.tuning_info) m_log.emplace();  // before NCCL's first call, which reads NCCL_DEBUG*
    init_comm();
    if (m_log) m_log->read_new();  // init's warnings reach the user now; no TUNING line yet
  }

  ~NcclBackend() override {
    for (cudaGraphExec_t g : m_graphs) cudaGraphExecDestroy(g);
    for (cudaEvent_t e : m_events) cudaEventDestroy(e);
    if (m_comm) {  // a healthy communicator is finalised; one that timed out was aborted already
      ncclResult_t st = ncclSuccess;
      if (ncclCommGetAsyncError(m_comm, &st) != ncclSuccess || (st != ncclSuccess && st != ncclInProgress)) {
        ncclCommAbort(m_comm);  // a broken one would never finish finalising (a blocking Finalize waits)
      } else {
        // Registrations end before the communicator does (nccl-tests: common.cu:1794-1806), every
        // rank in the same order; an aborted one frees its own (init.cc:331).
        m_reg.deregister_all(m_comm, true);
        ncclCommFinalize(m_comm);
        wait_comm_quiet();
        ncclCommDestroy(m_comm);
      }
    }
    if (m_pool) m_reg.release(m_pool);
    if (m_stream) cudaStreamDestroy(m_stream);
    if (m_log) m_log->read_new();  // the last warnings, if any
  }

  BackendInfo info() const override {
    int v = 0;
    ncclGetVersion(&v);
    BackendInfo i{"nccl", "NCCL " + nccl_version_string(v), "cuda_event", false, false, true};
    if (!m_standin.empty()) {
      i.standin = true;
      i.library += " (collbench GPU stand-in)";
      i.timer = "stand-in clock (simulated: NCCL's cost model plus host launch gaps)";
    }
    return i;
  }

  std::map<std::string, std::string> rank_details() const override { return m_rank_details; }

  std::map<std::string, std::string> job_details() const override {
    std::map<std::string, std::string> d;
    int v = 0;
    ncclGetVersion(&v);
    d["nccl_library"] = nccl_version_string(v);
    d["nccl_headers"] = nccl_version_string(NCCL_VERSION_CODE);
    cudaDriverGetVersion(&v);
    d["cuda_driver"] = cuda_version_string(v);
    cudaRuntimeGetVersion(&v);
    d["cuda_runtime"] = cuda_version_string(v);
    d["nccl_config.blocking"] = config_entry(1, "NCCL_COMM_BLOCKING",
                                             m_nonblocking ? " (non-blocking by the environment: every call starts a thread, "
                                                             "group.cc:735; timings include it)"
                                                           : " (blocking, as nccl-tests; a hang on the stream is aborted at --timeout)");
    d["nccl_config.minCTAs"] = config_entry(m_opt.min_ctas, "NCCL_MIN_CTAS");
    d["nccl_config.maxCTAs"] = config_entry(m_opt.max_ctas, "NCCL_MAX_CTAS",
                                            m_opt.max_ctas_completed ? " (NCCL's default, passed with minCTAs)" : nullptr);
    d["nccl_config.nvlinkCentricSched"] = config_entry(m_opt.nvlink_centric_sched, "NCCL_NVLINK_UTIL_CENTRIC_SCHED_ENABLE");
    d["device_selection"] = m_job.local_size > 1 && probe_gpus().count == 1
                                ? "one GPU visible to each process: device 0"
                                : "device = local rank " + std::to_string(m_job.local_rank);
    if (m_opt.compat_nccl_tests) d["compat"] = "nccl-tests (one buffer set, blocking communicator, nvlinkCentricSched=1, nccl-tests' figure in the table)";
    d["nccl_config.CTAPolicy"] = config_entry(m_opt.cta_policy, "NCCL_CTA_POLICY");
    d["nccl_config.cgaClusterSize"] = config_entry(m_opt.cga_cluster_size, "NCCL_CGA_CLUSTER_SIZE");
    d["nccl_config.nChannelsPerNetPeer"] = config_entry(m_opt.channels_per_net_peer, "NCCL_NCHANNELS_PER_NET_PEER");
    d["nccl_config.collnetEnable"] = config_entry(m_opt.collnet_enable, "NCCL_COLLNET_ENABLE");
    d["launch"] = m_opt.graph ? "cuda_graph (one captured call per iteration)" : "stream";
    d["buffer_rotation"] = m_opt.rotate == 1 ? "off (one buffer set, as nccl-tests)"
                                             : (m_opt.rotate == 0 ? "auto: enough sets to exceed 2x the L2 cache ("
                                                                        + std::to_string(m_l2) + " B), at most 64"
                                                                  : std::to_string(m_opt.rotate) + " sets");
    d["nccl_register"] = register_description(m_opt.register_mode);
    d["nccl_alltoall"] = m_alltoall ? "ncclAlltoAll (NCCL 2.28+, as nccl-tests 2.19 calls it)"
                                    : "grouped ncclSend/ncclRecv (this NCCL has no ncclAlltoAll; as nccl-tests before 2.28)";
    d["buffer_allocator"] = m_reg.allocator();
    if (m_log) d["nccl_tuning_log"] = m_log->path();
    if (!m_standin.empty()) d["standin"] = m_standin;
    return d;
  }

  void reserve(std::uint64_t send_bytes, std::uint64_t recv_bytes) override {
    const std::size_t one = align_up(send_bytes) + align_up(recv_bytes);
    std::size_t want = one;
    if (m_opt.rotate == 0) want = one + 2 * static_cast<std::size_t>(m_l2);
    if (m_opt.rotate > 1) want = one * static_cast<std::size_t>(m_opt.rotate);
    std::size_t free_b = 0, total_b = 0;
    CHECK_CUDA(cudaMemGetInfo(&free_b, &total_b));
    if (one > free_b)
      throw core::RunError("--maxbytes: the largest case needs " + std::to_string(one) + " B of GPU memory per rank, " +
                           std::to_string(free_b) + " B are free on " + m_rank_details["gpu"]);
    want = std::max(one, std::min(want, free_b / 2));  // rotation never takes more than half the free memory
    if (want <= m_pool_bytes) return;
    if (m_pool) {
      m_reg.deregister_all(m_comm);  // nothing registered may outlive its memory
      m_reg.release(m_pool);
    }
    m_pool = m_reg.allocate(want);
    m_pool_bytes = want;
  }

  std::string unsupported(const CaseSpec& c) const override {
    // enqueue.cc:2557-2559: fp8 reductions need sm90; moving fp8 data (all-gather, broadcast,
    // all-to-all) does not.
    const bool reduces = c.coll == Collective::allreduce || c.coll == Collective::reducescatter || c.coll == Collective::reduce;
    if ((c.dtype == DataType::fp8_e4m3 || c.dtype == DataType::fp8_e5m2) && reduces && m_cc < 90)
      return "NCCL's fp8 reductions need compute capability 9.0 or newer; this GPU is " +
             m_rank_details.at("compute_capability");
    if (c.coll == Collective::alltoall && c.in_place)
      return "NCCL has no in-place all-to-all (grouped send/recv would overwrite blocks not yet sent)";
    if ((c.coll == Collective::sendrecv || c.coll == Collective::alltoallv) && c.in_place)
      return std::string("no in-place ") + std::string(core::name(c.coll)) +
             ": a rank would receive into the buffer it is sending from (nccl-tests times it but does not check it)";
    return {};
  }

  void prepare(const CaseSpec& c) override {
    m_case = c;
    if (c.coll == Collective::alltoallv) {
      m_peers = core::peer_counts(c.traffic.get(), m_job.rank, m_job.size, c.shape.param_count, c.dtype);
    }
    m_deadline = deadline();
    m_notes.clear();
    layout();
    m_next_set = 0;
    for (cudaGraphExec_t g : m_graphs) CHECK_CUDA(cudaGraphExecDestroy(g));
    m_graphs.clear();
    // --register: the previous case's buffers deregistered, this case's registered, outside the
    // timed loop; NCCL giving no handle or window, or refusing, skips the case (core::CaseSkipped).
    if (m_opt.register_mode != RegisterMode::none)
      m_reg.register_case(m_comm, set_regions(m_pool, m_set_bytes, m_sets, m_case.in_place, m_case.shape.send_bytes,
                                              m_case.shape.recv_bytes));
    if (m_reg.windows_are_local())
      m_notes["nccl_register"] = "local: NCCL has no symmetric support on this communicator and made the windows local "
                                 "registrations (dev_runtime.cc:591-597; NCCL_WIN_ENABLE=0, no cuMem, or no CUDA P2P)";
    if (m_opt.tuning_info) estimate();
    if (m_opt.graph) capture_graphs();
  }

  void run_timed(std::span<double> out_us) override {
    apply_blocking_faults();
    const std::size_t n = out_us.size();
    while (m_events.size() < n + 1) {
      cudaEvent_t e{};
      CHECK_CUDA(cudaEventCreate(&e));
      m_events.push_back(e);
    }
    CHECK_CUDA(cudaEventRecord(m_events[0], m_stream));
    for (std::size_t i = 0; i < n; ++i) {
      if (m_faults.delay_us) core::delay_us(m_faults.delay_us);
      launch(next_set());
      CHECK_CUDA(cudaEventRecord(m_events[i + 1], m_stream));
    }
    wait_stream("timed iterations");
    // Consecutive events bound each iteration, so the durations add up to the loop's time, gaps
    // between launches included (what nccl-tests' loop timer sees).
    for (std::size_t i = 0; i < n; ++i) {
      float ms = 0.0f;
      CHECK_CUDA(cudaEventElapsedTime(&ms, m_events[i], m_events[i + 1]));
      out_us[i] = static_cast<double>(ms) * 1000.0;
    }
  }

  void run_probe(std::span<double> outside_us, std::span<double> inside_us) override {
    apply_blocking_faults();
    auto prev_end = Clock::now();
    for (std::size_t i = 0; i < outside_us.size(); ++i) {
      if (m_faults.delay_us) core::delay_us(m_faults.delay_us);
      const auto start = Clock::now();
      launch(next_set());
      wait_stream("probe iterations");
      const auto end = Clock::now();
      outside_us[i] = std::chrono::duration<double, std::micro>(start - prev_end).count();
      inside_us[i] = std::chrono::duration<double, std::micro>(end - start).count();
      prev_end = end;
    }
  }

  std::uint64_t check(const verify::Pattern& pattern) override {
    const std::vector<std::uint64_t> layout = pattern.receive_layout(m_job.rank, m_case.shape.param_count);
    const kernels::DevicePattern dp(pattern, m_stream, layout);  // alltoallv's receive layout with the tables
    const auto& v = dp.view();
    const core::CollShape& sh = m_case.shape;
    const Buffers b = buffers(0);
    kernels::fill_bits(m_case.dtype, b.recv, sh.recv_count, v.poison, m_stream);
    const bool fills = m_case.coll != Collective::broadcast || m_job.rank == m_case.root;
    if (fills) kernels::fill_input(v, m_job.rank, b.send, sh.send_count, m_stream);
    // The path that was timed is the path checked: with --cuda-graph, set 0's captured graph.
    if (m_opt.graph) CHECK_CUDA(cudaGraphLaunch(m_graphs.at(0), m_stream));
    else launch_eager(b);
    wait_stream("correctness check");
    if (m_faults.corrupt) kernels::corrupt(v, b.recv, sh.recv_count, m_stream);
    return kernels::count_wrong(v, m_job.rank, sh.param_count, b.recv, sh.recv_count, m_stream);
  }

  std::map<std::string, std::string> case_notes() override {
    if (m_log) read_tuning_log();
    if (!m_standin.empty()) m_notes["standin"] = "true";  // every record says it, as the model's say "predicted"
    return m_notes;
  }

 private:
  struct Buffers {
    void* send = nullptr;
    void* recv = nullptr;
  };

  void init_comm() {
    ncclUniqueId id{};
    if (m_job.rank == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    m_job.broadcast_from_root(&id, sizeof id);
    ncclConfig_t cfg = NCCL_CONFIG_INITIALIZER;
    // Blocking, NCCL's default (init.cc:1919) and what nccl-tests measures on: on a non-blocking
    // communicator every collective starts a thread (group.cc:735-736) inside the timed loop.
    cfg.blocking = 1;
    if (m_opt.min_ctas >= 0) cfg.minCTAs = m_opt.min_ctas;
    if (m_opt.max_ctas >= 0) cfg.maxCTAs = m_opt.max_ctas;
    if (m_opt.cta_policy >= 0) cfg.CTAPolicy = m_opt.cta_policy;
    if (m_opt.cga_cluster_size >= 0) cfg.cgaClusterSize = m_opt.cga_cluster_size;
    if (m_opt.channels_per_net_peer >= 0) cfg.nChannelsPerNetPeer = m_opt.channels_per_net_peer;
    if (m_opt.collnet_enable >= 0) cfg.collnetEnable = m_opt.collnet_enable;
#if NCCL_VERSION_CODE >= NCCL_VERSION(2, 28, 0)
    if (m_opt.nvlink_centric_sched >= 0) cfg.nvlinkCentricSched = m_opt.nvlink_centric_sched;
#endif
    cfg.commName = "collbench";
    m_deadline = deadline();
    const InitGuard guard(m_opt.timeout_s, "collbench: rank " + std::to_string(m_job.rank) + " on " + m_job.host +
                                               ": timeout: NCCL's communicator init did not finish within --timeout " +
                                               std::to_string(m_opt.timeout_s) +
                                               " s (a rank missing, or a network that does not connect); ending the "
                                               "job (exit 3)");
    const ncclResult_t rc = ncclCommInitRankConfig(&m_comm, m_job.size, id, m_job.rank, &cfg);
    if (rc != ncclSuccess && rc != ncclInProgress) {
      m_comm = nullptr;
      check_nccl(rc, "ncclCommInitRankConfig");
    }
    wait_comm("ncclCommInitRankConfig");  // returns at once on a blocking communicator
  }

  // --timeout 0 disables the deadline.
  Clock::time_point deadline() const {
    if (m_opt.timeout_s <= 0) return Clock::time_point::max();
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m_opt.timeout_s));
  }

  std::string nccl_message(ncclResult_t rc, const char* what) const {
    const char* last = ncclGetLastError(m_comm);
    return std::string(what) + " failed: " + ncclGetErrorString(rc) + (last && *last ? std::string(" (") + last + ")" : std::string());
  }

  void check_nccl(ncclResult_t rc, const char* what) const {
    if (rc == ncclSuccess || rc == ncclInProgress) return;
    throw core::RunError(nccl_message(rc, what));
  }

  // A case's own call: NCCL refusing its arguments ends the case, not the run (every rank given
  // the same case refuses it alike, and nothing was launched).
  void check_call(ncclResult_t rc, const char* what) {
    ncclResult_t async = ncclSuccess;  // a broken communicator is not a refused case
    if (refuses_arguments(rc) && ncclCommGetAsyncError(m_comm, &async) == ncclSuccess &&
        (async == ncclSuccess || async == ncclInProgress)) {
      if (m_log) m_log->read_new();  // NCCL's warning about it reaches the user now
      throw core::CaseRefused(nccl_message(rc, what));
    }
    check_nccl(rc, what);
  }

  [[noreturn]] void timed_out(const char* what) {
    if (m_comm) ncclCommAbort(m_comm);
    m_comm = nullptr;
    throw core::TimeoutError(std::string(what) + " did not complete within --timeout " + std::to_string(m_opt.timeout_s) +
                             " s; the NCCL communicator was aborted");
  }

  // Polls the non-blocking communicator until its last call has been issued.
  void wait_comm(const char* what) {
    for (;;) {
      ncclResult_t st = ncclSuccess;
      check_nccl(ncclCommGetAsyncError(m_comm, &st), "ncclCommGetAsyncError");
      if (st == ncclSuccess) return;
      if (st != ncclInProgress) check_nccl(st, what);
      if (Clock::now() > m_deadline) timed_out(what);
      std::this_thread::yield();
    }
  }

  void wait_comm_quiet() {
    const auto until = Clock::now() + std::chrono::seconds(10);
    ncclResult_t st = ncclInProgress;
    while (st == ncclInProgress && Clock::now() < until)
      if (ncclCommGetAsyncError(m_comm, &st) != ncclSuccess) break;
  }

  // Waits for the stream, watching NCCL's asynchronous errors and the case deadline.
  void wait_stream(const char* what) {
    for (;;) {
      const cudaError_t q = cudaStreamQuery(m_stream);
      if (q == cudaSuccess) return;
      // NCCL's own error first: it names the cause (a peer gone, the network) better than the stream's.
      ncclResult_t st = ncclSuccess;
      check_nccl(ncclCommGetAsyncError(m_comm, &st), "ncclCommGetAsyncError");
      if (st != ncclSuccess && st != ncclInProgress) check_nccl(st, what);
      if (q != cudaErrorNotReady) kernels::check_cuda(q, what);
      if (Clock::now() > m_deadline) timed_out(what);
      std::this_thread::yield();
    }
  }

  // Buffer sets: [send | recv] per set, page aligned; in place, one region per set.
  void layout() {
    const core::CollShape& sh = m_case.shape;
    m_set_bytes = m_case.in_place ? align_up(std::max(sh.send_bytes, sh.recv_bytes))
                                  : align_up(sh.send_bytes) + align_up(sh.recv_bytes);
    m_set_bytes = std::max<std::size_t>(m_set_bytes, kAlign);
    std::size_t sets = 1;
    if (m_opt.rotate == 0) sets = (2 * static_cast<std::size_t>(m_l2) + m_set_bytes - 1) / m_set_bytes;
    if (m_opt.rotate > 1) sets = static_cast<std::size_t>(m_opt.rotate);
    sets = std::clamp<std::size_t>(sets, 1, kMaxSets);
    m_sets = static_cast<int>(std::max<std::size_t>(1, std::min(sets, m_pool_bytes / m_set_bytes)));
    // Symmetric windows are registered collectively, every rank in the same order
    // (dev_runtime.cc:165,629): ranks whose pools (half their free memory) or L2 caches differ
    // would register different numbers of sets, and the ones with more would wait forever.
    if (m_opt.register_mode == RegisterMode::symmetric && m_job.min_over_ranks)
      m_sets = static_cast<int>(m_job.min_over_ranks(m_sets));
    m_notes["buffer_sets"] = std::to_string(m_sets);
  }

  Buffers buffers(int set) const {
    const core::CollShape& sh = m_case.shape;
    char* base = static_cast<char*>(m_pool) + static_cast<std::size_t>(set) * m_set_bytes;
    if (!m_case.in_place) return {base, base + align_up(sh.send_bytes)};
    // NCCL's in-place layouts: allgather sends from its block of the output, reducescatter
    // receives into its block of the input; the others use one buffer for both.
    const std::uint64_t elt = core::size_of(m_case.dtype);
    const auto r = static_cast<std::uint64_t>(m_job.rank);
    if (m_case.coll == Collective::allgather) return {base + r * sh.param_count * elt, base};
    if (m_case.coll == Collective::reducescatter) return {base, base + r * sh.param_count * elt};
    return {base, base};
  }

  int next_set() {
    const int s = m_next_set;
    m_next_set = (m_next_set + 1) % m_sets;
    return s;
  }

  void launch(int set) {
    if (m_opt.graph) {
      CHECK_CUDA(cudaGraphLaunch(m_graphs[static_cast<std::size_t>(set)], m_stream));
      return;
    }
    launch_eager(buffers(set));
  }

  // Issues the case's NCCL call(s) on the stream; all-to-all is one group of sends and receives.
  ncclResult_t issue(const Buffers& b) {
    const ncclDataType_t t = nccl_type(m_case.dtype);
    const ncclRedOp_t op = nccl_op(m_case.op);
    const std::size_t n = m_case.shape.param_count;
    switch (m_case.coll) {
      case Collective::allreduce: return ncclAllReduce(b.send, b.recv, n, t, op, m_comm, m_stream);
      case Collective::allgather: return ncclAllGather(b.send, b.recv, n, t, m_comm, m_stream);
      case Collective::reducescatter: return ncclReduceScatter(b.send, b.recv, n, t, op, m_comm, m_stream);
      case Collective::broadcast: return ncclBroadcast(b.send, b.recv, n, t, m_case.root, m_comm, m_stream);
      case Collective::reduce: return ncclReduce(b.send, b.recv, n, t, op, m_case.root, m_comm, m_stream);
      case Collective::alltoall: {
        if (m_alltoall) return m_alltoall(b.send, b.recv, n, t, m_comm, m_stream);
        const std::size_t block = n * core::size_of(m_case.dtype);
        check_nccl(ncclGroupStart(), "ncclGroupStart");
        ncclResult_t rc = ncclSuccess;
        for (int p = 0; p < m_job.size && (rc == ncclSuccess || rc == ncclInProgress); ++p) {
          const auto off = static_cast<std::size_t>(p) * block;
          rc = ncclSend(static_cast<char*>(b.send) + off, n, t, p, m_comm, m_stream);
          if (rc == ncclSuccess || rc == ncclInProgress) rc = ncclRecv(static_cast<char*>(b.recv) + off, n, t, p, m_comm, m_stream);
        }
        const ncclResult_t end = ncclGroupEnd();  // closes the group whatever happened inside it
        return rc == ncclSuccess || rc == ncclInProgress ? end : rc;
      }
      case Collective::sendrecv: {  // sendrecv.cu:48-60: a ring, send to rank+1, receive from rank-1 (or reversed)
        const int step = m_case.reverse_ring ? -1 : 1;
        check_nccl(ncclGroupStart(), "ncclGroupStart");
        ncclResult_t rc = ncclSend(b.send, n, t, (m_job.rank + m_job.size + step) % m_job.size, m_comm, m_stream);
        if (rc == ncclSuccess || rc == ncclInProgress)
          rc = ncclRecv(b.recv, n, t, (m_job.rank + m_job.size - step) % m_job.size, m_comm, m_stream);
        const ncclResult_t end = ncclGroupEnd();
        return rc == ncclSuccess || rc == ncclInProgress ? end : rc;
      }
      case Collective::alltoallv: {  // alltoallv.cu:493-524: per-peer counts, zero counts left out
        const std::size_t elt = core::size_of(m_case.dtype);
        check_nccl(ncclGroupStart(), "ncclGroupStart");
        ncclResult_t rc = ncclSuccess;
        for (int p = 0; p < m_job.size && (rc == ncclSuccess || rc == ncclInProgress); ++p) {
          const auto i = static_cast<std::size_t>(p);
          if (m_peers.send[i] > 0)
            rc = ncclSend(static_cast<char*>(b.send) + m_peers.send_offset[i] * elt, m_peers.send[i], t, p, m_comm, m_stream);
          if ((rc == ncclSuccess || rc == ncclInProgress) && m_peers.recv[i] > 0)
            rc = ncclRecv(static_cast<char*>(b.recv) + m_peers.recv_offset[i] * elt, m_peers.recv[i], t, p, m_comm, m_stream);
        }
        const ncclResult_t end = ncclGroupEnd();
        return rc == ncclSuccess || rc == ncclInProgress ? end : rc;
      }
    }
    return ncclInvalidArgument;
  }

  void launch_eager(const Buffers& b) {
    const ncclResult_t rc = issue(b);
    check_call(rc, nccl_func_name(m_case.coll));
    if (rc == ncclInProgress) wait_comm(nccl_func_name(m_case.coll));
  }

  // Graph mode: one eager call first (NCCL connects peers lazily, outside any capture), then one
  // captured call per buffer set, launched in turn.
  void capture_graphs() {
    launch_eager(buffers(0));
    wait_stream("graph warm-up");
    for (int s = 0; s < m_sets; ++s) {
      cudaGraph_t graph{};
      CHECK_CUDA(cudaStreamBeginCapture(m_stream, cudaStreamCaptureModeThreadLocal));
      try {
        launch_eager(buffers(s));
      } catch (...) {
        cudaStreamEndCapture(m_stream, &graph);
        if (graph) cudaGraphDestroy(graph);
        throw;
      }
      CHECK_CUDA(cudaStreamEndCapture(m_stream, &graph));
      cudaGraphExec_t exec{};
      CHECK_CUDA(cudaGraphInstantiate(&exec, graph, 0));
      CHECK_CUDA(cudaGraphDestroy(graph));
      m_graphs.push_back(exec);
    }
  }

  // NCCL's own time estimate for the case (ncclGroupSimulateEnd: nothing is launched; groups
  // nest). NCCL makes one only on a blocking communicator of 2+ ranks, for collectives: a
  // non-blocking one launches the call instead (group.cc:706-737), one rank launches its copy at
  // once (enqueue.cc:2569-2571), and send/recv get no estimate. There it is "unavailable".
  void estimate() {
    std::string why;
    if (m_job.size < 2) why = "NCCL makes no estimate on one rank (the call is a copy, enqueue.cc:2569-2571)";
    else if (m_case.coll == Collective::alltoall || m_case.coll == Collective::sendrecv ||
             m_case.coll == Collective::alltoallv)
      why = "NCCL estimates collectives, not send/recv (" + std::string(core::name(m_case.coll)) + ")";
    else if (m_nonblocking) why = "the communicator is non-blocking (NCCL_COMM_BLOCKING=0), where NCCL launches instead of simulating (group.cc:706-737)";
    if (!why.empty()) {
      m_notes["nccl_estimated_us"] = "unavailable: " + why;
      return;
    }
    ncclSimInfo_t sim = NCCL_SIM_INFO_INITIALIZER;
    check_nccl(ncclGroupStart(), "ncclGroupStart");
    ncclResult_t rc = issue(buffers(0));
    const ncclResult_t end = ncclGroupSimulateEnd(&sim);
    if (rc == ncclSuccess) rc = end;
    check_call(rc, "ncclGroupSimulateEnd");
    m_notes["nccl_estimated_us"] = sim.estimatedTime >= 0 ? std::to_string(sim.estimatedTime)
                                                          : std::string("unavailable: NCCL made no estimate for this call");
  }

  void read_tuning_log() {
    // CE: NCCL 2.28.9 runs AllGather and ncclAlltoAll on the copy engines with CTAPolicy zero and
    // both buffers in symmetric windows on one node (enqueue.cc:2574-2582, ce_coll.cc:82-99). A
    // grouped send/recv (all-to-all without ncclAlltoAll) never goes there. Neither path of an
    // all-to-all logs a TUNING line: "Init CE" on this communicator with the conditions met tells.
    const bool ce = m_opt.register_mode == RegisterMode::symmetric && m_opt.cta_policy >= 0 && (m_opt.cta_policy & 2) != 0 &&
                    (m_case.coll == Collective::allgather || (m_case.coll == Collective::alltoall && m_alltoall));
    for (auto& [k, v] : tuning_notes(m_log->read_new(), nccl_func_name(m_case.coll), ce, m_init_ce)) m_notes[k] = v;
  }

  void apply_blocking_faults() {
    if (m_faults.crash) std::raise(SIGSEGV);
    if (m_faults.hang) kernels::spin(m_opt.timeout_s > 0 ? m_opt.timeout_s + 60.0 : 3600.0, m_stream);  // the stream stalls
  }

  JobInfo m_job;
  NcclOptions m_opt;
  BufferRegistry m_reg{m_opt.register_mode};  // after m_opt
  AlltoAllFn m_alltoall = resolve_alltoall();
  bool m_init_ce = false;                      // NCCL logged "Init CE" for this communicator
  int m_device = 0;
  int m_cc = 0;
  int m_l2 = 0;
  cudaStream_t m_stream = nullptr;
  ncclComm_t m_comm = nullptr;
  void* m_pool = nullptr;
  std::size_t m_pool_bytes = 0;
  CaseSpec m_case;
  core::PeerCounts m_peers;  // alltoallv: this rank's counts for the bound case
  std::size_t m_set_bytes = 0;
  int m_sets = 1;
  int m_next_set = 0;
  std::vector<cudaEvent_t> m_events;
  std::vector<cudaGraphExec_t> m_graphs;
  Clock::time_point m_deadline;
  std::map<std::string, std::string> m_rank_details;
  std::map<std::string, std::string> m_notes;
  std::optional<TuningLog> m_log;
  bool m_nonblocking = false;
  std::string m_standin;
};

}  // namespace

std::unique_ptr<Backend> make_nccl_backend(const JobInfo& job, const NcclOptions& opt) {
  return std::make_unique<NcclBackend>(job, opt);
}

}  // namespace collbench::backend::nccl

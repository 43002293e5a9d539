#include "backend/nccl/nccl_world.hpp"

#include <cuda_runtime.h>
#include <nccl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "backend/nccl/nccl_backend.hpp"
#include "backend/nccl/nccl_setup.hpp"
#include "core/error.hpp"
#include "kernels/cuda_check.hpp"

namespace collbench::backend::nccl {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kHostName = 256;

ncclConfig_t control_config() {
  ncclConfig_t cfg = NCCL_CONFIG_INITIALIZER;
  cfg.blocking = 0;  // every wait of the control plane is polled against a deadline
  return cfg;
}

class NcclWorld final : public measure::World {
 public:
  explicit NcclWorld(const NcclWorldSpec& spec) : m_op_timeout_s(spec.op_timeout_s) {
    m_rank = spec.rank;
    m_size = spec.size;
    m_local_rank = spec.local_rank;
    m_local_size = spec.local_size;
    const std::string host = measure::this_host();
    m_who = fmt::format("rank {} on {}", m_rank, host);
    const DeviceChoice d = choose_device(probe_gpus().count, m_local_rank, m_local_size, m_rank, host);
    if (d.device < 0) throw core::RunError(d.why);
    m_device = d.device;
    CHECK_CUDA(cudaSetDevice(m_device));
    CHECK_CUDA(cudaStreamCreateWithFlags(&m_stream, cudaStreamNonBlocking));
    join(spec);
    for (int r = 0; r < m_size; ++r) m_job_ranks.push_back(r);
    m_hosts = all_hosts(host);
  }
  ~NcclWorld() override {
    if (m_comm) {
      // Finalize flushes NCCL's work; a peer that is gone would hold it, so it gets a deadline.
      const Clock::time_point until = Clock::now() + std::chrono::seconds(10);
      ncclResult_t st = ncclCommFinalize(m_comm);
      while (st == ncclInProgress && Clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        if (ncclCommGetAsyncError(m_comm, &st) != ncclSuccess) break;
      }
      (st == ncclSuccess ? ncclCommDestroy : ncclCommAbort)(m_comm);
    }
    if (m_scratch) cudaFree(m_scratch);
    if (m_stream) cudaStreamDestroy(m_stream);
  }

  std::string library_version() const override { return ""; }
  std::string control_plane() const override { return "nccl"; }

  std::unique_ptr<measure::World> split(int color) const override {
    const std::vector<std::int64_t> colors = allgather_values(static_cast<std::int64_t>(color));
    ncclComm_t sub = nullptr;
    ncclConfig_t cfg = control_config();
    const ncclResult_t rc = ncclCommSplit(m_comm, color < 0 ? NCCL_SPLIT_NOCOLOR : color, m_rank, &sub, &cfg);
    wait("ncclCommSplit", rc);  // the parent's part of a non-blocking split, then the child's
    if (sub) wait("ncclCommSplit", ncclSuccess, sub);
    if (color < 0) return nullptr;
    std::unique_ptr<NcclWorld> w(new NcclWorld(*this, sub));
    for (int r = 0; r < m_size; ++r) {
      if (colors[static_cast<std::size_t>(r)] != color) continue;
      if (r == m_rank) w->m_rank = static_cast<int>(w->m_job_ranks.size());
      w->m_job_ranks.push_back(m_job_ranks[static_cast<std::size_t>(r)]);
      w->m_hosts.push_back(m_hosts[static_cast<std::size_t>(r)]);
    }
    w->m_size = static_cast<int>(w->m_job_ranks.size());
    return w;
  }

  void barrier() const override { (void)allgather_values(std::int64_t{0}); }

  void max_in_place(std::span<double> values) const override {
    if (values.empty()) return;
    void* buf = scratch(values.size_bytes());
    to_device(buf, values.data(), values.size_bytes());
    wait("ncclAllReduce (control)", ncclAllReduce(buf, buf, values.size(), ncclFloat64, ncclMax, m_comm, m_stream));
    to_host(values.data(), buf, values.size_bytes());
  }

  std::int64_t sum(std::int64_t value) const override {
    void* buf = scratch(sizeof value);
    to_device(buf, &value, sizeof value);
    wait("ncclAllReduce (control)", ncclAllReduce(buf, buf, 1, ncclInt64, ncclSum, m_comm, m_stream));
    to_host(&value, buf, sizeof value);
    return value;
  }

  void broadcast_bytes(void* data, std::size_t bytes) const override {
    if (bytes == 0) return;
    void* buf = scratch(bytes);
    to_device(buf, data, bytes);
    wait("ncclBroadcast (control)", ncclBroadcast(buf, buf, bytes, ncclUint8, 0, m_comm, m_stream));
    to_host(data, buf, bytes);
  }

  std::vector<std::string> gather_strings(const std::string& mine) const override {
    const std::vector<std::int64_t> lens = allgather_values(static_cast<std::int64_t>(mine.size()));
    const std::size_t width = static_cast<std::size_t>(std::max<std::int64_t>(1, *std::max_element(lens.begin(), lens.end())));
    std::vector<char> padded(width, '\0');
    std::memcpy(padded.data(), mine.data(), mine.size());
    const std::vector<char> all = allgather_bytes(padded.data(), width);
    std::vector<std::string> out;
    if (m_rank != 0) return out;
    for (std::size_t r = 0; r < lens.size(); ++r) out.emplace_back(all.data() + r * width, static_cast<std::size_t>(lens[r]));
    return out;
  }

  std::vector<double> gather(std::span<const double> mine) const override {
    const std::vector<char> all = allgather_bytes(mine.data(), mine.size_bytes());
    if (m_rank != 0) return {};
    std::vector<double> out(mine.size() * static_cast<std::size_t>(m_size));
    std::memcpy(out.data(), all.data(), out.size() * sizeof(double));
    return out;
  }

  [[noreturn]] void abort(int exit_code) const override {
    // The launcher (torchrun, collbench launch, the Job controller) ends the other ranks; a rank
    // left waiting on this one gives up at its own control deadline.
    std::fflush(nullptr);
    std::_Exit(exit_code);
  }

 private:
  // A part of `parent` over the communicator `comm` that ncclCommSplit made.
  NcclWorld(const NcclWorld& parent, ncclComm_t comm)
      : m_comm(comm), m_device(parent.m_device), m_op_timeout_s(parent.m_op_timeout_s), m_who(parent.m_who) {
    m_local_rank = parent.m_local_rank;
    m_local_size = parent.m_local_size;
    CHECK_CUDA(cudaStreamCreateWithFlags(&m_stream, cudaStreamNonBlocking));
  }

  void join(const NcclWorldSpec& spec) {
    // NCCL_COMM_ID names the root for this communicator only: every later id is a fresh one.
    ::setenv("NCCL_COMM_ID", spec.address.c_str(), 1);
    ncclUniqueId id;
    const ncclResult_t got = ncclGetUniqueId(&id);
    if (got != ncclSuccess) {
      ::unsetenv("NCCL_COMM_ID");
      throw core::RunError(fmt::format("{}: NCCL refused the rendezvous address {} ({}): {}", m_who, spec.address, spec.source,
                                       last_error(got)));
    }
    const std::string late = fmt::format(
        "collbench: {}: NCCL's rendezvous at {} ({}, {}) did not complete within --init-timeout {:g} s: the job expects "
        "{} ranks (WORLD_SIZE) and not all of them reached it; NCCL does not say which arrived. Check that every rank "
        "was started and can reach {}; exit 3",
        m_who, spec.address, spec.convention, spec.source, spec.init_timeout_s, spec.size, spec.address);
    const InitGuard guard(spec.init_timeout_s, late);  // also ends a blocking init (NCCL_COMM_BLOCKING=1)
    ncclConfig_t cfg = control_config();
    const ncclResult_t rc = ncclCommInitRankConfig(&m_comm, spec.size, id, spec.rank, &cfg);
    ::unsetenv("NCCL_COMM_ID");
    if (rc != ncclSuccess && rc != ncclInProgress) {
      m_comm = nullptr;
      throw core::RunError(failed_join(spec, last_error(rc)));
    }
    ncclResult_t st = ncclInProgress;
    while (st == ncclInProgress) {
      if (ncclCommGetAsyncError(m_comm, &st) != ncclSuccess) break;
      if (st == ncclInProgress) std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    if (st != ncclSuccess) {
      const std::string why = last_error(st);
      ncclCommAbort(m_comm);
      m_comm = nullptr;
      throw core::RunError(failed_join(spec, why));
    }
  }

  // NCCL's own reason (address in use, unreachable, the root gone because rank 0 gave up).
  std::string failed_join(const NcclWorldSpec& spec, const std::string& why) const {
    return fmt::format("{}: NCCL's rendezvous at {} ({}, {}) failed: {}; the job expects {} ranks (WORLD_SIZE)", m_who,
                       spec.address, spec.convention, spec.source, why, spec.size);
  }

  std::string last_error(ncclResult_t rc) const {
    const char* last = ncclGetLastError(m_comm);
    return std::string(ncclGetErrorString(rc)) + (last && *last ? std::string(" (") + last + ")" : std::string());
  }

  std::vector<std::string> all_hosts(const std::string& host) const {
    char name[kHostName] = {};
    host.copy(name, kHostName - 1);
    const std::vector<char> all = allgather_bytes(name, kHostName);
    std::vector<std::string> hosts;
    for (int r = 0; r < m_size; ++r) hosts.emplace_back(all.data() + static_cast<std::size_t>(r) * kHostName);
    return hosts;
  }

  std::vector<std::int64_t> allgather_values(std::int64_t mine) const {
    const std::vector<char> all = allgather_bytes(&mine, sizeof mine);
    std::vector<std::int64_t> out(static_cast<std::size_t>(m_size));
    std::memcpy(out.data(), all.data(), out.size() * sizeof mine);
    return out;
  }

  std::vector<char> allgather_bytes(const void* mine, std::size_t bytes) const {
    std::vector<char> all(bytes * static_cast<std::size_t>(m_size));
    if (bytes == 0) return all;
    char* buf = static_cast<char*>(scratch(all.size()));
    char* slot = buf + bytes * static_cast<std::size_t>(m_rank);
    to_device(slot, mine, bytes);
    wait("ncclAllGather (control)", ncclAllGather(slot, buf, bytes, ncclUint8, m_comm, m_stream));
    to_host(all.data(), buf, all.size());
    return all;
  }

  void* scratch(std::size_t bytes) const {
    if (bytes > m_scratch_bytes) {
      if (m_scratch) CHECK_CUDA(cudaFree(m_scratch));
      m_scratch = nullptr;
      m_scratch_bytes = std::max<std::size_t>(bytes, 4096);
      CHECK_CUDA(cudaMalloc(&m_scratch, m_scratch_bytes));
    }
    return m_scratch;
  }
  void to_device(void* dst, const void* src, std::size_t bytes) const {
    CHECK_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, m_stream));
  }
  // Only after wait(): the stream is idle, so the copy cannot block on a peer.
  void to_host(void* dst, const void* src, std::size_t bytes) const {
    CHECK_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, m_stream));
    CHECK_CUDA(cudaStreamSynchronize(m_stream));
  }

  // The call was issued (`rc`); polls the communicator (`comm`, else this world's) and the stream
  // until both are done, or the deadline passes: a peer that exited or hangs.
  void wait(const char* what, ncclResult_t rc, ncclComm_t comm = nullptr) const {
    if (!comm) comm = m_comm;
    if (rc != ncclSuccess && rc != ncclInProgress) throw core::RunError(fmt::format("{} failed: {}", what, last_error(rc)));
    const Clock::time_point until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m_op_timeout_s));
    ncclResult_t st = comm ? ncclInProgress : ncclSuccess;
    while (true) {
      if (st == ncclInProgress && ncclCommGetAsyncError(comm, &st) != ncclSuccess) st = ncclInternalError;
      if (st != ncclSuccess && st != ncclInProgress)
        throw core::RunError(fmt::format("{} failed: {}", what, last_error(st)));
      if (st == ncclSuccess) {
        const cudaError_t q = cudaStreamQuery(m_stream);
        if (q == cudaSuccess) return;
        if (q != cudaErrorNotReady) CHECK_CUDA(q);
      }
      if (Clock::now() > until)
        throw core::TimeoutError(fmt::format("the job's control plane (NCCL): {} got no answer from the other ranks within "
                                             "{:g} s (a rank exited or hangs)", what, m_op_timeout_s));
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  ncclComm_t m_comm = nullptr;
  cudaStream_t m_stream = nullptr;
  int m_device = 0;
  double m_op_timeout_s = 330;
  std::string m_who;
  mutable void* m_scratch = nullptr;
  mutable std::size_t m_scratch_bytes = 0;
};

}  // namespace

std::unique_ptr<measure::World> make_nccl_world(const NcclWorldSpec& spec) { return std::make_unique<NcclWorld>(spec); }

}  // namespace collbench::backend::nccl

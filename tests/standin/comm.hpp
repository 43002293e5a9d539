#pragma once
// The stand-in NCCL's communicator and the pieces the API, the cost model and the data path share.
#include <nccl.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap.hpp"
#include "reduce.hpp"
#include "segment.hpp"

namespace cbsi {

// NCCL's collective function names, as its TUNING log prints them (ncclFuncToString).
enum class Func { broadcast, reduce, allgather, reducescatter, allreduce };
const char* func_name(Func f);

// What the model, the tuner plugin and NCCL_ALGO/NCCL_PROTO chose for one call.
struct Choice {
  int algo = 1, proto = 2;  // NCCL's indices (tree 0, ring 1 …; LL 0, LL128 1, Simple 2)
  int channels = 1;
  double time_us = 0;
  double latency_us = 0;  // the model's latency term of that cell (part of time_us)
};

// A local registration (ncclCommRegister): a page-aligned range, ref-counted as register.cc:27-64.
struct RegSlot {
  const char* begin = nullptr;
  const char* end = nullptr;
  int refs = 1;
};

class Cost;  // cost.cpp

struct Faults {
  int hang_after = 0, async_after = 0, corrupt_after = 0;  // 0: off; N: from the job rank's Nth collective
  int graph_corrupt_after = 0;  // corrupt, but only collectives replayed from a CUDA graph
  bool init_hang = false;       // init never finishes (until ncclCommAbort)
};

struct Comm {
  int rank = 0, nranks = 1, dev = 0, cc = 90;
  int job_rank = 0;         // the launcher's rank of this process (faults name it)
  int nnodes = 1, max_local = 1;
  std::vector<PeerInfo> peers;
  std::unique_ptr<Segment> seg;
  std::unique_ptr<Cost> cost;
  std::uint64_t hash = 0;        // from the unique id: the plugin's commId
  std::uint64_t jitter_key = 0;  // the same on every rank and in every run: (ranks, nth communicator)
  // What the stand-in uses of the resolved configuration (init.cc defaults and env overrides applied).
  int blocking = 1, min_ctas = 1, max_ctas = 64, collnet = 0;
  // State
  std::atomic<bool> aborted{false};
  std::atomic<int> async{ncclSuccess};  // ncclInProgress while a non-blocking call is under way
  std::atomic<int> pending{0};          // non-blocking group threads not finished
  // Only the stream worker running this communicator's operations touches these (in order).
  std::uint64_t epoch = 0, exec_seq = 0;
  std::vector<std::uint64_t> sent, received;  // mailbox chunks per peer
  std::uint64_t control_epoch = 0;             // host-side exchanges (ncclCommSplit)
  // User-defined PreMulSum operations (ncclRedOpCreatePreMulSum): op -> scalar.
  std::mutex ops_mutex;
  std::map<int, double> premul_ops;
  Faults faults;
  // Registration (nccl_reg.cpp). symmetric: NCCL's comm->symmetricSupport (init.cc:1376), off
  // with COLLBENCH_STANDIN_SYMMETRIC=0 or NCCL_WIN_ENABLE=0. cta_policy: the resolved CTAPolicy.
  bool symmetric = true;
  int cta_policy = 0;
  bool ce_ready = false;  // "Init CE" logged (the first copy-engine collective, ce_coll.cc:23-54)
  bool symmetric_va_logged = false;
  std::mutex reg_mutex;
  std::vector<std::unique_ptr<RegSlot>> reg_slots;
  std::vector<std::unique_ptr<::ncclWindow_vidmem>> windows;  // complete below
};

// The handle the API hands out; operations keep the Comm alive until they are done.
struct Handle {
  std::shared_ptr<Comm> comm;
};

// The last error (ncclGetLastError) and NCCL_DEBUG output (debug.cpp).
void warn(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void info_tuning(int dev, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void info_init(int dev, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// The NCCL version the stand-in reports (COLLBENCH_STANDIN_NCCL_VERSION, default 22809).
int library_version();

// How a collective's buffers are registered with its communicator (nccl_reg.cpp).
enum class BufferReg { none, local, symmetric };
// Both buffers inside windows registered with NCCL_WIN_COLL_SYMMETRIC (symmetric_sched.cc:26-30),
// or both inside local registrations, or neither.
BufferReg buffer_registration(Comm& c, const void* send, const void* recv);
std::string last_error();

// The collective a task runs, and its data.
struct CollTask {
  Func func = Func::allreduce;
  const void* send = nullptr;
  void* recv = nullptr;
  std::size_t count = 0;  // NCCL's count: per rank for allgather (send) and reducescatter (recv)
  ncclDataType_t type = ncclFloat32;
  Reduction red;
  int root = 0;
  Choice choice;
};

struct P2pTask {
  bool is_send = true;
  void* buf = nullptr;
  std::size_t bytes = 0;
  int peer = 0;
};

// Data path (collectives.cpp): run on the stream's worker; the end time, or -1 on failure.
double run_collective(Comm& c, const CollTask& t, double start_ns);
double run_p2p(Comm& c, const std::vector<P2pTask>& tasks, double start_ns, double duration_ns);
// The time one group of send/recv takes on the simulated fabric.
double p2p_time_ns(const Comm& c, const std::vector<P2pTask>& tasks);

// The job rank of this process, from the launcher's environment (else -1).
int launcher_rank();
Faults faults_for(int job_rank, std::string* err);

}  // namespace cbsi

// ncclWindow_t points at this (nccl.h declares it): a window of the stand-in's symmetric memory.
struct ncclWindow_vidmem {
  const char* user = nullptr;
  std::size_t size = 0;
  int flags = 0;
  void* local = nullptr;  // the ncclCommRegister handle made with it (dev_runtime.cc:591)
};

// ncclComm_t points at this (nccl.h declares the struct, the library defines it).
struct ncclComm {
  cbsi::Handle h;
};

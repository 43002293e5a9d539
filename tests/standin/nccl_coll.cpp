// The stand-in NCCL's collective calls and groups. Argument checks follow NCCL's ArgsCheck; the
// algorithm and protocol are chosen when a call is enqueued, and rank 0 prints the TUNING line
// then (enqueue.cc:741, "%s: %ld Bytes -> Algo %s proto %s channel{Lo..Hi}={%d..%d}", bytes being
// count x type size). On a non-blocking communicator a group ends on a thread of its own and
// returns ncclInProgress (group.cc:735-736); ncclGroupSimulateEnd estimates only on blocking
// communicators of 2+ ranks (group.cc:706-737), and one-rank calls run at once (enqueue.cc:2569).
#include <algorithm>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "comm.hpp"
#include "cost.hpp"
#include "runtime.hpp"
#include "standin_env.hpp"

using namespace cbsi;

namespace {

const char* kAlgoLog[] = {"TREE", "RING", "COLLNET_DIRECT", "COLLNET_CHAIN", "NVLS", "NVLS_TREE", "PAT"};
const char* kProtoLog[] = {"LL", "LL128", "SIMPLE"};

struct Task {
  std::shared_ptr<Comm> comm;
  cudaStream_t stream = nullptr;
  bool p2p = false;
  CollTask coll;
  P2pTask pt;
};

// A pthread_create + join on a server CPU, charged per non-blocking group (see end_group); a
// modelled figure, not a measurement.
constexpr double kGroupThreadNs = 15000;

// The stand-in's assumption for a symmetric kernel's latency (µs), NOT a GPU measurement: NCCL
// 2.28's symmetric kernels exist to cut small messages' latency on one node; the stand-in charges
// min(the model's latency term, this) instead of the model's term. Nothing else about them is modelled.
constexpr double kSymmetricLatencyUs = 2.5;
// Above this many bus bytes the stand-in names the LD/ST kernel, below it the LL one (its own rule;
// NCCL picks by a cost model, sym_kernels.cc:117-215).
constexpr std::size_t kSymmetricLLBytes = 64 << 10;

thread_local int t_depth = 0;
thread_local std::vector<Task> t_tasks;
thread_local ncclResult_t t_group_error = ncclSuccess;

ncclResult_t check_comm(ncclComm_t comm, const char* what) {
  if (!comm) {
    warn("%s : comm argument is NULL", what);
    return ncclInvalidArgument;
  }
  // ncclCommEnsureReady (init.cc:373-390): the communicator's asynchronous error itself; a call
  // while a non-blocking operation is under way is an invalid argument.
  const int st = comm->h.comm->async.load();
  if (st == ncclInProgress) {
    warn("Attempt to use communicator before the previous operation returned ncclSuccess");
    return ncclInvalidArgument;
  }
  (void)what;
  return static_cast<ncclResult_t>(st);
}

ncclResult_t make_reduction(Comm& c, ncclDataType_t t, ncclRedOp_t op, Reduction* r, const char* what) {
  r->type = t;
  if (op == ncclSum || op == ncclProd || op == ncclMin || op == ncclMax) {
    r->op = op;
    return ncclSuccess;
  }
  if (op == ncclAvg) {  // enqueue.cc:2294-2302: PreMulSum by 1/n for floats, SumPostDiv for integers
    r->op = ncclSum;
    if (is_float(t)) {
      r->premul = true;
      r->scalar = 1.0 / c.nranks;
    } else {
      r->divisor = static_cast<std::uint64_t>(c.nranks);
    }
    return ncclSuccess;
  }
  std::lock_guard<std::mutex> lock(c.ops_mutex);
  auto it = c.premul_ops.find(static_cast<int>(op));
  if (it == c.premul_ops.end()) {
    warn("%s : invalid reduction operation %d", what, static_cast<int>(op));
    return ncclInvalidArgument;
  }
  r->op = ncclSum;
  r->premul = true;
  r->scalar = it->second;
  return ncclSuccess;
}

// Runs one communicator's tasks of a group: collectives in order, then its send/recv as one.
void launch(const std::vector<Task>& tasks) {
  std::vector<P2pTask> p2p;
  cudaStream_t p2p_stream = nullptr;
  std::shared_ptr<Comm> comm = tasks.front().comm;
  for (const Task& t : tasks) {
    if (t.p2p) {
      if (p2p.empty()) p2p_stream = t.stream;
      p2p.push_back(t.pt);
      continue;
    }
    CollTask ct = t.coll;
    enqueue(t.stream, [comm, ct](double start) { return run_collective(*comm, ct, start); }, func_name(ct.func));
  }
  if (!p2p.empty()) {
    const double ns = p2p_time_ns(*comm, p2p);
    enqueue(p2p_stream, [comm, p2p, ns](double start) { return run_p2p(*comm, p2p, start, ns); }, "SendRecv");
  }
}

// Groups the tasks by communicator, keeping the order of each one's first appearance.
std::vector<std::vector<Task>> by_comm(std::vector<Task> tasks) {
  std::vector<std::vector<Task>> out;
  for (Task& t : tasks) {
    auto it = std::find_if(out.begin(), out.end(), [&](const std::vector<Task>& g) { return g.front().comm == t.comm; });
    if (it == out.end()) out.push_back({std::move(t)});
    else it->push_back(std::move(t));
  }
  return out;
}

ncclResult_t end_group(ncclSimInfo_t* sim) {
  if (t_depth == 0) {
    warn("ncclGroupEnd: not in a group call");
    return ncclInvalidUsage;
  }
  if (--t_depth > 0) return ncclSuccess;
  std::vector<Task> tasks = std::move(t_tasks);
  t_tasks.clear();
  const ncclResult_t err = t_group_error;
  t_group_error = ncclSuccess;
  if (err != ncclSuccess) return err;
  if (tasks.empty()) return ncclSuccess;
  const auto groups = by_comm(std::move(tasks));
  bool nonblocking = false;
  for (const auto& g : groups) nonblocking |= g.front().comm->blocking == 0;
  if (sim && !nonblocking) {
    if (sim->magic != 0x74685283) {
      warn("ncclGroupSimulateEnd: simInfo not initialized via NCCL_SIM_INFO_INITIALIZER");
      return ncclInvalidArgument;
    }
    float total = 0;
    bool any = false;
    for (const auto& g : groups)
      for (const Task& t : g)
        if (!t.p2p && t.comm->nranks > 1) {
          total += static_cast<float>(t.coll.choice.time_us);
          any = true;
        }
    if (any) sim->estimatedTime = total;
    return ncclSuccess;  // nothing is launched
  }
  if (!nonblocking) {
    for (const auto& g : groups) launch(g);
    return ncclSuccess;
  }
  for (const auto& g : groups) {
    g.front().comm->async.store(ncclInProgress);
    g.front().comm->pending.fetch_add(1);
  }
  const int device = current_device();
  std::thread([groups, device] {
    cudaSetDevice(device);  // the thread enqueues on the caller's device, as NCCL's group thread does
    for (const auto& g : groups) {
      // With COLLBENCH_STANDIN_HOST_GAPS=0 the device clock ignores when the host launched, so the
      // thread NCCL starts per call (group.cc:735) would cost nothing: charge it as a fixed idle gap
      // before the call's work, so timing a non-blocking communicator shows what it shows on a GPU.
      static const bool host_gaps = env_int("COLLBENCH_STANDIN_HOST_GAPS", 1, 0, 1) != 0;
      if (!host_gaps) enqueue(g.front().stream, [](double start) { return start + kGroupThreadNs; }, "group thread start");
      launch(g);
      Comm& c = *g.front().comm;
      if (c.pending.fetch_sub(1) == 1) {
        int st = ncclInProgress;
        c.async.compare_exchange_strong(st, ncclSuccess);
      }
    }
  }).detach();
  return ncclInProgress;
}

enum class Path { kernel, symmetric, copy_engine };

// Which path NCCL 2.28.9 takes for a collective of 2+ ranks: the copy engines (enqueue.cc:2574-2582:
// symmetric support, one node, both buffers in symmetric windows, CTAPolicy zero, and AllGather,
// ce_coll.cc:82-99; ncclAlltoAll decides for itself, below), a symmetric kernel
// (symmetric_sched.cc:23-45: the same minus the policy; AllGather any type, AllReduce and
// ReduceScatter only Sum on float32/half/bfloat16/fp8, sym_kernels.cc:248-273; one node only,
// 275-317), or NCCL's usual kernels.
bool policy_zero(const Comm& c) {  // an equality test in 2.28.9 (enqueue.cc:2580), a bit test from 2.29
  return library_version() >= 22900 ? (c.cta_policy & NCCL_CTA_POLICY_ZERO) != 0 : c.cta_policy == NCCL_CTA_POLICY_ZERO;
}

// ncclCeInit, once per communicator at its first copy-engine collective (ce_coll.cc:23-54), and its line (ce_coll.cc:48).
void init_ce_once(Comm& c) {
  if (c.ce_ready) return;
  c.ce_ready = true;
  info_init(c.dev, "Init CE, rank %d baseUCSymReadyPtr %p, baseUCSymComplPtr %p, seq num %d", c.rank,
            static_cast<void*>(&c.ce_ready), static_cast<void*>(&c.symmetric_va_logged), 0);
}

Path path_for(Comm& c, const CollTask& t, std::size_t bus_bytes) {
  if (!c.symmetric || c.nnodes != 1 || bus_bytes >= (std::size_t{64} << 30)) return Path::kernel;
  if (t.func != Func::allgather && t.func != Func::allreduce && t.func != Func::reducescatter) return Path::kernel;
  if (buffer_registration(c, t.send, t.recv) != BufferReg::symmetric) return Path::kernel;
  const bool zero = policy_zero(c);
  if (t.func == Func::allgather) return zero ? Path::copy_engine : Path::symmetric;
  const bool float_type = t.type == ncclFloat32 || t.type == ncclFloat16 || t.type == ncclBfloat16 || t.type == ncclFloat8e4m3 ||
                          t.type == ncclFloat8e5m2;
  const bool sum = t.red.op == ncclSum && !t.red.premul && t.red.divisor <= 1;  // avg is PreMulSum: not symmetric
  return float_type && sum ? Path::symmetric : Path::kernel;
}

// A symmetric kernel's name, time and line (symmetric_sched.cc:228-231), rank 0 logging.
void choose_symmetric(Comm& c, CollTask& t, std::size_t bus_bytes, std::size_t log_bytes) {
  const bool ll = bus_bytes < kSymmetricLLBytes;
  const char* kernel = t.func == Func::allreduce ? (ll ? "AllReduce_AGxLL_R" : "AllReduce_RSxLD_AGxST")
                       : t.func == Func::allgather ? (ll ? "AllGather_LL" : "AllGather_ST")
                                                   : (ll ? "ReduceScatter_LL" : "ReduceScatter_LD");
  // Blocks in [minCTAs, min(64, maxCTAs)] (sym_kernels.cc:187-188); the count is the stand-in's pick.
  t.choice.channels = std::clamp(ll ? 1 : 16, c.min_ctas, std::min(64, c.max_ctas));
  if (t.choice.latency_us > kSymmetricLatencyUs) t.choice.time_us -= t.choice.latency_us - kSymmetricLatencyUs;
  if (c.rank == 0)
    info_tuning(c.dev, "%s [Symmetric]: %ld Bytes -> Kernel %s nchannels %d nthreads %d nWorks %d", func_name(t.func),
                static_cast<long>(log_bytes), kernel, t.choice.channels, 512, 1);
}

// Appends a call to the group (an implicit group of one outside ncclGroupStart).
ncclResult_t submit(Task t) {
  Comm& c = *t.comm;
  if (!t.p2p && c.nranks == 1) {  // onerank.cu: the copy is launched at once, no tuning, no plugin
    CollTask ct = t.coll;
    auto comm = t.comm;
    enqueue(t.stream, [comm, ct](double start) { return run_collective(*comm, ct, start); }, func_name(ct.func));
    return ncclSuccess;  // no thread on a non-blocking communicator either (group.cc)
  }
  if (!t.p2p) {
    const std::size_t es = type_size(t.coll.type);
    const bool wide = t.coll.func == Func::allgather || t.coll.func == Func::reducescatter;
    const std::size_t nbytes = t.coll.count * es * (wide ? static_cast<std::size_t>(c.nranks) : 1);
    if (!c.cost->choose(t.coll.func, t.coll.type, t.coll.red.premul || t.coll.red.divisor > 1, nbytes, &t.coll.choice)) {
      warn("%s: no algorithm/protocol available for %zu bytes (NCCL_ALGO/NCCL_PROTO)", func_name(t.coll.func), nbytes);
      if (t_depth > 0) t_group_error = ncclInvalidUsage;
      return ncclInvalidUsage;
    }
    const Path path = path_for(c, t.coll, nbytes);
    if (path == Path::copy_engine) {  // no TUNING line; the model's time stands (not modelled further)
      init_ce_once(c);
    } else if (path == Path::symmetric) {
      choose_symmetric(c, t.coll, nbytes, t.coll.count * es);
    } else if (c.rank == 0) {
      info_tuning(c.dev, "%s: %ld Bytes -> Algo %s proto %s channel{Lo..Hi}={%d..%d}", func_name(t.coll.func),
                  static_cast<long>(t.coll.count * es), kAlgoLog[t.coll.choice.algo], kProtoLog[t.coll.choice.proto], 0,
                  t.coll.choice.channels - 1);
    }
  }
  t_tasks.push_back(std::move(t));
  if (t_depth > 0) return ncclSuccess;
  ++t_depth;  // an implicit group of one
  return end_group(nullptr);
}

ncclResult_t collective(Func f, const void* send, void* recv, std::size_t count, ncclDataType_t type, ncclRedOp_t op,
                        int root, ncclComm_t comm, cudaStream_t stream) {
  const char* what = func_name(f);
  if (ncclResult_t rc = check_comm(comm, what); rc != ncclSuccess) return rc;
  Comm& c = *comm->h.comm;
  if (type_size(type) == 0) {
    warn("%s : invalid type %d", what, static_cast<int>(type));
    return ncclInvalidArgument;
  }
  if ((f == Func::broadcast || f == Func::reduce) && (root < 0 || root >= c.nranks)) {
    warn("%s : invalid root %d (root should be in the 0..%d range)", what, root, c.nranks);
    return ncclInvalidArgument;
  }
  const bool reduces = f == Func::allreduce || f == Func::reduce || f == Func::reducescatter;
  const bool fp8 = type == ncclFloat8e4m3 || type == ncclFloat8e5m2;
  if (reduces && fp8 && c.cc < 90) {
    warn("FP8 reduction support begins with sm90 capable devices.");
    return ncclInvalidArgument;
  }
  if (count > 0 && ((!send && !(f == Func::broadcast && c.rank != root)) || (!recv && (f != Func::reduce || c.rank == root)))) {
    warn("%s : sendbuff or recvbuff is NULL", what);
    return ncclInvalidArgument;
  }
  Task t;
  t.comm = comm->h.comm;
  t.stream = stream;
  t.coll.func = f;
  t.coll.send = send;
  t.coll.recv = recv;
  t.coll.count = count;
  t.coll.type = type;
  t.coll.root = root;
  if (reduces) {
    if (ncclResult_t rc = make_reduction(c, type, op, &t.coll.red, what); rc != ncclSuccess) return rc;
    if (c.nranks == 1 && fp8 && t.coll.red.premul) {  // onerank.cu:65-75
      warn("%s : fp8 PreMulSum/avg is not supported on a single rank", what);
      return ncclInvalidArgument;
    }
  }
  return submit(std::move(t));
}

ncclResult_t p2p(bool is_send, void* buf, std::size_t count, ncclDataType_t type, int peer, ncclComm_t comm,
                 cudaStream_t stream) {
  const char* what = is_send ? "Send" : "Recv";
  if (ncclResult_t rc = check_comm(comm, what); rc != ncclSuccess) return rc;
  Comm& c = *comm->h.comm;
  if (peer < 0 || peer >= c.nranks) {
    warn("%s : invalid peer %d (should be in 0..%d)", what, peer, c.nranks - 1);
    return ncclInvalidArgument;
  }
  if (type_size(type) == 0) {
    warn("%s : invalid type %d", what, static_cast<int>(type));
    return ncclInvalidArgument;
  }
  Task t;
  t.comm = comm->h.comm;
  t.stream = stream;
  t.p2p = true;
  t.pt = P2pTask{is_send, buf, count * type_size(type), peer};
  return submit(std::move(t));
}

}  // namespace

extern "C" {

ncclResult_t ncclAllReduce(const void* s, void* r, std::size_t n, ncclDataType_t t, ncclRedOp_t op, ncclComm_t comm, cudaStream_t st) {
  return collective(Func::allreduce, s, r, n, t, op, 0, comm, st);
}
ncclResult_t ncclReduce(const void* s, void* r, std::size_t n, ncclDataType_t t, ncclRedOp_t op, int root, ncclComm_t comm,
                        cudaStream_t st) {
  return collective(Func::reduce, s, r, n, t, op, root, comm, st);
}
ncclResult_t ncclBroadcast(const void* s, void* r, std::size_t n, ncclDataType_t t, int root, ncclComm_t comm, cudaStream_t st) {
  return collective(Func::broadcast, s, r, n, t, ncclSum, root, comm, st);
}
ncclResult_t ncclBcast(void* buf, std::size_t n, ncclDataType_t t, int root, ncclComm_t comm, cudaStream_t st) {
  return collective(Func::broadcast, buf, buf, n, t, ncclSum, root, comm, st);
}
ncclResult_t ncclAllGather(const void* s, void* r, std::size_t n, ncclDataType_t t, ncclComm_t comm, cudaStream_t st) {
  return collective(Func::allgather, s, r, n, t, ncclSum, 0, comm, st);
}
ncclResult_t ncclReduceScatter(const void* s, void* r, std::size_t n, ncclDataType_t t, ncclRedOp_t op, ncclComm_t comm,
                               cudaStream_t st) {
  return collective(Func::reducescatter, s, r, n, t, op, 0, comm, st);
}
ncclResult_t ncclSend(const void* s, std::size_t n, ncclDataType_t t, int peer, ncclComm_t comm, cudaStream_t st) {
  return p2p(true, const_cast<void*>(s), n, t, peer, comm, st);
}
ncclResult_t ncclRecv(void* r, std::size_t n, ncclDataType_t t, int peer, ncclComm_t comm, cudaStream_t st) {
  return p2p(false, r, n, t, peer, comm, st);
}

// NCCL 2.28's all-to-all: one group of a send and a receive per peer (enqueue.cc:2585-2589), or a
// copy-engine collective with symmetric support, one node, both buffers in symmetric windows and
// CTAPolicy zero (enqueue.cc:2578-2580; ce_coll.cc:82-99 implements AlltoAll). The stand-in moves
// the data as the group does either way and logs "Init CE" for the second (its time is not
// modelled further).
ncclResult_t ncclAlltoAll(const void* s, void* r, std::size_t n, ncclDataType_t t, ncclComm_t comm, cudaStream_t st) {
  if (ncclResult_t rc = check_comm(comm, "AlltoAll"); rc != ncclSuccess) return rc;
  Comm& c = *comm->h.comm;
  if (c.nranks > 1 && c.symmetric && c.nnodes == 1 && policy_zero(c) &&
      buffer_registration(c, s, r) == BufferReg::symmetric)
    init_ce_once(c);
  const int nranks = comm->h.comm->nranks;
  const std::size_t block = n * type_size(t);
  ncclGroupStart();
  for (int p = 0; p < nranks; ++p) {
    ncclSend(static_cast<const char*>(s) + static_cast<std::size_t>(p) * block, n, t, p, comm, st);
    ncclRecv(static_cast<char*>(r) + static_cast<std::size_t>(p) * block, n, t, p, comm, st);
  }
  return ncclGroupEnd();
}

ncclResult_t ncclGroupStart() {
  ++t_depth;
  return ncclSuccess;
}

ncclResult_t ncclGroupEnd() { return end_group(nullptr); }

ncclResult_t ncclGroupSimulateEnd(ncclSimInfo_t* sim) {
  if (!sim) {
    warn("ncclGroupSimulateEnd: simInfo is NULL");
    return ncclInvalidArgument;
  }
  return end_group(sim);
}

ncclResult_t ncclRedOpCreatePreMulSum(ncclRedOp_t* op, void* scalar, ncclDataType_t t, ncclScalarResidence_t, ncclComm_t comm) {
  if (!op || !scalar || !comm || type_size(t) == 0) return ncclInvalidArgument;
  Comm& c = *comm->h.comm;
  const double v = to_double(t, scalar);  // host or device residence: both are host memory here
  std::lock_guard<std::mutex> lock(c.ops_mutex);
  const int id = static_cast<int>(ncclNumOps) + static_cast<int>(c.premul_ops.size());
  c.premul_ops[id] = v;
  *op = static_cast<ncclRedOp_t>(id);
  return ncclSuccess;
}

ncclResult_t ncclRedOpDestroy(ncclRedOp_t op, ncclComm_t comm) {
  if (!comm) return ncclInvalidArgument;
  Comm& c = *comm->h.comm;
  std::lock_guard<std::mutex> lock(c.ops_mutex);
  return c.premul_ops.erase(static_cast<int>(op)) ? ncclSuccess : ncclInvalidArgument;
}

}  // extern "C"

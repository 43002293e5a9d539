// The stand-in NCCL's data path, run by a stream's worker thread: real data moved between the
// ranks' processes through the communicator's shared-memory file, in chunks, with the results NCCL
// computes (reduce.hpp), and the simulated end time: every rank's collective ends together at the
// latest rank's start plus the model's time (a late rank delays everyone, as on a GPU).
#include <algorithm>
#include <cstring>
#include <vector>

#include "comm.hpp"
#include "cost.hpp"
#include "runtime.hpp"
#include "standin_env.hpp"

namespace cbsi {

namespace {

bool broken(Comm& c) { return c.aborted.load(); }

// A peer raised an error: this rank's communicator reports ncclRemoteError from now on.
double fail_remote(Comm& c) {
  int none = ncclSuccess;
  c.async.compare_exchange_strong(none, c.seg->error() != 0 ? ncclRemoteError : ncclSystemError);
  return -1;
}

bool barrier(Comm& c) { return c.seg->barrier(c.rank, ++c.epoch, [&] { return broken(c); }); }

// Injected faults (COLLBENCH_STANDIN_FAULT) at this rank's Nth collective.
enum class Injected { none, failed };
Injected inject_before(Comm& c) {
  const std::uint64_t n = c.exec_seq;
  if (c.faults.hang_after > 0 && n >= static_cast<std::uint64_t>(c.faults.hang_after)) {
    c.seg->wait([] { return false; }, [&] { return broken(c); });  // until ncclCommAbort
    return Injected::failed;
  }
  if (c.faults.async_after > 0 && n >= static_cast<std::uint64_t>(c.faults.async_after)) {
    warn("stand-in: injected asynchronous error on rank %d (COLLBENCH_STANDIN_FAULT)", c.rank);
    c.async.store(ncclSystemError);
    c.seg->raise_error(ncclSystemError);
    c.seg->wait([] { return false; }, [&] { return broken(c); });  // kernels spin until aborted
    return Injected::failed;
  }
  return Injected::none;
}

void inject_after(Comm& c, void* recv, std::size_t bytes) {
  const auto from = [&](int after) { return after > 0 && c.exec_seq >= static_cast<std::uint64_t>(after); };
  if ((from(c.faults.corrupt_after) || (from(c.faults.graph_corrupt_after) && in_graph_replay())) && recv && bytes)
    static_cast<unsigned char*>(recv)[0] ^= 0x5a;
}

// Reduction of element range [off, off+n) of every rank's contribution, staged in the slots.
bool reduce_round(Comm& c, const CollTask& t, const char* send, std::size_t off, std::size_t n, void* out, bool write) {
  const std::size_t es = type_size(t.type);
  stage(t.red, c.seg->slot(c.rank), send + off * es, n);
  if (!barrier(c)) return false;
  if (write) {
    for (int r = 0; r < c.nranks; ++r) accumulate(t.red, out, c.seg->slot(r), n, r == 0);
    finish(t.red, out, n);
  }
  return barrier(c);
}

bool run_data(Comm& c, const CollTask& t) {
  const std::size_t es = type_size(t.type);
  const std::size_t per = std::max<std::size_t>(1, c.seg->slot_bytes() / es);
  const auto* send = static_cast<const char*>(t.send);
  auto* recv = static_cast<char*>(t.recv);
  const auto n = static_cast<std::size_t>(c.nranks);
  switch (t.func) {
    case Func::allreduce:
    case Func::reduce: {
      const bool write = t.func == Func::allreduce || c.rank == t.root;
      for (std::size_t off = 0; off < t.count || off == 0; off += per) {
        const std::size_t k = std::min(per, t.count - std::min(off, t.count));
        // The result lands in a scratch copy first: in place, recv is also this rank's input.
        std::vector<char> acc(k * es);
        if (!reduce_round(c, t, send, off, k, acc.data(), write)) return false;
        if (write && k) std::memcpy(recv + off * es, acc.data(), k * es);
        if (t.count == 0) break;
      }
      return true;
    }
    case Func::broadcast: {
      for (std::size_t off = 0; off < t.count || off == 0; off += per) {
        const std::size_t k = std::min(per, t.count - std::min(off, t.count));
        if (c.rank == t.root && k) std::memcpy(c.seg->slot(c.rank), send + off * es, k * es);
        if (!barrier(c)) return false;
        if (k && !(c.rank == t.root && send == recv)) std::memcpy(recv + off * es, c.seg->slot(t.root), k * es);
        if (!barrier(c)) return false;
        if (t.count == 0) break;
      }
      return true;
    }
    case Func::allgather: {
      for (std::size_t off = 0; off < t.count || off == 0; off += per) {
        const std::size_t k = std::min(per, t.count - std::min(off, t.count));
        if (k) std::memcpy(c.seg->slot(c.rank), send + off * es, k * es);
        if (!barrier(c)) return false;
        for (std::size_t r = 0; r < n && k; ++r) std::memcpy(recv + (r * t.count + off) * es, c.seg->slot(static_cast<int>(r)), k * es);
        if (!barrier(c)) return false;
        if (t.count == 0) break;
      }
      return true;
    }
    case Func::reducescatter: {
      // Each rank stages its n blocks' chunk side by side; rank r reduces sub-slot r of every rank.
      const std::size_t sub = std::max<std::size_t>(1, per / n);
      for (std::size_t off = 0; off < t.count || off == 0; off += sub) {
        const std::size_t k = std::min(sub, t.count - std::min(off, t.count));
        for (std::size_t b = 0; b < n && k; ++b)
          stage(t.red, c.seg->slot(c.rank) + b * sub * es, send + (b * t.count + off) * es, k);
        if (!barrier(c)) return false;
        std::vector<char> acc(k * es);
        for (int r = 0; r < c.nranks && k; ++r)
          accumulate(t.red, acc.data(), c.seg->slot(r) + static_cast<std::size_t>(c.rank) * sub * es, k, r == 0);
        finish(t.red, acc.data(), k);
        if (!barrier(c)) return false;
        if (k) std::memcpy(recv + off * es, acc.data(), k * es);
        if (t.count == 0) break;
      }
      return true;
    }
  }
  return false;
}

}  // namespace

double run_collective(Comm& c, const CollTask& t, double start_ns) {
  if (c.aborted.load()) return -1;
  ++c.exec_seq;
  const std::size_t es = type_size(t.type);
  const std::size_t out_bytes = (t.func == Func::allgather ? t.count * static_cast<std::size_t>(c.nranks) : t.count) * es;
  if (c.nranks == 1) {  // onerank.cu: a copy, or nothing in place
    if (t.send != t.recv && out_bytes) std::memmove(t.recv, t.send, out_bytes);
    if (t.red.premul) stage(t.red, t.recv, t.recv, t.count);
    finish(t.red, t.recv, t.count);
    inject_after(c, t.recv, out_bytes);
    return start_ns + 2000 + static_cast<double>(out_bytes) / 1500.0;
  }
  if (inject_before(c) == Injected::failed) return -1;
  c.seg->set_start(c.rank, start_ns);
  if (!barrier(c)) return fail_remote(c);
  const double begin = c.seg->max_start();  // read before the next barrier lets anyone move on
  if (!run_data(c, t)) return fail_remote(c);
  const bool writes = t.func != Func::reduce || c.rank == t.root;
  if (writes) inject_after(c, t.recv, out_bytes);
  return begin + t.choice.time_us * 1000.0 * (c.cost ? c.cost->jitter(c.exec_seq) : 1.0);
}

double p2p_time_ns(const Comm& c, const std::vector<P2pTask>& tasks) {
  // NVLink within a simulated host, the NIC between hosts (the topology's numbers for an H100
  // DGX: 18 x 20.6 GB/s, one 400 Gb/s NIC per GPU), plus a few microseconds per peer.
  double ns = 0;
  for (const P2pTask& t : tasks) {
    if (!t.is_send) continue;
    const bool same_host = std::strcmp(c.peers[static_cast<std::size_t>(t.peer)].host, c.peers[static_cast<std::size_t>(c.rank)].host) == 0;
    const double bytes_per_ns = same_host ? 370.8 * 0.8 : 50.0 * 0.9;
    ns += (same_host ? 3000.0 : 7000.0) / 2 + static_cast<double>(t.bytes) / bytes_per_ns;
  }
  return std::max(ns, 3000.0);
}

double run_p2p(Comm& c, const std::vector<P2pTask>& tasks, double start_ns, double duration_ns) {
  if (c.aborted.load()) return -1;
  ++c.exec_seq;
  if (inject_before(c) == Injected::failed) return -1;
  const std::size_t mb = c.seg->mailbox_bytes();
  struct Progress {
    const P2pTask* t;
    std::uint64_t chunks, done = 0;
  };
  std::vector<Progress> work;
  for (const P2pTask& t : tasks) work.push_back({&t, std::max<std::uint64_t>(1, (t.bytes + mb - 1) / mb)});
  double latest = start_ns;
  std::size_t finished = 0;
  auto step = [&]() {
    bool moved = false;
    for (Progress& p : work) {
      if (p.done == p.chunks) continue;
      const P2pTask& t = *p.t;
      const std::size_t off = p.done * mb, k = std::min(mb, t.bytes - std::min(off, t.bytes));
      if (t.is_send) {
        Mailbox& box = c.seg->mailbox(c.rank, t.peer);
        const std::uint64_t seq = c.sent[static_cast<std::size_t>(t.peer)];
        if (box.empty.load(std::memory_order_acquire) != seq) continue;  // the peer has not drained the last chunk
        if (k) std::memcpy(c.seg->mailbox_data(c.rank, t.peer), static_cast<char*>(t.buf) + off, k);
        box.bytes = k;
        box.start_ns = start_ns;
        box.full.store(seq + 1, std::memory_order_release);
        c.seg->notify();
        c.sent[static_cast<std::size_t>(t.peer)] = seq + 1;
      } else {
        Mailbox& box = c.seg->mailbox(t.peer, c.rank);
        const std::uint64_t seq = c.received[static_cast<std::size_t>(t.peer)];
        if (box.full.load(std::memory_order_acquire) <= seq) continue;
        if (k) std::memcpy(static_cast<char*>(t.buf) + off, c.seg->mailbox_data(t.peer, c.rank), std::min<std::size_t>(k, box.bytes));
        latest = std::max(latest, box.start_ns);
        box.empty.store(seq + 1, std::memory_order_release);
        c.seg->notify();
        c.received[static_cast<std::size_t>(t.peer)] = seq + 1;
      }
      if (++p.done == p.chunks) ++finished;
      moved = true;
    }
    return moved;
  };
  while (finished < work.size()) {
    if (step()) continue;
    if (!c.seg->wait([&] { return step() || finished == work.size(); }, [&] { return broken(c) || c.seg->error() != 0; }))
      return fail_remote(c);
  }
  for (const P2pTask& t : tasks)
    if (!t.is_send) inject_after(c, t.buf, t.bytes);
  return latest + duration_ns * (c.cost ? c.cost->jitter(c.exec_seq) : 1.0);
}

}  // namespace cbsi

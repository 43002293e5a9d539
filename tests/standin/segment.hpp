#pragma once
// The stand-in NCCL's data path: one shared-memory file per communicator (mmap'ed by every rank,
// unlinked once all have it, so a killed job leaves nothing behind), holding
//   - per-rank barrier epochs and start times, for collectives run by the stream workers;
//   - a control area (its own epochs and 256-byte slots) for host-side exchanges (ncclCommSplit);
//   - one staging slot per rank, for collectives in chunks;
//   - one mailbox per ordered pair of ranks, for send/recv in chunks.
// Any IPC but MPI: a launch without MPI works the same.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace cbsi {

struct Mailbox {
  std::atomic<std::uint64_t> full{0};   // chunks written by the sender
  std::atomic<std::uint64_t> empty{0};  // chunks consumed by the receiver
  std::uint64_t bytes = 0;              // of the chunk in flight
  double start_ns = 0;                  // the sender's start time, with each chunk
  char pad[32];
};

struct SegmentHeader;

class Segment {
 public:
  // `path` names a file every rank can open (the root makes it); sizes follow nranks.
  static std::unique_ptr<Segment> create(const std::string& path, int nranks);
  static std::unique_ptr<Segment> open(const std::string& path, int nranks);
  ~Segment();

  int nranks() const { return m_nranks; }
  std::size_t slot_bytes() const { return m_slot; }
  std::size_t mailbox_bytes() const { return m_mail; }
  char* slot(int rank) const;
  Mailbox& mailbox(int src, int dst) const;
  char* mailbox_data(int src, int dst) const;

  // Waits until `ready` holds, giving up (false) when `broken` says so: an abort, an error
  // raised by a peer, or the process exiting. Sleeps on a futex in the file that notify() wakes
  // (so ranks oversubscribing the CPUs do not steal them from each other), rechecking every ms.
  bool wait(const std::function<bool()>& ready, const std::function<bool()>& broken);
  // After any store a peer may be waiting for.
  void notify();

  // Stream-side barrier number `epoch` (epochs increase by one per barrier).
  bool barrier(int rank, std::uint64_t epoch, const std::function<bool()>& broken);
  void set_start(int rank, double ns);
  double max_start() const;
  // A rank that fails (injected async error, abort) tells its peers.
  void raise_error(int code);
  int error() const;

  // Host-side allgather of up to 256 bytes per rank through the control area.
  bool control_allgather(int rank, std::uint64_t epoch, const void* mine, std::size_t bytes, void* all,
                         const std::function<bool()>& broken);

 private:
  Segment() = default;
  bool map(const std::string& path, int nranks, bool create);
  int m_nranks = 0;
  std::size_t m_slot = 0, m_mail = 0, m_total = 0;
  char* m_base = nullptr;
  SegmentHeader* m_header = nullptr;
};

}  // namespace cbsi

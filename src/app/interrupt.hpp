#pragma once
// SIGINT and SIGTERM during `collbench run` (issue 23, item 7). mpirun, srun and collbench launch
// pass either on to every rank as SIGTERM; Open MPI 4.1 then kills them about a second later
// (measured: a rank trapping SIGTERM lived ~1 s). Rank 0 uses that second to write its document
// with status "interrupted" and say so in one line; the other ranks wait a little before they go,
// so that a peer's death does not end rank 0 first. The handler only writes a byte to a pipe; the
// work runs on a thread of its own, not in the handler.
#include <functional>
#include <thread>

namespace collbench::app {

class InterruptWatch {
 public:
  // `on_signal(sig)` runs once on the watch's thread; the process then exits 128 + sig.
  explicit InterruptWatch(std::function<void(int)> on_signal);
  // Stops the thread and restores the signals' default actions.
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

 private:
  std::function<void(int)> m_on_signal;
  int m_pipe[2] = {-1, -1};
  std::thread m_thread;
};

// "SIGINT" / "SIGTERM".
const char* signal_name(int sig);

}  // namespace collbench::app

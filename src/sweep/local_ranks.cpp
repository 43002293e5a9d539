#include "sweep/local_ranks.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include "core/error.hpp"

namespace collbench::sweep {

namespace {

using Clock = std::chrono::steady_clock;

bool failed(const ChildExit& e) { return !e.exited || e.code != 0; }

}  // namespace

LocalRanksOutcome run_local_ranks(const LocalRanks& l, const OnStop& on_stop) {
  // Before the first rank starts: a signal from now on is passed on, none ends us first.
  InterruptGuard guard;
  std::vector<std::unique_ptr<Child>> ranks;
  for (int r = 0; r < l.nranks; ++r)  // a rank that cannot start: the destructors stop the others
    ranks.push_back(std::make_unique<Child>(l.argv, l.env_of(r), ChildIo{"", false}));

  LocalRanksOutcome out;
  int running = l.nranks;
  bool stopping = false, killed = false;
  Clock::time_point stop_at, kill_at;
  const auto after = [](double s) { return Clock::now() + std::chrono::milliseconds(static_cast<long>(s * 1000)); };
  const auto stop_all = [&](int sig) {
    for (auto& c : ranks) c->signal(sig);
    kill_at = after(l.kill_after_s);
    stopping = true;
  };
  while (running > 0) {
    for (int r = 0; r < l.nranks; ++r) {
      const std::optional<ChildExit> e = ranks[static_cast<std::size_t>(r)]->try_wait();
      if (!e) continue;
      --running;
      if (failed(*e) && out.failed_rank < 0 && !stopping) {
        out.failed_rank = r;
        out.failure = *e;
        out.exit_code = e->exited ? e->code : 3;
        stop_at = after(l.grace_s);
      }
    }
    if (const int sig = interrupt_signal(); sig != 0 && !stopping) {
      ChildExit how;
      how.signal = sig;
      if (out.failed_rank < 0) {  // interrupted first: the ranks' ends that follow are no failures
        out.interrupted_by = sig;
        out.exit_code = 128 + sig;
        if (on_stop) on_stop(-1, how, running);
      } else if (on_stop) {       // in a failure's grace: that failure is the one to tell
        on_stop(out.failed_rank, out.failure, running);
      }
      stop_all(sig);
    }
    if (out.failed_rank >= 0 && !stopping && (running == 0 || Clock::now() >= stop_at)) {
      if (on_stop) on_stop(out.failed_rank, out.failure, running);
      stop_all(SIGTERM);
    }
    if (stopping && !killed && running > 0 && Clock::now() >= kill_at) {
      for (auto& c : ranks) c->signal(SIGKILL);
      killed = true;
    }
    if (running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return out;
}

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw core::RunError(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) throw core::RunError(std::string("no free TCP port on 127.0.0.1 for the ranks to meet at: ") + std::strerror(err));
  return ntohs(addr.sin_port);
}

}  // namespace collbench::sweep

#include "app/interrupt.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace collbench::app {

namespace {

std::atomic<int> g_pipe_write{-1};

void on_interrupt(int sig) {
  const int saved = errno;
  const int fd = g_pipe_write.load();
  const char byte = static_cast<char>(sig);
  if (fd >= 0) (void)!::write(fd, &byte, 1);
  errno = saved;
}

void set_action(void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // the run's own system calls go on; the watch acts
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

InterruptWatch::InterruptWatch(std::function<void(int)> on_signal) : m_on_signal(std::move(on_signal)) {
  if (::pipe2(m_pipe, O_CLOEXEC) != 0) return;  // no watch: the default actions stay (the run dies as before)
  g_pipe_write.store(m_pipe[1]);
  m_thread = std::thread([this] {
    char byte = 0;
    ssize_t n = 0;
    while ((n = ::read(m_pipe[0], &byte, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1 || byte == 0) return;  // the destructor's stop
    const int sig = static_cast<unsigned char>(byte);
    m_on_signal(sig);
    ::_exit(128 + sig);
  });
  set_action(on_interrupt);
}

InterruptWatch::~InterruptWatch() {
  if (m_pipe[0] < 0) return;
  set_action(SIG_DFL);
  g_pipe_write.store(-1);
  const char stop = 0;
  (void)!::write(m_pipe[1], &stop, 1);
  if (m_thread.joinable()) m_thread.join();
  ::close(m_pipe[0]);
  ::close(m_pipe[1]);
}

const char* signal_name(int sig) { return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal"; }

}  // namespace collbench::app

#include "sweep/launcher.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <sstream>
#include <thread>

#include "core/error.hpp"

namespace collbench::sweep {

namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

}  // namespace

std::vector<std::string> expand_template(const plan::LauncherSpec& launcher, const std::string& collbench,
                                         const std::vector<std::string>& args, const plan::EnvChanges& env) {
  std::string hosts;
  for (const auto& h : launcher.hosts) hosts += (hosts.empty() ? "" : ",") + h;
  std::vector<std::string> out;
  std::istringstream words(launcher.command_template);
  std::string w;
  while (words >> w) {
    if (w == "{args}") {
      out.insert(out.end(), args.begin(), args.end());
    } else if (w == "{x_env}") {
      for (const auto& [name, value] : env)
        if (value) out.insert(out.end(), {"-x", name});
    } else {
      w = replace_all(w, "{ranks}", std::to_string(launcher.ranks));
      w = replace_all(w, "{hosts}", hosts);
      w = replace_all(w, "{collbench}", collbench);
      if (w.find("{args}") != std::string::npos || w.find("{x_env}") != std::string::npos)
        throw core::InputError("launcher.template '" + launcher.command_template + "': {args} and {x_env} must be words of their own");
      out.push_back(w);
    }
  }
  if (out.empty()) throw core::InputError("launcher.template: expands to an empty command");
  return out;
}

std::string ChildExit::describe() const {
  if (exited) return fmt::format("exited with code {}", code);
  const char* name = sigabbrev_np(signal);
  return fmt::format("killed by signal {} (SIG{})", signal, name ? name : "?");
}

Child::Child(const std::vector<std::string>& argv, const plan::EnvChanges& env, const std::string& log_path)
    : Child(argv, env, ChildIo{log_path, true}) {}

Child::Child(const std::vector<std::string>& argv, const plan::EnvChanges& env, const ChildIo& io) : m_own_group(io.own_group) {
  const std::string& log_path = io.log_path;
  const int log = log_path.empty() ? -1 : ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (!log_path.empty() && log < 0) throw core::RunError("'" + log_path + "': cannot open the launch log: " + std::strerror(errno));
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  const pid_t parent = ::getpid();
  m_pid = ::fork();
  if (m_pid < 0) {
    if (log >= 0) ::close(log);
    throw core::RunError(std::string("fork: ") + std::strerror(errno));
  }
  if (m_pid == 0) {
    if (m_own_group) ::setpgid(0, 0);  // a group of its own: the launcher and every rank it starts
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    for (const auto& [name, value] : env) {
      if (value) ::setenv(name.c_str(), value->c_str(), 1);
      else ::unsetenv(name.c_str());
    }
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::execvp(cargv[0], cargv.data());
    std::fprintf(stderr, "collbench: cannot start '%s': %s\n", cargv[0], std::strerror(errno));
    ::_exit(127);
  }
  if (m_own_group) ::setpgid(m_pid, m_pid);
  if (log >= 0) ::close(log);
}

Child::~Child() {
  if (!m_done && m_pid > 0) {
    kill_group();
  }
}

void Child::signal(int sig) {
  if (m_done || m_pid <= 0) return;
  if (m_own_group) ::kill(-m_pid, sig);
  ::kill(m_pid, sig);
}

void Child::kill_group() {
  signal(SIGTERM);
  for (int i = 0; i < 50; ++i) {  // 5 s for mpirun to take its ranks down
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_done = true;
      if (m_own_group) ::kill(-m_pid, SIGKILL);  // any rank left behind
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  signal(SIGKILL);
  int status = 0;
  ::waitpid(m_pid, &status, 0);
  m_done = true;
}

ChildExit Child::reap(int status) {
  ChildExit e;
  m_done = true;
  if (WIFEXITED(status)) e.exited = true, e.code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) e.signal = WTERMSIG(status);
  if (m_own_group) ::kill(-m_pid, SIGKILL);  // ranks orphaned by a launcher that died first
  return e;
}

std::optional<ChildExit> Child::try_wait() {
  if (m_done) return std::nullopt;
  int status = 0;
  const pid_t r = ::waitpid(m_pid, &status, WNOHANG);
  if (r == m_pid) return reap(status);
  if (r < 0 && errno != EINTR) throw core::RunError(std::string("waitpid: ") + std::strerror(errno));
  return std::nullopt;
}

ChildExit Child::wait(const std::function<bool()>& poll) {
  for (;;) {
    if (std::optional<ChildExit> e = try_wait()) return *e;
    if (!poll()) {
      kill_group();
      ChildExit e;
      e.stopped_by_us = true;
      e.signal = SIGTERM;
      return e;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

namespace {

volatile std::sig_atomic_t g_interrupt = 0;
extern "C" void on_interrupt(int sig) { g_interrupt = sig; }
constexpr int kInterrupts[3] = {SIGINT, SIGTERM, SIGHUP};

}  // namespace

InterruptGuard::InterruptGuard() {
  g_interrupt = 0;
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; ++i) ::sigaction(kInterrupts[i], &sa, &m_old[i]);
}

InterruptGuard::~InterruptGuard() {
  for (int i = 0; i < 3; ++i) ::sigaction(kInterrupts[i], &m_old[i], nullptr);
}

int interrupt_signal() { return g_interrupt; }

}  // namespace collbench::sweep

#include "measure/world.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.hpp"

namespace collbench::measure {

SoloWorld::SoloWorld(std::string host, int local_rank, int local_size) {
  m_hosts.push_back(std::move(host));
  m_job_ranks.push_back(0);
  m_local_rank = local_rank;
  m_local_size = local_size;
}

std::unique_ptr<World> SoloWorld::split(int color) const {
  if (color < 0) return nullptr;
  return std::make_unique<SoloWorld>(host(), m_local_rank, m_local_size);
}

void SoloWorld::abort(int exit_code) const {
  std::fflush(nullptr);
  std::_Exit(exit_code);
}

std::string this_host() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

namespace {
char g_crash_prefix[512];

extern "C" void on_fatal_signal(int sig) {
  char msg[600];
  const int n = std::snprintf(msg, sizeof(msg), "%s crashed with signal %d (%s); exit 3\n", g_crash_prefix, sig,
                              sig == SIGSEGV ? "SIGSEGV" : sig == SIGABRT ? "SIGABRT" : sig == SIGBUS ? "SIGBUS" : "fatal");
  if (n > 0) (void)!write(STDERR_FILENO, msg, static_cast<std::size_t>(n));
  _exit(static_cast<int>(core::ExitCode::run_failed));
}
}  // namespace

void install_crash_handler(int rank, const std::string& host) {
  std::snprintf(g_crash_prefix, sizeof(g_crash_prefix), "collbench: rank %d on %s:", rank, host.c_str());
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, on_fatal_signal);
}

}  // namespace collbench::measure

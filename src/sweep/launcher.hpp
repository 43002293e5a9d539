#pragma once
// Starting one launch: the spec's launcher template expanded into an argv (no shell), run in a
// process group of its own with the launch's environment, output to a log file. The child gets
// SIGTERM if the sweep dies, so a killed sweep leaves no launch running into its store.
// `collbench launch` starts its ranks with the same Child, in its own process group and output.
#include <signal.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "plan/sweep_plan.hpp"
#include "plan/sweep_spec.hpp"

namespace collbench::sweep {

// Expands {ranks} {hosts} {collbench} {x_env} {args}. {args} and {x_env} must stand alone as
// words; they become several (or no) argv entries. Throws InputError for a template that
// expands to nothing.
std::vector<std::string> expand_template(const plan::LauncherSpec& launcher, const std::string& collbench,
                                         const std::vector<std::string>& args, const plan::EnvChanges& env);

struct ChildExit {
  bool exited = false;   // normal exit with `code`
  int code = 0;
  int signal = 0;        // killed by this signal
  bool stopped_by_us = false;  // we killed it (interrupt or stall)
  std::string describe() const;  // "exited with code 3", "killed by signal 9 (SIGKILL)"
};

// Where a child's output goes and which process group it runs in.
struct ChildIo {
  std::string log_path;   // stdout and stderr appended to this file; "": this process's own
  // A process group of its own, signalled as a whole (a launcher and the ranks it starts); false:
  // this process's group, so a terminal's Ctrl-C reaches the child as it reaches us.
  bool own_group = true;
};

class Child {
 public:
  // Throws RunError when the program cannot be started. Its stdin is /dev/null; it gets SIGTERM
  // when this process dies.
  Child(const std::vector<std::string>& argv, const plan::EnvChanges& env, const std::string& log_path);
  Child(const std::vector<std::string>& argv, const plan::EnvChanges& env, const ChildIo& io);
  ~Child();  // a child still running is killed (SIGTERM, SIGKILL after 5 s)
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  // Waits, calling `poll` every ~200 ms; when it returns false the child's group is killed
  // (SIGTERM, then SIGKILL after 5 s).
  ChildExit wait(const std::function<bool()>& poll);
  // Its exit once it has ended, without waiting; nullopt while it runs.
  std::optional<ChildExit> try_wait();
  // Sends `sig` to the child (to its group when it has one of its own); nothing once it has ended.
  void signal(int sig);
  bool done() const { return m_done; }

 private:
  ChildExit reap(int status);
  void kill_group();
  int m_pid = -1;
  bool m_own_group = true;
  bool m_done = false;
};

// While one lives, SIGINT, SIGTERM and SIGHUP do not end this process: the signal is recorded for
// interrupt_signal(), and the previous handlers come back when it goes out of scope.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction m_old[3] {};
};
// The last signal an InterruptGuard caught since the guard was made; 0 when none.
int interrupt_signal();

}  // namespace collbench::sweep

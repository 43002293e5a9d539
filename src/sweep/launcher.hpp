#pragma once
// Starting one launch: the spec's launcher template expanded into an argv (no shell), run in a
// process group of its own with the launch's environment, output to a log file. The child gets
// SIGTERM if the sweep dies, so a killed sweep leaves no launch running into its store.
#include <chrono>
#include <functional>
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

class Child {
 public:
  // Throws RunError when the program cannot be started.
  Child(const std::vector<std::string>& argv, const plan::EnvChanges& env, const std::string& log_path);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  // Waits, calling `poll` every ~200 ms; when it returns false the child's group is killed
  // (SIGTERM, then SIGKILL after 5 s).
  ChildExit wait(const std::function<bool()>& poll);

 private:
  void kill_group();
  int m_pid = -1;
  bool m_done = false;
};

}  // namespace collbench::sweep

#pragma once
// The process environment as a sweep launch's blocks switch it. A block sets a knob's variable or
// leaves it at its default; "default" means the value the launch started with — which includes
// what NCCL's configuration files put there — not "unset".
#include <map>
#include <optional>
#include <string>

#include "plan/sweep_plan.hpp"

namespace collbench::app {

// Applies NCCL's configuration files to the environment as NCCL does at its first call (NCCL
// 2.28.9 src/misc/param.cc:27-69): NCCL_CONF_FILE when set and not empty, else ~/.nccl.conf of
// the user's home (getpwuid), then /etc/nccl.conf; lines NAME=VALUE, '#' lines skipped, each set
// without overwriting (setenv(..., 0)). Doing it before the first block makes the files' values
// part of the launch's starting environment, as they are for NCCL from its first call on.
void apply_nccl_conf_files();

// Each block's environment in turn, within one launch.
class BlockEnvironment {
 public:
  // Sets each variable to its value; a variable without one goes back to the value it had when
  // this launch first touched it (unset if it had none).
  void apply(const plan::EnvChanges& env);

 private:
  std::map<std::string, std::optional<std::string>> m_start;
};

}  // namespace collbench::app

#pragma once
// `collbench launch --nproc-per-node N [--rendezvous-port P] [--] COMMAND…`: N ranks of this
// collbench on this machine, like `torchrun --standalone --nproc-per-node N`, meeting through
// NCCL's bootstrap at 127.0.0.1. No MPI, no CUDA, no NCCL in the launcher itself.
#include <climits>
#include <set>
#include <string>
#include <vector>

namespace collbench::app {

struct LaunchRequest {
  int nproc_per_node = INT_MIN;      // INT_MIN: not given
  int rendezvous_port = 0;           // 0: a free loopback port
  std::vector<std::string> command;  // the collbench arguments every rank runs ("run", "-b", "8" …)
};

// Starts the ranks and waits for them. `commands`: collbench's subcommands, to refuse a command
// the ranks could not run before starting any. Returns 0 when every rank exited 0, else the first
// failing rank's exit code (3 when a signal ended it), 128 + N when the launcher got signal N.
// Throws InputError (exit 2) for a bad count or command and for a launch inside another launcher.
int launch(const LaunchRequest& request, const std::set<std::string>& commands);

}  // namespace collbench::app

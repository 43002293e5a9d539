#pragma once
// `collbench launch`'s agent, like torchrun's: N copies of one command on this machine, each with
// its own environment, in this process's group and output. When one rank fails (a non-zero exit
// or a signal) the others get SIGTERM, then SIGKILL; SIGINT, SIGTERM and SIGHUP sent to this
// process are passed on to every rank. No MPI, no CUDA, no NCCL.
// Between a rank's failure and SIGTERM to the others lies a short grace: ranks that fail alike
// (bad input) end on their own in it, and rank 0, the one that prints, is not cut off mid-message.
#include <functional>
#include <string>
#include <vector>

#include "plan/sweep_plan.hpp"
#include "sweep/launcher.hpp"

namespace collbench::sweep {

struct LocalRanks {
  std::vector<std::string> argv;                    // what every rank runs
  int nranks = 1;
  std::function<plan::EnvChanges(int rank)> env_of;  // each rank's variables
  double grace_s = 1;                                // from a rank's failure to SIGTERM
  double kill_after_s = 10;                          // from SIGTERM to SIGKILL
};

struct LocalRanksOutcome {
  // 0 when every rank exited 0; else the first failing rank's exit code (3 when a signal killed
  // it); 128 + N when this process got signal N (passed on to the ranks).
  int exit_code = 0;
  int failed_rank = -1;  // the first rank that failed; -1 when none did
  ChildExit failure;     // how it ended
  int interrupted_by = 0;  // the signal this process got; 0 when none
};

// Called once, when the others are about to be stopped after the first rank failed: its rank, how
// it ended, and how many ranks are still running (0 when all ended in the grace). Or once when this
// process is interrupted first: rank -1, how.signal the signal.
using OnStop = std::function<void(int rank, const ChildExit& how, int still_running)>;

// Starts the ranks and waits for all of them. Throws RunError when a rank cannot be started (the
// ranks already started are stopped).
LocalRanksOutcome run_local_ranks(const LocalRanks& ranks, const OnStop& on_stop);

// A TCP port of 127.0.0.1 that is free now (bound as port 0, then released), for the ranks to
// meet at. Another process may take it meanwhile, as with torchrun --standalone. Throws RunError.
int free_loopback_port();

}  // namespace collbench::sweep

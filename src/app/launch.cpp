#include "app/launch.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "app/this_binary.hpp"
#include "core/error.hpp"
#include "sweep/local_ranks.hpp"

namespace collbench::app {

namespace {

// Commands that run as one plain process and start their own launches, or launch itself.
const std::set<std::string> kNotUnderLaunch = {"launch", "sweep", "tune", "baseline", "check"};

const char* env_or_null(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

// A launch inside another launcher would hand its ranks a second, conflicting world.
void check_not_nested() {
  if (const char* v = env_or_null("COLLBENCH_LAUNCHER"))
    throw core::InputError(fmt::format("COLLBENCH_LAUNCHER '{}': this process is a rank of collbench launch; expected "
                                       "collbench launch to be run directly, not from one of its ranks",
                                       v));
  if (const char* v = env_or_null("TORCHELASTIC_RUN_ID"))
    throw core::InputError(fmt::format("TORCHELASTIC_RUN_ID '{}': this process is a torchrun worker; expected collbench "
                                       "launch to be run directly, not under torchrun (or run collbench under torchrun alone)",
                                       v));
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
    if (const char* v = env_or_null(name))
      throw core::InputError(fmt::format("{} '{}': this process is a rank of an MPI launcher (mpirun, srun --mpi=pmix); "
                                         "expected collbench launch to be run directly: it starts its own ranks",
                                         name, v));
}

void check_rank_command(const std::vector<std::string>& command, const std::set<std::string>& commands) {
  if (command.empty())
    throw core::InputError("launch: expected the collbench command every rank runs, e.g. collbench launch "
                           "--nproc-per-node 8 run -b 8 -e 1G");
  const std::string& first = command.front();
  if (first.starts_with("-")) return;  // --version, --help: collbench's own
  if (kNotUnderLaunch.count(first))
    throw core::InputError(first == "launch"
                               ? std::string("launch launch: expected a command for every rank, such as run; launches do not nest")
                               : fmt::format("launch {}: expected a command for every rank, such as run; collbench {} runs as "
                                             "one plain process and starts its own launches",
                                             first, first));
  if (!commands.count(first)) {
    std::string expected;
    for (const auto& c : commands)
      if (!kNotUnderLaunch.count(c)) expected += (expected.empty() ? "" : ", ") + c;
    throw core::InputError(fmt::format("launch: '{}' is not a collbench command; expected one of {} (every rank runs "
                                       "this collbench binary with the arguments after launch's own)",
                                       first, expected));
  }
}

std::string ranks_text(int n) { return n == 1 ? "1 rank" : fmt::format("{} ranks", n); }

}  // namespace

int launch(const LaunchRequest& a, const std::set<std::string>& commands) {
  if (a.nproc_per_node == INT_MIN)
    throw core::InputError("launch: expected --nproc-per-node N, the number of ranks to start on this machine");
  if (a.nproc_per_node < 1)
    throw core::InputError(fmt::format("--nproc-per-node {}: expected 1 or more ranks", a.nproc_per_node));
  check_rank_command(a.command, commands);
  check_not_nested();

  sweep::LocalRanks ranks;
  ranks.argv = {this_binary()};
  ranks.argv.insert(ranks.argv.end(), a.command.begin(), a.command.end());
  ranks.nranks = a.nproc_per_node;
  const std::string n = std::to_string(a.nproc_per_node);
  const std::string port = std::to_string(a.rendezvous_port > 0 ? a.rendezvous_port : sweep::free_loopback_port());
  ranks.env_of = [&](int rank) {
    const std::string r = std::to_string(rank);
    return plan::EnvChanges{{"RANK", r}, {"WORLD_SIZE", n}, {"LOCAL_RANK", r}, {"LOCAL_WORLD_SIZE", n},
                            {"GROUP_RANK", "0"}, {"NODE_RANK", "0"}, {"MASTER_ADDR", "127.0.0.1"},
                            {"MASTER_PORT", port}, {"COLLBENCH_LAUNCHER", "collbench-launch"}};
  };
  const sweep::LocalRanksOutcome out = sweep::run_local_ranks(ranks, [](int rank, const sweep::ChildExit& how, int running) {
    const std::string others = running > 0 ? fmt::format("; stopping the other {}", ranks_text(running)) : "";
    if (rank >= 0)
      std::fprintf(stderr, "collbench launch: rank %d %s%s\n", rank, how.describe().c_str(), others.c_str());
    else
      std::fprintf(stderr, "collbench launch: got SIG%s%s\n", sigabbrev_np(how.signal) ? sigabbrev_np(how.signal) : "?",
                   running > 0 ? fmt::format("; passing it on to the {} still running", ranks_text(running)).c_str() : "");
    std::fflush(stderr);
  });
  return out.exit_code;
}

}  // namespace collbench::app

#include "cli/launch_command.hpp"

#include <string>

namespace collbench::cli {

namespace {

constexpr const char* kFooter = R"(Examples:
  collbench launch --nproc-per-node 8 run --backend nccl -b 8 -e 1G
  collbench launch --nproc-per-node 2 --rendezvous-port 29600 -- run -b 1K -e 1M --json out.json

Like torchrun --standalone --nproc-per-node N: N ranks of this collbench binary with the command
after launch's own options (or after "--"), each with RANK, WORLD_SIZE, LOCAL_RANK,
LOCAL_WORLD_SIZE (= N), GROUP_RANK and NODE_RANK (0), MASTER_ADDR=127.0.0.1, MASTER_PORT and
COLLBENCH_LAUNCHER=collbench-launch; they meet through NCCL's bootstrap, no MPI involved. The
ranks share the launcher's terminal: rank 0 prints the table (and any bad-input message), the
others stay quiet. Ctrl-C, SIGTERM and SIGHUP reach every rank. When one rank fails, the others
still running 1 s later get SIGTERM (SIGKILL 10 s after that) and one line names the rank and how
it ended; a killed launcher takes its ranks with it. On success the launcher prints nothing.
For several nodes use torchrun, srun --mpi=none or mpirun.
Exit codes: 0 every rank exited 0; else the first failing rank's code (1 wrong results, 2 bad
input, 3 the run failed; 3 also when a signal killed it); 2 bad launch arguments; 128+N when the
launcher got signal N.)";

}  // namespace

CLI::App* add_launch_command(CLI::App& app, app::LaunchRequest& a) {
  CLI::App* c = app.add_subcommand("launch", "Start N ranks of collbench on this machine without MPI (like torchrun --standalone)");
  c->footer(kFooter);
  c->add_option("--nproc-per-node", a.nproc_per_node, "Ranks to start on this machine (required)");
  c->add_option("--rendezvous-port", a.rendezvous_port, "MASTER_PORT for the ranks to meet at (default: a free port of 127.0.0.1)")
      ->check(CLI::Range(1, 65535));
  c->add_option("command", a.command, "The collbench command every rank runs: run … (after launch's options or \"--\")");
  return c;
}

std::vector<std::string> launch_words(const CLI::App& launch, const std::vector<std::string>& after, app::LaunchRequest& args) {
  std::vector<std::string> own = {"launch"};
  std::size_t i = 0;
  for (; i < after.size(); ++i) {
    const std::string& w = after[i];
    if (w == "--") {
      ++i;
      break;
    }
    const CLI::Option* opt = w.size() > 1 && w[0] == '-' ? launch.get_option_no_throw(w.substr(0, w.find('='))) : nullptr;
    if (opt == nullptr) break;  // the command begins
    own.push_back(w);
    if (w.find('=') == std::string::npos && opt->get_items_expected_min() > 0 && i + 1 < after.size()) own.push_back(after[++i]);
  }
  args.command.assign(after.begin() + static_cast<long>(i), after.end());
  return {own.rbegin(), own.rend()};
}

}  // namespace collbench::cli

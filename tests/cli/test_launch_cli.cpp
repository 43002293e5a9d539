// `collbench launch`: N local ranks of this binary without MPI. Bad launch arguments exit 2 with
// one line; ranks that succeed give 0 and a quiet launcher; a failing rank's code is passed on
// promptly, with one line naming the rank; a signal to the launcher reaches the ranks, and a
// killed launcher leaves none behind. (NCCL runs through launch: tests/standin, the GPU tests.)
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../e2e_support.hpp"

extern char** environ;

namespace {

struct BadLaunch {
  const char* args;
  const char* env;
  const char* must_mention;
};

const BadLaunch kBad[] = {
    {"launch run -b 8 -e 64", "", "launch: expected --nproc-per-node N"},
    {"launch --nproc-per-node 0 run", "", "--nproc-per-node 0: expected 1 or more ranks"},
    {"launch --nproc-per-node -3 run", "", "--nproc-per-node -3: expected 1 or more ranks"},
    {"launch --nproc-per-node many run", "", "--nproc-per-node"},
    {"launch --nproc-per-node 2", "", "launch: expected the collbench command every rank runs"},
    {"launch --nproc-per-node 2 --", "", "launch: expected the collbench command every rank runs"},
    {"launch --nproc-per-node 2 --rendezvous-port 70000 run", "", "--rendezvous-port"},
    {"launch --nproc-per-node 2 frobnicate", "", "launch: 'frobnicate' is not a collbench command"},
    {"launch --nproc-per-node 2 sweep sweeps/smoke.json --out x", "", "launch sweep: expected a command for every rank"},
    {"launch --nproc-per-node 2 launch --nproc-per-node 2 run", "", "launch launch: expected a command for every rank"},
    {"launch --nproc-per-node 2 run", "COLLBENCH_LAUNCHER=collbench-launch", "COLLBENCH_LAUNCHER 'collbench-launch': this process is a rank of collbench launch"},
    {"launch --nproc-per-node 2 run", "OMPI_COMM_WORLD_RANK=0", "OMPI_COMM_WORLD_RANK '0': this process is a rank of an MPI launcher"},
    {"launch --nproc-per-node 2 run", "PMIX_RANK=0", "PMIX_RANK '0'"},
    {"launch --nproc-per-node 2 run", "TORCHELASTIC_RUN_ID=x", "TORCHELASTIC_RUN_ID 'x'"},
};

TEST(Launch, BadArgumentsExit2WithOneLine) {
  for (const BadLaunch& c : kBad) {
    const e2e::Result r = e2e::run(0, c.args, c.env, 30);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_EQ(e2e::count_lines_containing(r.output, "collbench: "), 1) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.must_mention), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_EQ(r.output.find("collbench launch: rank"), std::string::npos) << "no rank may start: " << c.args << "\n" << r.output;
  }
}

TEST(Launch, HelpSaysWhatEveryRankGets) {
  const e2e::Result r = e2e::run(0, "launch --help", "", 30);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"--nproc-per-node", "--rendezvous-port", "MASTER_ADDR=127.0.0.1", "COLLBENCH_LAUNCHER=collbench-launch",
                        "rank 0 prints the table", "Exit codes"})
    EXPECT_NE(r.output.find(s), std::string::npos) << s << "\n" << r.output;
  EXPECT_NE(e2e::run(0, "--help", "", 30).output.find("launch"), std::string::npos);
}

int version_lines(const std::string& output) {
  const std::regex version("^[0-9]+\\.[0-9]+\\.[0-9]+$");
  std::istringstream in(output);
  int n = 0;
  for (std::string line; std::getline(in, line);) n += std::regex_match(line, version);
  return n;
}

// Three ranks that succeed: exit 0, the launcher says nothing, and rank 0 alone prints.
TEST(Launch, RanksThatSucceedGiveZero) {
  e2e::Result r = e2e::run(0, "launch --nproc-per-node 3 report --help", "", 60);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("collbench launch"), std::string::npos) << r.output;
  EXPECT_EQ(e2e::count_lines_containing(r.output, "Capacity-review report"), 1) << r.output;
  for (const char* args : {"launch --nproc-per-node 3 -- --version", "launch --nproc-per-node=2 --version"}) {
    r = e2e::run(0, args, "", 60);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.output;
    EXPECT_EQ(version_lines(r.output), 1) << "one version line, from rank 0: " << args << "\n" << r.output;
  }
}

// Both ranks fail on bad input: the launcher exits with their code, promptly, one line naming the
// rank that failed first; rank 0 alone prints the bad-input line.
TEST(Launch, AFailingRanksCodeIsPassedOnPromptly) {
  const auto t0 = std::chrono::steady_clock::now();
  const e2e::Result r = e2e::run(0, "launch --nproc-per-node 2 --rendezvous-port 29611 report /nonexistent-input", "", 60);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_LT(s, 10.0) << r.output;
  EXPECT_EQ(e2e::count_lines_containing(r.output, "collbench launch: "), 1) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("collbench launch: rank [01] exited with code 2"))) << r.output;
  EXPECT_EQ(e2e::count_lines_containing(r.output, "/nonexistent-input"), 1) << r.output;
}

// Processes whose command line mentions `needle` (the launcher and its ranks), this test excluded.
int processes_mentioning(const std::string& needle) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos || pid == std::to_string(::getpid())) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string line = text.str();
    for (char& c : line)
      if (c == '\0') c = ' ';
    // A rank that has exited but is not reaped yet has an empty command line.
    n += line.find(needle) != std::string::npos;
  }
  return n;
}

bool wait_until(const std::function<bool()>& done, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// `COLLBENCH_INJECT=pause:0,pause:1 collbench launch --nproc-per-node 2 run --json MARKER`: both
// ranks block before their job starts, until a signal ends them. Returns the launcher's pid; its
// output goes to `log`. (A FIFO as input no longer blocks: readers refuse it.)
pid_t start_blocked_launch(const std::string& marker, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  const char* bin_env = std::getenv("COLLBENCH_BIN");  // as e2e::run: another build of collbench
  const std::string bin = bin_env && *bin_env ? bin_env : COLLBENCH_BINARY;
  std::vector<std::string> args = {bin, "launch", "--nproc-per-node", "2", "run", "--backend", "nccl", "-b", "8", "-e", "8",
                                   "--json", marker};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e)
    if (std::string_view(*e).rfind("COLLBENCH_INJECT=", 0) != 0) env_text.emplace_back(*e);
  env_text.emplace_back("COLLBENCH_INJECT=pause:0,pause:1");
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&fa);
  // The launcher and both ranks are up.
  EXPECT_TRUE(wait_until([&] { return processes_mentioning(marker) == 3; }, 20)) << processes_mentioning(marker);
  return pid;
}

// SIGTERM to the launcher reaches the ranks; it exits 128 + 15 and says so in one line.
TEST(Launch, SigtermToTheLauncherReachesTheRanks) {
  const std::string marker = e2e::temp_path("term-marker.json"), log = e2e::temp_path("term.log");
  const pid_t pid = start_blocked_launch(marker, log);
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_TRUE(wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 10)) << e2e::slurp(log);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM) << e2e::slurp(log);
  EXPECT_NE(e2e::slurp(log).find("collbench launch: got SIGTERM; passing it on to the 2 ranks still running"), std::string::npos)
      << e2e::slurp(log);
  EXPECT_EQ(processes_mentioning(marker), 0);
}

// A launcher killed outright leaves no rank behind (PR_SET_PDEATHSIG).
TEST(Launch, AKilledLauncherLeavesNoOrphans) {
  const std::string marker = e2e::temp_path("kill-marker.json"), log = e2e::temp_path("kill.log");
  const pid_t pid = start_blocked_launch(marker, log);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(wait_until([&] { return processes_mentioning(marker) == 0; }, 10)) << processes_mentioning(marker);
}

}  // namespace

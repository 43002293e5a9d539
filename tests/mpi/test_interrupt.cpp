// A run interrupted by SIGTERM or SIGINT (issue 23, item 7): the JSON keeps the completed rows with
// status "interrupted", rank 0 says so in one line, and the exit status is documented (README,
// "Exit codes"): 128 + the signal from collbench, 1 from Open MPI's mpirun.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "e2e_support.hpp"

extern char** environ;

namespace {

pid_t spawn(std::vector<std::string> args, const std::string& out, const std::string& err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawnp(&pid, args[0].c_str(), &fa, nullptr, argv.data(), environ), 0) << args[0];
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// Waits until `json` holds at least one record (the run is measuring), then sends `sig` to `pid`;
// returns the exit code (128 + signal when it died of one).
int interrupt_when_measuring(pid_t pid, const std::string& json, int sig) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until) {
    const std::string text = e2e::slurp(json);
    if (text.find("\"collective\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, sig);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string binary() {
  const char* b = std::getenv("COLLBENCH_BIN");
  return b && *b ? b : COLLBENCH_BINARY;
}

// Sizes up to 1G, 200 iterations: far longer than the test waits.
const std::vector<std::string> kLongRun = {"run", "--backend", "mpi", "-b", "8", "-e", "1G", "-n", "200"};

void expect_interrupted(const std::string& json, const std::string& err, const char* signal_name, int code) {
  const nlohmann::json doc = e2e::read_json(json);
  EXPECT_EQ(doc.at("status"), "interrupted") << err;
  EXPECT_GE(doc.at("results").size(), 1u);
  EXPECT_EQ(e2e::count_lines_containing(err, "collbench: interrupted by " + std::string(signal_name) + " after "), 1) << err;
  EXPECT_NE(err.find("status \"interrupted\"): a user's interrupt, or the launcher ending the job"), std::string::npos) << err;
  EXPECT_NE(err.find("; exit " + std::to_string(code)), std::string::npos) << err;
}

TEST(Interrupt, SigtermToMpirunLeavesAnInterruptedDocumentAndOneLine) {
  if (std::string(MPIEXEC).empty()) GTEST_SKIP() << "a build without MPI";
  const std::string json = e2e::temp_path("term.json"), out = e2e::temp_path("term.out"), err = e2e::temp_path("term.err");
  std::vector<std::string> args = {MPIEXEC, "-np", "2", "--oversubscribe", binary()};
  args.insert(args.end(), kLongRun.begin(), kLongRun.end());
  args.insert(args.end(), {"--json", json});
  const int code = interrupt_when_measuring(spawn(args, out, err), json, SIGTERM);
  EXPECT_EQ(code, 1) << "Open MPI 4.1's mpirun exits 1 when interrupted (README, Exit codes)\n" << e2e::slurp(err);
  expect_interrupted(json, e2e::slurp(err), "SIGTERM", 143);
}

TEST(Interrupt, SigintToASingleProcessExits130) {
  const std::string json = e2e::temp_path("int.json"), out = e2e::temp_path("int.out"), err = e2e::temp_path("int.err");
  std::vector<std::string> args = {binary()};
  args.insert(args.end(), kLongRun.begin(), kLongRun.end());
  args.insert(args.end(), {"--json", json});
  const int code = interrupt_when_measuring(spawn(args, out, err), json, SIGINT);
  EXPECT_EQ(code, 130) << e2e::slurp(err);
  expect_interrupted(json, e2e::slurp(err), "SIGINT", 130);
}

}  // namespace

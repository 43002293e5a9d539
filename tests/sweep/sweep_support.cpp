#include "sweep/sweep_support.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace sweep_e2e {

using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void ensure_mpirun_env() {
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
  ::setenv("OMPI_MCA_btl_base_warn_component_unused", "0", 0);
}

// Starts `collbench args…` with stdout and stderr going to files; returns its pid.
pid_t spawn(const std::vector<std::string>& args, const std::string& out_file, const std::string& err_file) {
  std::vector<std::string> argv = {COLLBENCH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int o = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = ::open("/dev/null", O_RDONLY);
    if (o < 0 || e < 0 || in < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    ::execv(c[0], c.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid`; kills it after `timeout_s`. Returns the exit code (128 + signal if killed).
int wait_exit(pid_t pid, int timeout_s) {
  const auto until = Clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (Clock::now() > until) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << "collbench (pid " << pid << ") still running after " << timeout_s << " s; killed";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int count_lines(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) n += !line.empty();
  return n;
}

std::vector<json> read_results(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      out.push_back(json::parse(line));
    } catch (const json::exception& e) {
      ADD_FAILURE() << path << ": a line that is not JSON (" << e.what() << "): " << line.substr(0, 200);
    }
  }
  return out;
}

// Processes still running a launch of the sweep in `dir` (collbench run … --sweep-launch DIR/…,
// or the mpirun that started it).
std::vector<std::string> launch_processes(const std::string& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmd = slurp(e.path().string() + "/cmdline");
    for (char& ch : cmd)
      if (ch == '\0') ch = ' ';
    if (cmd.find("--sweep-launch") != std::string::npos && cmd.find(dir + "/launches/") != std::string::npos)
      found.push_back(name + ": " + cmd);
  }
  return found;
}

// Waits up to `timeout_s` for every launch process of `dir` to be gone; returns those left.
std::vector<std::string> wait_launches_gone(const std::string& dir, int timeout_s) {
  const auto until = Clock::now() + std::chrono::seconds(timeout_s);
  std::vector<std::string> left = launch_processes(dir);
  while (!left.empty() && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    left = launch_processes(dir);
  }
  return left;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

// The project root: holds sweeps/smoke.json; the binary is built under it (<root>/build/collbench).
std::string project_root() {
#ifdef COLLBENCH_SOURCE_DIR
  return COLLBENCH_SOURCE_DIR;
#else
  for (fs::path p = fs::path(COLLBENCH_BINARY).parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path())
    if (fs::exists(p / "sweeps" / "smoke.json")) return p.string();
  return fs::path(COLLBENCH_BINARY).parent_path().parent_path().string();
#endif
}

void DirTest::SetUp() {
  ensure_mpirun_env();
  std::string tmpl = (std::filesystem::temp_directory_path() / "collbench-e2e-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
  m_dir = tmpl;
}

void DirTest::TearDown() {
  std::error_code ec;
  std::filesystem::remove_all(m_dir, ec);
}

std::string DirTest::write(const std::string& name, const std::string& text) const {
  std::ofstream(path(name)) << text;
  return path(name);
}

Proc DirTest::collbench(const std::vector<std::string>& args, int timeout_s) {
  Proc p;
  p.exit_code = wait_exit(spawn(args, path("stdout.txt"), path("stderr.txt")), timeout_s);
  p.out = slurp(path("stdout.txt"));
  p.err = slurp(path("stderr.txt"));
  return p;
}

}  // namespace sweep_e2e

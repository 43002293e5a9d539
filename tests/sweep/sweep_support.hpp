#pragma once
// Helpers for the sweep end-to-end tests: collbench started in the background with stdout and
// stderr apart, waited for or killed, and the store and /proc read back.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "e2e_support.hpp"

namespace sweep_e2e {

// What a user sees of one `collbench …` command.
struct Proc {
  int exit_code = -1;  // 128 + signal when killed
  std::string out, err;
  std::string all() const { return "--- stdout:\n" + out + "--- stderr:\n" + err; }
};

using e2e::slurp;  // a file's bytes
// Open MPI refuses to start as root without OMPI_ALLOW_RUN_AS_ROOT* (scripts/env.sh exports them).
void ensure_mpirun_env();
// Starts `collbench args…` with stdout and stderr going to files; returns its pid.
pid_t spawn(const std::vector<std::string>& args, const std::string& out_file, const std::string& err_file);
// Waits for `pid`; kills it after `timeout_s`. Returns the exit code (128 + signal if killed).
int wait_exit(pid_t pid, int timeout_s);
int count_lines(const std::string& path);  // non-empty lines
std::vector<nlohmann::json> read_results(const std::string& path);
// Processes still running a launch of the sweep in `dir` (collbench run … --sweep-launch DIR/…,
// or the mpirun that started it).
std::vector<std::string> launch_processes(const std::string& dir);
// Waits up to `timeout_s` for every launch process of `dir` to be gone; returns those left.
std::vector<std::string> wait_launches_gone(const std::string& dir, int timeout_s);
std::string join(const std::vector<std::string>& v);
// The project root: holds sweeps/smoke.json; the binary is built under it (<root>/build/collbench).
std::string project_root();

// A test with a temporary directory of its own (removed afterwards) in which it runs collbench.
class DirTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::string path(const std::string& name) const { return m_dir + "/" + name; }
  // Writes `text` to path(name) and returns that path.
  std::string write(const std::string& name, const std::string& text) const;
  // `collbench args…`, its stdout and stderr kept apart, killed after `timeout_s`.
  Proc collbench(const std::vector<std::string>& args, int timeout_s = 120);

  std::string m_dir;
};

}  // namespace sweep_e2e

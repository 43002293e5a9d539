#include "e2e_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#ifndef MPIEXEC
#define MPIEXEC ""  // a build without MPI
#endif

namespace e2e {

namespace {

std::string getenv_or(const char* name, const std::string& otherwise) {
  const char* v = std::getenv(name);
  return v && *v ? v : otherwise;
}

// `collbench <args>` on np > 0 ranks: COLLBENCH_E2E_LAUNCH "mpirun": under MPIEXEC; "launch":
// `collbench launch --nproc-per-node np <args>` (no MPI); "direct": the binary alone, one rank (np 1
// only). Unset: mpirun, or launch in a build without MPI (MPIEXEC empty). np <= 0: the binary alone.
std::string command(int np, const std::string& args, const std::string& mpirun_args) {
  const std::string bin = getenv_or("COLLBENCH_BIN", COLLBENCH_BINARY);
  const std::string mode = getenv_or("COLLBENCH_E2E_LAUNCH", std::string(MPIEXEC).empty() ? "launch" : "mpirun");
  if (np <= 0) return bin + " " + args;
  if (mode == "mpirun")
    return std::string(MPIEXEC) + " -np " + std::to_string(np) + " --oversubscribe " + mpirun_args + " " + bin + " " + args;
  if (!mpirun_args.empty())
    throw std::runtime_error("e2e: mpirun arguments '" + mpirun_args + "' need COLLBENCH_E2E_LAUNCH=mpirun, not " + mode);
  if (mode == "launch") return bin + " launch --nproc-per-node " + std::to_string(np) + " " + args;
  if (mode == "direct" && np == 1) return bin + " " + args;
  throw std::runtime_error("e2e: COLLBENCH_E2E_LAUNCH=" + mode + " cannot start " + std::to_string(np) +
                           " ranks (expected mpirun, launch, or direct for one rank)");
}

}  // namespace

Result run(int np, const std::string& args, const std::string& env, int timeout_s, const std::string& mpirun_args) {
  const std::string cmd = "env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 " +
                          env + " timeout -k 5 " + std::to_string(timeout_s) + " " + command(np, args, mpirun_args) + " 2>&1";
  Result r;
  std::FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + cmd);
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string temp_path(const std::string& name) {
  namespace fs = std::filesystem;
  // A directory of this process's own (mkdtemp): one named by the pid alone may be a directory
  // an earlier process of the same pid left, holding what fs::remove cannot remove.
  static const fs::path dir = [] {
    std::string templ = (fs::temp_directory_path() / "collbench-e2e-XXXXXX").string();
    if (!::mkdtemp(templ.data())) throw std::runtime_error("e2e: mkdtemp " + templ + " failed");
    return fs::path(templ);
  }();
  fs::remove_all(dir / name);
  return (dir / name).string();
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  return nlohmann::json::parse(in);
}

nlohmann::json read_run_results(const std::string& path) { return read_json(path).at("results"); }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

int count_lines_containing(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) n += line.find(needle) != std::string::npos;
  return n;
}

}  // namespace e2e

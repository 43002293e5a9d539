#pragma once
// Runs the real collbench binary (under mpirun) and reads what it wrote.
#include <nlohmann/json.hpp>

#include <string>

namespace e2e {

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `collbench <args>` under `mpirun -np N --oversubscribe` (N = 0: no mpirun), with extra
// environment assignments ("VAR=value …"), bounded by `timeout_s`; `mpirun_args` go to mpirun.
// Without MPI (the GPU kit, scripts/gpu-smoke.sh): COLLBENCH_E2E_LAUNCH=launch starts the N ranks
// with `collbench launch --nproc-per-node N`, =direct runs one rank as a plain process; and
// COLLBENCH_BIN, when set, is the binary run instead of the build's.
Result run(int np, const std::string& args, const std::string& env = "", int timeout_s = 120,
           const std::string& mpirun_args = "");
// A fresh path in a per-test temporary directory.
std::string temp_path(const std::string& name);
nlohmann::json read_json(const std::string& path);
// A run JSON's "results", by value: `for (rec : read_json(p).at("results"))` would iterate a
// member of a temporary already destroyed (C++20 range-for; ASan's heap-use-after-free).
nlohmann::json read_run_results(const std::string& path);
// A file's bytes ("" when it cannot be read), and a file written with `text`.
std::string slurp(const std::string& path);
void write_text(const std::string& path, const std::string& text);
int count_lines_containing(const std::string& text, const std::string& needle);

}  // namespace e2e

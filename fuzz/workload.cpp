// Workload files (tune --workload): read_workload through the file layer.
#include "fuzz_input.hpp"
#include "tune/workload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = collbench::fuzz::write_input("workload.json", data, size);
  return collbench::fuzz::expect_contract("workload", [&] { (void)collbench::tune::read_workload(path); });
}

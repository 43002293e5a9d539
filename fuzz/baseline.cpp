// Baselines (check --baseline): read_baseline_file through the file layer; a baseline it accepts
// is written back as JSON.
#include "check/baseline.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = collbench::fuzz::write_input("baseline.json", data, size);
  return collbench::fuzz::expect_contract("baseline", [&] {
    const collbench::check::Baseline b = collbench::check::read_baseline_file(path);
    (void)collbench::check::baseline_json(b).dump();
  });
}

// Sweep specs (collbench sweep SPEC): read_sweep_spec through the file layer, then the plan the
// sweep would make of it (its launches and cases), as `sweep --dry-run` does.
#include "fuzz_input.hpp"
#include "plan/sweep_plan.hpp"
#include "plan/sweep_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = collbench::fuzz::write_input("spec.json", data, size);
  return collbench::fuzz::expect_contract("sweep_spec", [&] {
    const collbench::plan::SweepSpec spec = collbench::plan::read_sweep_spec(path);
    (void)collbench::plan::make_plan(spec);
  });
}

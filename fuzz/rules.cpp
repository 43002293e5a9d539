// Rules files (check --rules): read_rules_file through the file layer.
#include "check/rules.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = collbench::fuzz::write_input("rules.json", data, size);
  return collbench::fuzz::expect_contract("rules", [&] { (void)collbench::check::read_rules_file(path); });
}

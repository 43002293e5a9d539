// Expect files (check --expect): read_expect_file through the file layer.
#include "check/rules.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = collbench::fuzz::write_input("expect.json", data, size);
  return collbench::fuzz::expect_contract("expect", [&] {
    const collbench::check::ExpectFile f = collbench::check::read_expect_file(path);
    for (const collbench::check::AbsoluteExpectation& e : f.items) (void)e.describe();
  });
}

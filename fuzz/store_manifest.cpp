// A store's manifest.json (beside an empty results.jsonl), as report, tune and check load a store.
#include "check/inputs.hpp"
#include "fuzz_input.hpp"
#include "report/dataset.hpp"
#include "tune/input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace cb = collbench;
  cb::fuzz::write_input("store/manifest.json", data, size);
  cb::fuzz::write_input("store/results.jsonl", "");
  const std::string dir = cb::fuzz::scratch_dir() + "/store";
  cb::fuzz::expect_contract("store_manifest (report)", [&] { (void)cb::report::load_dataset({dir}); });
  cb::fuzz::expect_contract("store_manifest (tune)", [&] { (void)cb::tune::load_stores({dir}); });
  return cb::fuzz::expect_contract("store_manifest (check)", [&] { (void)cb::check::read_inputs({dir}, ""); });
}

// A store's results.jsonl (beside a valid sweep manifest), as report, tune (its own fast scanner)
// and check read the records; records report accepts are written back as store lines.
#include "check/inputs.hpp"
#include "fuzz_input.hpp"
#include "report/dataset.hpp"
#include "results/input.hpp"
#include "tune/input.hpp"

namespace {
constexpr const char* kManifest =
    R"({"schema": "collbench.sweep", "schema_version": 1, "backend": "mpi", "repetitions": 2,)"
    R"( "spec_text": "{}", "spec_path": "spec.json"})";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace cb = collbench;
  static const bool manifest_written = (cb::fuzz::write_input("store/manifest.json", kManifest), true);
  (void)manifest_written;
  cb::fuzz::write_input("store/results.jsonl", data, size);
  const std::string dir = cb::fuzz::scratch_dir() + "/store";
  cb::fuzz::expect_contract("store_lines", [&] {
    const cb::results::LoadedInput in = cb::results::load_store(dir, {cb::results::StoreKinds::sweep, true, false});
    for (const cb::results::StoredCase& c : in.contents.records) (void)cb::results::store_line(c);
  });
  cb::fuzz::expect_contract("store_lines (report)", [&] { (void)cb::report::load_dataset({dir}); });
  cb::fuzz::expect_contract("store_lines (tune)", [&] { (void)cb::tune::load_stores({dir}); });
  return cb::fuzz::expect_contract("store_lines (check)", [&] { (void)cb::check::read_inputs({dir}, ""); });
}

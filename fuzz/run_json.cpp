// Run JSON (collbench run --json): as the run reader reads it and writes it back, as report and
// compare load it (a run document, else an nccl-tests log), and as baseline and check load it.
#include "check/inputs.hpp"
#include "fuzz_input.hpp"
#include "report/dataset.hpp"
#include "results/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace cb = collbench;
  const std::string path = cb::fuzz::write_input("run.json", data, size);
  cb::fuzz::expect_contract("run_json", [&] {
    const cb::results::RunDocument doc = cb::results::read_document_file(path);
    nlohmann::json j;
    cb::results::to_json(j, doc);
    (void)j.dump();
  });
  cb::fuzz::expect_contract("run_json (report)", [&] { (void)cb::report::load_dataset({path}); });
  return cb::fuzz::expect_contract("run_json (check)", [&] { (void)cb::check::read_inputs({path}, ""); });
}

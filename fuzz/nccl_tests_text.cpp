// nccl-tests / rccl-tests text logs (collbench import, report LOG): import_log through the file
// layer (it picks text or JSON by the first character); imported records are written back as JSON.
#include "fuzz_input.hpp"
#include "ingest/nccl_tests.hpp"
#include "results/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = collbench::fuzz::write_input("log.txt", data, size);
  return collbench::fuzz::expect_contract("nccl_tests_text", [&] {
    const collbench::ingest::ImportedLog log = collbench::ingest::import_log(path);
    nlohmann::json j;
    collbench::results::to_json(j, log.doc);
    (void)j.dump();
  });
}

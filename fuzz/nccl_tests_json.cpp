// nccl-tests -J JSON output: parse_json_log on the bytes (the file layer is nccl_tests_text's);
// imported records are written back as JSON.
#include "fuzz_input.hpp"
#include "ingest/nccl_tests.hpp"
#include "results/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  return collbench::fuzz::expect_contract("nccl_tests_json", [&] {
    const collbench::ingest::ImportedLog log = collbench::ingest::parse_json_log(text, "log.json");
    nlohmann::json j;
    collbench::results::to_json(j, log.doc);
    (void)j.dump();
  });
}

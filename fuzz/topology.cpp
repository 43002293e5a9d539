// Topologies (run --backend model --topology, whatif, report --topology): read_topology through
// the file layer; a topology it accepts is written back as JSON (what a model run records).
#include "backend/model/topology.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = collbench::fuzz::write_input("topology.json", data, size);
  return collbench::fuzz::expect_contract("topology", [&] {
    const collbench::model::Topology t = collbench::model::read_topology(path);
    (void)collbench::model::topology_json(t).dump();
  });
}

#include "cli/whatif_command.hpp"

namespace collbench::cli {

namespace {

constexpr const char* kFooter = R"(Examples:
  collbench whatif --topology sweeps/topologies/dgx-h100.json --format html --out whatif.html
  collbench whatif --topology sweeps/topologies/dgx-b200.json --nodes 1,8,64,512 --coll allreduce --sizes 1G
  NCCL_NVLS_ENABLE=0 collbench whatif --topology sweeps/topologies/dgx-h100.json --format json --out no-nvls.json

Every number is a prediction of NCCL 2.28.9's cost model (reports/MODEL.md): it ranks NCCL's
algorithms for the described fabric; congestion, jitter and the fabric's own limits are not in it.
NCCL_ALGO, NCCL_PROTO, NCCL_NVLS_ENABLE, NCCL_COLLNET_ENABLE and NCCL_PAT_ENABLE apply as NCCL reads them.)";

}  // namespace

CLI::App* add_whatif_command(CLI::App& app, app::WhatIfRequest& a) {
  CLI::App* w = app.add_subcommand("whatif", "Capacity planning: predicted busbw against node count (NCCL's cost model)");
  w->footer(kFooter);
  w->add_option("--topology", a.topology, "The described fabric, one node's kind (reports/MODEL.md; sweeps/topologies/)")->required();
  w->add_option("--nodes", a.nodes, "Node counts")->capture_default_str();
  w->add_option("--coll", a.coll, "Collectives (all-to-all is not modelled)")->capture_default_str();
  w->add_option("--sizes", a.sizes, "Sizes (nccl-tests' size column)")->capture_default_str();
  w->add_option("-d,--datatype", a.datatype, "Data type")->capture_default_str();
  w->add_option("--format", a.format, "md, html or json")->capture_default_str();
  w->add_option("--out", a.out, "Output file ('-' for standard output)")->capture_default_str();
  return w;
}

}  // namespace collbench::cli

#pragma once
// A described fabric for the model backend: nodes, GPUs per node and their architecture, NVLink
// or PCIe inside a node, NICs between nodes, the CPU vendor, NVLS and CollNet. The format is
// documented in reports/MODEL.md; examples ship in sweeps/topologies/. From it, the model's
// inputs (what NCCL's topology search would leave in its graphs) are synthesized in graphs.hpp.
#include <array>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "backend/model/cost_model.hpp"

namespace collbench::model {

inline constexpr const char* kTopologySchema = "collbench.topology";
inline constexpr int kTopologyVersion = 1;

// Graph values read from NCCL's own log (NCCL_DEBUG=INFO NCCL_DEBUG_SUBSYS=GRAPH: "Pattern 4,
// crossNic 0, nChannels 12, bw 30.000000/30.000000, type NVL/PIX, sameChannels 0"). A field
// left out keeps the synthesized value.
struct GraphOverride {
  std::optional<int> channels;
  std::optional<double> bw_intra, bw_inter, latency_inter_us;
  std::optional<Path> type_intra, type_inter;
  std::optional<bool> same_channels;
};

struct Topology {
  std::string source;       // the file, for messages
  std::string name;         // "dgx-h100"
  std::string description;
  int nodes = 1;
  // GPUs
  std::string gpu_model;    // free text ("H100 SXM5 80GB")
  int gpus_per_node = 1;
  int compute_capability = 90;  // x10: 70 Volta, 80/86 Ampere, 90 Hopper, 100 Blackwell
  // NVLink: 0 links means none (GPUs talk over PCIe).
  int nvlink_links = 0;
  double nvlink_link_gbytes = 0;  // GB/s per link and direction (NCCL's constants per architecture)
  bool nvswitch = false;          // links go to NVSwitches (else: a full mesh between the node's GPUs)
  // PCIe of each GPU (and the GPU-NIC path)
  int pcie_gen = 4, pcie_width = 16;
  Path gpu_gpu_path = Path::phb;  // without NVLink: the path between two GPUs of a node
  // Network
  int nics_per_node = 0;
  double nic_gbits = 0;           // Gb/s per NIC (400 for NDR)
  double nic_latency_us = 0;
  Path gpu_nic_path = Path::pix;  // PIX: the NIC shares the GPU's PCIe switch (DGX)
  bool host_net = true;           // false: the NIC offloads collectives (no PAT in auto mode)
  Cpu cpu = Cpu::intel;
  bool nvls = false;              // NVLink SHARP (NVSwitch 3+, Hopper and later)
  bool collnet = false;           // a CollNet (SHARP) network plugin
  std::map<Algo, GraphOverride> graphs;
  std::optional<int> comm_channels;

  int nranks() const { return nodes * gpus_per_node; }
  double nvlink_gbytes() const { return nvlink_links * nvlink_link_gbytes; }
  double pcie_gbytes() const;  // x16 Gen3 12, Gen4 24, Gen5 48, Gen6 96 (topo.cc: width x speed / 80)
  std::string arch_name() const;  // "Hopper (sm90)"
  std::string describe() const;   // one line: "dgx-h100: 1 node x 8 H100 SXM5 (sm90), NVLink 18x20.6 GB/s …"
};

// Throws InputError "FILE: FIELD: …" naming the field and what was expected.
Topology parse_topology(const nlohmann::json& j, const std::string& source);
Topology read_topology(const std::string& path);
nlohmann::json topology_json(const Topology& t);

// NCCL's NVLink bandwidth per link for an architecture (topo.h): SM70 20, SM80 20, SM86 12,
// SM90 20.6, SM100 40.1 GB/s.
double nvlink_link_gbytes_for(int compute_capability);

}  // namespace collbench::model

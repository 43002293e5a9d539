// The topology file (collbench.topology, reports/MODEL.md): every bad input is an InputError
// "SOURCE: FIELD: what was expected", and the shipped files parse and round-trip.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/model/topology.hpp"
#include "unit/test_support.hpp"

namespace collbench::model {
namespace {

using Json = nlohmann::json;
using testsupport::error_of;

// A valid one-node Hopper topology; each test breaks one thing in it.
Json base() {
  return Json::parse(R"({
    "schema": "collbench.topology", "version": 1, "name": "t",
    "nodes": 1,
    "gpu": {"model": "H100", "arch": "hopper", "per_node": 8},
    "nvlink": {"links": 18, "switch": true},
    "pcie": {"gen": 5, "width": 16},
    "cpu": {"vendor": "intel"}
  })");
}

// A valid two-node Hopper topology with NICs.
Json base_two_nodes() {
  Json j = base();
  j["nodes"] = 2;
  j["nic"] = {{"per_node", 8}, {"gbits", 400}};
  return j;
}

std::string error_for(const Json& j) {
  return error_of([&] { (void)parse_topology(j, "t.json"); });
}

int cc_of(const Json& arch) {
  Json j = base();
  j["gpu"]["arch"] = arch;
  return parse_topology(j, "t.json").compute_capability;
}

TEST(TopologyErrors, BaseDocumentIsValid) {
  const Topology t = parse_topology(base(), "t.json");
  EXPECT_EQ(t.nodes, 1);
  EXPECT_EQ(t.gpus_per_node, 8);
  EXPECT_EQ(t.compute_capability, 90);
  EXPECT_EQ(t.nranks(), 8);
  const Topology t2 = parse_topology(base_two_nodes(), "t.json");
  EXPECT_EQ(t2.nranks(), 16);
  EXPECT_EQ(t2.nics_per_node, 8);
  EXPECT_DOUBLE_EQ(t2.nic_gbits, 400.0);
}

TEST(TopologyErrors, MissingNodes) {
  Json j = base();
  j.erase("nodes");
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: nodes: ");
  EXPECT_HAS(e, "missing");
  EXPECT_HAS(e, "expected an integer");
}

TEST(TopologyErrors, ZeroNodes) {
  Json j = base();
  j["nodes"] = 0;
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: nodes: ");
  EXPECT_HAS(e, "0: expected an integer 1..");
}

TEST(TopologyErrors, MissingGpu) {
  Json j = base();
  j.erase("gpu");
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: gpu: ");
  EXPECT_HAS(e, "missing");
  EXPECT_HAS(e, "expected an object");
}

TEST(TopologyErrors, PascalArch) {
  Json j = base();
  j["gpu"]["arch"] = "pascal";
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: gpu.arch: ");
  EXPECT_HAS(e, "pascal");
  EXPECT_HAS(e, "expected volta, ampere, hopper, blackwell or a compute capability");
}

TEST(TopologyErrors, ComputeCapabilityTooOld) {
  Json j = base();
  j["gpu"]["arch"] = "6.0";
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: gpu.arch: ");
  EXPECT_HAS(e, "6.0");
  EXPECT_HAS(e, "7.0..10.x");
}

TEST(TopologyErrors, ZeroGpusPerNode) {
  Json j = base();
  j["gpu"]["per_node"] = 0;
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: gpu.per_node: ");
  EXPECT_HAS(e, "0: expected an integer 1..72");
}

TEST(TopologyErrors, UnknownTopLevelKeyIsNamed) {
  Json j = base();
  j.erase("nodes");
  j["nodez"] = 1;  // a misspelt key is an error, not a silent default
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: nodez: ");
  EXPECT_HAS(e, "unknown key");
  EXPECT_HAS(e, "expected one of");
  EXPECT_HAS(e, "nodes");
}

TEST(TopologyErrors, UnknownNestedKeyIsNamedWithItsPath) {
  Json j = base_two_nodes();
  j["nic"]["speed"] = 400;
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: nic.speed: ");
  EXPECT_HAS(e, "unknown key");
  EXPECT_HAS(e, "gbits");  // the expected keys are listed
}

TEST(TopologyErrors, NegativeNvlinkLinks) {
  Json j = base();
  j["nvlink"]["links"] = -1;
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: nvlink.links: ");
  EXPECT_HAS(e, "-1: expected an integer 0..64");
}

TEST(TopologyErrors, SeveralNodesWithoutNic) {
  Json j = base();
  j["nodes"] = 2;
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: nic: ");
  EXPECT_HAS(e, "missing");
  EXPECT_HAS(e, "expected an object");
}

TEST(TopologyErrors, NicSpeedAsString) {
  Json j = base_two_nodes();
  j["nic"]["gbits"] = "fast";
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: nic.gbits: ");
  EXPECT_HAS(e, "\"fast\"");
  EXPECT_HAS(e, "expected a number");
}

TEST(TopologyErrors, PcieWidthNotAPowerOfTwo) {
  Json j = base();
  j["pcie"]["width"] = 12;
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: pcie.width: ");
  EXPECT_HAS(e, "12: expected 1, 2, 4, 8, 16 or 32 lanes");
}

TEST(TopologyErrors, NvlsOnAmpereSaysWhy) {
  Json j = base();
  j["gpu"]["arch"] = "ampere";
  j["nvlink"] = {{"links", 12}, {"switch", true}};
  j["nvls"] = true;
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: nvls: ");
  EXPECT_HAS(e, "Hopper or later");  // why
  EXPECT_HAS(e, "NVSwitch");
  EXPECT_HAS(e, "expected false");
  // Without "nvls", the default on Ampere is false, not an error.
  j.erase("nvls");
  EXPECT_FALSE(parse_topology(j, "t.json").nvls);
}

TEST(TopologyErrors, UnknownCpuVendor) {
  Json j = base();
  j["cpu"]["vendor"] = "via";
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: cpu.vendor: ");
  EXPECT_HAS(e, "'via'");
  EXPECT_HAS(e, "expected intel, amd, arm, power or mixed");
}

TEST(TopologyErrors, GraphWithZeroChannels) {
  Json j = base();
  j["graphs"] = {{"ring", {{"channels", 0}}}};
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: graphs.ring.channels: ");
  EXPECT_HAS(e, "0: expected an integer 1..64");
}

TEST(TopologyErrors, GraphOfUnknownAlgorithm) {
  Json j = base();
  j["graphs"] = {{"foo", {{"channels", 4}}}};
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: graphs.foo: ");
  EXPECT_HAS(e, "unknown algorithm");
  EXPECT_HAS(e, "expected tree, ring");
}

TEST(TopologyErrors, OtherSchema) {
  Json j = base();
  j["schema"] = "other";
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: schema: ");
  EXPECT_HAS(e, "'other'");
  EXPECT_HAS(e, "expected 'collbench.topology'");
}

TEST(TopologyErrors, OtherVersion) {
  Json j = base();
  j["version"] = 2;
  const std::string e = error_for(j);
  EXPECT_HAS(e, "t.json: version: ");
  EXPECT_HAS(e, "2");
  EXPECT_HAS(e, "version 1");  // what it reads
}

TEST(TopologyErrors, MalformedJsonNamesFileLineAndColumn) {
  testsupport::TempDir dir;
  // Line 3, column 19 is the '}' where a value was expected.
  const std::string path = dir.write("bad.json",
                                     "{\n"
                                     "  \"nodes\": 1,\n"
                                     "  \"gpu\": {\"arch\": }\n"
                                     "}\n");
  const std::string e = error_of([&] { (void)read_topology(path); });
  EXPECT_HAS(e, path + ":3:19: ");
  EXPECT_HAS(e, "malformed JSON");
  EXPECT_HAS(e, "expected");
}

TEST(TopologyErrors, MissingFile) {
  testsupport::TempDir dir;
  const std::string path = (dir.path() / "no-such-topology.json").string();
  const std::string e = error_of([&] { (void)read_topology(path); });
  EXPECT_HAS(e, path);
  EXPECT_HAS(e, "cannot read");
}

TEST(TopologyParse, ArchSpellings) {
  EXPECT_EQ(cc_of("sm90"), 90);
  EXPECT_EQ(cc_of("sm_90"), 90);
  EXPECT_EQ(cc_of("9.0"), 90);
  EXPECT_EQ(cc_of("hopper"), 90);
  EXPECT_EQ(cc_of("Hopper"), 90);
  EXPECT_EQ(cc_of(90), 90);
  EXPECT_EQ(cc_of(9.0), 90);  // a JSON number, major.minor
  EXPECT_EQ(cc_of(10.0), 100);
  EXPECT_EQ(cc_of(8.6), 86);
  EXPECT_EQ(cc_of("8.6"), 86);
  EXPECT_EQ(cc_of("ampere"), 80);
  EXPECT_EQ(cc_of("blackwell"), 100);
  EXPECT_EQ(cc_of("volta"), 70);
}

TEST(TopologyParse, CommentsAllowedInFiles) {
  testsupport::TempDir dir;
  const std::string path = dir.write("c.json",
                                     "// a leading comment\n"
                                     "{\n"
                                     "  \"nodes\": 2, // trailing comment\n"
                                     "  \"gpu\": {\"arch\": \"hopper\", \"per_node\": 4},\n"
                                     "  // a comment line\n"
                                     "  \"nic\": {\"per_node\": 4, \"gbits\": 200}\n"
                                     "}\n");
  const Topology t = read_topology(path);
  EXPECT_EQ(t.nodes, 2);
  EXPECT_EQ(t.gpus_per_node, 4);
  EXPECT_EQ(t.nics_per_node, 4);
  EXPECT_EQ(t.source, path);
  EXPECT_EQ(t.name, "c");  // no "name": the file name without .json
}

std::vector<std::string> shipped_topologies() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(std::string(COLLBENCH_SOURCE_DIR) + "/sweeps/topologies"))
    if (e.path().extension() == ".json") out.push_back(e.path().string());
  return out;
}

TEST(TopologyParse, ShippedFilesParseAndRoundTrip) {
  const std::vector<std::string> files = shipped_topologies();
  EXPECT_GE(files.size(), 10u);
  for (const std::string& f : files) {
    SCOPED_TRACE(f);
    Topology t;
    ASSERT_NO_THROW(t = read_topology(f));
    EXPECT_GE(t.nranks(), 1);
    // Through text, as a file would be written and read back.
    const Json j = Json::parse(topology_json(t).dump());
    Topology back;
    ASSERT_NO_THROW(back = parse_topology(j, f));
    EXPECT_EQ(back.describe(), t.describe());
    EXPECT_EQ(back.compute_capability, t.compute_capability);
    EXPECT_EQ(back.nodes, t.nodes);
    EXPECT_EQ(back.gpus_per_node, t.gpus_per_node);
    EXPECT_DOUBLE_EQ(back.nvlink_link_gbytes, t.nvlink_link_gbytes);
    EXPECT_EQ(back.pcie_gen, t.pcie_gen);
    EXPECT_EQ(back.cpu, t.cpu);
    EXPECT_EQ(back.nvls, t.nvls);
    EXPECT_EQ(back.gpu_nic_path, t.gpu_nic_path);
  }
}

TEST(TopologyParse, NvlinkLinkBandwidthDefaultsPerArch) {
  // topo.h: SM90 20.6, SM100 40.1, SM80 20, SM86 12 GB/s per link.
  auto link_bw = [](const Json& arch) {
    Json j = base();
    j["gpu"]["arch"] = arch;
    j["nvlink"] = {{"links", 12}, {"switch", true}};  // no link_gbytes: the default
    return parse_topology(j, "t.json").nvlink_link_gbytes;
  };
  EXPECT_DOUBLE_EQ(link_bw("hopper"), 20.6);
  EXPECT_DOUBLE_EQ(link_bw("blackwell"), 40.1);
  EXPECT_DOUBLE_EQ(link_bw("ampere"), 20.0);
  EXPECT_DOUBLE_EQ(link_bw("sm86"), 12.0);
  EXPECT_DOUBLE_EQ(nvlink_link_gbytes_for(90), 20.6);
  EXPECT_DOUBLE_EQ(nvlink_link_gbytes_for(100), 40.1);
  EXPECT_DOUBLE_EQ(nvlink_link_gbytes_for(80), 20.0);
  EXPECT_DOUBLE_EQ(nvlink_link_gbytes_for(86), 12.0);
  // 18 links x 20.6 GB/s (DGX H100).
  Json j = base();
  EXPECT_NEAR(parse_topology(j, "t.json").nvlink_gbytes(), 18 * 20.6, 1e-9);
}

TEST(TopologyParse, PcieBandwidthPerGeneration) {
  // topo.cc: width x speed / 80, speed per gen 15, 30, 60 (x16: 12, 24, 48 GB/s).
  auto pcie = [](int gen, int width) {
    Json j = base();
    j["pcie"] = {{"gen", gen}, {"width", width}};
    return parse_topology(j, "t.json").pcie_gbytes();
  };
  EXPECT_DOUBLE_EQ(pcie(3, 16), 12.0);
  EXPECT_DOUBLE_EQ(pcie(4, 16), 24.0);
  EXPECT_DOUBLE_EQ(pcie(5, 16), 48.0);
  EXPECT_DOUBLE_EQ(pcie(4, 8), 12.0);
}

}  // namespace
}  // namespace collbench::model

// NCCL 2.28.9's cost-model rules (../shared/reference/nccl-cost-model.md §1-6), one at a time, on
// hand-built Systems whose graphs the test sets, so that every expected value is arithmetic from
// the reference's formulas (shown in the comments). The settings parser, the predictor's records,
// scaled_to and what-if have files of their own (test_settings.cpp, test_predictor.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "backend/model/cost_model.hpp"
#include "backend/model/graphs.hpp"
#include "backend/model/topology.hpp"
#include "unit/model/model_support.hpp"

namespace collbench::model {
namespace {

using namespace model_test;

Graph graph(int channels, double bw_intra, double bw_inter, Path type_intra = Path::nvl, Path type_inter = Path::pix) {
  Graph g;
  g.channels = channels;
  g.bw_intra = bw_intra;
  g.bw_inter = bw_inter;
  g.type_intra = type_intra;
  g.type_inter = type_inter;
  return g;
}

// 2 nodes x 8 Hopper GPUs behind NVSwitches, Intel CPUs: ring 8 channels x 45/45 GB/s, tree 8 x
// 48/48, both NVL/PIX, 16 execution channels. No NVLS, no CollNet unless a test adds them.
System two_nodes() {
  System s;
  s.nranks = 16;
  s.nnodes = 2;
  s.cc_min = s.cc_max = 90;
  s.cpu = Cpu::intel;
  s.max_local_ranks = 8;
  s.nvswitch = true;
  s.comm_channels = 16;
  s.graphs[ix(Algo::ring)] = graph(8, 45, 45);
  s.graphs[ix(Algo::tree)] = graph(8, 48, 48);
  return s;
}

// ---------------------------------------------------------------------------------------------
// §4/§5 on a hand-built 2 x 8 Hopper system.

TEST(ModelRules, RingSimpleAllReduceLatencyAndBandwidth) {
  const CostModel m(two_nodes(), Settings{});
  // nsteps = 2*(16-1) = 30; nInterSteps = 2*(2-1) = 2;
  // intraLat = max(hwLat[NVLINK][RING][SIMPLE] 3.4, netOverhead 1.0 (Intel) * 3) = 3.4;
  // interLat = hwLat[NET][RING][SIMPLE] = 14.0 (ppn 8, latencyInter 0).
  // lat = 8.4 + 28*3.4 + 2*14.0 = 8.4 + 95.2 + 28 = 131.6
  EXPECT_NEAR(m.latency(AR, Algo::ring, Proto::simple), 8.4 + (30 - 2) * std::max(3.4, 3 * 1.0) + 2 * 14.0, 1e-9);
  EXPECT_NEAR(m.latency(AR, Algo::ring, Proto::simple), 131.6, 1e-9);
  // nNodes <= 2: bw = bwIntra 45; busBw = 8*45 = 360; algBw = 360 * 16/30 = 192.
  EXPECT_NEAR(m.bandwidth(AR, Algo::ring, Proto::simple), 192.0, 1e-9);
  EXPECT_NEAR(m.bus_bandwidth(AR, Algo::ring, Proto::simple), 360.0, 1e-9);
  // Ring/LL: lat 6.6; intraLat = max(0.6, netOverhead 1.0 (not x3: not Simple)) = 1.0;
  // interLat = hwLat[NET][RING][LL] = 2.7 -> 6.6 + 28*1.0 + 2*2.7 = 40.0
  EXPECT_NEAR(m.latency(AR, Algo::ring, Proto::ll), 40.0, 1e-9);
  // AllGather Ring/Simple: nsteps 15, nInterSteps 1 -> 8.4 + 14*3.4 + 14.0 = 70.0;
  // algBw = 360 * 16/15 = 384.
  EXPECT_NEAR(m.latency(AG, Algo::ring, Proto::simple), 70.0, 1e-9);
  EXPECT_NEAR(m.bandwidth(AG, Algo::ring, Proto::simple), 384.0, 1e-9);
}

TEST(ModelRules, NetOverheadSettingAndAmdCpu) {
  // NCCL_NET_OVERHEAD=2000 (2 us): intraLat = max(3.4, 2.0*3) = 6.0 -> 8.4 + 28*6.0 + 28 = 204.4
  const CostModel m(two_nodes(), env({{"NCCL_NET_OVERHEAD", "2000"}}));
  EXPECT_NEAR(m.latency(AR, Algo::ring, Proto::simple), 204.4, 1e-9);
  // x86 AMD's default overhead is 2.0 us: the same 204.4.
  System amd = two_nodes();
  amd.cpu = Cpu::amd;
  EXPECT_NEAR(CostModel(amd, Settings{}).latency(AR, Algo::ring, Proto::simple), 204.4, 1e-9);
  // Single node: no net overhead: 8.4 + 14*3.4 = 56.0 (8 ranks).
  System one = two_nodes();
  one.nranks = 8;
  one.nnodes = 1;
  EXPECT_NEAR(CostModel(one, env({{"NCCL_NET_OVERHEAD", "2000"}})).latency(AR, Algo::ring, Proto::simple), 56.0, 1e-9);
}

TEST(ModelRules, TreeLatencyBandwidthAndCorrectionFactor) {
  const CostModel m(two_nodes(), Settings{});
  // lat = 8.4 + 2*((16/2-1)*hwLat[NVLINK][TREE][SIMPLE] 4.0 + log2i(2)*hwLat[NET][TREE][SIMPLE] 14)
  //     = 8.4 + 2*(28 + 14) = 92.4
  EXPECT_NEAR(m.latency(AR, Algo::tree, Proto::simple), 92.4, 1e-9);
  // busBw = 8*48 = 384 -> min(384*0.92 = 353.28, 8*perChMaxTreeBw[Hopper][N2] 41.4 = 331.2) = 331.2;
  // algBw = 331.2 * 0.5 = 165.6
  EXPECT_NEAR(m.bandwidth(AR, Algo::tree, Proto::simple), 165.6, 1e-9);
  // Tree/LL: 6.8 + 2*(7*0.6 + 1*5.0) = 25.2
  EXPECT_NEAR(m.latency(AR, Algo::tree, Proto::ll), 25.2, 1e-9);
  // 1 MiB: logSize = log2i(1 MiB >> 6) = log2(16384) = 14 -> treeCorrectionFactor[SIMPLE][14] = 0.5
  const std::uint64_t mib = 1 << 20;
  const double expected = 92.4 + static_cast<double>(mib) / (1000 * 165.6 * 0.5);
  EXPECT_NEAR(m.time_us(call(AR, mib), Algo::tree, Proto::simple), expected, 1e-9);
  // 2 MiB: log2(32768) = 15 -> 0.6; 8 KiB: log2(128) = 7 -> 0.8 (neighbours differ: the index is exact).
  const std::uint64_t mib2 = 2 << 20, k8 = 8 << 10;
  EXPECT_NEAR(m.time_us(call(AR, mib2), Algo::tree, Proto::simple), 92.4 + static_cast<double>(mib2) / (1000 * 165.6 * 0.6),
              1e-9);
  EXPECT_NEAR(m.time_us(call(AR, k8), Algo::tree, Proto::simple), 92.4 + static_cast<double>(k8) / (1000 * 165.6 * 0.8),
              1e-9);
  // The row is the protocol's. Tree/LL128: busBw = min(331.2 * 120/128 = 310.5, 8*36.7 = 293.6) = 293.6,
  // algBw 146.8; lat = 14.0 + 2*(7*1.25 + 1*8.5) = 48.5; treeCorrectionFactor[LL128][14] = 0.6.
  EXPECT_NEAR(m.bandwidth(AR, Algo::tree, Proto::ll128), 146.8, 1e-9);
  EXPECT_NEAR(m.latency(AR, Algo::tree, Proto::ll128), 48.5, 1e-9);
  EXPECT_NEAR(m.time_us(call(AR, mib), Algo::tree, Proto::ll128), 48.5 + static_cast<double>(mib) / (1000 * 146.8 * 0.6),
              1e-9);
  // Ring is not corrected: 131.6 (< 64 B per channel per rank: no plateau) + bytes/(1000*192).
  EXPECT_NEAR(m.time_us(call(AR, 4096), Algo::ring, Proto::simple), 131.6 + 4096.0 / (1000 * 192), 1e-9);
}

TEST(ModelRules, RingPlateauMultipliesLatencyAboveThreshold) {
  const CostModel m(two_nodes(), Settings{});
  // nBytes/(comm->nChannels 16 * nRanks 16) >= 64  <=>  nBytes >= 64*256 = 16384 (integer division).
  // Below: 131.6 + 16383/(1000*192); at the threshold: 131.6*1.4 + 16384/(1000*192).
  EXPECT_NEAR(m.time_us(call(AR, 16383), Algo::ring, Proto::simple), 131.6 + 16383.0 / 192000, 1e-9);
  EXPECT_NEAR(m.time_us(call(AR, 16384), Algo::ring, Proto::simple), 131.6 * 1.4 + 16384.0 / 192000, 1e-9);
  // It uses comm_channels, not the ring graph's 8 channels: 8192 B (8192/(8*16) = 64) is below.
  EXPECT_NEAR(m.time_us(call(AR, 8192), Algo::ring, Proto::simple), 131.6 + 8192.0 / 192000, 1e-9);
  // Only Ring/Simple AllReduce: Ring/LL is not multiplied (40.0 + bytes / (1000 * bw)).
  const double ll_bw = m.bandwidth(AR, Algo::ring, Proto::ll);
  EXPECT_NEAR(m.time_us(call(AR, 1 << 20), Algo::ring, Proto::ll), 40.0 + (1 << 20) / (1000 * ll_bw), 1e-9);
  // Nor AllGather: 70.0 + bytes/(1000*384).
  EXPECT_NEAR(m.time_us(call(AG, 1 << 20), Algo::ring, Proto::simple), 70.0 + (1 << 20) / (1000 * 384.0), 1e-9);
  // Pre-Ampere (minCompCap < 80) the factor is 1.9. On Volta the ring has no cap: same lat and bw.
  System volta = two_nodes();
  volta.cc_min = volta.cc_max = 70;
  const CostModel v(volta, Settings{});
  EXPECT_NEAR(v.time_us(call(AR, 16384), Algo::ring, Proto::simple), 131.6 * 1.9 + 16384.0 / 192000, 1e-9);
  // A single node never plateaus: 8 ranks, lat 8.4 + 14*3.4 = 56.0, algBw 360*8/14.
  System one = two_nodes();
  one.nranks = 8;
  one.nnodes = 1;
  const CostModel o(one, Settings{});
  EXPECT_NEAR(o.time_us(call(AR, 1 << 20), Algo::ring, Proto::simple), 56.0 + (1 << 20) / (1000 * 360.0 * 8 / 14), 1e-9);
}

TEST(ModelRules, LlMaxBandwidthRowIsTheCpuAcrossNodes) {
  // Ring/LL busBw = min(llMaxBw, 8*45*0.5 = 180). Multi-node the row is the CPU vendor:
  // Intel row 0, N2 column: 39.0; AMD (and mixed) row 1: 22.5.
  System intel = two_nodes();
  EXPECT_NEAR(CostModel(intel, Settings{}).bus_bandwidth(AR, Algo::ring, Proto::ll), 39.0, 1e-9);
  EXPECT_NEAR(CostModel(intel, Settings{}).bandwidth(AR, Algo::ring, Proto::ll), 39.0 * 16 / 30, 1e-9);
  System amd = two_nodes();
  amd.cpu = Cpu::amd;
  EXPECT_NEAR(CostModel(amd, Settings{}).bus_bandwidth(AR, Algo::ring, Proto::ll), 22.5, 1e-9);
  System mixed = two_nodes();
  mixed.cpu = Cpu::mixed;
  EXPECT_NEAR(CostModel(mixed, Settings{}).bus_bandwidth(AR, Algo::ring, Proto::ll), 22.5, 1e-9);
  // 4 nodes (N>=4 column, bw = bwInter 40 since nNodes > 2): min(row[2], 8*40*0.5 = 160):
  // Intel 20.4, AMD 19.0.
  System four = two_nodes();
  four.nranks = 32;
  four.nnodes = 4;
  four.graphs[ix(Algo::ring)] = graph(8, 45, 40);
  EXPECT_NEAR(CostModel(four, Settings{}).bus_bandwidth(AR, Algo::ring, Proto::ll), 20.4, 1e-9);
  four.cpu = Cpu::amd;
  EXPECT_NEAR(CostModel(four, Settings{}).bus_bandwidth(AR, Algo::ring, Proto::ll), 19.0, 1e-9);
  // One node: the row is the GPU arch (Hopper N1 141): min(141, 180) = 141, even with an AMD CPU.
  System one = two_nodes();
  one.nranks = 8;
  one.nnodes = 1;
  one.cpu = Cpu::amd;
  EXPECT_NEAR(CostModel(one, Settings{}).bus_bandwidth(AR, Algo::ring, Proto::ll), 141.0, 1e-9);
}

TEST(ModelRules, NvlsTreeCappedPerChannelOnTwoNodes) {
  System s = two_nodes();
  s.nvls_support = true;
  s.graphs[ix(Algo::nvls_tree)] = graph(16, 100, 50);
  const CostModel m(s, Settings{});
  // intraBw = 100 * 0.85 * 15/16 * 2 = 159.375; interBw = 50 * 2 (nNodes <= 2) = 100;
  // bw = min(159.375, 100, perChMaxNVLSTreeBw[Hopper][N2] 57.7) = 57.7; busBw = 16*57.7 = 923.2;
  // algBw = 923.2 * 16/30.
  EXPECT_TRUE(m.usable(AR, Algo::nvls_tree, Proto::simple));
  EXPECT_NEAR(m.bus_bandwidth(AR, Algo::nvls_tree, Proto::simple), 923.2, 1e-9);
  EXPECT_NEAR(m.bandwidth(AR, Algo::nvls_tree, Proto::simple), 923.2 * 16 / 30, 1e-9);
  // lat = 0 + hwLat[NVLINK][NVLS_TREE][SIMPLE] 25 + 2*log2i(2)*hwLat[NET][NVLS_TREE][SIMPLE] 20.9 = 66.8
  EXPECT_NEAR(m.latency(AR, Algo::nvls_tree, Proto::simple), 66.8, 1e-9);
  // NVLSTree does not need CollNet across nodes (NVLS does).
  EXPECT_GE(m.time_us(call(AR, 1 << 20), Algo::nvls_tree, Proto::simple), 0);
  EXPECT_FALSE(m.usable(AR, Algo::nvls_tree, Proto::ll));
  // Below the cap: bwInter 20 -> interBw 40 -> busBw = 16*40 = 640.
  s.graphs[ix(Algo::nvls_tree)] = graph(16, 100, 20);
  EXPECT_NEAR(CostModel(s, Settings{}).bus_bandwidth(AR, Algo::nvls_tree, Proto::simple), 640.0, 1e-9);
  // 4 nodes: interBw not doubled, cap N4 45.5: min(159.375, 60, 45.5) * 16 = 728;
  // lat = 25 + 2*log2i(4)*20.9 = 108.6.
  System four = s;
  four.nranks = 32;
  four.nnodes = 4;
  four.graphs[ix(Algo::nvls_tree)] = graph(16, 100, 60);
  const CostModel m4(four, Settings{});
  EXPECT_NEAR(m4.bus_bandwidth(AR, Algo::nvls_tree, Proto::simple), 728.0, 1e-9);
  EXPECT_NEAR(m4.latency(AR, Algo::nvls_tree, Proto::simple), 108.6, 1e-9);
}

TEST(ModelRules, OneGpuPerNodeUsesTheTreeNetworkLatency) {
  // ppn == 1: interLat = hwLat[NET][TREE][p], whatever the algorithm (tuning.cc "latencies fully
  // exposed"). 4 nodes x 1 GPU, AllReduce Ring: nsteps = 6 = nInterSteps, so only interLat counts.
  System s;
  s.nranks = 4;
  s.nnodes = 4;
  s.max_local_ranks = 1;
  s.comm_channels = 4;
  s.graphs[ix(Algo::ring)] = graph(2, 24, 24, Path::loc, Path::pix);
  const CostModel m(s, Settings{});
  // Ring/LL: 6.6 + 6 * hwLat[NET][TREE][LL] 5.0 = 36.6 (the Ring row would give 6.6 + 6*2.7 = 22.8)
  EXPECT_NEAR(m.latency(AR, Algo::ring, Proto::ll), 36.6, 1e-9);
  // Ring/LL128: 14.0 + 6 * hwLat[NET][TREE][LL128] 8.5 = 65.0 (Ring row: 14 + 6*4.0 = 38.0)
  EXPECT_NEAR(m.latency(AR, Algo::ring, Proto::ll128), 65.0, 1e-9);
  // AllGather Ring/LL: nsteps 3 = nInterSteps: 6.6 + 3*5.0 = 21.6
  EXPECT_NEAR(m.latency(AG, Algo::ring, Proto::ll), 21.6, 1e-9);
}

TEST(ModelRules, BroadcastRingLatencyPerStep) {
  // One node of 4 GPUs over PCIe (typeIntra PHB -> hw PCI), Intel. Broadcast: nsteps = nRanks = 4.
  System s;
  s.nranks = 4;
  s.nnodes = 1;
  s.max_local_ranks = 4;
  s.comm_channels = 4;
  s.graphs[ix(Algo::ring)] = graph(2, 12, 12, Path::phb, Path::pix);
  const CostModel m(s, Settings{});
  // Not sameChannels, Simple: per step hwLat[PCI][TREE][SIMPLE] 4.0 -> 8.4 + 4*4.0 = 24.4
  EXPECT_NEAR(m.latency(BC, Algo::ring, Proto::simple), 24.4, 1e-9);
  // LL: per step hwLat[PCI][RING][LL] 1.0 -> 6.6 + 4*1.0 = 10.6
  EXPECT_NEAR(m.latency(BC, Algo::ring, Proto::ll), 10.6, 1e-9);
  // Broadcast busBw = 2*12 = 24; ratio nRanks/nsteps = 1 -> 24.
  EXPECT_NEAR(m.bandwidth(BC, Algo::ring, Proto::simple), 24.0, 1e-9);
  EXPECT_FALSE(m.usable(BC, Algo::tree, Proto::simple));  // Broadcast/Reduce: Ring only
  // sameChannels: a single hwLat[PCI][RING][SIMPLE] 5.7 -> 8.4 + 5.7 = 14.1
  s.graphs[ix(Algo::ring)].same_channels = true;
  EXPECT_NEAR(CostModel(s, Settings{}).latency(BC, Algo::ring, Proto::simple), 14.1, 1e-9);
}

// 1 node x 4 GPUs over PCIe with a POWER CPU.
System power_pcie_node() {
  System s;
  s.nranks = 4;
  s.nnodes = 1;
  s.cpu = Cpu::power;
  s.max_local_ranks = 4;
  s.comm_channels = 4;
  s.graphs[ix(Algo::ring)] = graph(2, 12, 12, Path::phb, Path::pix);
  s.graphs[ix(Algo::tree)] = graph(2, 12, 12, Path::phb, Path::pix);
  return s;
}

TEST(ModelRules, PowerCpuTreeSimpleUsesTheRingPciLatency) {
  // tuning.cc:260: on POWER hwLat[PCI][TREE][SIMPLE] = hwLat[PCI][RING][SIMPLE] = 5.7.
  // Tree AllReduce: 8.4 + 2*((4-1)*5.7 + log2i(1)*14) = 8.4 + 34.2 = 42.6 (Intel: 8.4 + 2*3*4.0 = 32.4)
  EXPECT_NEAR(CostModel(power_pcie_node(), Settings{}).latency(AR, Algo::tree, Proto::simple), 42.6, 1e-9);
  System intel = power_pcie_node();
  intel.cpu = Cpu::intel;
  EXPECT_NEAR(CostModel(intel, Settings{}).latency(AR, Algo::tree, Proto::simple), 32.4, 1e-9);
}

TEST(ModelRules, PowerCpuBroadcastSimpleStepUsesTheModifiedTable) {
  // tuning.cc:260 overwrites the table entry itself, so the Ring Broadcast/Reduce branch (not
  // sameChannels, Simple: l = hwLat[hw][TREE][SIMPLE]) reads 5.7 too.
  // nsteps = nRanks = 4, hw = PCI: 8.4 + 4 * 5.7 = 31.2
  const CostModel m(power_pcie_node(), Settings{});
  EXPECT_NEAR(m.latency(BC, Algo::ring, Proto::simple), 31.2, 1e-9);
  EXPECT_NEAR(m.latency(Coll::reduce, Algo::ring, Proto::simple), 31.2, 1e-9);
}

TEST(ModelRules, NvlsSingleNodeAllGatherAndChannelMinimum) {
  System s;
  s.nranks = 8;
  s.nnodes = 1;
  s.max_local_ranks = 8;
  s.nvswitch = true;
  s.nvls_support = true;
  s.comm_channels = 24;
  s.graphs[ix(Algo::ring)] = graph(12, 30, 30);
  s.graphs[ix(Algo::nvls)] = graph(8, 50, 50);
  const CostModel m(s, Settings{});
  // AllGather: intraBw = 50 * 0.85 * 7/8 * (ppn-1)/ppn 7/8 = 32.5390625; min with interBw 50;
  // busBw = 8 * 32.5390625 = 260.3125, used as is (no algBw ratio for AG/RS non-Ring).
  EXPECT_NEAR(m.bandwidth(AG, Algo::nvls, Proto::simple), 260.3125, 1e-9);
  EXPECT_NEAR(m.bandwidth(RS, Algo::nvls, Proto::simple), 260.3125, 1e-9);
  // lat = intraLat hwLat[NVLINK][NVLS][SIMPLE] = 25 (base replaced).
  EXPECT_NEAR(m.latency(AG, Algo::nvls, Proto::simple), 25.0, 1e-9);
  // AllReduce: min(50*0.85*7/8*2 = 74.375, 50) = 50 -> busBw 400 -> algBw 400 * 8/14.
  EXPECT_NEAR(m.bandwidth(AR, Algo::nvls, Proto::simple), 400.0 * 8 / 14, 1e-9);
  // One NVLS channel: not computed (nChannels >= 2).
  s.graphs[ix(Algo::nvls)] = graph(1, 50, 50);
  EXPECT_FALSE(CostModel(s, Settings{}).usable(AR, Algo::nvls, Proto::simple));
  // Across nodes, AG/RS NVLS needs the CollNet plugin's iallgather: unusable even with CollNet on.
  System two = two_nodes();
  two.nvls_support = true;
  two.collnet_support = true;
  two.graphs[ix(Algo::nvls)] = graph(16, 100, 50);
  const CostModel mm(two, env({{"NCCL_COLLNET_ENABLE", "1"}}));
  EXPECT_FALSE(mm.usable(AG, Algo::nvls, Proto::simple));
  EXPECT_TRUE(mm.usable(AR, Algo::nvls, Proto::simple));
}

// ---------------------------------------------------------------------------------------------
// §3: LL128's default enablement.

TEST(ModelRules, RingLL128UsableOnNvlinkAndPix) {
  const CostModel m(two_nodes(), Settings{});
  // busBw = min(360*0.92 = 331.2, 8*perChMaxRingLL128Bw[Hopper][N2] 36.7 = 293.6) = 293.6
  EXPECT_TRUE(m.usable(AR, Algo::ring, Proto::ll128));
  EXPECT_NEAR(m.bus_bandwidth(AR, Algo::ring, Proto::ll128), 293.6, 1e-9);
}

TEST(ModelRules, LL128AutoOffBeyondPxnOrOffNvlink) {
  System phb = two_nodes();
  phb.graphs[ix(Algo::ring)].type_inter = Path::phb;
  phb.graphs[ix(Algo::tree)].type_inter = Path::phb;
  const CostModel m(phb, Settings{});
  EXPECT_FALSE(m.usable(AR, Algo::ring, Proto::ll128));
  EXPECT_FALSE(m.usable(AR, Algo::tree, Proto::ll128));
  EXPECT_LT(m.time_us(call(AR, 1 << 20), Algo::ring, Proto::ll128), 0);
  EXPECT_TRUE(m.usable(AR, Algo::ring, Proto::simple));
  EXPECT_TRUE(m.usable(AR, Algo::ring, Proto::ll));
  // Named explicitly, the rule does not apply.
  const CostModel named(phb, env({{"NCCL_PROTO", "LL,LL128,Simple"}}));
  EXPECT_TRUE(named.usable(AR, Algo::ring, Proto::ll128));
  EXPECT_NEAR(named.bus_bandwidth(AR, Algo::ring, Proto::ll128), 293.6, 1e-9);
  EXPECT_TRUE(CostModel(phb, env({{"NCCL_PROTO", "LL128"}})).usable(AR, Algo::ring, Proto::ll128));

  // A PCIe node (typeIntra PHB > NVB).
  System pcie = two_nodes();
  pcie.graphs[ix(Algo::ring)].type_intra = Path::phb;
  EXPECT_FALSE(CostModel(pcie, Settings{}).usable(AR, Algo::ring, Proto::ll128));
  EXPECT_TRUE(CostModel(pcie, env({{"NCCL_PROTO", "LL128"}})).usable(AR, Algo::ring, Proto::ll128));

  // PXN: allowed on sm90 with NCCL_LL128_C2C=1 (default), else the limit is PXB.
  System pxn = two_nodes();
  pxn.graphs[ix(Algo::ring)].type_inter = Path::pxn;
  EXPECT_TRUE(CostModel(pxn, Settings{}).usable(AR, Algo::ring, Proto::ll128));
  EXPECT_FALSE(CostModel(pxn, env({{"NCCL_LL128_C2C", "0"}})).usable(AR, Algo::ring, Proto::ll128));
  System pxb = two_nodes();
  pxb.graphs[ix(Algo::ring)].type_inter = Path::pxb;
  EXPECT_TRUE(CostModel(pxb, env({{"NCCL_LL128_C2C", "0"}})).usable(AR, Algo::ring, Proto::ll128));
}

TEST(ModelRules, LL128AutoOffOnMixedArchitectures) {
  System mixed = two_nodes();
  mixed.cc_min = 80;
  mixed.cc_max = 90;
  const CostModel m(mixed, Settings{});
  EXPECT_FALSE(m.usable(AR, Algo::ring, Proto::ll128));
  EXPECT_FALSE(m.usable(AR, Algo::tree, Proto::ll128));
  EXPECT_TRUE(m.usable(AR, Algo::ring, Proto::simple));
  EXPECT_TRUE(CostModel(mixed, env({{"NCCL_PROTO", "LL128"}})).usable(AR, Algo::ring, Proto::ll128));
}

// ---------------------------------------------------------------------------------------------
// PAT (§3, §4, §5).

// 4 nodes x 1 Hopper GPU: nNodes == nRanks.
System one_gpu_per_node() {
  System s;
  s.nranks = 4;
  s.nnodes = 4;
  s.cc_min = s.cc_max = 90;
  s.max_local_ranks = 1;
  s.comm_channels = 4;
  s.graphs[ix(Algo::ring)] = graph(2, 24, 24, Path::loc, Path::pix);
  s.graphs[ix(Algo::pat)] = graph(2, 24, 24, Path::loc, Path::pix);
  return s;
}

TEST(ModelRules, PatForOneGpuPerNode) {
  const CostModel m(one_gpu_per_node(), Settings{});
  EXPECT_TRUE(m.usable(AG, Algo::pat, Proto::simple));
  EXPECT_TRUE(m.usable(RS, Algo::pat, Proto::simple));
  EXPECT_FALSE(m.usable(AG, Algo::pat, Proto::ll));
  EXPECT_FALSE(m.usable(AR, Algo::pat, Proto::simple));
  // nNodes 4 > 2: bw = bwInter 24; busBw = 2*24*0.75 = 36, used as is for AG/RS.
  EXPECT_NEAR(m.bandwidth(AG, Algo::pat, Proto::simple), 36.0, 1e-9);
  // lat = 8.0 + log2i(4)*(interLat/3.5) + 4*2.8 with interLat = hwLat[NET][TREE][SIMPLE] 14 (ppn 1)
  //     = 8 + 2*4 + 11.2 = 27.2
  EXPECT_NEAR(m.latency(AG, Algo::pat, Proto::simple), 27.2, 1e-9);
  EXPECT_NEAR(m.time_us(call(AG, 1 << 20), Algo::pat, Proto::simple), 27.2 + (1 << 20) / (1000 * 36.0), 1e-9);
}

TEST(ModelRules, PatDisabledBySettingOrSeveralGpusPerNode) {
  EXPECT_FALSE(CostModel(one_gpu_per_node(), env({{"NCCL_PAT_ENABLE", "0"}})).usable(AG, Algo::pat, Proto::simple));
  System two_per_node = one_gpu_per_node();
  two_per_node.nranks = 8;
  two_per_node.max_local_ranks = 2;
  EXPECT_FALSE(CostModel(two_per_node, Settings{}).usable(AG, Algo::pat, Proto::simple));
  // NCCL_PAT_ENABLE=1 forces it where auto mode would not.
  EXPECT_TRUE(CostModel(two_per_node, env({{"NCCL_PAT_ENABLE", "1"}})).usable(AG, Algo::pat, Proto::simple));
  // Auto mode needs a host (non-offloaded) net device.
  System offload = one_gpu_per_node();
  offload.host_net = false;
  EXPECT_FALSE(CostModel(offload, Settings{}).usable(AG, Algo::pat, Proto::simple));
}

TEST(ModelRules, PatReduceScatterSkippedForAvg) {
  const CostModel m(one_gpu_per_node(), Settings{});
  Call sum = call(RS, 1 << 20);
  Call avg = sum;
  avg.avg_op = true;
  EXPECT_GE(m.time_us(sum, Algo::pat, Proto::simple), 0);
  EXPECT_LT(m.time_us(avg, Algo::pat, Proto::simple), 0);
  EXPECT_GE(m.time_us(avg, Algo::ring, Proto::simple), 0);  // only PAT
  Call ag_avg = call(AG, 1 << 20);
  ag_avg.avg_op = true;
  EXPECT_GE(m.time_us(ag_avg, Algo::pat, Proto::simple), 0);  // only ReduceScatter
}

// ---------------------------------------------------------------------------------------------
// CollNet and NVLS across nodes.

System with_collnet_graphs() {
  System s = two_nodes();
  s.graphs[ix(Algo::collnet_direct)] = graph(8, 40, 40);
  s.graphs[ix(Algo::collnet_chain)] = graph(8, 40, 40);
  return s;
}

TEST(ModelRules, CollnetNeedsSupportAndEnable) {
  const Settings on = env({{"NCCL_COLLNET_ENABLE", "1"}});
  System no_support = with_collnet_graphs();
  for (const CostModel& m : {CostModel(no_support, on), CostModel(with_collnet_graphs(), Settings{})}) {
    for (Algo a : {Algo::collnet_direct, Algo::collnet_chain}) {
      EXPECT_FALSE(m.usable(AR, a, Proto::simple));
      EXPECT_LT(m.time_us(call(AR, 1 << 20), a, Proto::simple), 0);
    }
  }
  System s = with_collnet_graphs();
  s.collnet_support = true;
  EXPECT_FALSE(CostModel(s, Settings{}).usable(AR, Algo::collnet_direct, Proto::simple));  // enable defaults to 0
  const CostModel m(s, on);
  EXPECT_TRUE(m.usable(AR, Algo::collnet_direct, Proto::simple));
  EXPECT_TRUE(m.usable(AR, Algo::collnet_chain, Proto::simple));
  EXPECT_FALSE(m.usable(AR, Algo::collnet_direct, Proto::ll));  // Simple only
  EXPECT_FALSE(m.usable(AR, Algo::collnet_chain, Proto::ll128));
  // CollNetDirect: busBw = 8*40 = 320; factor = ppn/nCh = 8/8 = 1, 1 - (1-1)/2 = 1; x0.85 (sm90)
  // = 272; algBw = 272 * 0.5 = 136. lat = 2*(min(1,7)*3.7 + 7*0.4) + 31 = 13 + 31 = 44.
  EXPECT_NEAR(m.bandwidth(AR, Algo::collnet_direct, Proto::simple), 136.0, 1e-9);
  EXPECT_NEAR(m.latency(AR, Algo::collnet_direct, Proto::simple), 44.0, 1e-9);
  // CollNetChain: busBw = 320; algBw = 160. lat = 2*7*2.8 + 30 = 69.2.
  EXPECT_NEAR(m.bandwidth(AR, Algo::collnet_chain, Proto::simple), 160.0, 1e-9);
  EXPECT_NEAR(m.latency(AR, Algo::collnet_chain, Proto::simple), 69.2, 1e-9);
  EXPECT_GE(m.time_us(call(AR, 1 << 20), Algo::collnet_direct, Proto::simple), 0);
  // CollNetDirect needs an NVSwitch.
  System no_switch = s;
  no_switch.nvswitch = false;
  EXPECT_FALSE(CostModel(no_switch, on).usable(AR, Algo::collnet_direct, Proto::simple));
  EXPECT_TRUE(CostModel(no_switch, on).usable(AR, Algo::collnet_chain, Proto::simple));
  // More than 8 local ranks: filtered at enqueue.
  System wide = s;
  wide.nranks = 32;
  wide.max_local_ranks = 16;
  EXPECT_LT(CostModel(wide, on).time_us(call(AR, 1 << 20), Algo::collnet_direct, Proto::simple), 0);
}

TEST(ModelRules, NvlsAcrossNodesNeedsCollnet) {
  System s = two_nodes();
  s.nvls_support = true;
  s.graphs[ix(Algo::nvls)] = graph(16, 100, 50);
  const CostModel off(s, Settings{});
  EXPECT_FALSE(off.usable(AR, Algo::nvls, Proto::simple));
  EXPECT_LT(off.time_us(call(AR, 1 << 20), Algo::nvls, Proto::simple), 0);
  s.collnet_support = true;
  EXPECT_FALSE(CostModel(s, Settings{}).usable(AR, Algo::nvls, Proto::simple));  // support without enable
  const CostModel on(s, env({{"NCCL_COLLNET_ENABLE", "1"}}));
  EXPECT_TRUE(on.usable(AR, Algo::nvls, Proto::simple));
  // intraBw = 100*0.85*15/16*2 = 159.375, interBw = 50 -> busBw = 16*50 = 800
  EXPECT_NEAR(on.bus_bandwidth(AR, Algo::nvls, Proto::simple), 800.0, 1e-9);
  // lat = intraLat 25 + interLat hwLat[NET][NVLS][SIMPLE] 18 = 43
  EXPECT_NEAR(on.latency(AR, Algo::nvls, Proto::simple), 43.0, 1e-9);
  EXPECT_GE(on.time_us(call(AR, 1 << 20), Algo::nvls, Proto::simple), 0);
  // NCCL_NVLS_ENABLE=0 turns it off again.
  EXPECT_LT(CostModel(s, env({{"NCCL_COLLNET_ENABLE", "1"}, {"NCCL_NVLS_ENABLE", "0"}}))
                .time_us(call(AR, 1 << 20), Algo::nvls, Proto::simple),
            0);
}

TEST(ModelRules, ChooseIsTheArgminOverUsableCells) {
  const CostModel m(two_nodes(), Settings{});
  for (std::uint64_t bytes : {std::uint64_t{1024}, std::uint64_t{1} << 20, std::uint64_t{1} << 30}) {
    SCOPED_TRACE(bytes);
    const Choice c = m.choose(call(AR, bytes)).value();
    for (int a = 0; a < kAlgos; ++a)
      for (int p = 0; p < kProtos; ++p) {
        const double t = m.time_us(call(AR, bytes), static_cast<Algo>(a), static_cast<Proto>(p));
        if (t >= 0) {
          EXPECT_LE(c.time_us, t);
        }
      }
    EXPECT_DOUBLE_EQ(c.time_us, m.time_us(call(AR, bytes), c.algo, c.proto));
  }
}

}  // namespace
}  // namespace collbench::model

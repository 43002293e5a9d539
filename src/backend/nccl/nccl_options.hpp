#pragma once
// The nccl backend's options, plain data: what the options check (nccl_setup) and the backend share.

namespace collbench::backend::nccl {

// nccl-tests' -R (common.cu:1303-1313): the buffers registered with NCCL, per case, every buffer set.
enum class RegisterMode {
  none,       // -R 0: nothing registered
  local,      // -R 1: ncclCommRegister (NCCL >= 2.19)
  symmetric,  // -R 2: ncclCommWindowRegister(..., NCCL_WIN_COLL_SYMMETRIC) (NCCL >= 2.27)
};

// ncclConfig_t fields (nccl.h, NCCL 2.28); -1 leaves NCCL's default. An NCCL_* environment
// variable with the same meaning overrides the field (NCCL's rule); the run metadata says so.
struct NcclOptions {
  int min_ctas = -1;               // minCTAs            (NCCL_MIN_CTAS)
  int max_ctas = -1;               // maxCTAs            (NCCL_MAX_CTAS)
  int cta_policy = -1;             // CTAPolicy 0 default, 1 efficiency, 2 zero, 3 efficiency|zero (NCCL >= 2.29; NCCL_CTA_POLICY)
  int cga_cluster_size = -1;       // cgaClusterSize     (NCCL_CGA_CLUSTER_SIZE)
  int channels_per_net_peer = -1;  // nChannelsPerNetPeer (NCCL_NCHANNELS_PER_NET_PEER)
  int collnet_enable = -1;         // collnetEnable      (NCCL_COLLNET_ENABLE)
  int nvlink_centric_sched = -1;   // nvlinkCentricSched (NCCL >= 2.28; nccl-tests sets 1: common.cu:203-205)
  bool max_ctas_completed = false; // maxCTAs is NCCL's default, passed because minCTAs was set alone
  bool graph = false;              // launch each iteration as a captured CUDA graph
  int rotate = 0;                  // buffer sets cycled per iteration: 0 auto (> 2x L2), 1 off, N
  bool tuning_info = false;        // record NCCL's algorithm/protocol choice and its estimate
  double timeout_s = 300.0;        // per case: a wait past this aborts the communicator
  RegisterMode register_mode = RegisterMode::none;  // --register
  bool compat_nccl_tests = false;  // --compat nccl-tests (recorded; the settings above carry it out)
};

}  // namespace collbench::backend::nccl

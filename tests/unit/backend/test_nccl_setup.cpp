// The nccl backend's CUDA-free decisions: device choice, NCCL's config checks, which log lines the
// user sees, and the tuning log read per communicator.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "backend/nccl/nccl_setup.hpp"
#include "backend/nccl/tuning_log.hpp"
#include "core/error.hpp"

namespace {

using namespace collbench::backend::nccl;

EnvLookup env_of(std::map<std::string, std::string> m) {
  return [m](const std::string& k) -> std::optional<std::string> {
    auto it = m.find(k);
    return it == m.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

TEST(NcclSetup, OneVisibleGpuIsDeviceZeroForEveryLocalRank) {
  EXPECT_EQ(choose_device(1, 0, 8, 0, "h").device, 0);
  EXPECT_EQ(choose_device(1, 5, 8, 5, "h").device, 0);  // srun --gpus-per-task=1
  EXPECT_EQ(choose_device(8, 5, 8, 5, "h").device, 5);
  const DeviceChoice refused = choose_device(2, 3, 4, 7, "node9");
  EXPECT_EQ(refused.device, -1);
  EXPECT_NE(refused.why.find("rank 7 on node9 is local rank 3 of 4 but only 2 GPU(s) are visible there"), std::string::npos)
      << refused.why;
  EXPECT_EQ(choose_device(0, 0, 1, 0, "h").device, -1);
}

TEST(NcclSetup, MinCtasAloneGetsNcclsDefaultMaxCtas) {
  NcclOptions o;
  o.min_ctas = 8;
  const NcclOptions c = checked_config(o, env_of({}), false);
  EXPECT_EQ(c.min_ctas, 8);
  EXPECT_EQ(c.max_ctas, kMaxChannels);
  EXPECT_TRUE(c.max_ctas_completed);
  NcclOptions only_max;
  only_max.max_ctas = 4;  // INT_MIN > 4 is false: NCCL accepts it, nothing to complete
  EXPECT_EQ(checked_config(only_max, env_of({}), false).min_ctas, -1);
}

TEST(NcclSetup, ConfigChecksMirrorNccl) {
  auto refused = [](NcclOptions o, std::map<std::string, std::string> env, bool sweep) -> std::string {
    try {
      checked_config(o, env_of(env), sweep);
    } catch (const collbench::core::InputError& e) {
      return e.what();
    }
    return "";
  };
  NcclOptions pair;
  pair.min_ctas = 16;
  pair.max_ctas = 8;
  EXPECT_EQ(refused(pair, {}, false), "--nccl-min-ctas 16: expected at most --nccl-max-ctas (8)");
  EXPECT_EQ(refused(pair, {}, true), "config.minCTAs 16: expected at most config.maxCTAs (8)");
  NcclOptions big;
  big.channels_per_net_peer = 65;
  EXPECT_NE(refused(big, {}, true).find("config.nChannelsPerNetPeer 65: expected an integer from 1 to 64"), std::string::npos);
  NcclOptions sched;
  sched.nvlink_centric_sched = 2;
  EXPECT_NE(refused(sched, {}, true).find("nvlinkCentricSched 2"), std::string::npos);
  // The environment overrides after NCCL's check: a crossed pair would reach NCCL unchecked.
  NcclOptions min8;
  min8.min_ctas = 8;
  EXPECT_NE(refused(min8, {{"NCCL_MAX_CTAS", "4"}}, false).find("minCTAs 8 above maxCTAs 4"), std::string::npos);
  NcclOptions max4;
  max4.max_ctas = 4;
  EXPECT_NE(refused(max4, {{"NCCL_MIN_CTAS", "16"}}, true).find("config.maxCTAs: NCCL would run with minCTAs 16 above maxCTAs 4"),
            std::string::npos);
  EXPECT_EQ(refused(min8, {{"NCCL_MAX_CTAS", "0"}}, false), "");  // <= 0: NCCL ignores it
  EXPECT_EQ(refused(min8, {{"NCCL_MAX_CTAS", "32"}}, false), "");
}

TEST(NcclSetup, UsersDebugLevelDecidesWhatIsShown) {
  const std::string log =
      "h:1:2 [0] NCCL INFO AllReduce: 8 Bytes -> Algo RING proto LL channel{Lo..Hi}={0..1}\n"
      "h:1:2 [0] NCCL WARN Cuda failure 'out of memory'\n"
      "h:1:2 [0] NCCL INFO Channel 00/02 : 0 1\n"
      "NCCL version 2.28.9+cuda13.0\n";
  EXPECT_EQ(lines_for_user(log, user_debug(env_of({}))), "");
  EXPECT_EQ(lines_for_user(log, user_debug(env_of({{"NCCL_DEBUG", "WARN"}}))),
            "h:1:2 [0] NCCL WARN Cuda failure 'out of memory'\nNCCL version 2.28.9+cuda13.0\n");
  EXPECT_EQ(lines_for_user(log, user_debug(env_of({{"NCCL_DEBUG", "info"}}))),
            "h:1:2 [0] NCCL WARN Cuda failure 'out of memory'\nh:1:2 [0] NCCL INFO Channel 00/02 : 0 1\n"
            "NCCL version 2.28.9+cuda13.0\n");
  EXPECT_NE(lines_for_user(log, user_debug(env_of({{"NCCL_DEBUG", "INFO"}, {"NCCL_DEBUG_SUBSYS", "TUNING"}}))).find("Algo RING"),
            std::string::npos);
}

TEST(NcclSetup, TuningSubsystemsKeepTheUsers) {
  // INIT with TUNING: the copy-engine path's only marker is an INIT line (ce_coll.cc:48).
  EXPECT_EQ(tuning_subsys(user_debug(env_of({}))), "INIT,TUNING");
  EXPECT_EQ(tuning_subsys(user_debug(env_of({{"NCCL_DEBUG", "INFO"}}))), "INIT,BOOTSTRAP,ENV,TUNING");
  EXPECT_EQ(tuning_subsys(user_debug(env_of({{"NCCL_DEBUG", "INFO"}, {"NCCL_DEBUG_SUBSYS", "NET"}}))), "NET,TUNING,INIT");
  EXPECT_EQ(tuning_subsys(user_debug(env_of({{"NCCL_DEBUG", "INFO"}, {"NCCL_DEBUG_SUBSYS", "init,TUNING"}}))), "init,TUNING");
  EXPECT_EQ(tuning_subsys(user_debug(env_of({{"NCCL_DEBUG", "INFO"}, {"NCCL_DEBUG_SUBSYS", "^NET,TUNING"}}))), "^NET");
  EXPECT_EQ(tuning_subsys(user_debug(env_of({{"NCCL_DEBUG", "INFO"}, {"NCCL_DEBUG_SUBSYS", "^INIT,NET"}}))), "^NET");
}

// The symmetric kernels' TUNING line is a TUNING line: shown only to a user who asked for TUNING.
TEST(NcclSetup, SymmetricKernelLinesAreTuningLines) {
  const std::string log = "h:1:2 [0] NCCL INFO AllReduce [Symmetric]: 1048576 Bytes -> Kernel AllReduce_RSxLD_AGxST "
                          "nchannels 8 nthreads 512 nWorks 1\n";
  EXPECT_EQ(lines_for_user(log, user_debug(env_of({{"NCCL_DEBUG", "INFO"}}))), "");
  EXPECT_EQ(lines_for_user(log, user_debug(env_of({{"NCCL_DEBUG", "INFO"}, {"NCCL_DEBUG_SUBSYS", "TUNING"}}))), log);
}

// --register and a combined --nccl-cta-policy against the NCCL library in use: one line each.
TEST(NcclSetup, LibraryRefusalsNameTheFlagTheCallAndTheVersion) {
  NcclOptions o;
  EXPECT_EQ(library_refusal(o, 21800, {false, false}), "");  // nothing asked
  o.register_mode = RegisterMode::symmetric;
  EXPECT_EQ(library_refusal(o, 22809, {}), "");
  EXPECT_EQ(library_refusal(o, 22605, {true, false}),
            "--register symmetric: ncclCommWindowRegister needs NCCL 2.27 or newer; the NCCL library in use is 2.26.5 and "
            "lacks the call (--register local registers with ncclCommRegister)");
  EXPECT_NE(library_refusal(o, 22605, {}).find("ncclCommWindowRegister needs NCCL 2.27"), std::string::npos);
  o.register_mode = RegisterMode::local;
  EXPECT_EQ(library_refusal(o, 22605, {true, false}), "");
  EXPECT_EQ(library_refusal(o, 21803, {}),
            "--register local: ncclCommRegister needs NCCL 2.19 or newer; the NCCL library in use is 2.18.3");
  o.register_mode = RegisterMode::none;
  o.cta_policy = 3;
  EXPECT_EQ(library_refusal(o, 22809, {}),
            "--nccl-cta-policy efficiency|zero: NCCL 2.28.9 takes one policy (init.cc:1887-1891); combining them needs NCCL 2.29");
  EXPECT_EQ(library_refusal(o, 22900, {}), "");
  o.cta_policy = 2;
  EXPECT_EQ(library_refusal(o, 22809, {}), "");
}

// checked_config's static range takes 3 (efficiency|zero, NCCL 2.29); 4 is nobody's.
TEST(NcclSetup, CtaPolicyRangeTakesTheCombination) {
  NcclOptions o;
  o.cta_policy = 3;
  EXPECT_EQ(checked_config(o, env_of({}), false).cta_policy, 3);
  o.cta_policy = 4;
  EXPECT_THROW(checked_config(o, env_of({}), false), collbench::core::InputError);
}

// Every communicator of a process writes NCCL's one log file: a new reader starts at its end.
TEST(NcclSetup, EachTuningLogReadsOnlyItsOwnNewLines) {
  ::unsetenv("NCCL_DEBUG");
  TuningLog first;
  const std::string path = first.path();
  std::ofstream(path, std::ios::trunc) << "x:1:1 [0] NCCL INFO AllReduce: 8 Bytes -> Algo RING proto LL channel{Lo..Hi}={0..1}\n";
  TuningLog second;  // made after the first communicator's line
  std::ofstream(path, std::ios::app) << "x:1:1 [0] NCCL INFO AllReduce: 8 Bytes -> Algo TREE proto LL channel{Lo..Hi}={0..1}\n"
                                     << "x:1:1 [0] NCCL INFO AllGa";  // NCCL still writing this one
  const std::string mine = second.read_new();
  EXPECT_EQ(mine.find("RING"), std::string::npos) << mine;
  EXPECT_NE(mine.find("TREE"), std::string::npos) << mine;
  EXPECT_EQ(mine.find("AllGa"), std::string::npos) << mine;  // only whole lines
  std::ofstream(path, std::ios::app) << "ther: 8 Bytes -> Algo RING proto SIMPLE\n";
  EXPECT_EQ(second.read_new(), "x:1:1 [0] NCCL INFO AllGather: 8 Bytes -> Algo RING proto SIMPLE\n");
  EXPECT_STREQ(std::getenv("NCCL_DEBUG_SUBSYS"), "INIT,TUNING");
  std::remove(path.c_str());
  for (const char* v : {"NCCL_DEBUG", "NCCL_DEBUG_SUBSYS", "NCCL_DEBUG_FILE"}) ::unsetenv(v);
}

}  // namespace

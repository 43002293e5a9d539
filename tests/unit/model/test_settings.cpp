// NCCL's settings as the model reads them (tuning.cc parseList and the enables): NCCL_ALGO and
// NCCL_PROTO as bare lists, with '^', or per collective; NCCL_NVLS_ENABLE, NCCL_COLLNET_ENABLE,
// NCCL_PAT_ENABLE, NCCL_LL128_C2C, NCCL_NET_OVERHEAD; bad values name the variable.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>

#include "backend/model/cost_model.hpp"
#include "unit/model/model_support.hpp"
#include "unit/test_support.hpp"

namespace collbench::model {
namespace {

using testsupport::error_of;
using namespace model_test;

// ---------------------------------------------------------------------------------------------
// Settings: NCCL_ALGO, NCCL_PROTO and the enables, in NCCL's syntax.

TEST(SettingsParse, DefaultsEnableEverythingWithLL128Auto) {
  const Settings s;
  for (int c : kAllColls) {
    for (int a = 0; a < kAlgos; ++a) EXPECT_TRUE(s.algo_on[static_cast<std::size_t>(c)][static_cast<std::size_t>(a)]);
    EXPECT_EQ(s.proto_on[static_cast<std::size_t>(c)], (std::array<int, kProtos>{1, 2, 1}));
  }
  EXPECT_EQ(s.nvls_enable, 2);
  EXPECT_EQ(s.collnet_enable, 0);
  EXPECT_EQ(s.pat_enable, 2);
  EXPECT_FALSE(s.net_overhead_us.has_value());
  // An empty environment is the defaults.
  const Settings e = env({});
  EXPECT_EQ(e.algo_on, s.algo_on);
  EXPECT_EQ(e.proto_on, s.proto_on);
}

TEST(SettingsParse, BareAlgoListAppliesToEveryCollective) {
  const Settings s = env({{"NCCL_ALGO", "Ring"}});
  for (int c : kAllColls) {
    const auto& row = s.algo_on[static_cast<std::size_t>(c)];
    EXPECT_TRUE(row[ix(Algo::ring)]) << c;
    EXPECT_FALSE(row[ix(Algo::tree)]) << c;
    EXPECT_FALSE(row[ix(Algo::nvls)]) << c;
    EXPECT_FALSE(row[ix(Algo::nvls_tree)]) << c;
    EXPECT_FALSE(row[ix(Algo::pat)]) << c;
    EXPECT_FALSE(row[ix(Algo::collnet_direct)]) << c;
  }
}

TEST(SettingsParse, CaretDisablesOnlyTheNamedAlgorithms) {
  const Settings s = env({{"NCCL_ALGO", "^Ring"}});
  for (int c : kAllColls) {
    const auto& row = s.algo_on[static_cast<std::size_t>(c)];
    for (int a = 0; a < kAlgos; ++a)
      EXPECT_EQ(row[static_cast<std::size_t>(a)], static_cast<Algo>(a) != Algo::ring) << c << "/" << a;
  }
}

TEST(SettingsParse, PerCollectiveListLeavesOthersUntouched) {
  const Settings s = env({{"NCCL_ALGO", "allreduce:tree;allgather:ring"}});
  const auto& ar = s.algo_on[static_cast<std::size_t>(AR)];
  const auto& ag = s.algo_on[static_cast<std::size_t>(AG)];
  for (int a = 0; a < kAlgos; ++a) {
    const Algo al = static_cast<Algo>(a);
    EXPECT_EQ(ar[static_cast<std::size_t>(a)], al == Algo::tree) << a;
    EXPECT_EQ(ag[static_cast<std::size_t>(a)], al == Algo::ring) << a;
    EXPECT_TRUE(s.algo_on[static_cast<std::size_t>(BC)][static_cast<std::size_t>(a)]) << a;
    EXPECT_TRUE(s.algo_on[static_cast<std::size_t>(Coll::reduce)][static_cast<std::size_t>(a)]) << a;
    EXPECT_TRUE(s.algo_on[static_cast<std::size_t>(RS)][static_cast<std::size_t>(a)]) << a;
  }
}

TEST(SettingsParse, CollnetAliasEnablesBothCollnetAlgorithms) {
  const Settings s = env({{"NCCL_ALGO", "collnet"}});
  for (int c : kAllColls) {
    const auto& row = s.algo_on[static_cast<std::size_t>(c)];
    EXPECT_TRUE(row[ix(Algo::collnet_direct)]);
    EXPECT_TRUE(row[ix(Algo::collnet_chain)]);
    EXPECT_FALSE(row[ix(Algo::ring)]);
    EXPECT_FALSE(row[ix(Algo::tree)]);
  }
}

TEST(SettingsParse, UnknownAlgorithmOrCollectiveNamesTheVariable) {
  for (const char* bad : {"Rung", "allreduce:foo", "alltoall:ring"}) {
    SCOPED_TRACE(bad);
    const std::string e = error_of([&] { (void)env({{"NCCL_ALGO", bad}}); });
    EXPECT_HAS(e, "NCCL_ALGO");
    EXPECT_HAS(e, "expected");
  }
  EXPECT_HAS(error_of([] { (void)env({{"NCCL_ALGO", "Rung"}}); }), "'rung'");
  EXPECT_HAS(error_of([] { (void)env({{"NCCL_ALGO", "allreduce:foo"}}); }), "'foo'");
  EXPECT_HAS(error_of([] { (void)env({{"NCCL_ALGO", "alltoall:ring"}}); }), "'alltoall' is not a collective");
}

TEST(SettingsParse, ProtoNamedExplicitly) {
  const Settings s = env({{"NCCL_PROTO", "LL128"}});
  for (int c : kAllColls) EXPECT_EQ(s.proto_on[static_cast<std::size_t>(c)], (std::array<int, kProtos>{0, 1, 0}));
  const Settings all = env({{"NCCL_PROTO", "LL,LL128,Simple"}});
  for (int c : kAllColls) EXPECT_EQ(all.proto_on[static_cast<std::size_t>(c)], (std::array<int, kProtos>{1, 1, 1}));
  EXPECT_HAS(error_of([] { (void)env({{"NCCL_PROTO", "LL256"}}); }), "NCCL_PROTO");
}

TEST(SettingsParse, EnablesAndOverhead) {
  const std::string e = error_of([] { (void)env({{"NCCL_NVLS_ENABLE", "3"}}); });
  EXPECT_HAS(e, "NCCL_NVLS_ENABLE");
  EXPECT_HAS(e, "expected an integer 0..2");
  EXPECT_HAS(error_of([] { (void)env({{"NCCL_COLLNET_ENABLE", "yes"}}); }), "NCCL_COLLNET_ENABLE");
  EXPECT_EQ(env({{"NCCL_NVLS_ENABLE", "0"}}).nvls_enable, 0);
  EXPECT_EQ(env({{"NCCL_COLLNET_ENABLE", "1"}}).collnet_enable, 1);
  EXPECT_EQ(env({{"NCCL_PAT_ENABLE", "0"}}).pat_enable, 0);
  // NCCL_NET_OVERHEAD is in ns: 2000 ns = 2.0 us.
  const Settings s = env({{"NCCL_NET_OVERHEAD", "2000"}});
  ASSERT_TRUE(s.net_overhead_us.has_value());
  EXPECT_DOUBLE_EQ(*s.net_overhead_us, 2.0);
}

}  // namespace
}  // namespace collbench::model

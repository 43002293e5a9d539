#include "plan/knobs.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "unit/test_support.hpp"

namespace {

namespace plan = collbench::plan;
namespace core = collbench::core;
using core::Collective;
using Env = std::map<std::string, std::optional<std::string>>;

const plan::Knob& knob(std::string_view backend, std::string_view name) { return plan::knob_or_throw(backend, name); }

using testsupport::error_of;


std::string canon(std::string_view backend, std::string_view name, std::string_view value) {
  return plan::canonical_value(knob(backend, name), value);
}

TEST(KnobCatalog, AlgoListIsCanonicalAndSortedByCollective) {
  EXPECT_EQ(canon("nccl", "NCCL_ALGO", "AllReduce:Tree,Ring"), "allreduce:tree,ring");
  EXPECT_EQ(canon("nccl", "NCCL_ALGO", "allreduce:ring,tree,ring"), "allreduce:tree,ring");
  EXPECT_EQ(canon("nccl", "NCCL_ALGO", "Reduce:Ring;AllGather:PAT,Ring;AllReduce:NVLS"),
            "allreduce:nvls;allgather:ring,pat;reduce:ring");
  EXPECT_EQ(canon("nccl", "NCCL_ALGO", "broadcast:ring;reducescatter:ring;"), "reducescatter:ring;broadcast:ring");
}

TEST(KnobCatalog, AlgoListRejectsWhatNcclWouldRefuse) {
  const plan::Knob& k = knob("nccl", "NCCL_ALGO");
  std::string e = error_of([&] { plan::canonical_value(k, "Tree"); });
  EXPECT_HAS(e, "NCCL_ALGO 'Tree'");
  EXPECT_HAS(e, "per-collective");
  e = error_of([&] { plan::canonical_value(k, "allgather:tree"); });
  EXPECT_HAS(e, "allgather has no algorithm 'tree'");
  e = error_of([&] { plan::canonical_value(k, "alltoall:ring"); });
  EXPECT_HAS(e, "'alltoall' is not a collective");
  e = error_of([&] { plan::canonical_value(k, "allreduce:fastest"); });
  EXPECT_HAS(e, "unknown algorithm 'fastest'");
  e = error_of([&] { plan::canonical_value(k, "allreduce:tree;AllReduce:ring"); });
  EXPECT_HAS(e, "allreduce is named twice");
  e = error_of([&] { plan::canonical_value(k, "reduce:^ring"); });
  EXPECT_HAS(e, "leaves reduce with no algorithm");
  EXPECT_THROW(plan::canonical_value(k, ""), core::InputError);
}

TEST(KnobCatalog, AlgoListExclusion) {
  const plan::Knob& k = knob("nccl", "NCCL_ALGO");
  EXPECT_EQ(plan::canonical_value(k, "AllReduce:^Ring,Tree"), "allreduce:^tree,ring");
  // An excluded algorithm that the collective does not have is harmless.
  EXPECT_EQ(plan::canonical_value(k, "allgather:^tree"), "allgather:^tree");
  // Excluding tree and ring leaves only Simple-only algorithms: without Simple nothing is left.
  EXPECT_NO_THROW(plan::check_config("nccl", {{"NCCL_ALGO", "allreduce:^tree,ring"}}, 4));
  const std::string e = error_of([] {
    plan::check_config("nccl", {{"NCCL_ALGO", "allreduce:^tree,ring"}, {"NCCL_PROTO", "allreduce:^simple"}}, 4);
  });
  EXPECT_HAS(e, "no algorithm/protocol for allreduce");
  EXPECT_HAS(e, "nvls runs the Simple protocol only");
}

TEST(KnobCatalog, ProtoList) {
  const plan::Knob& k = knob("nccl", "NCCL_PROTO");
  EXPECT_EQ(plan::canonical_value(k, "AllReduce:Simple,LL128"), "allreduce:ll128,simple");
  EXPECT_EQ(plan::canonical_value(k, "allgather:LL;allreduce:^ll"), "allreduce:^ll;allgather:ll");
  EXPECT_HAS(error_of([&] { plan::canonical_value(k, "allreduce:ll256"); }), "unknown protocol 'll256'");
  EXPECT_HAS(error_of([&] { plan::canonical_value(k, "allreduce:^ll,ll128,simple"); }),
             "leaves allreduce with no protocol");
  EXPECT_HAS(error_of([&] { plan::canonical_value(k, "LL"); }), "per-collective");
}

TEST(KnobCatalog, RestrictToPicksTheCollectivesPart) {
  const plan::Knob& algo = knob("nccl", "NCCL_ALGO");
  const std::string v = "allreduce:tree;allgather:ring";
  EXPECT_EQ(plan::restrict_to(algo, v, Collective::allreduce), "allreduce:tree");
  EXPECT_EQ(plan::restrict_to(algo, v, Collective::allgather), "allgather:ring");
  EXPECT_EQ(plan::restrict_to(algo, v, Collective::reducescatter), std::nullopt);
  EXPECT_EQ(plan::restrict_to(algo, v, Collective::alltoall), std::nullopt);
  EXPECT_EQ(plan::restrict_to(knob("nccl", "NCCL_PROTO"), "allreduce:^ll", Collective::allreduce), "allreduce:^ll");

  const plan::Knob& ar = knob("mpi", "coll_tuned_allreduce_algorithm");
  EXPECT_EQ(plan::restrict_to(ar, "4", Collective::allreduce), "4");
  for (Collective c : {Collective::allgather, Collective::reducescatter, Collective::alltoall, Collective::broadcast,
                       Collective::reduce})
    EXPECT_EQ(plan::restrict_to(ar, "4", c), std::nullopt) << core::name(c);
  for (Collective c : core::kAllCollectives)
    EXPECT_EQ(plan::restrict_to(knob("nccl", "NCCL_BUFFSIZE"), "65536", c), "65536") << core::name(c);
  const plan::Knob& nvls = knob("nccl", "NCCL_NVLS_ENABLE");
  EXPECT_EQ(plan::restrict_to(nvls, "0", Collective::reducescatter), "0");
  EXPECT_EQ(plan::restrict_to(nvls, "0", Collective::alltoall), std::nullopt);
  const plan::Knob& p2p = knob("nccl", "NCCL_P2P_NET_CHUNKSIZE");
  EXPECT_EQ(plan::restrict_to(p2p, "131072", Collective::alltoall), "131072");
  EXPECT_EQ(plan::restrict_to(p2p, "131072", Collective::allreduce), std::nullopt);
}

TEST(KnobCatalog, BytesAndIntegers) {
  EXPECT_EQ(canon("nccl", "NCCL_BUFFSIZE", "4M"), "4194304");
  EXPECT_EQ(canon("nccl", "NCCL_BUFFSIZE", "64K"), "65536");
  EXPECT_EQ(canon("nccl", "NCCL_BUFFSIZE", "1048576"), "1048576");
  EXPECT_HAS(error_of([] { canon("nccl", "NCCL_BUFFSIZE", "1K"); }), "expected a size from 64K to 1T");
  EXPECT_HAS(error_of([] { canon("nccl", "NCCL_BUFFSIZE", "lots"); }), "NCCL_BUFFSIZE 'lots': expected a size in bytes");
  EXPECT_EQ(canon("mpi", "coll_tuned_allreduce_algorithm_segmentsize", "0"), "0");  // 0 = no segmentation
  EXPECT_EQ(canon("mpi", "coll_tuned_allreduce_algorithm_segmentsize", "64K"), "65536");

  EXPECT_EQ(canon("nccl", "NCCL_NTHREADS", "256"), "256");
  EXPECT_EQ(canon("nccl", "NCCL_NTHREADS", "64"), "64");
  EXPECT_EQ(canon("nccl", "NCCL_NTHREADS", "512"), "512");
  EXPECT_HAS(error_of([] { canon("nccl", "NCCL_NTHREADS", "100"); }),
             "NCCL_NTHREADS '100': expected a multiple of 32 from 64 to 512");
  EXPECT_THROW(canon("nccl", "NCCL_NTHREADS", "32"), core::InputError);
  EXPECT_THROW(canon("nccl", "NCCL_NTHREADS", "544"), core::InputError);
  EXPECT_THROW(canon("nccl", "NCCL_NTHREADS", "256x"), core::InputError);
  EXPECT_EQ(canon("nccl", "NCCL_LL128_NTHREADS", "640"), "640");
  EXPECT_EQ(canon("nccl", "NCCL_MIN_NCHANNELS", "0"), "0");
  EXPECT_HAS(error_of([] { canon("nccl", "NCCL_MAX_NCHANNELS", "65"); }), "an integer from 1 to 64");
  EXPECT_EQ(canon("nccl", "config.maxCTAs", "16"), "16");
}

TEST(KnobCatalog, ChoicesAndAliases) {
  EXPECT_EQ(canon("mpi", "coll_tuned_allreduce_algorithm", "rabenseifner"), "6");
  EXPECT_EQ(canon("mpi", "coll_tuned_allreduce_algorithm", "ring"), "4");
  EXPECT_EQ(canon("mpi", "coll_tuned_allreduce_algorithm", "RING"), "4");
  EXPECT_EQ(canon("mpi", "coll_tuned_allreduce_algorithm", "0"), "0");
  EXPECT_EQ(canon("mpi", "coll_tuned_allgather_algorithm", "ring"), "4");
  EXPECT_EQ(canon("mpi", "coll_tuned_allgather_algorithm", "two_proc"), "6");
  EXPECT_EQ(canon("mpi", "coll_tuned_bcast_algorithm", "scatter_allgather_ring"), "9");
  EXPECT_EQ(canon("mpi", "coll_tuned_reduce_algorithm", "rabenseifner"), "7");
  const std::string e = error_of([] { canon("mpi", "coll_tuned_allreduce_algorithm", "7"); });
  EXPECT_HAS(e, "coll_tuned_allreduce_algorithm '7': expected one of 0 (ignore)");
  EXPECT_HAS(e, "6 (rabenseifner)");
  EXPECT_THROW(canon("mpi", "coll_tuned_alltoall_algorithm", "6"), core::InputError);
  EXPECT_THROW(canon("mpi", "coll_tuned_bcast_algorithm", "ring"), core::InputError);
  // NCCL_P2P_LEVEL: path names, and the legacy numbers 0-5.
  EXPECT_EQ(canon("nccl", "NCCL_P2P_LEVEL", "nvl"), "NVL");
  EXPECT_EQ(canon("nccl", "NCCL_P2P_LEVEL", "1"), "PIX");
  EXPECT_EQ(canon("nccl", "NCCL_P2P_LEVEL", "3"), "PHB");
  EXPECT_EQ(canon("nccl", "NCCL_P2P_LEVEL", "5"), "SYS");
  EXPECT_EQ(canon("nccl", "NCCL_NVLS_ENABLE", "auto"), "2");
  EXPECT_EQ(canon("nccl", "config.CTAPolicy", "zero"), "2");
}

TEST(KnobCatalog, ThreadThresholds) {
  EXPECT_EQ(canon("nccl", "NCCL_THREAD_THRESHOLDS", " 1  2\t3 4 5 -2 "), "1 2 3 4 5 -2");
  EXPECT_HAS(error_of([] { canon("nccl", "NCCL_THREAD_THRESHOLDS", "1 2 3"); }), "six integers");
  EXPECT_THROW(canon("nccl", "NCCL_THREAD_THRESHOLDS", "-3 0 0 0 0 0"), core::InputError);
  EXPECT_THROW(canon("nccl", "NCCL_THREAD_THRESHOLDS", "1 2 3 4 5 x"), core::InputError);
}

TEST(KnobCatalog, CheckConfigNccl) {
  auto nccl_error = [](const plan::Config& c) { return error_of([&] { plan::check_config("nccl", c, 4); }); };
  std::string e = nccl_error({{"NCCL_ALGO", "allreduce:nvls"}, {"NCCL_PROTO", "allreduce:ll"}});
  EXPECT_HAS(e, "configuration NCCL_ALGO=allreduce:nvls NCCL_PROTO=allreduce:ll: ");
  EXPECT_HAS(e, "Simple");
  e = nccl_error({{"NCCL_ALGO", "allreduce:collnetdirect"}});
  EXPECT_HAS(e, "collnetdirect needs NCCL_COLLNET_ENABLE=1 or config.collnetEnable=1");
  EXPECT_NO_THROW(plan::check_config("nccl", {{"NCCL_ALGO", "allreduce:collnetdirect"}, {"NCCL_COLLNET_ENABLE", "1"}}, 4));
  EXPECT_NO_THROW(plan::check_config("nccl", {{"NCCL_ALGO", "allreduce:collnetchain"}, {"config.collnetEnable", "1"}}, 4));
  e = nccl_error({{"NCCL_MAX_CTAS", "8"}, {"config.maxCTAs", "16"}});
  EXPECT_HAS(e, "NCCL_MAX_CTAS overrides config.maxCTAs");
  e = nccl_error({{"NCCL_MIN_NCHANNELS", "8"}, {"NCCL_MAX_NCHANNELS", "4"}});
  EXPECT_HAS(e, "NCCL_MIN_NCHANNELS 8 is above NCCL_MAX_NCHANNELS 4");
  EXPECT_NO_THROW(plan::check_config("nccl", {{"NCCL_MIN_NCHANNELS", "4"}, {"NCCL_MAX_NCHANNELS", "4"}}, 4));
  EXPECT_HAS(nccl_error({{"config.minCTAs", "32"}, {"config.maxCTAs", "2"}}), "config.minCTAs 32 is above");
  // The environment's twin overrides after NCCL's own check: a crossed pair is refused here.
  EXPECT_HAS(nccl_error({{"config.minCTAs", "32"}, {"NCCL_MAX_CTAS", "8"}}), "config.minCTAs 32 is above NCCL_MAX_CTAS 8");
  EXPECT_HAS(nccl_error({{"NCCL_MIN_CTAS", "32"}, {"config.maxCTAs", "8"}}), "NCCL_MIN_CTAS 32 is above config.maxCTAs 8");
  EXPECT_NO_THROW(plan::check_config("nccl", {{"config.minCTAs", "4"}}, 4));  // alone: its pair is NCCL's default
  EXPECT_HAS(nccl_error({{"NCCL_SOCKET_NTHREADS", "8"}, {"NCCL_NSOCKS_PERTHREAD", "16"}}), "at most 64 sockets");
  EXPECT_HAS(nccl_error({{"NCCL_ALGO", "allreduce:nvls"}, {"NCCL_NVLS_ENABLE", "0"}}), "NVLS is off");
  EXPECT_HAS(nccl_error({{"NCCL_ALGO", "allgather:pat"}, {"NCCL_PAT_ENABLE", "0"}}), "PAT is off");
  // Tree and ring run LL too; a Simple-only algorithm is fine with Simple among the protocols.
  EXPECT_NO_THROW(plan::check_config("nccl", {{"NCCL_ALGO", "allreduce:tree;allgather:ring"},
                                              {"NCCL_PROTO", "allreduce:ll;allgather:ll128"},
                                              {"NCCL_BUFFSIZE", "1048576"}, {"config.maxCTAs", "16"}}, 4));
  EXPECT_NO_THROW(plan::check_config("nccl", {{"NCCL_ALGO", "allreduce:nvls"}, {"NCCL_PROTO", "allreduce:simple"}}, 8));
  EXPECT_NO_THROW(plan::check_config("nccl", {}, 4));
}

// NCCL_LAUNCH_MODE only matters for several communicators driven by one thread (group.cc:263).
TEST(KnobCatalog, LaunchModeIsNotSweptAndSaysWhy) {
  const std::string e = error_of([] { plan::knob_or_throw("nccl", "NCCL_LAUNCH_MODE"); });
  EXPECT_HAS(e, "NCCL_LAUNCH_MODE: not a knob collbench sweeps");
  EXPECT_HAS(e, "group.cc:263");
}

TEST(KnobCatalog, CheckConfigMpi) {
  auto mpi_error = [](const plan::Config& c, int n) { return error_of([&] { plan::check_config("mpi", c, n); }); };
  std::string e = mpi_error({{"coll_tuned_allreduce_algorithm_segmentsize", "65536"}}, 4);
  EXPECT_HAS(e, "coll_tuned_allreduce_algorithm_segmentsize has an effect only with coll_tuned_allreduce_algorithm");
  EXPECT_HAS(mpi_error({{"coll_tuned_allreduce_algorithm", "0"}, {"coll_tuned_allreduce_algorithm_segmentsize", "65536"}}, 4),
             "has an effect only with");
  EXPECT_HAS(mpi_error({{"coll_tuned_bcast_algorithm_tree_fanout", "4"}}, 4), "coll_tuned_bcast_algorithm");
  EXPECT_NO_THROW(plan::check_config(
      "mpi", {{"coll_tuned_allreduce_algorithm", "5"}, {"coll_tuned_allreduce_algorithm_segmentsize", "65536"}}, 4));
  e = mpi_error({{"coll_tuned_allgather_algorithm", "6"}}, 4);
  EXPECT_HAS(e, "configuration coll_tuned_allgather_algorithm=6: ");
  EXPECT_HAS(e, "two_proc");
  EXPECT_HAS(e, "not 4");
  EXPECT_NO_THROW(plan::check_config("mpi", {{"coll_tuned_allgather_algorithm", "6"}}, 2));
  EXPECT_HAS(mpi_error({{"coll_tuned_alltoall_algorithm", "5"}}, 3), "two_proc");
  EXPECT_NO_THROW(plan::check_config("mpi", {{"coll_tuned_allreduce_algorithm", "6"}}, 4));
}

TEST(KnobCatalog, MpiTunedKnobsPerCommunicatorThroughMpiT) {
  // Algorithms, segment sizes and chain fanouts are written through MPI_T per communicator
  // (tests/mpi/test_mpit_scope.cpp verifies each); the tree fanouts stay per process.
  for (const char* name : {"coll_tuned_allreduce_algorithm", "coll_tuned_bcast_algorithm_segmentsize",
                           "coll_tuned_reduce_algorithm_chain_fanout", "coll_tuned_alltoall_algorithm"}) {
    const plan::Knob& k = plan::knob_or_throw("mpi", name);
    EXPECT_EQ(k.scope, plan::Scope::communicator) << name;
    EXPECT_EQ(k.target, plan::Target::mpi_t) << name;
    EXPECT_EQ(k.variable, name);
  }
  const plan::Knob& tree = plan::knob_or_throw("mpi", "coll_tuned_bcast_algorithm_tree_fanout");
  EXPECT_EQ(tree.scope, plan::Scope::process);
  EXPECT_EQ(tree.target, plan::Target::env);
  EXPECT_EQ(tree.variable, "OMPI_MCA_coll_tuned_bcast_algorithm_tree_fanout");
  const plan::Config cfg = {{"coll_tuned_allreduce_algorithm", "5"}, {"coll_tuned_allreduce_algorithm_segmentsize", "65536"}};
  EXPECT_EQ(plan::mpi_t_settings("mpi", cfg), (std::map<std::string, std::string>(cfg.begin(), cfg.end())));
  EXPECT_TRUE(plan::mpi_t_settings("nccl", {{"NCCL_ALGO", "allreduce:tree"}}).empty());
  // No environment variable carries them in a sweep.
  const std::vector<std::string> knobs = {"coll_tuned_allreduce_algorithm"};
  EXPECT_TRUE(plan::environment("mpi", cfg, knobs, plan::Scope::communicator).empty());
  EXPECT_TRUE(plan::environment("mpi", cfg, knobs, plan::Scope::process).empty());
}

TEST(KnobCatalog, DeployEnvironmentMpiForcedAlgorithm) {
  const std::vector<std::string> knobs = {"coll_tuned_allreduce_algorithm"};
  EXPECT_EQ(plan::deploy_environment("mpi", {{"coll_tuned_allreduce_algorithm", "6"}}, knobs),
            (Env{{"OMPI_MCA_coll_tuned_allreduce_algorithm", "6"}, {"OMPI_MCA_coll_tuned_use_dynamic_rules", "1"}}));
  // At its default the knob is unset, and so is the switch: nothing inherited can leak in.
  EXPECT_EQ(plan::deploy_environment("mpi", {}, knobs),
            (Env{{"OMPI_MCA_coll_tuned_allreduce_algorithm", std::nullopt},
                 {"OMPI_MCA_coll_tuned_use_dynamic_rules", std::nullopt}}));
  // 0 = ignore: Open MPI's own decision, no need for dynamic rules.
  EXPECT_EQ(plan::deploy_environment("mpi", {{"coll_tuned_allreduce_algorithm", "0"}}, knobs),
            (Env{{"OMPI_MCA_coll_tuned_allreduce_algorithm", "0"}, {"OMPI_MCA_coll_tuned_use_dynamic_rules", std::nullopt}}));
}

TEST(KnobCatalog, EnvironmentNcclByScopeAndTarget) {
  const plan::Config cfg = {{"NCCL_ALGO", "allreduce:tree"}, {"NCCL_BUFFSIZE", "1048576"}, {"config.maxCTAs", "8"}};
  const std::vector<std::string> knobs = {"NCCL_ALGO", "NCCL_BUFFSIZE", "config.maxCTAs", "NCCL_PROTO"};
  EXPECT_EQ(plan::environment("nccl", cfg, knobs, plan::Scope::communicator),
            (Env{{"NCCL_ALGO", "allreduce:tree"}, {"NCCL_PROTO", std::nullopt}}));
  EXPECT_EQ(plan::environment("nccl", cfg, knobs, plan::Scope::process), (Env{{"NCCL_BUFFSIZE", "1048576"}}));
  EXPECT_THROW(plan::environment("nccl", cfg, std::vector<std::string>{"NCCL_NOPE"}, plan::Scope::process),
               core::InputError);
}

TEST(KnobCatalog, ScopesAndTargets) {
  EXPECT_EQ(knob("nccl", "NCCL_ALGO").scope, plan::Scope::communicator);
  EXPECT_EQ(knob("nccl", "NCCL_PROTO").scope, plan::Scope::communicator);
  EXPECT_EQ(knob("nccl", "NCCL_BUFFSIZE").scope, plan::Scope::process);
  EXPECT_EQ(knob("nccl", "NCCL_MAX_CTAS").scope, plan::Scope::process);
  const plan::Knob& cfg = knob("nccl", "config.maxCTAs");
  EXPECT_EQ(cfg.target, plan::Target::nccl_config);
  EXPECT_EQ(cfg.variable, "maxCTAs");
  EXPECT_EQ(cfg.scope, plan::Scope::communicator);
  const plan::Knob& ar = knob("mpi", "coll_tuned_allreduce_algorithm");
  EXPECT_EQ(ar.variable, "coll_tuned_allreduce_algorithm");  // an MPI_T control variable
  EXPECT_EQ(ar.scope, plan::Scope::communicator);
  for (std::string_view b : {"nccl", "mpi"}) {
    std::set<std::string> names;
    for (const plan::Knob& k : plan::catalog(b)) EXPECT_TRUE(names.insert(k.name).second) << k.name;
  }
  // The model backend: the NCCL knobs its cost model reads, all set per configuration in one process.
  std::set<std::string> model;
  for (const plan::Knob& k : plan::catalog("model")) {
    model.insert(k.name);
    EXPECT_EQ(k.scope, plan::Scope::communicator) << k.name;
    EXPECT_EQ(k.backend, "model");
  }
  EXPECT_EQ(model, (std::set<std::string>{"NCCL_ALGO", "NCCL_PROTO", "NCCL_NVLS_ENABLE", "NCCL_COLLNET_ENABLE", "NCCL_PAT_ENABLE",
                                          "NCCL_LL128_C2C"}));
  EXPECT_HAS(error_of([] { plan::knob_or_throw("model", "NCCL_BUFFSIZE"); }), "NCCL's cost model does not read it");
  EXPECT_TRUE(plan::catalog("gloo").empty());
  EXPECT_EQ(plan::find_knob("mpi", "NCCL_ALGO"), nullptr);
}

TEST(KnobCatalog, KnobOrThrowNamesTheOtherBackend) {
  std::string e = error_of([] { knob("mpi", "NCCL_ALGO"); });
  EXPECT_EQ(e, "unknown knob 'NCCL_ALGO' for the mpi backend (NCCL_ALGO is a knob of the nccl backend)");
  e = error_of([] { knob("nccl", "coll_tuned_allreduce_algorithm"); });
  EXPECT_HAS(e, "(coll_tuned_allreduce_algorithm is a knob of the mpi backend)");
  e = error_of([] { knob("nccl", "NCCL_TURBO"); });
  EXPECT_HAS(e, "unknown knob 'NCCL_TURBO' for the nccl backend; expected one of: NCCL_ALGO, NCCL_PROTO");
}

TEST(KnobCatalog, DescribeAndInject) {
  EXPECT_EQ(plan::describe({}), "default");
  EXPECT_EQ(plan::describe({{"NCCL_PROTO", "allreduce:ll"}, {"NCCL_ALGO", "allreduce:tree"}}),
            "NCCL_ALGO=allreduce:tree NCCL_PROTO=allreduce:ll");
  for (std::string_view b : {"nccl", "mpi"}) {
    const plan::Knob& k = knob(b, "COLLBENCH_INJECT");
    EXPECT_EQ(k.backend, "any");
    EXPECT_EQ(plan::canonical_value(k, "delay:1:500,corrupt:2"), "delay:1:500,corrupt:2");
    EXPECT_HAS(error_of([&] { plan::canonical_value(k, "explode:1"); }), "COLLBENCH_INJECT 'explode:1'");
    EXPECT_THROW(plan::canonical_value(k, "delay:1"), core::InputError);
  }
}

}  // namespace

#include "plan/sweep_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
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
using Env = plan::EnvChanges;

plan::SweepSpec spec(const std::string& json) { return plan::parse_sweep_spec(json, "t.json"); }

std::string plan_error(const std::string& json) {
  try {
    plan::make_plan(spec(json));
  } catch (const core::InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError for: " << json;
  return "";
}


// nccl, allreduce only: two per-process axes of 3 and 2 values.
const std::string kProduct = R"({"backend": "nccl", "sizes": [8],
  "knobs": {"NCCL_BUFFSIZE": ["default", "1M", "4M"], "NCCL_NTHREADS": [256, 512]})";

std::string with(const std::string& extra) { return kProduct + ", " + extra + "}"; }

// mpi, allreduce + allgather: each axis can change one collective only.
const std::string kRelevance = R"({"backend": "mpi", "collectives": ["allreduce", "allgather"], "sizes": [8, "1K"],
  "placements": "both",
  "knobs": {"coll_tuned_allreduce_algorithm": ["default", 4, 6], "coll_tuned_allgather_algorithm": ["default", 2]})";

TEST(SweepPlan, ProductOfAxes) {
  const plan::SweepPlan p = plan::make_plan(spec(kProduct + "}"));
  EXPECT_EQ(p.configurations, 6u);
  EXPECT_EQ(p.units, 6u);
  EXPECT_EQ(p.knobs, (std::vector<std::string>{"NCCL_BUFFSIZE", "NCCL_NTHREADS"}));
  ASSERT_EQ(p.launches.size(), 6u);  // every configuration differs in a per-process knob
  // First axis slowest; a default leaves the knob out and unsets its variable.
  EXPECT_EQ(p.launches[0].process, (plan::Config{{"NCCL_NTHREADS", "256"}}));
  EXPECT_EQ(p.launches[0].env, (Env{{"NCCL_BUFFSIZE", std::nullopt}, {"NCCL_NTHREADS", "256"}}));
  EXPECT_EQ(p.launches[3].process, (plan::Config{{"NCCL_BUFFSIZE", "1048576"}, {"NCCL_NTHREADS", "512"}}));
  EXPECT_EQ(p.launches[5].env, (Env{{"NCCL_BUFFSIZE", "4194304"}, {"NCCL_NTHREADS", "512"}}));
  for (const plan::Launch& l : p.launches) {
    ASSERT_EQ(l.blocks.size(), 1u);
    EXPECT_EQ(l.blocks[0].knobs, l.process);
    EXPECT_TRUE(l.blocks[0].comm_env.empty());
  }
}

TEST(SweepPlan, ExplicitCasesAreAdded) {
  EXPECT_EQ(plan::make_plan(spec(with(R"("cases": [{"NCCL_BUFFSIZE": "8M"}])"))).configurations, 7u);
  // A case the product already holds is measured once.
  EXPECT_EQ(plan::make_plan(spec(with(R"("cases": [{"NCCL_BUFFSIZE": "1M", "NCCL_NTHREADS": 256}])"))).configurations, 6u);
  // Without axes, only the cases are measured (no implicit default configuration).
  const plan::SweepPlan p = plan::make_plan(spec(R"({"backend": "nccl", "cases": [{"NCCL_BUFFSIZE": "1M"}]})"));
  EXPECT_EQ(p.configurations, 1u);
  ASSERT_EQ(p.launches.size(), 1u);
  EXPECT_EQ(p.launches[0].process, (plan::Config{{"NCCL_BUFFSIZE", "1048576"}}));
}

TEST(SweepPlan, Exclusions) {
  // "default" in an exclusion matches a knob left at its default.
  EXPECT_EQ(plan::make_plan(spec(with(R"("exclude": [{"NCCL_BUFFSIZE": "default", "NCCL_NTHREADS": 512}])"))).configurations, 5u);
  const plan::SweepPlan p = plan::make_plan(spec(with(R"("exclude": [{"NCCL_NTHREADS": 512}])")));
  EXPECT_EQ(p.configurations, 3u);
  for (const plan::Launch& l : p.launches) EXPECT_EQ(l.process.at("NCCL_NTHREADS"), "256");
  EXPECT_EQ(plan::make_plan(spec(with(R"("exclude": [{"NCCL_BUFFSIZE": "default"}, {"NCCL_BUFFSIZE": "4M"}])"))).configurations, 2u);
  EXPECT_HAS(plan_error(with(R"("exclude": [{"NCCL_NTHREADS": 256}, {"NCCL_NTHREADS": 512}])")),
             "t.json: every configuration is excluded or invalid");
}

TEST(SweepPlan, KnobThatChangesNothingMeasured) {
  const std::string e = plan_error(R"({"backend": "mpi", "knobs": {"coll_tuned_alltoall_algorithm": [1, 2]}})");
  EXPECT_HAS(e, "t.json: knobs.coll_tuned_alltoall_algorithm: changes only alltoall, which this sweep does not measure");
  EXPECT_HAS(plan_error(R"({"backend": "nccl", "collectives": "allreduce", "knobs": {"NCCL_P2P_NET_CHUNKSIZE": ["128K"]}})"),
             "knobs.NCCL_P2P_NET_CHUNKSIZE: changes only alltoall");
}

TEST(SweepPlan, AlgoAxisNamingNoSweptCollective) {
  const std::string e = plan_error(R"({"backend": "nccl", "collectives": "allreduce",
    "knobs": {"NCCL_ALGO": ["allgather:ring", "allgather:pat"]}})");
  EXPECT_HAS(e, "t.json: knobs.NCCL_ALGO: ");
}

TEST(SweepPlan, RelevanceDedupAndFirstFitPacking) {
  const plan::SweepPlan p = plan::make_plan(spec(kRelevance + "}"));
  EXPECT_EQ(p.configurations, 6u);
  EXPECT_EQ(p.units, 5u);  // allreduce: default, 4, 6; allgather: default, 2
  ASSERT_EQ(p.launches.size(), 1u);  // Open MPI's algorithms are per communicator: one launch
  std::vector<std::pair<Collective, plan::Config>> measured;
  for (const plan::Launch& l : p.launches)
    for (const plan::Block& b : l.blocks) measured.emplace_back(b.coll, b.knobs);
  ASSERT_EQ(measured.size(), 5u);
  for (const auto& m : measured) EXPECT_EQ(std::count(measured.begin(), measured.end(), m), 1);
  for (const auto& [coll, knobs] : measured)
    for (const auto& [name, value] : knobs)
      EXPECT_EQ(name, coll == Collective::allreduce ? "coll_tuned_allreduce_algorithm" : "coll_tuned_allgather_algorithm");

  // The launch: dynamic rules on (Open MPI ignores MPI_T's algorithms without them), the swept
  // variables unset (an inherited value would change "default"); each block its MPI_T settings.
  EXPECT_EQ(p.launches[0].process, plan::Config{});
  EXPECT_EQ(p.launches[0].env, (Env{{"OMPI_MCA_coll_tuned_allgather_algorithm", std::nullopt},
                                    {"OMPI_MCA_coll_tuned_allreduce_algorithm", std::nullopt},
                                    {"OMPI_MCA_coll_tuned_use_dynamic_rules", "1"}}));
  for (const plan::Block& b : p.launches[0].blocks) {
    EXPECT_TRUE(b.comm_env.empty());
    EXPECT_EQ(b.mpi_t, (std::map<std::string, std::string>(b.knobs.begin(), b.knobs.end())));
  }
  // Blocks of one MPI_T configuration are adjacent (one communicator each).
  EXPECT_TRUE(p.launches[0].blocks.front().mpi_t.empty());
}

TEST(SweepPlan, CaseIdsUniqueAndTotals) {
  const plan::SweepPlan p = plan::make_plan(spec(kRelevance + R"(, "repetitions": 2})"));
  std::set<std::string> ids;
  std::size_t sum = 0;
  for (const plan::Launch& l : p.launches) {
    sum += l.cases();
    for (const plan::Block& b : l.blocks)
      for (const plan::PlannedCase& c : b.cases) EXPECT_TRUE(ids.insert(c.id).second) << c.id;
  }
  EXPECT_EQ(p.total_cases, sum);
  EXPECT_EQ(p.total_cases, ids.size());
  EXPECT_EQ(p.total_cases, 5u * 2 * 2 * 2);  // units x sizes x placements x repetitions
  // Sizes ascending, out-of-place first at each size.
  const auto& cases = p.launches[0].blocks[0].cases;
  ASSERT_EQ(cases.size(), 4u);
  EXPECT_EQ(cases[0].bytes, 8u);
  EXPECT_FALSE(cases[0].in_place);
  EXPECT_TRUE(cases[1].in_place);
  EXPECT_EQ(cases[3].bytes, 1024u);
  EXPECT_EQ(cases[0].id, "default|allreduce|float|sum|out_of_place|8|r0");
}

TEST(SweepPlan, MpiRepetitionsShareOneLaunchRepMajor) {
  const plan::SweepPlan p = plan::make_plan(spec(kRelevance + R"(, "repetitions": 3})"));
  ASSERT_EQ(p.launches.size(), 1u);
  const plan::Launch& l = p.launches[0];
  EXPECT_EQ(l.rep, 0);
  EXPECT_EQ(l.reps, 3);
  EXPECT_EQ(l.label(), "L000-r0-2");
  ASSERT_EQ(l.blocks.size(), 15u);  // 5 units x 3 repetitions
  for (std::size_t k = 0; k < 5; ++k)
    for (int rep = 1; rep < 3; ++rep) {
      const plan::Block &a = l.blocks[k], &b = l.blocks[k + 5 * static_cast<std::size_t>(rep)];
      EXPECT_EQ(a.rep, 0);
      EXPECT_EQ(b.rep, rep);
      EXPECT_EQ(a.config_id, b.config_id);
      EXPECT_EQ(a.mpi_t, b.mpi_t);
      const std::string& ida = a.cases[0].id;
      EXPECT_EQ(b.cases[0].id, ida.substr(0, ida.size() - 1) + std::to_string(rep));
    }
}

TEST(SweepPlan, RepetitionsAreRepMajor) {
  const plan::SweepPlan p = plan::make_plan(spec(std::string(R"({"backend": "nccl", "collectives": ["allreduce"],
    "sizes": ["8", "1K"], "knobs": {"NCCL_BUFFSIZE": ["1M", "4M", "16M"]}, "repetitions": 2})")));
  ASSERT_EQ(p.launches.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(p.launches[i].rep, static_cast<int>(i / 3));
    EXPECT_EQ(p.launches[i].index, static_cast<int>(i % 3));
  }
  EXPECT_EQ(p.launches[0].label(), "L000-r0");
  EXPECT_EQ(p.launches[5].label(), "L002-r1");
  for (std::size_t i = 0; i < 3; ++i) {
    const plan::Launch &a = p.launches[i], &b = p.launches[i + 3];
    EXPECT_EQ(a.env, b.env);
    ASSERT_EQ(a.blocks.size(), b.blocks.size());
    for (std::size_t k = 0; k < a.blocks.size(); ++k) {
      EXPECT_EQ(a.blocks[k].config_id, b.blocks[k].config_id);
      EXPECT_EQ(a.blocks[k].coll, b.blocks[k].coll);
      ASSERT_EQ(a.blocks[k].cases.size(), b.blocks[k].cases.size());
      const std::string& ida = a.blocks[k].cases[0].id;
      EXPECT_EQ(ida.substr(ida.size() - 3), "|r0");
      EXPECT_EQ(b.blocks[k].cases[0].id, ida.substr(0, ida.size() - 1) + "1");
    }
  }
}

TEST(SweepPlan, PerCommunicatorKnobsShareOneLaunch) {
  const plan::SweepPlan p = plan::make_plan(spec(R"({"backend": "nccl", "collectives": ["allreduce", "allgather"],
    "sizes": [1024], "knobs": {"NCCL_ALGO": ["default", "allreduce:tree", "allreduce:ring;allgather:ring"]}})"));
  EXPECT_EQ(p.configurations, 3u);
  EXPECT_EQ(p.units, 5u);
  ASSERT_EQ(p.launches.size(), 1u);
  const plan::Launch& l = p.launches[0];
  EXPECT_TRUE(l.env.empty());
  EXPECT_TRUE(l.process.empty());
  ASSERT_EQ(l.blocks.size(), 5u);
  std::set<std::optional<std::string>> algos;
  for (const plan::Block& b : l.blocks) {
    ASSERT_EQ(b.comm_env.size(), 1u);
    algos.insert(b.comm_env.at("NCCL_ALGO"));
    if (b.knobs.count("NCCL_ALGO")) {
      EXPECT_EQ(b.comm_env.at("NCCL_ALGO"), b.knobs.at("NCCL_ALGO"));
    }
  }
  EXPECT_EQ(algos, (std::set<std::optional<std::string>>{std::nullopt, "allreduce:tree", "allreduce:ring", "allgather:ring"}));
  // Blocks sharing per-communicator settings run back to back.
  EXPECT_TRUE(std::is_sorted(l.blocks.begin(), l.blocks.end(),
                             [](const plan::Block& a, const plan::Block& b) { return a.comm_env < b.comm_env; }));
  // Per-communicator and per-process knobs together: one launch per per-process value.
  const plan::SweepPlan q = plan::make_plan(spec(R"({"backend": "nccl", "sizes": [8],
    "knobs": {"NCCL_ALGO": ["default", "allreduce:tree"], "NCCL_BUFFSIZE": ["default", "1M"]}})"));
  ASSERT_EQ(q.launches.size(), 2u);
  for (const plan::Launch& ql : q.launches) EXPECT_EQ(ql.blocks.size(), 2u);
}

TEST(SweepPlan, NcclConfigFieldsAreNotEnvironment) {
  const plan::SweepPlan p = plan::make_plan(spec(R"({"backend": "nccl", "sizes": [8],
    "knobs": {"config.maxCTAs": [8, 16]}})"));
  ASSERT_EQ(p.launches.size(), 1u);
  ASSERT_EQ(p.launches[0].blocks.size(), 2u);
  std::set<std::string> seen;
  for (const plan::Block& b : p.launches[0].blocks) {
    EXPECT_TRUE(b.comm_env.empty());
    ASSERT_EQ(b.nccl_config.size(), 1u);
    seen.insert(b.nccl_config.at("maxCTAs"));
    EXPECT_EQ(b.knobs.at("config.maxCTAs"), b.nccl_config.at("maxCTAs"));
  }
  EXPECT_EQ(seen, (std::set<std::string>{"8", "16"}));
  EXPECT_TRUE(p.launches[0].env.empty());
}

TEST(SweepPlan, OpsMultiplyOnlyReducingCollectives) {
  const plan::SweepPlan p = plan::make_plan(spec(R"({"backend": "mpi", "collectives": ["allreduce", "allgather"],
    "sizes": [8], "datatypes": ["float", "double"], "ops": ["sum", "max"], "root": 2})"));
  ASSERT_EQ(p.launches.size(), 1u);
  std::size_t ar = 0, ag = 0;
  for (const plan::Block& b : p.launches[0].blocks) {
    EXPECT_EQ(b.root, 2);
    if (b.coll == Collective::allreduce) ++ar;
    if (b.coll == Collective::allgather) {
      ++ag;
      EXPECT_EQ(b.op, core::RedOp::sum);
      EXPECT_HAS(b.cases[0].id, "|allgather|");
      EXPECT_HAS(b.cases[0].id, "|none|");
    }
  }
  EXPECT_EQ(ar, 4u);  // 2 datatypes x 2 ops
  EXPECT_EQ(ag, 2u);  // 2 datatypes
  EXPECT_EQ(p.total_cases, 6u);
}

TEST(SweepPlan, CheckConfigErrorsNameTheSpec) {
  std::string e = plan_error(R"({"backend": "mpi", "collectives": "allgather",
    "knobs": {"coll_tuned_allgather_algorithm": ["default", "two_proc"]}})");
  EXPECT_HAS(e, "t.json: configuration coll_tuned_allgather_algorithm=6: ");
  EXPECT_HAS(e, "not 4");
  e = plan_error(R"({"backend": "nccl", "knobs": {"NCCL_MIN_NCHANNELS": [8], "NCCL_MAX_NCHANNELS": [4, 16]}})");
  EXPECT_HAS(e, "t.json: configuration NCCL_MAX_NCHANNELS=4 NCCL_MIN_NCHANNELS=8: NCCL_MIN_NCHANNELS 8 is above");
  // A segment size needs a forced algorithm: the default of the algorithm axis must be excluded.
  const std::string seg = R"({"backend": "mpi", "knobs": {"coll_tuned_allreduce_algorithm": ["default", 5],
    "coll_tuned_allreduce_algorithm_segmentsize": ["64K"]})";
  EXPECT_HAS(plan_error(seg + "}"), "t.json: configuration coll_tuned_allreduce_algorithm_segmentsize=65536: ");
  EXPECT_EQ(plan::make_plan(spec(seg + R"(, "exclude": [{"coll_tuned_allreduce_algorithm": "default"}]})")).configurations, 1u);
}

TEST(SweepPlan, ConfigAndCaseIds) {
  const plan::Config a = {{"NCCL_ALGO", "allreduce:tree"}, {"NCCL_BUFFSIZE", "1048576"}};
  plan::Config b;
  b["NCCL_BUFFSIZE"] = "1048576";
  b["NCCL_ALGO"] = "allreduce:tree";
  const std::string id = plan::config_id(a);
  ASSERT_EQ(id.size(), 8u);
  EXPECT_TRUE(std::all_of(id.begin(), id.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) && !std::isupper(c); }));
  EXPECT_EQ(plan::config_id(b), id);
  EXPECT_NE(plan::config_id({{"NCCL_ALGO", "allreduce:ring"}, {"NCCL_BUFFSIZE", "1048576"}}), id);
  EXPECT_NE(plan::config_id({}), id);
  EXPECT_EQ(plan::config_id({}).size(), 8u);
  EXPECT_EQ(plan::case_id({{"NCCL_ALGO", "allreduce:tree"}}, Collective::allreduce, core::DataType::float32,
                          core::RedOp::max, true, 1024, 3),
            "NCCL_ALGO=allreduce:tree|allreduce|float|max|in_place|1024|r3");
  EXPECT_EQ(plan::case_id({}, Collective::allgather, core::DataType::int32, core::RedOp::max, false, 8, 0),
            "default|allgather|int32|none|out_of_place|8|r0");
  for (const plan::Launch& l : plan::make_plan(spec(kRelevance + "}")).launches)
    for (const plan::Block& blk : l.blocks) EXPECT_EQ(blk.config_id, plan::config_id(blk.knobs));
}

// The sizes each (collective, configuration) block measures, as "coll knobs: sizes".
std::vector<std::string> blocks_and_sizes(const plan::SweepPlan& p) {
  std::vector<std::string> out;
  for (const plan::Launch& l : p.launches)
    for (const plan::Block& b : l.blocks) {
      std::string s = std::string(core::name(b.coll)) + " " + plan::describe(b.knobs) + ":";
      for (const plan::PlannedCase& c : b.cases) s += " " + std::to_string(c.bytes);
      out.push_back(s);
    }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SweepPlan, CaseSizesRestrictAConfigurationAndMergeAsAUnion) {
  const plan::SweepSpec s = spec(R"({"backend": "mpi", "collectives": ["allreduce", "allgather"], "sizes": [8, "1K", "64K"],
    "cases": [{"coll_tuned_allreduce_algorithm": "default"},
              {"coll_tuned_allreduce_algorithm": "basic_linear", "sizes": [8]},
              {"coll_tuned_allreduce_algorithm": "ring", "sizes": ["64K"]},
              {"coll_tuned_allreduce_algorithm": "basic_linear", "sizes": ["1K"]},
              {"coll_tuned_allgather_algorithm": "ring", "sizes": ["1K"]}]})");
  const plan::SweepPlan p = plan::make_plan(s);
  EXPECT_EQ(p.configurations, 4u);  // basic_linear twice: once, at the union of its sizes
  // A configuration that cannot change a collective is the default there, measured at every size.
  EXPECT_EQ(blocks_and_sizes(p), (std::vector<std::string>{
                                     "allgather coll_tuned_allgather_algorithm=4: 1024",
                                     "allgather default: 8 1024 65536",
                                     "allreduce coll_tuned_allreduce_algorithm=1: 8 1024",
                                     "allreduce coll_tuned_allreduce_algorithm=4: 65536",
                                     "allreduce default: 8 1024 65536",
                                 }));
  EXPECT_EQ(p.total_cases, 3u + 3 + 2 + 1 + 1);
  ASSERT_EQ(p.launches.size(), 1u);  // per-communicator knobs: one launch measures them all
  // The same configuration also in the product (every size) keeps every size.
  const plan::SweepPlan q = plan::make_plan(spec(R"({"backend": "mpi", "sizes": [8, "1K"],
    "knobs": {"coll_tuned_allreduce_algorithm": ["default", "ring"]},
    "cases": [{"coll_tuned_allreduce_algorithm": "ring", "sizes": [8]}]})"));
  EXPECT_EQ(blocks_and_sizes(q), (std::vector<std::string>{"allreduce coll_tuned_allreduce_algorithm=4: 8 1024",
                                                           "allreduce default: 8 1024"}));
}

TEST(SweepPlan, EstimateGrowsWithLaunches) {
  const plan::SweepSpec one = spec(kRelevance + "}");
  const plan::SweepSpec two = spec(kRelevance + R"(, "repetitions": 2})");
  const double t1 = plan::estimate_seconds(one, plan::make_plan(one));
  const double t2 = plan::estimate_seconds(two, plan::make_plan(two));
  EXPECT_GT(t1, 0);
  EXPECT_GT(t2, t1);
  // mpi: both repetitions in one launch, so twice the cases but one launch's start (0.8 s).
  EXPECT_NEAR(t2, 2 * t1 - 0.8, 1e-9 * t2);
  const plan::SweepSpec n1 = spec(R"({"backend": "nccl", "sizes": [8], "knobs": {"NCCL_BUFFSIZE": ["1M", "4M"]}})");
  const plan::SweepSpec n2 = spec(R"({"backend": "nccl", "sizes": [8], "knobs": {"NCCL_BUFFSIZE": ["1M", "4M"]}, "repetitions": 2})");
  EXPECT_NEAR(plan::estimate_seconds(n2, plan::make_plan(n2)), 2 * plan::estimate_seconds(n1, plan::make_plan(n1)), 1e-9);
  const plan::SweepSpec more_iters = spec(kRelevance + R"(, "measure": {"iters": 1000}})");
  EXPECT_GT(plan::estimate_seconds(more_iters, plan::make_plan(more_iters)), t1);
  EXPECT_EQ(plan::estimate_seconds(one, plan::SweepPlan{}), 0);
}

}  // namespace

// A run's plan as the driver's blocks: one per collective, nccl-tests' order, no ids.
TEST(RunBlocks, OneBlockPerCollectiveInTableOrder) {
  plan::RunPlan p;
  p.collectives = {Collective::allreduce, Collective::broadcast};
  p.sizes = {8, 1024};
  p.placements = {false, true};
  p.dtype = core::DataType::int32;
  p.root = 1;
  const std::vector<plan::Block> blocks = plan::blocks_of(p);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[1].coll, Collective::broadcast);
  EXPECT_EQ(blocks[1].dtype, core::DataType::int32);
  EXPECT_EQ(blocks[1].root, 1);
  EXPECT_TRUE(blocks[0].config_id.empty());
  ASSERT_EQ(blocks[0].cases.size(), 4u);
  const std::vector<std::pair<std::uint64_t, bool>> want = {{8, false}, {8, true}, {1024, false}, {1024, true}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(blocks[0].cases[i].bytes, want[i].first);
    EXPECT_EQ(blocks[0].cases[i].in_place, want[i].second);
    EXPECT_TRUE(blocks[0].cases[i].id.empty());
  }
  EXPECT_EQ(plan::placements_of(blocks[0]), (std::vector<bool>{false, true}));
}

TEST(RunBlocks, PlacementsOfABlockAreItsCasesOutOfPlaceFirst) {
  plan::Block b;
  b.cases = {{"a", 8, true}, {"b", 16, true}};
  EXPECT_EQ(plan::placements_of(b), (std::vector<bool>{true}));
  b.cases.push_back({"c", 16, false});
  EXPECT_EQ(plan::placements_of(b), (std::vector<bool>{false, true}));
  EXPECT_TRUE(plan::placements_of(plan::Block{}).empty());
}

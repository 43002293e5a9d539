// The launcher facts read from the environment: the rank, srun vs mpirun vs a batch script, and
// Slurm's compressed host lists and tasks per node. The environments are the ones a real Slurm
// 22.05 gave (tests/slurm runs the real thing).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/error.hpp"
#include "core/launcher.hpp"
#include "unit/test_support.hpp"

namespace collbench::core {
namespace {

using Env = std::map<std::string, std::string>;

EnvLookup lookup(const Env& env) {
  return [&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
}

// A task of `srun -n 4 -O --mpi=pmix` on one node (SLURM_CPUS_ON_NODE is 1 under -O).
Env srun_task(int rank) {
  return {{"SLURM_JOB_ID", "11"}, {"SLURM_JOBID", "11"}, {"SLURM_STEP_ID", "0"}, {"SLURM_STEPID", "0"},
          {"SLURM_PROCID", std::to_string(rank)}, {"SLURM_LOCALID", std::to_string(rank)}, {"SLURM_NODEID", "0"},
          {"SLURM_JOB_NAME", "cbtest"}, {"SLURM_CLUSTER_NAME", "collbench-test"}, {"SLURM_JOB_PARTITION", "debug"},
          {"SLURM_STEP_NODELIST", "localhost"}, {"SLURM_JOB_NODELIST", "localhost"}, {"SLURM_NODELIST", "localhost"},
          {"SLURM_STEP_TASKS_PER_NODE", "4"}, {"SLURM_TASKS_PER_NODE", "4"}, {"SLURM_STEP_NUM_TASKS", "4"},
          {"SLURM_NTASKS", "4"}, {"SLURM_STEP_NUM_NODES", "1"}, {"SLURM_JOB_NUM_NODES", "1"}, {"SLURM_NNODES", "1"},
          {"SLURM_CPUS_ON_NODE", "1"}, {"SLURM_MPI_TYPE", "pmix"}, {"SLURMD_NODENAME", "localhost"},
          {"PMIX_RANK", std::to_string(rank)}};
}

// A batch script's own environment: SLURM_PROCID=0, but no step.
Env batch_script() {
  return {{"SLURM_JOB_ID", "2"}, {"SLURM_PROCID", "0"}, {"SLURM_LOCALID", "0"}, {"SLURM_NODEID", "0"},
          {"SLURM_JOB_NAME", "b.sh"}, {"SLURM_JOB_NODELIST", "gpu[01-02]"}, {"SLURM_NODELIST", "gpu[01-02]"},
          {"SLURM_TASKS_PER_NODE", "8(x2)"}, {"SLURM_NTASKS", "16"}, {"SLURM_JOB_NUM_NODES", "2"},
          {"SLURM_CPUS_ON_NODE", "64"}};
}

TEST(LauncherRank, EachLauncherSaysItsOwnWay) {
  EXPECT_EQ(launcher_rank(lookup({})), -1);
  EXPECT_EQ(launcher_rank(lookup({{"OMPI_COMM_WORLD_RANK", "3"}})), 3);
  EXPECT_EQ(launcher_rank(lookup({{"PMI_RANK", "5"}})), 5);
  EXPECT_EQ(launcher_rank(lookup(srun_task(2))), 2);
  Env no_pmi = srun_task(1);
  no_pmi.erase("PMIX_RANK");
  EXPECT_EQ(launcher_rank(lookup(no_pmi)), 1);  // srun --mpi=none: still a task of a step
}

// torchrun, Kubernetes manifests and `collbench launch` give RANK with WORLD_SIZE: their ranks
// other than 0 stay quiet on bad input, and sweep, tune and check refuse to run in them.
TEST(LauncherRank, RankWithWorldSizeWithoutMpi) {
  EXPECT_EQ(launcher_rank(lookup({{"COLLBENCH_LAUNCHER", "collbench-launch"}, {"RANK", "2"}, {"WORLD_SIZE", "4"}})), 2);
  EXPECT_EQ(launcher_rank(lookup({{"TORCHELASTIC_RUN_ID", "none"}, {"RANK", "0"}, {"WORLD_SIZE", "4"}})), 0);
  EXPECT_EQ(launcher_rank(lookup({{"RANK", "3"}, {"WORLD_SIZE", "4"}})), 3);
  EXPECT_EQ(launcher_rank(lookup({{"RANK", "3"}})), -1);  // RANK alone: a variable left set, no launcher
}

// `collbench sweep`, `tune` and `check` refuse to run under a launcher; in a batch script they
// must not think they are rank 0 of a job (accept-rack.sbatch runs check from the script).
TEST(LauncherRank, ABatchScriptIsNotAStep) {
  EXPECT_EQ(launcher_rank(lookup(batch_script())), -1);
  EXPECT_EQ(detect_launch(lookup(batch_script()), 64).launcher, "none");
}

TEST(DetectLaunch, SrunTaskGivesJobStepNodesAndTasks) {
  const LaunchInfo l = detect_launch(lookup(srun_task(0)), 2);
  EXPECT_EQ(l.launcher, "srun");
  ASSERT_TRUE(l.slurm.has_value());
  EXPECT_EQ(l.slurm->job_id, "11");
  EXPECT_EQ(l.slurm->step_id, "0");
  EXPECT_EQ(l.slurm->job_name, "cbtest");
  EXPECT_EQ(l.slurm->cluster, "collbench-test");
  EXPECT_EQ(l.slurm->partition, "debug");
  EXPECT_EQ(l.slurm->nodelist, "localhost");
  EXPECT_EQ(l.slurm->nodes, std::vector<std::string>{"localhost"});
  EXPECT_EQ(l.slurm->tasks_per_node, std::vector<int>{4});
  EXPECT_EQ(l.slurm->ntasks, 4);
  EXPECT_EQ(l.slurm->nnodes, 1);
  EXPECT_TRUE(l.has_pmi);
  // 4 tasks; the process may run on 2 CPUs, Slurm says 1 (-O): 4 > 2.
  EXPECT_EQ(l.local_tasks, 4);
  EXPECT_EQ(l.cpus, 2);
  EXPECT_TRUE(l.oversubscribed);
}

TEST(DetectLaunch, OversubscribedOnlyWhenTasksOutnumberCpus) {
  Env e = srun_task(0);
  EXPECT_FALSE(detect_launch(lookup(e), 4).oversubscribed);
  // Bound to 1 CPU each, 4 tasks on a node Slurm gave 4 CPUs: not oversubscribed.
  e["SLURM_CPUS_ON_NODE"] = "4";
  EXPECT_FALSE(detect_launch(lookup(e), 1).oversubscribed);
  // The second node of "8(x2),4" has 8 tasks.
  e["SLURM_STEP_TASKS_PER_NODE"] = "8(x2),4";
  e["SLURM_NODEID"] = "1";
  const LaunchInfo l = detect_launch(lookup(e), 2);
  EXPECT_EQ(l.local_tasks, 8);
  EXPECT_TRUE(l.oversubscribed);
  // A node index Slurm's list does not have: unknown, not oversubscribed.
  e["SLURM_NODEID"] = "7";
  EXPECT_EQ(detect_launch(lookup(e), 2).local_tasks, 0);
  EXPECT_FALSE(detect_launch(lookup(e), 2).oversubscribed);
}

TEST(DetectLaunch, SrunWithoutPmiIsSeen) {
  Env e = srun_task(0);
  e.erase("PMIX_RANK");
  e["SLURM_MPI_TYPE"] = "none";
  EXPECT_FALSE(detect_launch(lookup(e), 2).has_pmi);
  e["PMI_RANK"] = "0";  // --mpi=pmi2
  EXPECT_TRUE(detect_launch(lookup(e), 2).has_pmi);
}

// mpirun inside an allocation: its ranks inherit the batch script's SLURM_PROCID=0, but
// OMPI_COMM_WORLD_RANK decides; the job is the allocation's, with no step.
TEST(DetectLaunch, MpirunInsideAnAllocation) {
  Env e = batch_script();
  e["OMPI_COMM_WORLD_RANK"] = "5";
  const LaunchInfo l = detect_launch(lookup(e), 64);
  EXPECT_EQ(l.launcher, "mpirun");
  EXPECT_EQ(launcher_rank(lookup(e)), 5);
  ASSERT_TRUE(l.slurm.has_value());
  EXPECT_EQ(l.slurm->step_id, "");
  EXPECT_EQ(l.slurm->nodes, (std::vector<std::string>{"gpu01", "gpu02"}));
  EXPECT_EQ(l.slurm->tasks_per_node, (std::vector<int>{8, 8}));
  EXPECT_EQ(l.slurm->ntasks, 16);
  EXPECT_FALSE(l.oversubscribed);  // only judged under srun
}

TEST(DetectLaunch, OutsideSlurm) {
  const LaunchInfo l = detect_launch(lookup({}), 8);
  EXPECT_EQ(l.launcher, "none");
  EXPECT_FALSE(l.slurm.has_value());
  EXPECT_EQ(detect_launch(lookup({{"PMI_RANK", "0"}, {"PMI_SIZE", "2"}}), 8).launcher, "mpiexec");
}

// Slurm's own strings cannot fail a run: what cannot be expanded is kept as given.
TEST(DetectLaunch, UnreadableListsAreKeptRaw) {
  Env e = srun_task(0);
  e["SLURM_STEP_NODELIST"] = "gpu[01-";
  e["SLURM_STEP_TASKS_PER_NODE"] = "4(x";
  const LaunchInfo l = detect_launch(lookup(e), 2);
  EXPECT_EQ(l.slurm->nodelist, "gpu[01-");
  EXPECT_TRUE(l.slurm->nodes.empty());
  EXPECT_TRUE(l.slurm->tasks_per_node.empty());
  EXPECT_EQ(l.local_tasks, 0);
}

// srun --mpi=X with an MPI that cannot use X: every task a job of its own.
TEST(SrunWorld, SingletonsAreNamed) {
  const LaunchInfo l = detect_launch(lookup(srun_task(0)), 2);
  EXPECT_EQ(srun_world_mismatch(l.launcher, l.slurm, 4), "");
  const std::string why = srun_world_mismatch(l.launcher, l.slurm, 1);
  EXPECT_NE(why.find("srun started 4 tasks but MPI joined them into a job of 1 rank(s)"), std::string::npos) << why;
  EXPECT_NE(why.find("srun --mpi=pmix"), std::string::npos) << why;
  EXPECT_EQ(srun_world_mismatch("mpirun", l.slurm, 1), "");  // mpirun inside an allocation: the job's tasks
  SlurmJob unknown = *l.slurm;
  unknown.ntasks = 0;
  EXPECT_EQ(srun_world_mismatch("srun", unknown, 1), "");
  EXPECT_EQ(srun_world_mismatch("srun", std::nullopt, 1), "");
}

TEST(Hostlist, ExpandsSlurmsSyntax) {
  using V = std::vector<std::string>;
  EXPECT_EQ(expand_hostlist("localhost"), V{"localhost"});
  EXPECT_EQ(expand_hostlist("rack42-[01-03]"), (V{"rack42-01", "rack42-02", "rack42-03"}));
  EXPECT_EQ(expand_hostlist("a[1-3,5],b2"), (V{"a1", "a2", "a3", "a5", "b2"}));
  EXPECT_EQ(expand_hostlist("n[8-10]"), (V{"n8", "n9", "n10"}));
  EXPECT_EQ(expand_hostlist("n[008-010]"), (V{"n008", "n009", "n010"}));
  EXPECT_EQ(expand_hostlist("r[1-2]-g[0-1]"), (V{"r1-g0", "r1-g1", "r2-g0", "r2-g1"}));
  EXPECT_EQ(expand_hostlist("gpu[7]x,cpu1"), (V{"gpu7x", "cpu1"}));
  EXPECT_EQ(expand_hostlist("n[0-999999]").size(), 1000000u);
}

TEST(Hostlist, MalformedListsAreNamed) {
  for (const char* bad : {"", "gpu[01-", "gpu01]", "gpu[a-b]", "gpu[3-1]", "a,,b", "g[[1]]", "n[0-1000000]", "x[0-999][0-9999]"}) {
    EXPECT_HAS(testsupport::error_of([&] { expand_hostlist(bad); }), "Slurm host list '" + std::string(bad) + "'");
  }
}

TEST(TasksPerNode, ExpandsRepeats) {
  EXPECT_EQ(expand_tasks_per_node("4"), std::vector<int>{4});
  EXPECT_EQ(expand_tasks_per_node("4(x2),2"), (std::vector<int>{4, 4, 2}));
  EXPECT_EQ(expand_tasks_per_node("1,8(x3)"), (std::vector<int>{1, 8, 8, 8}));
  for (const char* bad : {"", "x", "4(x)", "4(x0)", "4(x2", "-1", "4,,2"})
    EXPECT_THROW(expand_tasks_per_node(bad), InputError) << bad;
}

}  // namespace
}  // namespace collbench::core

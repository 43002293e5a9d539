// Which world a process starts, from the environment each launcher gives: torchrun (and our
// Kubernetes manifests), srun --mpi=none, collbench launch, an MPI launcher, a plain process; and
// one line naming the variable for every environment that cannot be a job.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/error.hpp"
#include "core/rendezvous.hpp"
#include "unit/test_support.hpp"

namespace collbench::core {
namespace {

using Env = std::map<std::string, std::string>;
using testsupport::error_of;

EnvLookup lookup(const Env& env) {
  return [&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
}

// Worker 5 of `torchrun --nnodes 2 --nproc-per-node 4` on the second node (torch/distributed/run.py).
Env torchrun_worker() {
  return {{"RANK", "5"}, {"WORLD_SIZE", "8"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "4"}, {"GROUP_RANK", "1"},
          {"GROUP_WORLD_SIZE", "2"}, {"ROLE_RANK", "5"}, {"MASTER_ADDR", "node0.cluster"}, {"MASTER_PORT", "29500"},
          {"TORCHELASTIC_RUN_ID", "job42"}, {"TORCHELASTIC_RESTART_COUNT", "0"}};
}

// Pod 2 of a Kubernetes Indexed Job of 4 pods, one GPU each (our manifests).
Env k8s_pod() {
  return {{"JOB_COMPLETION_INDEX", "2"}, {"RANK", "2"}, {"WORLD_SIZE", "4"}, {"MASTER_ADDR", "collbench-0.collbench"},
          {"MASTER_PORT", "29500"}};
}

// A task of `srun -N 2 -n 8 --mpi=none` (job 4242, step 3): node 1, local task 2.
Env srun_none_task() {
  return {{"SLURM_JOB_ID", "4242"}, {"SLURM_STEP_ID", "3"}, {"SLURM_PROCID", "6"}, {"SLURM_LOCALID", "2"},
          {"SLURM_NODEID", "1"}, {"SLURM_STEP_NODELIST", "gpu[07-08]"}, {"SLURM_JOB_NODELIST", "gpu[01-08]"},
          {"SLURM_STEP_TASKS_PER_NODE", "4(x2)"}, {"SLURM_STEP_NUM_TASKS", "8"}, {"SLURM_NTASKS", "8"},
          {"SLURM_MPI_TYPE", "none"}};
}

// `collbench launch --nproc-per-node 4`'s rank 3.
Env launched(int rank = 3) {
  const std::string r = std::to_string(rank);
  return {{"COLLBENCH_LAUNCHER", "collbench-launch"}, {"RANK", r}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", r},
          {"LOCAL_WORLD_SIZE", "4"}, {"GROUP_RANK", "0"}, {"NODE_RANK", "0"}, {"MASTER_ADDR", "127.0.0.1"},
          {"MASTER_PORT", "41234"}};
}

WorldChoice choose(const Env& env, bool with_mpi = true, int port_flag = 0) {
  return choose_world(lookup(env), with_mpi, port_flag);
}

std::string error_for(const Env& env, bool with_mpi = true, int port_flag = 0) {
  return error_of([&] { choose(env, with_mpi, port_flag); });
}

TEST(ChooseWorld, TorchrunWorker) {
  const WorldChoice w = choose(torchrun_worker());
  ASSERT_EQ(w.kind, WorldKind::nccl);
  const Rendezvous& r = w.rendezvous;
  EXPECT_EQ(r.convention, "torchrun");
  EXPECT_EQ(r.rank, 5);
  EXPECT_EQ(r.world_size, 8);
  EXPECT_EQ(r.local_rank, 1);
  EXPECT_EQ(r.local_world_size, 4);
  EXPECT_EQ(r.node_rank, 1);
  EXPECT_EQ(r.host, "node0.cluster");
  EXPECT_EQ(r.port, 29500);
  EXPECT_EQ(r.source, "MASTER_ADDR/MASTER_PORT");
  EXPECT_EQ(r.address(), "node0.cluster:29500");
  EXPECT_EQ(choose(torchrun_worker(), false).kind, WorldKind::nccl);  // the same without MPI
}

TEST(ChooseWorld, KubernetesPodDefaultsTheLocalRanks) {
  const Rendezvous r = choose(k8s_pod()).rendezvous;
  EXPECT_EQ(r.convention, "torchrun");
  EXPECT_EQ(r.rank, 2);
  EXPECT_EQ(r.world_size, 4);
  EXPECT_EQ(r.local_rank, 0);
  EXPECT_EQ(r.local_world_size, 1);
  EXPECT_EQ(r.node_rank, -1);
  EXPECT_EQ(r.address(), "collbench-0.collbench:29500");
  Env with_node = k8s_pod();
  with_node["NODE_RANK"] = "2";
  EXPECT_EQ(choose(with_node).rendezvous.node_rank, 2);
}

TEST(ChooseWorld, NcclCommIdWinsOverMasterAddr) {
  Env env = torchrun_worker();
  env["NCCL_COMM_ID"] = "10.0.0.7:6000";
  Rendezvous r = choose(env).rendezvous;
  EXPECT_EQ(r.address(), "10.0.0.7:6000");
  EXPECT_EQ(r.source, "NCCL_COMM_ID");
  env["NCCL_COMM_ID"] = "[fd00::7]:6000";
  r = choose(env).rendezvous;
  EXPECT_EQ(r.host, "fd00::7");
  EXPECT_EQ(r.address(), "[fd00::7]:6000");
  // NCCL_COMM_ID alone is an address too.
  Env bare = k8s_pod();
  bare.erase("MASTER_ADDR");
  bare.erase("MASTER_PORT");
  bare["NCCL_COMM_ID"] = "head:7000";
  EXPECT_EQ(choose(bare).rendezvous.address(), "head:7000");
}

TEST(ChooseWorld, IPv6MasterAddrIsBracketedInTheAddress) {
  Env env = k8s_pod();
  env["MASTER_ADDR"] = "fd00::1";
  EXPECT_EQ(choose(env).rendezvous.address(), "[fd00::1]:29500");
  env["MASTER_ADDR"] = "[fd00::1]";
  EXPECT_EQ(choose(env).rendezvous.host, "fd00::1");
}

TEST(ChooseWorld, PortFlagOnlyFillsAMissingMasterPort) {
  EXPECT_EQ(choose(k8s_pod(), true, 31000).rendezvous.port, 29500);  // MASTER_PORT wins
  Env env = k8s_pod();
  env.erase("MASTER_PORT");
  const Rendezvous r = choose(env, true, 31000).rendezvous;
  EXPECT_EQ(r.port, 31000);
  EXPECT_EQ(r.source, "MASTER_ADDR + --rendezvous-port");
}

TEST(ChooseWorld, OneRankNeedsNoAddress) {
  const Rendezvous r = choose({{"RANK", "0"}, {"WORLD_SIZE", "1"}}).rendezvous;
  EXPECT_EQ(r.world_size, 1);
  EXPECT_EQ(r.address(), "");
}

TEST(ChooseWorld, CollbenchLaunchChild) {
  const WorldChoice w = choose(launched(3), false);
  ASSERT_EQ(w.kind, WorldKind::nccl);
  EXPECT_EQ(w.rendezvous.convention, "collbench-launch");
  EXPECT_EQ(w.rendezvous.rank, 3);
  EXPECT_EQ(w.rendezvous.local_rank, 3);
  EXPECT_EQ(w.rendezvous.local_world_size, 4);
  EXPECT_EQ(w.rendezvous.node_rank, 0);
  EXPECT_EQ(w.rendezvous.address(), "127.0.0.1:41234");
}

TEST(ChooseWorld, SrunWithoutPmi) {
  const WorldChoice w = choose(srun_none_task());
  ASSERT_EQ(w.kind, WorldKind::nccl);
  const Rendezvous& r = w.rendezvous;
  EXPECT_EQ(r.convention, "srun");
  EXPECT_EQ(r.rank, 6);
  EXPECT_EQ(r.world_size, 8);
  EXPECT_EQ(r.local_rank, 2);
  EXPECT_EQ(r.local_world_size, 4);
  EXPECT_EQ(r.node_rank, 1);
  EXPECT_EQ(r.host, "gpu07");  // the step's first node, not the job's
  // 20000 + (4242 * 64 + 3) % 20000 = 20000 + 271491 % 20000 = 31491
  EXPECT_EQ(r.port, 31491);
  EXPECT_EQ(r.address(), "gpu07:31491");
  EXPECT_HAS(r.source, "SLURM_STEP_NODELIST + port 31491 (default: 20000 + (SLURM_JOB_ID * 64 + SLURM_STEP_ID) % 20000)");
}

TEST(ChooseWorld, SrunStepsOfOneJobGetDifferentDefaultPorts) {
  Env next = srun_none_task();
  next["SLURM_STEP_ID"] = "4";
  EXPECT_EQ(choose(next).rendezvous.port, choose(srun_none_task()).rendezvous.port + 1);
}

TEST(ChooseWorld, SrunPortFromFlagThenEnvironment) {
  Env env = srun_none_task();
  env["COLLBENCH_RENDEZVOUS_PORT"] = "23456";
  Rendezvous r = choose(env).rendezvous;
  EXPECT_EQ(r.port, 23456);
  EXPECT_EQ(r.source, "SLURM_STEP_NODELIST + COLLBENCH_RENDEZVOUS_PORT");
  r = choose(env, true, 24000).rendezvous;
  EXPECT_EQ(r.port, 24000);
  EXPECT_EQ(r.source, "SLURM_STEP_NODELIST + --rendezvous-port");
  env["NCCL_COMM_ID"] = "gpu01:5000";
  EXPECT_EQ(choose(env, true, 24000).rendezvous.address(), "gpu01:5000");
}

TEST(ChooseWorld, SrunFallsBackToTheJobsNodesAndTasks) {
  Env env = srun_none_task();
  env.erase("SLURM_STEP_NODELIST");
  env.erase("SLURM_STEP_NUM_TASKS");
  env.erase("SLURM_STEP_TASKS_PER_NODE");
  env["SLURM_TASKS_PER_NODE"] = "4(x2)";
  const Rendezvous r = choose(env).rendezvous;
  EXPECT_EQ(r.host, "gpu01");
  EXPECT_EQ(r.world_size, 8);
  EXPECT_EQ(r.local_world_size, 4);
  EXPECT_HAS(r.source, "SLURM_JOB_NODELIST");
}

TEST(ChooseWorld, MpiLaunchersAndPlainProcesses) {
  EXPECT_EQ(choose({{"OMPI_COMM_WORLD_RANK", "1"}, {"OMPI_COMM_WORLD_SIZE", "4"}}).kind, WorldKind::mpi);
  EXPECT_EQ(choose({{"PMI_RANK", "0"}}).kind, WorldKind::mpi);
  Env srun_pmix = srun_none_task();
  srun_pmix["PMIX_RANK"] = "6";
  EXPECT_EQ(choose(srun_pmix).kind, WorldKind::mpi);
  // An MPI launcher's rank with a stray RANK from a manifest: the MPI launcher started us.
  Env both = k8s_pod();
  both["OMPI_COMM_WORLD_RANK"] = "2";
  EXPECT_EQ(choose(both).kind, WorldKind::mpi);
  // torchrun run inside srun --mpi=pmix: its workers inherit PMIX_RANK, but torchrun started them.
  Env torch_in_srun = torchrun_worker();
  torch_in_srun["PMIX_RANK"] = "1";
  EXPECT_EQ(choose(torch_in_srun).kind, WorldKind::nccl);

  EXPECT_EQ(choose({}).kind, WorldKind::mpi);  // an MPI singleton keeps the mpi backend usable
  const WorldChoice single = choose({}, false);
  EXPECT_EQ(single.kind, WorldKind::nccl);
  EXPECT_EQ(single.rendezvous.convention, "single");
  EXPECT_EQ(single.rendezvous.world_size, 1);
  EXPECT_EQ(single.rendezvous.address(), "");
  // A batch script carries SLURM_PROCID=0 but is no step: a plain process.
  EXPECT_EQ(choose({{"SLURM_JOB_ID", "7"}, {"SLURM_PROCID", "0"}}, false).rendezvous.convention, "single");
}

TEST(ChooseWorld, MpiLaunchWithoutMpiIsRefused) {
  const std::string e = error_for({{"OMPI_COMM_WORLD_RANK", "0"}}, false);
  EXPECT_HAS(e, "OMPI_COMM_WORLD_RANK '0'");
  EXPECT_HAS(e, "this collbench was built without MPI (COLLBENCH_WITH_MPI=OFF): start it with torchrun, srun --mpi=none "
                "or collbench launch");
  Env srun_pmix = srun_none_task();
  srun_pmix["PMIX_RANK"] = "6";
  EXPECT_HAS(error_for(srun_pmix, false), "PMIX_RANK '6'");
}

struct Bad {
  const char* what;
  Env env;
  const char* must_mention;
};

Env with(Env env, const std::string& name, const char* value) {
  if (value) env[name] = value;
  else env.erase(name);
  return env;
}

TEST(ChooseWorld, EveryBadEnvironmentNamesTheVariable) {
  const Bad cases[] = {
      {"RANK alone", {{"RANK", "1"}}, "RANK '1': expected WORLD_SIZE too"},
      {"WORLD_SIZE alone", {{"WORLD_SIZE", "4"}}, "WORLD_SIZE '4': expected RANK too"},
      {"RANK not an integer", with(k8s_pod(), "RANK", "two"), "RANK 'two': expected an integer from 0 to 3 (WORLD_SIZE is 4)"},
      {"RANK negative", with(k8s_pod(), "RANK", "-1"), "RANK '-1': expected an integer from 0 to 3"},
      {"RANK too large", with(k8s_pod(), "RANK", "4"), "RANK '4': expected an integer from 0 to 3 (WORLD_SIZE is 4)"},
      {"WORLD_SIZE zero", with(k8s_pod(), "WORLD_SIZE", "0"), "WORLD_SIZE '0': expected an integer of 1 or more"},
      {"WORLD_SIZE text", with(k8s_pod(), "WORLD_SIZE", "4 "), "WORLD_SIZE '4 ': expected an integer"},
      {"LOCAL_RANK outside", with(torchrun_worker(), "LOCAL_RANK", "4"),
       "LOCAL_RANK '4': expected an integer from 0 to 3 (LOCAL_WORLD_SIZE is 4)"},
      {"LOCAL_RANK without LOCAL_WORLD_SIZE", with(k8s_pod(), "LOCAL_RANK", "1"),
       "LOCAL_RANK '1': expected an integer from 0 to 0 (LOCAL_WORLD_SIZE is not set: 1)"},
      {"LOCAL_WORLD_SIZE above WORLD_SIZE", with(torchrun_worker(), "LOCAL_WORLD_SIZE", "9"),
       "LOCAL_WORLD_SIZE '9': expected an integer from 1 to 8 (WORLD_SIZE is 8)"},
      {"LOCAL_WORLD_SIZE zero", with(torchrun_worker(), "LOCAL_WORLD_SIZE", "0"), "LOCAL_WORLD_SIZE '0'"},
      {"NODE_RANK text", with(k8s_pod(), "NODE_RANK", "first"), "NODE_RANK 'first': expected an integer of 0 or more"},
      {"GROUP_RANK text", with(torchrun_worker(), "GROUP_RANK", "x"), "GROUP_RANK 'x'"},
      {"no address", with(with(k8s_pod(), "MASTER_ADDR", nullptr), "MASTER_PORT", nullptr),
       "WORLD_SIZE '4': expected a rendezvous address with more than one rank: MASTER_ADDR and MASTER_PORT, or "
       "NCCL_COMM_ID=host:port (neither MASTER_ADDR nor MASTER_PORT is set)"},
      {"no MASTER_PORT", with(k8s_pod(), "MASTER_PORT", nullptr), "(MASTER_PORT is not set)"},
      {"no MASTER_ADDR", with(k8s_pod(), "MASTER_ADDR", nullptr), "(MASTER_ADDR is not set)"},
      {"empty MASTER_ADDR", with(k8s_pod(), "MASTER_ADDR", ""), "MASTER_ADDR '': expected a host name or an IP address"},
      {"MASTER_PORT zero", with(k8s_pod(), "MASTER_PORT", "0"), "MASTER_PORT '0': expected an integer from 1 to 65535"},
      {"MASTER_PORT too large", with(k8s_pod(), "MASTER_PORT", "65536"), "MASTER_PORT '65536': expected an integer from 1 to 65535"},
      {"MASTER_PORT text", with(k8s_pod(), "MASTER_PORT", "http"), "MASTER_PORT 'http'"},
      {"NCCL_COMM_ID without port", with(k8s_pod(), "NCCL_COMM_ID", "head"), "NCCL_COMM_ID 'head': expected host:port or [IPv6]:port"},
      {"NCCL_COMM_ID port 0", with(k8s_pod(), "NCCL_COMM_ID", "head:0"), "NCCL_COMM_ID 'head:0'"},
      {"NCCL_COMM_ID port too large", with(k8s_pod(), "NCCL_COMM_ID", "head:70000"), "NCCL_COMM_ID 'head:70000'"},
      {"NCCL_COMM_ID no host", with(k8s_pod(), "NCCL_COMM_ID", ":6000"), "NCCL_COMM_ID ':6000'"},
      {"NCCL_COMM_ID bare IPv6", with(k8s_pod(), "NCCL_COMM_ID", "fd00::1:6000"), "NCCL_COMM_ID 'fd00::1:6000'"},
      {"NCCL_COMM_ID unclosed", with(k8s_pod(), "NCCL_COMM_ID", "[fd00::1:6000"), "NCCL_COMM_ID '[fd00::1:6000'"},
      {"COLLBENCH_LAUNCHER unknown", with(launched(), "COLLBENCH_LAUNCHER", "mylauncher"),
       "COLLBENCH_LAUNCHER 'mylauncher': expected collbench-launch"},
      {"COLLBENCH_LAUNCHER without ranks", {{"COLLBENCH_LAUNCHER", "collbench-launch"}},
       "COLLBENCH_LAUNCHER 'collbench-launch': expected RANK and WORLD_SIZE"},
      {"SLURM_PROCID beyond SLURM_NTASKS", with(with(srun_none_task(), "SLURM_STEP_NUM_TASKS", nullptr), "SLURM_PROCID", "8"),
       "SLURM_PROCID '8': expected an integer from 0 to 7 (SLURM_NTASKS is 8)"},
      {"SLURM_PROCID beyond the step", with(srun_none_task(), "SLURM_PROCID", "9"), "(SLURM_STEP_NUM_TASKS is 8)"},
      {"SLURM_PROCID text", with(srun_none_task(), "SLURM_PROCID", "x"), "SLURM_PROCID 'x'"},
      {"no task count", with(with(srun_none_task(), "SLURM_STEP_NUM_TASKS", nullptr), "SLURM_NTASKS", nullptr),
       "SLURM_PROCID '6': expected SLURM_STEP_NUM_TASKS or SLURM_NTASKS too"},
      {"SLURM_NTASKS text", with(srun_none_task(), "SLURM_STEP_NUM_TASKS", "eight"), "SLURM_STEP_NUM_TASKS 'eight'"},
      {"SLURM_LOCALID beyond the node", with(srun_none_task(), "SLURM_LOCALID", "4"),
       "SLURM_LOCALID '4': expected an integer from 0 to 3 (SLURM_STEP_TASKS_PER_NODE gives node 1 4 task(s))"},
      {"SLURM_NODEID beyond the nodes", with(srun_none_task(), "SLURM_NODEID", "2"),
       "SLURM_NODEID '2': expected an integer from 0 to 1 (SLURM_STEP_TASKS_PER_NODE '4(x2)' lists 2 node(s))"},
      {"tasks per node malformed", with(srun_none_task(), "SLURM_STEP_TASKS_PER_NODE", "4(x"),
       "SLURM_STEP_TASKS_PER_NODE '4(x': expected tasks per node like 4(x2),2"},
      {"tasks per node above the task count", with(srun_none_task(), "SLURM_STEP_TASKS_PER_NODE", "16(x2)"),
       "SLURM_STEP_TASKS_PER_NODE '16(x2)': expected from 1 to SLURM_STEP_NUM_TASKS (8) tasks on node 1"},
      {"no tasks per node", with(with(srun_none_task(), "SLURM_STEP_TASKS_PER_NODE", nullptr), "SLURM_TASKS_PER_NODE", nullptr),
       "SLURM_STEP_TASKS_PER_NODE: not set"},
      {"node list malformed", with(srun_none_task(), "SLURM_STEP_NODELIST", "gpu[07-"), "SLURM_STEP_NODELIST 'gpu[07-'"},
      {"no node list", with(with(srun_none_task(), "SLURM_STEP_NODELIST", nullptr), "SLURM_JOB_NODELIST", nullptr),
       "SLURM_STEP_NODELIST: not set"},
      {"COLLBENCH_RENDEZVOUS_PORT too large", with(srun_none_task(), "COLLBENCH_RENDEZVOUS_PORT", "99999"),
       "COLLBENCH_RENDEZVOUS_PORT '99999': expected an integer from 1 to 65535"},
      {"no job id for the default port", with(srun_none_task(), "SLURM_JOB_ID", nullptr),
       "SLURM_JOB_ID: not set; expected an integer, for the default rendezvous port 20000 + (SLURM_JOB_ID * 64 + SLURM_STEP_ID) % 20000"},
      {"step id not an integer", with(srun_none_task(), "SLURM_STEP_ID", "batch"), "SLURM_STEP_ID 'batch'"},
  };
  for (const Bad& c : cases) {
    const std::string e = error_for(c.env);
    EXPECT_HAS(e, c.must_mention) << c.what;
    EXPECT_EQ(e.find('\n'), std::string::npos) << c.what;
  }
}

TEST(ChooseWorld, PortFlagOutsideTheRangeIsRefused) {
  EXPECT_HAS(error_for(srun_none_task(), true, 70000), "--rendezvous-port '70000': expected a port from 1 to 65535");
  EXPECT_HAS(error_for({}, true, -1), "--rendezvous-port '-1'");
}

}  // namespace
}  // namespace collbench::core

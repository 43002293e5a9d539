// Schema 6: metadata.launch (how the job was started; under Slurm the job, step, nodes and tasks
// per node) and hosts[i].slurm_node.
#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "results/json.hpp"
#include "unit/test_support.hpp"

namespace {

using nlohmann::json;
namespace results = collbench::results;

results::RunDocument launch_document() {
  results::RunDocument doc;
  doc.status = "ok";
  doc.metadata.backend = "mpi";
  doc.metadata.nranks = 2;
  doc.metadata.hosts = {{"node-a", {0}, ""}, {"node-b", {1}, ""}};
  return doc;
}

std::string parse_error(const json& j) {
  return testsupport::error_of([&] { (void)results::parse_document(j, "src"); });
}

// Schema 6: how the job was launched, and Slurm's name of each host.
TEST(ResultsJson, LaunchAndSlurmNodeRoundTrip) {
  results::RunDocument doc = launch_document();
  collbench::core::LaunchInfo l;
  l.launcher = "srun";
  l.local_tasks = 8;
  l.cpus = 4;
  l.oversubscribed = true;
  l.set_yield_when_idle = true;
  collbench::core::SlurmJob s;
  s.job_id = "4242";
  s.step_id = "0";
  s.job_name = "collbench-accept";
  s.cluster = "eos";
  s.partition = "batch";
  s.array_job_id = "4240";
  s.array_task_id = "2";
  s.nodelist = "gpu[01-02]";
  s.nodes = {"gpu01", "gpu02"};
  s.tasks_per_node = {8, 8};
  s.ntasks = 16;
  s.nnodes = 2;
  l.slurm = s;
  doc.metadata.launch = l;
  doc.metadata.hosts.at(0).slurm_node = "gpu01";
  const json j = doc;
  EXPECT_EQ(j.at("metadata").at("launch").at("slurm").at("tasks_per_node"), json::array({8, 8}));
  EXPECT_EQ(j.at("metadata").at("hosts").at(0).at("slurm_node"), "gpu01");
  const results::RunDocument back = results::parse_document(json::parse(j.dump()), "v6");
  ASSERT_TRUE(back.metadata.launch.has_value());
  const collbench::core::LaunchInfo& b = *back.metadata.launch;
  EXPECT_EQ(b.launcher, "srun");
  EXPECT_EQ(b.local_tasks, 8);
  EXPECT_EQ(b.cpus, 4);
  EXPECT_TRUE(b.oversubscribed);
  EXPECT_TRUE(b.set_yield_when_idle);
  ASSERT_TRUE(b.slurm.has_value());
  EXPECT_EQ(b.slurm->job_id, "4242");
  EXPECT_EQ(b.slurm->step_id, "0");
  EXPECT_EQ(b.slurm->job_name, "collbench-accept");
  EXPECT_EQ(b.slurm->cluster, "eos");
  EXPECT_EQ(b.slurm->partition, "batch");
  EXPECT_EQ(b.slurm->array_job_id, "4240");
  EXPECT_EQ(b.slurm->array_task_id, "2");
  EXPECT_EQ(b.slurm->nodelist, "gpu[01-02]");
  EXPECT_EQ(b.slurm->nodes, s.nodes);
  EXPECT_EQ(b.slurm->tasks_per_node, s.tasks_per_node);
  EXPECT_EQ(b.slurm->ntasks, 16);
  EXPECT_EQ(b.slurm->nnodes, 2);
  EXPECT_EQ(back.metadata.hosts.at(0).slurm_node, "gpu01");
  EXPECT_EQ(back.metadata.hosts.at(1).slurm_node, "");
  EXPECT_FALSE(j.at("metadata").at("hosts").at(1).contains("slurm_node"));

  // mpirun outside Slurm: the launcher alone, no srun-only facts.
  doc.metadata.launch = collbench::core::LaunchInfo{.launcher = "mpirun"};
  const json m = doc;
  EXPECT_EQ(m.at("metadata").at("launch"), json({{"launcher", "mpirun"}}));
  EXPECT_EQ(results::parse_document(m, "m").metadata.launch->launcher, "mpirun");
}

TEST(ResultsJson, LaunchIsCheckedAndOptional) {
  results::RunDocument doc = launch_document();
  doc.metadata.launch = collbench::core::LaunchInfo{.launcher = "srun", .slurm = collbench::core::SlurmJob{}, .local_tasks = 4, .cpus = 2,
                                                       .oversubscribed = true};
  json j = doc;
  j["metadata"]["launch"]["launcher"] = "qsub";
  EXPECT_NE(parse_error(j).find("metadata.launch.launcher: expected one of"), std::string::npos);
  j = doc;
  j["metadata"]["launch"]["slurm"].erase("job_id");
  EXPECT_NE(parse_error(j).find("metadata.launch.slurm"), std::string::npos);
  j = doc;
  j["metadata"]["launch"]["slurm"]["tasks_per_node"] = "4(x2)";
  EXPECT_NE(parse_error(j).find("metadata.launch.slurm.tasks_per_node"), std::string::npos);
  // Version 5 documents have no launch, and the ones before the model backend no "predicted".
  j = doc;
  ASSERT_TRUE(j["metadata"].contains("launch"));
  j["schema_version"] = 5;
  j["metadata"].erase("launch");
  j["metadata"].erase("predicted");
  const results::RunDocument old = results::parse_document(j, "v5");
  EXPECT_FALSE(old.metadata.launch.has_value());
  EXPECT_FALSE(old.metadata.predicted);
}


// Schema 8: a job without MPI records its launcher, control plane and NCCL's rendezvous.
TEST(ResultsJson, LaunchWithoutMpiRoundTrips) {
  results::RunDocument doc = launch_document();
  collbench::core::LaunchInfo l;
  l.launcher = "torchrun";
  l.control_plane = "nccl";
  l.rendezvous = "node1:29500";
  l.rendezvous_source = "MASTER_ADDR/MASTER_PORT";
  doc.metadata.launch = l;
  json j = doc;
  EXPECT_EQ(j.at("schema_version"), 10);
  EXPECT_EQ(j.at("metadata").at("launch"), json({{"launcher", "torchrun"}, {"control_plane", "nccl"}, {"rendezvous", "node1:29500"},
                                                 {"rendezvous_source", "MASTER_ADDR/MASTER_PORT"}}));
  const results::RunDocument back = results::parse_document(json::parse(j.dump()), "v8");
  EXPECT_EQ(back.metadata.launch->launcher, "torchrun");
  EXPECT_EQ(back.metadata.launch->control_plane, "nccl");
  EXPECT_EQ(back.metadata.launch->rendezvous, "node1:29500");
  EXPECT_EQ(back.metadata.launch->rendezvous_source, "MASTER_ADDR/MASTER_PORT");
  j["metadata"]["launch"]["launcher"] = "collbench-launch";
  EXPECT_EQ(results::parse_document(j, "v8").metadata.launch->launcher, "collbench-launch");
  j["metadata"]["launch"]["control_plane"] = "tcp";
  EXPECT_NE(parse_error(j).find("metadata.launch.control_plane: expected one of"), std::string::npos);
}

}  // namespace

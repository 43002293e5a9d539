#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "report/table.hpp"

namespace report = collbench::report;
namespace results = collbench::results;

namespace {

std::string capture(void (*fn)(report::TablePrinter&)) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  {
    report::TablePrinter t(f);
    fn(t);
  }
  std::fclose(f);
  std::string s(buf, len);
  std::free(buf);
  return s;
}

results::ResultRecord record(bool in_place, double p50, double algbw, double busbw, std::int64_t wrong) {
  results::ResultRecord r;
  r.collective = "allreduce";
  r.bytes = 1048576;
  r.requested_bytes = 1048576;
  r.count = 262144;
  r.datatype = "float";
  r.op = "sum";
  r.root = -1;
  r.placement = in_place ? "in_place" : "out_of_place";
  r.checked = true;
  r.wrong = wrong;
  r.time_us.p50 = p50;
  r.algbw_gbps = algbw;
  r.busbw_gbps = busbw;
  r.iters = 20;
  return r;
}

}  // namespace

TEST(FloatCell, MatchesNcclTestsGetFloatStr) {
  EXPECT_EQ(report::float_cell(1587.574, 7), "1587.57");
  EXPECT_EQ(report::float_cell(49967.24, 7), "49967.2");
  EXPECT_EQ(report::float_cell(100370.4, 7), " 100370");
  EXPECT_EQ(report::float_cell(0.001, 7), "   0.00");
  EXPECT_EQ(report::float_cell(1.0e8, 7), "1.0e+08");
  EXPECT_EQ(report::float_cell(338.823, 6), "338.82");
  EXPECT_EQ(report::float_cell(1234.56, 6), "1234.6");
  EXPECT_EQ(report::float_cell(12345.0, 6), " 12345");
}

TEST(Table, RowAndFooterInNcclTestsLayout) {
  const std::string out = capture([](report::TablePrinter& t) {
    t.begin_collective("allreduce", "all_reduce_perf", {false, true});
    const results::ResultRecord row[] = {record(false, 181.25, 5.79, 8.68, 0), record(true, 180.5, 5.81, 8.72, 0)};
    t.row(row);
    t.end_collective();
  });
  // The data row: size, count, type, redop, root, then time algbw busbw #wrong per placement.
  EXPECT_NE(out.find("     1048576        262144     float     sum      -1   181.25    5.79    8.68       0"
                     "   180.50    5.81    8.72       0\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("#       size         count      type   redop    root     time   algbw   busbw  #wrong"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("# Out of bounds values : 0 OK\n"), std::string::npos);
  EXPECT_NE(out.find("# Avg bus bandwidth    : 8.7 \n"), std::string::npos) << out;
  EXPECT_NE(out.find("# Collective test concluded: all_reduce_perf"), std::string::npos);
}

TEST(Table, WrongResultsFailAndStragglersAreNamed) {
  const std::string out = capture([](report::TablePrinter& t) {
    t.begin_collective("allreduce", "all_reduce_perf", {false});
    results::ResultRecord r = record(false, 10, 1, 1, 6);
    r.straggler = results::Straggler{3, "node7", 1000.0, 0.1};
    t.row(std::span(&r, 1));
    t.end_collective();
  });
  EXPECT_NE(out.find("# Out of bounds values : 6 FAILED\n"), std::string::npos) << out;
  EXPECT_NE(out.find("rank 3 on node7"), std::string::npos) << out;
}

TEST(Table, SkippedSizeIsACommentNotARow) {
  const std::string out = capture([](report::TablePrinter& t) {
    t.begin_collective("alltoall", "alltoall_perf", {false});
    results::ResultRecord r = record(false, 0, 0, 0, 0);
    r.status = "skipped";
    r.requested_bytes = 8;
    r.error = "size rounds down to 0 elements per rank";
    t.row(std::span(&r, 1));
    t.end_collective();
  });
  EXPECT_NE(out.find("#          8  skipped: size rounds down to 0 elements per rank\n"), std::string::npos) << out;
  EXPECT_NE(out.find("# Avg bus bandwidth    : 0 \n"), std::string::npos) << out;
}

namespace {
// One row of two cells whose nccl-tests figure differs from their median-based columns.
void row_with_figure(report::TablePrinter& t) {
  t.begin_collective("allreduce", "all_reduce_perf", {false, true});
  results::ResultRecord row[] = {record(false, 181.25, 5.79, 8.68, 0), record(true, 180.5, 5.81, 8.72, 0)};
  row[0].nccl_tests = results::NcclTestsFigure{190.0, 5.52, 8.28};
  row[1].nccl_tests = results::NcclTestsFigure{200.0, 5.24, 7.86};
  t.row(row);
  t.end_collective();
}
}  // namespace

// set_nccl_tests_figure(true): the columns are each record's nccl_tests (nccl-tests' figure),
// a '#' line says so, and the footer averages that busbw; records without it print N/A.
TEST(Table, NcclTestsFigureColumnsAndFooter) {
  const std::string on = capture([](report::TablePrinter& t) {
    t.set_nccl_tests_figure(true);
    row_with_figure(t);
  });
  EXPECT_NE(on.find("     1048576        262144     float     sum      -1   190.00    5.52    8.28       0"
                    "   200.00    5.24    7.86       0\n"),
            std::string::npos)
      << on;
  EXPECT_NE(on.find("# time, algbw, busbw: nccl-tests' figure (the mean over ranks of each rank's mean iteration time"),
            std::string::npos)
      << on;
  EXPECT_NE(on.find("# Avg bus bandwidth    : 8.07 \n"), std::string::npos) << on;  // (8.28 + 7.86) / 2
  // Off (the default): the median-based columns, as before, and no such line.
  const std::string off = capture(row_with_figure);
  EXPECT_NE(off.find("   181.25    5.79    8.68       0   180.50    5.81    8.72       0\n"), std::string::npos) << off;
  EXPECT_EQ(off.find("nccl-tests' figure"), std::string::npos) << off;
  EXPECT_NE(off.find("# Avg bus bandwidth    : 8.7 \n"), std::string::npos) << off;

  const std::string missing = capture([](report::TablePrinter& t) {
    t.set_nccl_tests_figure(true);
    t.begin_collective("allreduce", "all_reduce_perf", {false});
    const results::ResultRecord r = record(false, 10, 1, 1, 0);  // a document before schema 7
    t.row(std::span(&r, 1));
    t.end_collective();
  });
  EXPECT_NE(missing.find("     N/A     N/A     N/A       0\n"), std::string::npos) << missing;
  EXPECT_NE(missing.find("# Avg bus bandwidth    : 0 \n"), std::string::npos) << missing;
}

// The preamble's launch line: the Slurm job and step a run can be found by (sacct, scontrol).
TEST(DescribeLaunch, SlurmJobStepNodesAndTasks) {
  results::RunMetadata m;
  EXPECT_EQ(report::describe_launch(m), "");  // before schema 6, and imports
  m.launch = collbench::core::LaunchInfo{};  // launcher "none"
  EXPECT_EQ(report::describe_launch(m), "");
  m.launch->launcher = "mpirun";
  EXPECT_EQ(report::describe_launch(m), "Launched by mpirun");
  m.launch->launcher = "collbench-launch";
  m.launch->control_plane = "nccl";
  m.launch->rendezvous = "127.0.0.1:41234";
  m.launch->rendezvous_source = "MASTER_ADDR/MASTER_PORT";
  EXPECT_EQ(report::describe_launch(m),
            "Launched by collbench launch without MPI: rendezvous 127.0.0.1:41234 (MASTER_ADDR/MASTER_PORT), control plane over NCCL");
  m.launch->launcher = "mpirun";
  m.launch->control_plane = "mpi";
  m.launch->rendezvous.clear();
  collbench::core::SlurmJob s;
  s.job_id = "4242";
  s.step_id = "0";
  s.cluster = "eos";
  s.partition = "batch";
  s.nodelist = "gpu[01-02]";
  s.nodes = {"gpu01", "gpu02"};
  s.tasks_per_node = {8, 8};
  m.launch = collbench::core::LaunchInfo{.launcher = "srun", .slurm = s, .local_tasks = 8, .cpus = 4, .oversubscribed = true,
                                         .has_pmi = true, .set_yield_when_idle = true};
  EXPECT_EQ(report::describe_launch(m),
            "Launched by srun: Slurm job 4242 step 0 (cluster eos, partition batch), nodes gpu[01-02], tasks per node 8,8 "
            "(8 tasks on 4 CPUs: oversubscribed, OMPI_MCA_mpi_yield_when_idle=1 set)");
  // A plain process in a batch script (the model backend): the job, no step.
  s.step_id.clear();
  s.array_job_id = "4240";
  s.array_task_id = "3";
  s.cluster.clear();
  s.partition.clear();
  s.tasks_per_node.clear();
  m.launch = collbench::core::LaunchInfo{.launcher = "none", .slurm = s};
  EXPECT_EQ(report::describe_launch(m), "In Slurm job 4242 (array 4240_3), nodes gpu[01-02]");
}

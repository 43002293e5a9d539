#include "plan/sweep_spec.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "unit/test_support.hpp"

namespace {

namespace plan = collbench::plan;
namespace core = collbench::core;
using core::Collective;
using Values = std::vector<std::optional<std::string>>;
using Flags = std::vector<std::pair<std::string, std::string>>;

plan::SweepSpec parse(const std::string& text) { return plan::parse_sweep_spec(text, "spec.json"); }

// The InputError message of parsing `text`, or "" (and a test failure) when it parses.
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const core::InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError for: " << text;
  return "";
}


const char* kFullSpec = R"(// A sweep with every section.
{
  "name": "unit", /* block comment */
  "description": "everything at once",
  "backend": "mpi",
  "collectives": ["allreduce", "allgather"],
  "sizes": {"min": "8", "max": "64K", "factor": 4},
  "datatypes": ["float", "int32"],
  "ops": ["sum", "max"],
  "placements": "both",
  "root": 1,
  "launcher": {"ranks": 4},
  "knobs": {
    "coll_tuned_allreduce_algorithm": ["default", 4, "rabenseifner"],  // default = unset
    "coll_tuned_allgather_algorithm": [null, "ring"]
  },
  "cases": [
    {"coll_tuned_allreduce_algorithm": "segmented_ring", "coll_tuned_allreduce_algorithm_segmentsize": "64K"}
  ],
  "exclude": [{"coll_tuned_allreduce_algorithm": "default", "coll_tuned_allgather_algorithm": "ring"}],
  "repetitions": 3,
  "time_budget_s": 120.5,
  "measure": {"iters": 50, "warmup": "5", "samples": true, "cuda-graph": false, "target-rel-ci": 0.05}
}
)";

TEST(SweepSpec, FullSpecWithComments) {
  const plan::SweepSpec s = parse(kFullSpec);
  EXPECT_EQ(s.source, "spec.json");
  EXPECT_EQ(s.name, "unit");
  EXPECT_EQ(s.backend, "mpi");
  EXPECT_EQ(s.collectives, (std::vector<Collective>{Collective::allreduce, Collective::allgather}));
  EXPECT_EQ(s.sizes, (std::vector<std::uint64_t>{8, 32, 128, 512, 2048, 8192, 32768}));
  EXPECT_EQ(s.datatypes, (std::vector<core::DataType>{core::DataType::float32, core::DataType::int32}));
  EXPECT_EQ(s.ops, (std::vector<core::RedOp>{core::RedOp::sum, core::RedOp::max}));
  EXPECT_EQ(s.placements, (std::vector<bool>{false, true}));
  EXPECT_EQ(s.root, 1);
  EXPECT_EQ(s.launcher.ranks, 4);
  EXPECT_TRUE(s.launcher.hosts.empty());
  EXPECT_EQ(s.launcher.command_template, "mpirun -np {ranks} --oversubscribe {x_env} {collbench} {args}");
  ASSERT_EQ(s.axes.size(), 2u);
  EXPECT_EQ(s.axes[0].knob, "coll_tuned_allreduce_algorithm");
  EXPECT_EQ(s.axes[0].values, (Values{std::nullopt, "4", "6"}));
  EXPECT_EQ(s.axes[1].knob, "coll_tuned_allgather_algorithm");
  EXPECT_EQ(s.axes[1].values, (Values{std::nullopt, "4"}));
  EXPECT_EQ(s.cases, (std::vector<plan::Config>{{{"coll_tuned_allreduce_algorithm", "5"},
                                                 {"coll_tuned_allreduce_algorithm_segmentsize", "65536"}}}));
  EXPECT_EQ(s.exclude, (std::vector<plan::Config>{{{"coll_tuned_allreduce_algorithm", "default"},
                                                   {"coll_tuned_allgather_algorithm", "4"}}}));
  EXPECT_EQ(s.repetitions, 3);
  EXPECT_DOUBLE_EQ(s.time_budget_s, 120.5);
  EXPECT_EQ(s.measure, (Flags{{"--iters", "50"}, {"--warmup", "5"}, {"--samples", ""}, {"--target-rel-ci", "0.05"}}));
}

TEST(SweepSpec, Defaults) {
  const plan::SweepSpec s = parse(R"({"backend": "nccl"})");
  EXPECT_EQ(s.name, "spec.json");
  EXPECT_EQ(s.collectives, (std::vector<Collective>{Collective::allreduce}));
  EXPECT_EQ(s.sizes, (std::vector<std::uint64_t>{8, 1024, 65536, 1u << 20}));
  EXPECT_EQ(s.datatypes, (std::vector<core::DataType>{core::DataType::float32}));
  EXPECT_EQ(s.ops, (std::vector<core::RedOp>{core::RedOp::sum}));
  EXPECT_EQ(s.placements, (std::vector<bool>{false}));
  EXPECT_EQ(s.root, 0);
  EXPECT_EQ(s.launcher.ranks, 4);
  EXPECT_EQ(s.launcher.command_template, "mpirun -np {ranks} --oversubscribe {x_env} {collbench} {args}");
  EXPECT_TRUE(s.axes.empty());
  EXPECT_TRUE(s.cases.empty());
  EXPECT_TRUE(s.exclude.empty());
  EXPECT_EQ(s.repetitions, 1);
  EXPECT_EQ(s.time_budget_s, 0);
  EXPECT_TRUE(s.measure.empty());
}

TEST(SweepSpec, SizeListLauncherAndNcclKnobs) {
  const plan::SweepSpec s = parse(R"({
    "backend": "nccl", "collectives": "allgather", "sizes": ["1K", 8, "1K", "2M"],
    "launcher": {"ranks": 8, "hosts": ["node-a", "node-b"]},
    "knobs": {"NCCL_ALGO": ["AllGather:Ring", "default"], "NCCL_NTHREADS": 256, "config.maxCTAs": [8, "16"]},
    "cases": [{"NCCL_ALGO": "default", "NCCL_BUFFSIZE": "1M"}]
  })");
  EXPECT_EQ(s.collectives, (std::vector<Collective>{Collective::allgather}));
  EXPECT_EQ(s.sizes, (std::vector<std::uint64_t>{8, 1024, 2u << 20}));
  EXPECT_EQ(s.launcher.ranks, 8);
  EXPECT_EQ(s.launcher.hosts, (std::vector<std::string>{"node-a", "node-b"}));
  EXPECT_EQ(s.launcher.command_template, "mpirun -np {ranks} --host {hosts} {x_env} {collbench} {args}");
  EXPECT_HAS(s.launcher.command_template, "{hosts}");
  ASSERT_EQ(s.axes.size(), 3u);  // in spec order
  EXPECT_EQ(s.axes[0].values, (Values{"allgather:ring", std::nullopt}));
  EXPECT_EQ(s.axes[1].knob, "NCCL_NTHREADS");
  EXPECT_EQ(s.axes[1].values, (Values{"256"}));  // a single value is an axis of one
  EXPECT_EQ(s.axes[2].values, (Values{"8", "16"}));
  // In a case, "default" leaves the knob out of the configuration.
  EXPECT_EQ(s.cases, (std::vector<plan::Config>{{{"NCCL_BUFFSIZE", "1048576"}}}));

  const plan::SweepSpec t = parse(R"({"backend": "mpi", "sizes": {"min": "1K", "max": "4K", "step": "1K"},
    "launcher": {"ranks": 2, "template": "srun -n {ranks} --mpi=pmix {collbench} {args}"}})");
  EXPECT_EQ(t.sizes, (std::vector<std::uint64_t>{1024, 2048, 3072, 4096}));
  EXPECT_EQ(t.launcher.command_template, "srun -n {ranks} --mpi=pmix {collbench} {args}");
}

// The srun launcher: PMIx, the environment passed on, a failed task ends the step; -O and
// --nodelist from the spec. tests/slurm runs it on a real Slurm.
TEST(SweepSpec, SrunLauncherKind) {
  auto tmpl = [](const std::string& launcher) {
    return parse(R"({"backend": "mpi", "launcher": )" + launcher + "}").launcher.command_template;
  };
  EXPECT_EQ(tmpl(R"({"kind": "srun"})"), "srun -n {ranks} --mpi=pmix --export=ALL --kill-on-bad-exit=1 {collbench} {args}");
  EXPECT_EQ(tmpl(R"({"kind": "srun", "oversubscribe": true})"),
            "srun -n {ranks} -O --mpi=pmix --export=ALL --kill-on-bad-exit=1 {collbench} {args}");
  EXPECT_EQ(tmpl(R"({"kind": "srun", "hosts": ["gpu[01-02]"]})"),
            "srun -n {ranks} --nodelist={hosts} --mpi=pmix --export=ALL --kill-on-bad-exit=1 {collbench} {args}");
  EXPECT_EQ(tmpl(R"({"kind": "mpirun", "oversubscribe": false})"), "mpirun -np {ranks} {x_env} {collbench} {args}");
  EXPECT_EQ(tmpl(R"({"kind": "mpirun", "hosts": ["a:8"], "oversubscribe": true})"),
            "mpirun -np {ranks} --host {hosts} --oversubscribe {x_env} {collbench} {args}");
  EXPECT_EQ(parse(R"({"backend": "mpi", "launcher": {"kind": "srun"}})").launcher.kind, "srun");
  EXPECT_EQ(parse(R"({"backend": "mpi"})").launcher.kind, "mpirun");

  EXPECT_HAS(error_of(R"({"backend": "mpi", "launcher": {"kind": "qsub"}})"), "spec.json: launcher.kind: expected \"mpirun\", \"srun\", \"launch\" or \"torchrun\"");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "launcher": {"kind": "srun", "hosts": ["node1:8"]}})"),
             "spec.json: launcher.hosts: 'node1:8': srun takes Slurm node names");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "launcher": {"kind": "srun", "template": "srun -n {ranks} {x_env} {collbench} {args}"}})"),
             "spec.json: launcher.template: {x_env} is mpirun's -x");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "launcher": {"oversubscribe": "yes"}})"), "spec.json: launcher.oversubscribe: expected true or false");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "launcher": {"oversubscribe": true, "template": "mpirun {collbench} {args}"}})"),
             "spec.json: launcher.oversubscribe: shapes the default template only");
}

// `sweep --launcher srun --ranks N`: a spec written for mpirun, launched on an allocation.
TEST(SweepSpec, LauncherOverride) {
  plan::SweepSpec s = parse(R"({"backend": "mpi", "launcher": {"ranks": 8}})");
  plan::override_launcher(s, "", 0);
  EXPECT_EQ(s.launcher.command_template, "mpirun -np {ranks} --oversubscribe {x_env} {collbench} {args}");
  plan::override_launcher(s, "srun", 16);
  EXPECT_EQ(s.launcher.kind, "srun");
  EXPECT_EQ(s.launcher.ranks, 16);
  EXPECT_EQ(s.launcher.command_template, "srun -n {ranks} --mpi=pmix --export=ALL --kill-on-bad-exit=1 {collbench} {args}");
  plan::override_launcher(s, "", 4);  // ranks alone keep the kind
  EXPECT_EQ(s.launcher.kind, "srun");
  EXPECT_EQ(s.launcher.ranks, 4);

  auto error = [](plan::SweepSpec spec, const std::string& kind, int ranks) {
    return testsupport::error_of([&] { plan::override_launcher(spec, kind, ranks); });
  };
  EXPECT_HAS(error(parse(R"({"backend": "mpi", "launcher": {"template": "mpirun -np {ranks} {collbench} {args}"}})"), "srun", 0),
             "--launcher srun: spec.json has its own launcher.template; edit it there");
  EXPECT_HAS(error(parse(R"({"backend": "mpi", "launcher": {"hosts": ["a:8"]}})"), "srun", 0),
             "launcher.hosts (with --launcher srun): 'a:8': srun takes Slurm node names");
  EXPECT_HAS(error(parse(R"({"backend": "mpi", "root": 3, "launcher": {"ranks": 4}})"), "", 2),
             "--ranks 2: the spec's root 3 is not a rank of the job");
  EXPECT_HAS(error(parse(R"({"backend": "mpi"})"), "pbs", 0), "--launcher 'pbs': expected mpirun, srun, launch or torchrun");
  // A template of one's own still takes --ranks: {ranks} is filled in.
  plan::SweepSpec own = parse(R"({"backend": "mpi", "launcher": {"template": "mpirun -np {ranks} {collbench} {args}"}})");
  plan::override_launcher(own, "", 6);
  EXPECT_EQ(own.launcher.ranks, 6);
  EXPECT_EQ(own.launcher.command_template, "mpirun -np {ranks} {collbench} {args}");
}

// launch (collbench launch) and torchrun: every rank on this machine, no MPI, the nccl backend.
TEST(SweepSpec, LaunchAndTorchrunKinds) {
  auto with_launcher = [](const std::string& launcher) { return parse(R"({"backend": "nccl", "launcher": )" + launcher + "}"); };
  EXPECT_EQ(with_launcher(R"({"kind": "launch", "ranks": 8})").launcher.command_template,
            "{collbench} launch --nproc-per-node {ranks} {args}");
  EXPECT_EQ(with_launcher(R"({"kind": "torchrun"})").launcher.command_template,
            "torchrun --standalone --nnodes 1 --nproc-per-node {ranks} --no-python {collbench} {args}");
  EXPECT_EQ(with_launcher(R"({"kind": "launch", "template": "{collbench} launch --nproc-per-node {ranks} -- {args}"})").launcher.kind, "launch");

  EXPECT_HAS(error_of(R"({"backend": "nccl", "launcher": {"kind": "launch", "hosts": ["gpu01"]}})"),
             "spec.json: launcher.hosts: collbench launch starts its ranks on this machine only; expected no hosts");
  EXPECT_HAS(error_of(R"({"backend": "nccl", "launcher": {"kind": "torchrun", "hosts": ["gpu01"]}})"),
             "spec.json: launcher.hosts: the torchrun launcher's default template is --standalone");
  EXPECT_HAS(error_of(R"({"backend": "nccl", "launcher": {"kind": "launch", "template": "{collbench} launch --nproc-per-node {ranks} {x_env} {args}"}})"),
             "spec.json: launcher.template: {x_env} is for mpirun and srun; launch starts every rank on this machine");
  EXPECT_HAS(error_of(R"({"backend": "nccl", "launcher": {"kind": "torchrun", "template": "torchrun --nproc-per-node {ranks} --master-addr {hosts} {collbench} {args}"}})"),
             "spec.json: launcher.template: {hosts} is for mpirun and srun; torchrun starts every rank on this machine");
  EXPECT_HAS(error_of(R"({"backend": "nccl", "launcher": {"kind": "launch", "oversubscribe": true}})"),
             "spec.json: launcher.oversubscribe: applies to mpirun and srun; launch starts as many ranks as asked");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "launcher": {"kind": "launch"}})"),
             "spec.json: launcher.kind: 'launch' starts ranks without MPI (they meet through NCCL's bootstrap); the mpi backend "
             "needs mpirun or srun");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "launcher": {"kind": "torchrun"}})"), "spec.json: launcher.kind: 'torchrun' starts ranks without MPI");

  // `sweep --launcher launch|torchrun`.
  plan::SweepSpec s = parse(R"({"backend": "nccl", "launcher": {"ranks": 8}})");
  plan::override_launcher(s, "launch", 2);
  EXPECT_EQ(s.launcher.kind, "launch");
  EXPECT_EQ(s.launcher.ranks, 2);
  EXPECT_EQ(s.launcher.command_template, "{collbench} launch --nproc-per-node {ranks} {args}");
  plan::override_launcher(s, "torchrun", 0);
  EXPECT_EQ(s.launcher.command_template, "torchrun --standalone --nnodes 1 --nproc-per-node {ranks} --no-python {collbench} {args}");
  auto error = [](plan::SweepSpec spec, const std::string& kind) {
    return testsupport::error_of([&] { plan::override_launcher(spec, kind, 0); });
  };
  EXPECT_HAS(error(parse(R"({"backend": "nccl", "launcher": {"hosts": ["a", "b"]}})"), "launch"),
             "spec.json: launcher.hosts (with --launcher launch): collbench launch starts its ranks on this machine only");
  EXPECT_HAS(error(parse(R"({"backend": "mpi"})"), "launch"),
             "spec.json: backend (with --launcher launch): 'launch' starts ranks without MPI");
}

TEST(SweepSpec, MalformedJsonReportsLineAndColumn) {
  // Line 4, column 15 is the second comma.
  const std::string e = error_of("// comment line\n{\n  \"backend\": \"mpi\",\n  \"sizes\": [8,, 16]\n}\n");
  EXPECT_HAS(e, "spec.json:4:15: malformed JSON: ");
  EXPECT_HAS(e, "syntax error");
  // A second closing brace after the object: line 2, column 21.
  EXPECT_HAS(error_of("{\n  \"backend\": \"mpi\" }}\n"), "spec.json:2:21: malformed JSON");
  // An error on the first line, before any newline.
  EXPECT_HAS(error_of("{\"backend\" \"mpi\"}"), "spec.json:1:");
  EXPECT_HAS(error_of("[1, 2]"), "spec.json: expected a JSON object");
}

TEST(SweepSpec, UnknownKeysKnobsAndValues) {
  EXPECT_HAS(error_of(R"({"backend": "mpi", "colectives": "allreduce"})"), "spec.json: colectives: unknown key");
  std::string e = error_of(R"({"backend": "nccl", "knobs": {"NCCL_TURBO": [1]}})");
  EXPECT_HAS(e, "spec.json: knobs.NCCL_TURBO: unknown knob 'NCCL_TURBO' for the nccl backend");
  e = error_of(R"({"backend": "mpi", "knobs": {"NCCL_ALGO": ["allreduce:tree"]}})");
  EXPECT_HAS(e, "(NCCL_ALGO is a knob of the nccl backend)");
  e = error_of(R"({"backend": "nccl", "knobs": {"NCCL_NTHREADS": [256, 100]}})");
  EXPECT_HAS(e, "spec.json: knobs.NCCL_NTHREADS: NCCL_NTHREADS '100': expected a multiple of 32 from 64 to 512");
  e = error_of(R"({"backend": "nccl", "knobs": {"NCCL_ALGO": ["Tree"]}})");
  EXPECT_HAS(e, "spec.json: knobs.NCCL_ALGO: ");
  EXPECT_HAS(e, "per-collective");
  EXPECT_HAS(error_of(R"({"backend": "nccl", "cases": [{"NCCL_NTHREADS": 100}]})"), "spec.json: cases[0].NCCL_NTHREADS: ");
  EXPECT_HAS(error_of(R"({"backend": "nccl", "exclude": [{"NCCL_NTHREADS": 256}, {"NCCL_X": 1}]})"),
             "spec.json: exclude[1].NCCL_X: unknown knob");
  EXPECT_HAS(error_of(R"({"backend": "nccl", "knobs": {"NCCL_NTHREADS": []}})"), "expected at least one value");
  EXPECT_HAS(error_of(R"({"backend": "nccl", "datatypes": ["float", "float128"]})"), "spec.json: datatypes: ");
  EXPECT_HAS(error_of(R"({"backend": "nccl", "collectives": ["allreduce", "scan"]})"), "spec.json: collectives: ");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "repetitions": 0})"), "spec.json: repetitions: expected an integer from 1 to 1000");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "time_budget_s": -1})"), "spec.json: time_budget_s: ");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "sizes": {"min": "64K", "max": "8"}})"), "spec.json: sizes: min 64K is above max 8");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "sizes": {"min": "8", "max": "1K", "base": 2}})"), "spec.json: sizes.base: unknown key");
}

TEST(SweepSpec, Backend) {
  EXPECT_HAS(error_of(R"({"collectives": "allreduce"})"), "spec.json: backend: expected \"mpi\", \"nccl\" or \"model\"");
  EXPECT_HAS(error_of(R"({"backend": "model"})"), "spec.json: topology: missing; the model backend predicts for a described fabric");
  EXPECT_HAS(error_of(R"({"backend": "model", "topology": "/no/such.json"})"), "spec.json: topology: '/no/such.json': no such file");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "topology": "t.json"})"), "spec.json: topology: applies to the model backend only");
  EXPECT_HAS(error_of(R"({"backend": "foo"})"), "spec.json: backend: 'foo': expected mpi, nccl or model");
  EXPECT_HAS(error_of(R"({"backend": 1})"), "spec.json: backend: ");
}

TEST(SweepSpec, LauncherTemplate) {
  std::string e = error_of(R"({"backend": "mpi", "launcher": {"template": "mpirun -np {nodes} {collbench} {args}"}})");
  EXPECT_HAS(e, "spec.json: launcher.template: unknown placeholder '{nodes}'");
  e = error_of(R"({"backend": "mpi", "launcher": {"template": "mpirun -np {ranks} {collbench}"}})");
  EXPECT_HAS(e, "spec.json: launcher.template: expected {args} in 'mpirun -np {ranks} {collbench}'");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "launcher": {"template": "mpirun {args}"}})"), "expected {collbench}");
  e = error_of(R"({"backend": "mpi", "launcher": {"template": "mpirun --host {hosts} {collbench} {args}"}})");
  EXPECT_HAS(e, "spec.json: launcher.template: uses {hosts} but launcher.hosts is empty");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "launcher": {"ranks": 0}})"), "spec.json: launcher.ranks: ");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "launcher": {"nodes": 2}})"), "spec.json: launcher.nodes: unknown key");
}

TEST(SweepSpec, RootMustBeALaunchedRank) {
  EXPECT_HAS(error_of(R"({"backend": "mpi", "root": 4, "launcher": {"ranks": 4}})"),
             "spec.json: root: 4 is not a rank of the 4 launched");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "root": 2, "launcher": {"ranks": 2}})"), "spec.json: root: ");
  EXPECT_EQ(parse(R"({"backend": "mpi", "root": 3, "launcher": {"ranks": 4}})").root, 3);
}

TEST(SweepSpec, DuplicateAxisValue) {
  // 4 and "ring" are the same allreduce algorithm once canonical.
  EXPECT_HAS(error_of(R"({"backend": "mpi", "knobs": {"coll_tuned_allreduce_algorithm": [4, "ring"]}})"),
             "spec.json: knobs.coll_tuned_allreduce_algorithm: value '4' is listed twice");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "knobs": {"coll_tuned_allreduce_algorithm": [null, "default"]}})"),
             "value 'default' is listed twice");
  EXPECT_HAS(error_of(R"({"backend": "nccl", "knobs": {"NCCL_BUFFSIZE": ["4M", 4194304]}})"),
             "value '4194304' is listed twice");
}

TEST(SweepSpec, Measure) {
  std::string e = error_of(R"({"backend": "mpi", "measure": {"iterations": 5}})");
  EXPECT_HAS(e, "spec.json: measure.iterations: unknown key; expected one of iters, warmup");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "measure": {"samples": 1}})"), "spec.json: measure.samples: expected true or false");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "measure": [1]})"), "spec.json: measure: ");
  const plan::SweepSpec s = parse(R"({"backend": "nccl", "measure": {"nccl-tuning-info": true, "samples": false,
                                      "timeout": 30, "check": "1"}})");
  EXPECT_EQ(s.measure, (Flags{{"--nccl-tuning-info", ""}, {"--timeout", "30"}, {"--check", "1"}}));
}

TEST(SweepSpec, AvgNeedsAFloatingTypeForReducingCollectives) {
  std::string e = error_of(R"({"backend": "mpi", "datatypes": ["float", "int32"], "ops": ["sum", "avg"]})");
  EXPECT_HAS(e, "spec.json: ops: ");
  EXPECT_HAS(e, "avg");
  EXPECT_HAS(e, "int32");
  // allgather does not reduce: the op does not apply, so avg with int32 is accepted.
  EXPECT_NO_THROW(parse(R"({"backend": "mpi", "collectives": "allgather", "datatypes": "int32", "ops": "avg"})"));
  EXPECT_HAS(error_of(R"({"backend": "mpi", "ops": ["sum", "xor"]})"), "spec.json: ops: ");
}

TEST(SweepSpec, WrongJsonTypeNamesSourceAndKeyOnce) {
  for (const char* text : {R"({"backend": "nccl", "knobs": {"NCCL_NTHREADS": [{"a": 1}]}})",
                           R"({"backend": "nccl", "cases": [{"NCCL_NTHREADS": [256]}]})",
                           R"({"backend": "nccl", "sizes": [{"a": 1}]})",
                           R"({"backend": "nccl", "placements": ["out", "in"]})"}) {
    const std::string e = error_of(text);
    EXPECT_HAS(e, ": expected a string or a number, got ");
    EXPECT_EQ(e.find("spec.json"), e.rfind("spec.json")) << "the source is named twice in: " << e;
  }
  EXPECT_HAS(error_of(R"({"backend": "nccl", "knobs": {"NCCL_NTHREADS": [{"a": 1}]}})"),
             "spec.json: knobs.NCCL_NTHREADS: expected a string or a number, got object");
}

TEST(SweepSpec, CaseSizes) {
  const plan::SweepSpec s = parse(R"({"backend": "mpi", "sizes": ["1K", "4K", "64K"],
    "cases": [{"coll_tuned_allreduce_algorithm": "ring", "sizes": ["64K", 1024]},
              {"coll_tuned_allreduce_algorithm": "basic_linear"}]})");
  // "sizes" is not a knob: the case's configuration holds knobs only, its sizes sorted beside it.
  EXPECT_EQ(s.cases, (std::vector<plan::Config>{{{"coll_tuned_allreduce_algorithm", "4"}}, {{"coll_tuned_allreduce_algorithm", "1"}}}));
  ASSERT_EQ(s.case_sizes.size(), 1u);  // the second case lists none: every size
  EXPECT_EQ(s.case_sizes[0], (std::vector<std::uint64_t>{1024, 65536}));
  EXPECT_TRUE(parse(R"({"backend": "mpi", "cases": [{"coll_tuned_allreduce_algorithm": "ring"}]})").case_sizes.empty());

  EXPECT_HAS(error_of(R"({"backend": "mpi", "sizes": ["1K"], "cases": [{"coll_tuned_allreduce_algorithm": 4, "sizes": ["2K"]}]})"),
             "spec.json: cases[0].sizes: 2K is not one of the sweep's sizes");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "sizes": ["1K"], "cases": [{"coll_tuned_allreduce_algorithm": 4, "sizes": []}]})"),
             "spec.json: cases[0].sizes: expected a non-empty list of the sweep's sizes");
  EXPECT_HAS(error_of(R"({"backend": "mpi", "sizes": ["1K"], "cases": [{"sizes": ["1K"]}]})"),
             "spec.json: cases[0]: expected at least one knob beside \"sizes\"");
  // Exclusions match configurations, which have no sizes.
  EXPECT_HAS(error_of(R"({"backend": "mpi", "sizes": ["1K"], "exclude": [{"sizes": ["1K"]}]})"), "exclude[0].sizes");
}

TEST(SweepSpec, ReadMissingFile) {
  try {
    plan::read_sweep_spec("/nonexistent/collbench/spec.json");
    FAIL() << "expected an InputError";
  } catch (const core::InputError& e) {
    EXPECT_HAS(e.what(), "sweep spec '/nonexistent/collbench/spec.json': cannot be read");
  }
}

}  // namespace

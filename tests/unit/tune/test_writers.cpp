// tune writers: every deployable form of a recommendation from a synthetic nccl store and a
// synthetic mpi store, compared with golden files (COLLBENCH_UPDATE_GOLDEN=1 rewrites them), plus
// shell quoting run through /bin/sh and the refusal of values an env file cannot hold.
#include "tune/writers.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "tune/input.hpp"
#include "tune/recommend.hpp"
#include "tune/workload.hpp"
#include "tune_fixture.hpp"

namespace {

using namespace tunetest;
namespace tune = collbench::tune;
namespace core = collbench::core;

// The input must outlive the recommendation (its cells point into it).
struct Built {
  TempDir tmp;
  tune::TuneInput in;
  tune::Recommendation rec;
};

const std::uint64_t K64 = 65536, M1 = 1 << 20, M16 = 16 << 20;

// allreduce: tree wins at 64K, tie at 1M, ring at 16M; allgather: pat at 64K, ring at 1M;
// a buffer size + maxCTAs setting beats the default everywhere; nvls failed at 64K.
std::unique_ptr<Built> nccl_built() {
  auto b = std::make_unique<Built>();
  StoreBuilder s("nccl");
  s.hosts(2);
  const Config tree{{"NCCL_ALGO", "allreduce:tree"}}, ring{{"NCCL_ALGO", "allreduce:ring"}},
      ll128{{"NCCL_PROTO", "allreduce:ll128"}}, global{{"NCCL_BUFFSIZE", "8388608"}, {"config.maxCTAs", "16"}};
  s.add_reps({}, "allreduce", K64, timing(20, 0.5)).add_reps(tree, "allreduce", K64, timing(12, 0.5));
  s.add_reps(ring, "allreduce", K64, timing(20, 0.5)).add_reps(ll128, "allreduce", K64, timing(15, 0.5));
  s.add_reps(global, "allreduce", K64, timing(19, 0.5));
  s.add_reps({{"NCCL_ALGO", "allreduce:nvls"}}, "allreduce", K64,
             with_status(timing(5, 0.5), "failed", -1, "launch L002-r0 crashed: rank 1 killed by signal 6"));
  s.add_reps({}, "allreduce", M1, timing(100, 1)).add_reps(tree, "allreduce", M1, timing(99, 1));
  s.add_reps(ring, "allreduce", M1, timing(100, 1)).add_reps(ll128, "allreduce", M1, timing(100, 1));
  s.add_reps(global, "allreduce", M1, timing(90, 1));
  s.add_reps({}, "allreduce", M16, timing(1000, 10)).add_reps(tree, "allreduce", M16, timing(1500, 10));
  s.add_reps(ring, "allreduce", M16, timing(800, 10, 1.2)).add_reps(ll128, "allreduce", M16, timing(1000, 10));
  s.add_reps(global, "allreduce", M16, timing(900, 10));
  const Config agring{{"NCCL_ALGO", "allgather:ring"}}, pat{{"NCCL_ALGO", "allgather:pat"}};
  s.add_reps({}, "allgather", K64, timing(30, 0.5)).add_reps(agring, "allgather", K64, timing(30, 0.5));
  s.add_reps(pat, "allgather", K64, timing(25, 0.5)).add_reps(global, "allgather", K64, timing(29, 0.5));
  s.add_reps({}, "allgather", M1, timing(200, 2)).add_reps(agring, "allgather", M1, timing(150, 2));
  s.add_reps(pat, "allgather", M1, timing(200, 2)).add_reps(global, "allgather", M1, timing(180, 2));
  ScopedChdir cd(b->tmp.path());
  s.write("store-nccl");
  b->in = tune::load_stores({"store-nccl"});
  b->rec = tune::recommend(b->in, {}, {});
  return b;
}

// allreduce: algorithm 3 at 1K, tie at 64K, ring with 64K segments at 1M; broadcast: binary tree
// with fanout 4 at 1K, scatter_allgather at 1M; a workload weighting the small sizes.
std::unique_ptr<Built> mpi_built() {
  auto b = std::make_unique<Built>();
  StoreBuilder s("mpi", 2);
  const std::string ar = "coll_tuned_allreduce_algorithm", bc = "coll_tuned_bcast_algorithm";
  const Config a3{{ar, "3"}}, a4{{ar, "4"}}, a4seg{{ar, "4"}, {ar + "_segmentsize", "65536"}};
  const Config tree{{bc, "5"}, {bc + "_tree_fanout", "4"}}, scatter{{bc, "8"}};
  s.add_reps({}, "allreduce", 1024, timing(10, 0.2)).add_reps(a3, "allreduce", 1024, timing(6, 0.2));
  s.add_reps(a4, "allreduce", 1024, timing(10, 0.2)).add_reps(a4seg, "allreduce", 1024, timing(10, 0.2));
  s.add_reps({}, "allreduce", K64, timing(50, 1)).add_reps(a3, "allreduce", K64, timing(50, 1));
  s.add_reps(a4, "allreduce", K64, timing(51, 1)).add_reps(a4seg, "allreduce", K64, timing(50, 1));
  s.add_reps({}, "allreduce", M1, timing(500, 5)).add_reps(a3, "allreduce", M1, timing(700, 5));
  s.add_reps(a4, "allreduce", M1, timing(400, 5)).add_reps(a4seg, "allreduce", M1, timing(380, 5, 1.1));
  s.add_reps({}, "broadcast", 1024, timing(8, 0.2)).add_reps(tree, "broadcast", 1024, timing(5, 0.2));
  s.add_reps(scatter, "broadcast", 1024, timing(8, 0.2));
  s.add_reps({}, "broadcast", M1, timing(400, 4)).add_reps(tree, "broadcast", M1, timing(400, 4));
  s.add_reps(scatter, "broadcast", M1, timing(300, 4));
  ScopedChdir cd(b->tmp.path());
  s.write("store-mpi");
  b->in = tune::load_stores({"store-mpi"});
  const tune::Workload w = tune::parse_workload(
      R"({"name": "train", "collectives": {"allreduce": {"1K": 1000, "1M": 10}, "broadcast": {"1K": 100, "4G": 1}}})",
      "workload.json");
  b->rec = tune::recommend(b->in, w, {});
  return b;
}

TEST(TuneWriters, NcclGoldens) {
  const auto b = nccl_built();
  const tune::Recommendation& r = b->rec;
  const Config deploy{{"NCCL_ALGO", "allreduce:ring;allgather:ring"}, {"NCCL_BUFFSIZE", "8388608"}, {"config.maxCTAs", "16"}};
  ASSERT_EQ(r.deploy, deploy);
  const tune::DeployEnv d = tune::deploy_env(r);
  const std::map<std::string, std::string> env{{"NCCL_ALGO", "allreduce:ring;allgather:ring"}, {"NCCL_BUFFSIZE", "8388608"}};
  EXPECT_EQ(d.env, env);
  EXPECT_EQ(d.nccl_config, (std::map<std::string, std::string>{{"maxCTAs", "16"}}));
  const std::string tuner = tune::tuner_conf(r);
  EXPECT_NE(tuner.find("\nallreduce,0,262144,tree,-1,-1,2,4\n"), std::string::npos) << tuner;
  EXPECT_NE(tuner.find("\nallreduce,4194305,-1,ring,-1,-1,2,4\n"), std::string::npos) << tuner;
  EXPECT_NE(tuner.find("\nallgather,0,262144,pat,-1,-1,2,4\n"), std::string::npos) << tuner;
  EXPECT_NE(tuner.find("\nallgather,262145,-1,ring,-1,-1,2,4\n"), std::string::npos) << tuner;
  EXPECT_NE(tune::mpirun_args(r).find("-x 'NCCL_ALGO=allreduce:ring;allgather:ring'\n"), std::string::npos);
  expect_golden("nccl.conf", tune::nccl_conf(r));
  expect_golden("nccl.env", tune::env_file(r));
  expect_golden("nccl.env.sh", tune::env_sh(r));
  expect_golden("nccl.mpirun-args.txt", tune::mpirun_args(r));
  expect_golden("nccl_tuner.conf", tuner);
  expect_golden("nccl.summary.md", tune::summary_md(r));
  expect_golden("nccl.summary.json", tune::summary_json(r));
}

TEST(TuneWriters, MpiGoldens) {
  const auto b = mpi_built();
  const tune::Recommendation& r = b->rec;
  const std::string ar = "coll_tuned_allreduce_algorithm", bc = "coll_tuned_bcast_algorithm";
  ASSERT_EQ(r.deploy, (Config{{ar, "3"}, {bc, "5"}, {bc + "_tree_fanout", "4"}}));
  const std::map<std::string, std::string> env{{"OMPI_MCA_" + ar, "3"}, {"OMPI_MCA_" + bc, "5"},
                                               {"OMPI_MCA_" + bc + "_tree_fanout", "4"},
                                               {"OMPI_MCA_coll_tuned_use_dynamic_rules", "1"}};
  EXPECT_EQ(tune::deploy_env(r).env, env);
  const std::string rules = tune::ompi_rules(r);
  EXPECT_NE(rules.find("\n0 3 0 0  #"), std::string::npos) << rules;
  EXPECT_NE(rules.find("\n262145 4 0 65536  #"), std::string::npos) << rules;
  EXPECT_NE(rules.find("\n0 5 4 0  #"), std::string::npos) << rules;
  EXPECT_EQ(r.notes, std::vector<std::string>{"workload: broadcast 4G counted at the nearest measured size, 1M"});
  expect_golden("mpi.env", tune::env_file(r));
  expect_golden("mpi.env.sh", tune::env_sh(r));
  expect_golden("mpi.mpirun-args.txt", tune::mpirun_args(r));
  expect_golden("mpi.ompi-rules.conf", rules);
  expect_golden("mpi.summary.md", tune::summary_md(r));
  expect_golden("mpi.summary.json", tune::summary_json(r));
}

TEST(TuneWriters, OutputsNameEveryFileOfTheBackend) {
  auto names = [](const tune::Recommendation& r) {
    std::vector<std::string> out;
    for (const auto& [name, text] : tune::outputs(r)) out.push_back(name);
    return out;
  };
  const auto n = nccl_built();
  EXPECT_EQ(names(n->rec), (std::vector<std::string>{"collbench.env", "env.sh", "mpirun-args.txt", "summary.md",
                                                     "summary.json", "nccl.conf", "nccl_tuner.conf"}));
  EXPECT_EQ(tune::outputs(n->rec)[6].second, tune::tuner_conf(n->rec));
  const auto m = mpi_built();
  EXPECT_EQ(names(m->rec).back(), "ompi-rules.conf");
  EXPECT_EQ(tune::outputs(m->rec).back().second, tune::ompi_rules(m->rec));
  tune::Recommendation empty;  // nothing measured: no rule, nothing to deploy
  empty.backend = "mpi";
  EXPECT_EQ(tune::ompi_rules(empty), "");
  EXPECT_EQ(names(empty).size(), 5u) << "no ompi-rules.conf without a rule";
  empty.backend = "nccl";
  EXPECT_NE(tune::tuner_conf(empty).find("# no size range beats NCCL's own choice beyond noise: no rule\n"), std::string::npos);
  EXPECT_NE(tune::summary_md(empty).find("Nothing to set"), std::string::npos);
}

TEST(TuneWriters, GainText) {
  EXPECT_EQ(tune::gain_text({true, 1.25, 1.1686746987951808, 1.3205128205128205}), "1.250x [1.169, 1.321]");
  EXPECT_EQ(tune::gain_text({}), "unknown (no default measured)");
}

std::string sh_printf(const std::string& quoted) {
  const std::string cmd = "printf %s " + quoted;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return "(popen failed)";
  std::string out;
  char buf[256];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int rc = ::pclose(p);
  return rc == 0 ? out : "(exit " + std::to_string(rc) + ")";
}

TEST(TuneWriters, ShellQuoteSurvivesHostileValues) {
  EXPECT_EQ(tune::shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(tune::shell_quote(""), "''");
  for (const std::string v : {"a b", "it's", "$(rm -rf /)", "`x`", "\\", "*", "a\"b", ";|&", "''", "$HOME", "a\nb", "-n",
                              "allreduce:ring;allgather:ring", ""}) {
    EXPECT_EQ(sh_printf(tune::shell_quote(v)), v) << "quoted as " << tune::shell_quote(v);
  }
}

void expect_refused(const tune::Recommendation& r, const std::string& what) {
  EXPECT_THROW(tune::env_file(r), core::InputError) << what;
  EXPECT_THROW(tune::nccl_conf(r), core::InputError) << what;
  EXPECT_THROW(tune::env_sh(r), core::InputError) << what;
  EXPECT_THROW(tune::mpirun_args(r), core::InputError) << what;
  EXPECT_THROW(tune::summary_md(r), core::InputError) << what;
  EXPECT_THROW(tune::deploy_env(r), core::InputError) << what;
}

TEST(TuneWriters, ValuesAnEnvFileCannotHoldAreRefused) {
  tune::Recommendation r;
  r.backend = "nccl";
  r.nranks = 4;
  for (const std::string& bad : {std::string("1\n2"), std::string("1\r"), std::string("a\0b", 3)}) {
    r.deploy = {{"NCCL_BUFFSIZE", bad}};
    expect_refused(r, "value with a line break or NUL");
  }
  try {
    r.deploy = {{"NCCL_BUFFSIZE", "4194304\nNCCL_ALGO=ring"}};
    tune::env_file(r);
    ADD_FAILURE() << "expected an InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("NCCL_BUFFSIZE"), std::string::npos) << e.what();
  }
  r.deploy = {{"NCCL_NOT_A_KNOB", "1"}};
  EXPECT_THROW(tune::env_file(r), core::InputError) << "a knob outside the catalog";
  r.deploy = {{"NCCL_BUFFSIZE", "4194304"}};
  EXPECT_NE(tune::env_file(r).find("\nNCCL_BUFFSIZE=4194304\n"), std::string::npos);
}

}  // namespace

// What `collbench tune` prints (writers_console.cpp), byte for byte.
TEST(TuneWriters, ConsoleGoldens) {
  const auto n = nccl_built();
  expect_golden("nccl.console.txt", tune::console_summary(n->in, n->rec) + tune::console_written("tuned", {"a.env", "b.conf"}) +
                                        tune::console_validation_plan(n->rec, 3, 6, 48, "tuned/validate"));
  const auto m = mpi_built();
  expect_golden("mpi.console.txt", tune::console_summary(m->in, m->rec));
  EXPECT_EQ(tune::console_validation_plan(tune::Recommendation{}, 3, 0, 0, ""),
            "validate: nothing to validate, the recommendation is the default\n");
}

TEST(TuneWriters, ValidationConsoleGolden) {
  tune::Validation v;
  tune::Verdict faster;
  faster.collective = "allreduce";
  faster.measured = true;
  faster.result = "faster";
  faster.observed = 1.2345, faster.observed_lo = 1.1, faster.observed_hi = 1.4, faster.expected = 1.25;
  tune::Verdict unknown = faster;
  unknown.collective = "allgather";
  unknown.result = "same";
  unknown.observed = 1.0, unknown.observed_lo = 0.98, unknown.observed_hi = 1.03, unknown.expected = 0;
  tune::Verdict missing;
  missing.collective = "reducescatter";
  missing.why = "the recommendation failed at 1M";
  v.per_collective = {faster, unknown, missing};
  v.held = true;
  std::string text = tune::console_validation(v, "out/tuned");
  v.held = false;
  text += tune::console_validation(v, "out/tuned");
  expect_golden("validation.console.txt", text);
}

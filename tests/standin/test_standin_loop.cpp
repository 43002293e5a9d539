// The whole nccl loop on the GPU stand-in (ctest label "standin"): a sweep of the shipped
// NCCL_ALGO x NCCL_PROTO spec -> tune -> --validate -> report; SIGKILL mid-sweep then --resume;
// check --per-node --pairs naming a slow rank; and our tuner plugin's rules changing what NCCL
// runs. The sweeps launch mpirun themselves; the stand-in reaches them through the environment.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include "standin_support.hpp"
#include "sweep/sweep_support.hpp"

namespace {

using nlohmann::json;
using namespace sweep_e2e;
using Clock = std::chrono::steady_clock;

// sweeps/nccl-algo-proto.json as shipped, with the sizes, ranks and repetitions of a 2-core CPU.
json algo_proto_spec(int reps) {
  json spec = json::parse(slurp(COLLBENCH_SOURCE_DIR "/sweeps/nccl-algo-proto.json"), nullptr, true, true);
  spec["sizes"] = {{"min", "4K"}, {"max", "256K"}, {"factor", 8}};
  spec["launcher"]["ranks"] = 4;
  spec["repetitions"] = reps;
  spec["measure"] = {{"iters", 5}, {"warmup", 1}, {"timeout", 60}};
  return spec;
}

class StandinLoop : public DirTest {
 protected:
  void SetUp() override {
    DirTest::SetUp();
    ensure_mpirun_env();
    // Inherited by the sweep, its mpirun and every rank; build/lib holds our tuner plugin.
    ::setenv("LD_LIBRARY_PATH", STANDIN_LIB_DIR ":" COLLBENCH_PLUGIN_DIR, 1);
    ::setenv("COLLBENCH_STANDIN_GPUS", "4", 1);
  }
  void TearDown() override {
    for (const char* v : {"LD_LIBRARY_PATH", "COLLBENCH_STANDIN_GPUS", "COLLBENCH_INJECT", "NCCL_TUNER_PLUGIN",
                          "NCCL_TUNER_CONFIG_FILE", "COLLBENCH_STANDIN_SKEW", "COLLBENCH_STANDIN_HOST_GAPS"})
      ::unsetenv(v);
    DirTest::TearDown();
  }
};

// sweeps/nccl-register.json, shortened: registration and the CTA policy as sweep axes (per
// communicator), tuned into advice with intervals, never into env files. The stand-in's symmetric
// kernels assume a 2.5 us latency (tests/standin/README.md): small all-reduces gain there.
TEST_F(StandinLoop, RegistrationSweepTunesIntoAdviceNeverIntoEnvFiles) {
  ::setenv("COLLBENCH_STANDIN_HOST_GAPS", "0", 1);
  json spec = json::parse(slurp(COLLBENCH_SOURCE_DIR "/sweeps/nccl-register.json"), nullptr, true, true);
  spec["collectives"] = {"allreduce"};
  spec["sizes"] = {{"min", "1K"}, {"max", "256K"}, {"factor", 16}};
  spec["launcher"]["ranks"] = 4;
  spec["repetitions"] = 2;
  spec["knobs"]["config.CTAPolicy"] = {"default", "efficiency"};
  spec["measure"] = {{"iters", 10}, {"warmup", 2}, {"timeout", 60}};
  const std::string store = path("store"), tune_dir = path("tune");
  const Proc s = collbench({"sweep", write("register.json", spec.dump()), "--out", store}, 900);
  ASSERT_EQ(s.exit_code, 0) << s.all();
  const Proc t = collbench({"tune", store, "--out", tune_dir}, 300);
  ASSERT_EQ(t.exit_code, 0) << t.all();
  const json summary = e2e::read_json(tune_dir + "/summary.json");
  std::map<std::string, json> advice;
  for (const json& a : summary.at("advice")) advice[a.at("knob").get<std::string>() + "=" + a.at("value").get<std::string>()] = a;
  ASSERT_EQ(advice.size(), 3u) << summary.at("advice").dump(1);  // local, symmetric, efficiency: the defaults are not advice
  for (const auto& [name, a] : advice) {
    EXPECT_EQ(a.at("deployed"), false);
    ASSERT_EQ(a.at("series").size(), 1u) << name;
    EXPECT_EQ(a.at("series")[0].at("steps").size(), 3u) << name;  // 1K, 16K, 256K
  }
  const json& first = advice.at("register=symmetric").at("series")[0].at("steps")[0];
  EXPECT_EQ(first.at("bytes"), 1024);
  EXPECT_EQ(first.at("outcome"), "faster") << advice.at("register=symmetric").dump(1);
  EXPECT_GT(first.at("gain_lo").get<double>(), 1.0);
  EXPECT_NE(t.out.find("advice: register=symmetric (the application's choice, not deployed): allreduce bfloat16 out_of_place 4 ranks: "),
            std::string::npos) << t.all();
  for (const char* f : {"collbench.env", "env.sh", "nccl.conf", "mpirun-args.txt"}) {
    const std::string text = slurp(tune_dir + "/" + f);
    EXPECT_EQ(text.find("CTA"), std::string::npos) << f << "\n" << text;
    EXPECT_EQ(text.find("register"), std::string::npos) << f << "\n" << text;
  }
  EXPECT_EQ(summary.at("deploy").at("knobs").dump().find("register"), std::string::npos) << summary.at("deploy").dump();
  EXPECT_NE(slurp(tune_dir + "/summary.md").find("**register=symmetric**"), std::string::npos);
}

TEST_F(StandinLoop, SweepOfTheShippedAlgoProtoSpecThenTuneValidateAndReport) {
  // A machine on which Ring runs 3x slower than NCCL's model says while NCCL still picks it: the
  // sweep must find the faster forced settings, tune recommend them and --validate see them hold.
  // No host launch gaps, so two CPUs' noise does not blur the comparison.
  ::setenv("COLLBENCH_STANDIN_SKEW", "ring=3", 1);
  ::setenv("COLLBENCH_STANDIN_HOST_GAPS", "0", 1);
  const std::string spec = write("algo-proto.json", algo_proto_spec(2).dump());
  const std::string store = path("store");
  const Proc s = collbench({"sweep", spec, "--out", store}, 900);
  // On one node NCCL 2.28.9 has no PAT (one GPU per node) and no NVLSTree (several nodes): those
  // configurations fail at their first call with ncclInvalidUsage, are recorded, and the sweep
  // goes on and ends with 3 (some configurations failed).
  ASSERT_EQ(s.exit_code, 3) << s.all();
  EXPECT_NE(s.out.find("STAND-IN: measured on collbench's CPU stand-ins"), std::string::npos) << s.all();
  int ok = 0, failed = 0;
  for (const json& rec : read_results(store + "/results.jsonl")) {
    if (rec.at("status") == "ok") {
      ++ok;
      EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
      EXPECT_EQ(rec.at("backend_notes").value("standin", ""), "true") << rec.dump();
      continue;
    }
    ++failed;
    const std::string cfg = rec.at("sweep").dump();
    EXPECT_TRUE(cfg.find(":pat") != std::string::npos || cfg.find(":nvlstree") != std::string::npos) << rec.dump();
    EXPECT_NE(rec.value("error", "").find("no algorithm/protocol available"), std::string::npos) << rec.dump();
  }
  EXPECT_GT(ok, 150);
  EXPECT_GT(failed, 0);
  const std::string tune_dir = path("tune");
  const Proc t = collbench({"tune", store, "--out", tune_dir, "--validate", "--validate-reps", "2"}, 900);
  ASSERT_EQ(t.exit_code, 0) << t.all();
  const json summary = e2e::read_json(tune_dir + "/summary.json");
  EXPECT_EQ(summary.at("backend"), "nccl");
  EXPECT_EQ(summary.value("standin", false), true);
  EXPECT_NE(slurp(tune_dir + "/summary.md").find("GPU stand-in, not a GPU"), std::string::npos);
  const json validation = e2e::read_json(tune_dir + "/validation.json");  // default and recommendation re-measured
  EXPECT_EQ(validation.at("schema"), "collbench.tune.validation");
  EXPECT_TRUE(validation.at("held").is_boolean());
  EXPECT_EQ(validation.at("held"), true) << validation.dump(1);
  EXPECT_NE(t.out.find("validate: the recommendation held"), std::string::npos) << t.all();
  EXPECT_NE(summary.at("deploy").at("env").dump().find("NCCL_ALGO"), std::string::npos) << summary.at("deploy").dump();
  EXPECT_NE(slurp(tune_dir + "/nccl.conf").find("GPU STAND-IN"), std::string::npos) << slurp(tune_dir + "/nccl.conf");

  const std::string html = path("report.html");
  const Proc r = collbench({"report", store, tune_dir + "/summary.json", "--format", "html", "--out", html}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(slurp(html).find("GPU stand-in, not a GPU"), std::string::npos);
  EXPECT_NE(slurp(html).find("<svg"), std::string::npos);
}

TEST_F(StandinLoop, KilledMidSweepThenResumedMeasuresEveryCaseOnce) {
  // Three repetitions, three launches: one launch's 39 cases can all land between two polls (cases
  // NCCL refuses are recorded and the launch goes on), so the kill must find launches still to come.
  json spec = algo_proto_spec(3);
  spec["knobs"].erase("NCCL_PROTO");
  const std::string spec_path = write("kill.json", spec.dump());
  const std::string store = path("store");
  const std::string results = store + "/results.jsonl";
  const pid_t pid = spawn({"sweep", spec_path, "--out", store}, path("first.out"), path("first.err"));
  ASSERT_GT(pid, 0);
  const auto until = Clock::now() + std::chrono::seconds(120);
  int status = 0;
  while (count_lines(results) < 8 && Clock::now() < until) {
    ASSERT_NE(::waitpid(pid, &status, WNOHANG), pid) << "the sweep ended first:\n" << slurp(path("first.out")) << slurp(path("first.err"));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GE(count_lines(results), 8) << slurp(path("first.err"));
  ::kill(pid, SIGKILL);
  EXPECT_EQ(wait_exit(pid, 60), 128 + SIGKILL);
  const std::vector<std::string> left = wait_launches_gone(store, 30);
  ASSERT_TRUE(left.empty()) << join(left);
  const std::size_t before = read_results(results).size();

  const Proc r = collbench({"sweep", spec_path, "--out", store, "--resume"}, 600);
  ASSERT_EQ(r.exit_code, 3) << r.all();  // PAT and NVLSTree fail on one node, as in the sweep above
  std::map<std::string, int> seen;
  for (const json& rec : read_results(results)) ++seen[rec.at("sweep").at("case").get<std::string>()];
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << id;
  const json m = e2e::read_json(store + "/manifest.json");
  EXPECT_EQ(m.at("status"), "complete");
  EXPECT_EQ(seen.size(), m.at("plan").at("cases").get<std::size_t>());
  EXPECT_GT(seen.size(), before);
}

TEST_F(StandinLoop, PerNodeAndPairsNameTheSlowRankOnNcclRecords) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::string h = host, out = path("nodes.json");
  const e2e::Result r = standin::run(4, "run --backend nccl -b 64K -e 256K -f 4 -n 10 -w 2 --probe-iters 4 --timeout 60 "
                                        "--per-node --pairs --ranks-per-node 1 --json " + out,
                                     "COLLBENCH_INJECT=delay:2:5000");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("# SUSPECT node " + h + ":2 (host " + h + ", ranks 2)"), std::string::npos) << r.output;
  const json doc = e2e::read_json(out);
  EXPECT_EQ(doc.at("metadata").at("standin"), true);
  const std::string verdict = path("verdict.json");
  // Only a peer twice as slow counts: the fault is 5 ms per call, and four ranks on a shared 2-core
  // machine are 1.3x slower than their peers now and then (the default, 10%, is for dedicated nodes).
  const std::string rules = write("locate-rules.json", R"({"schema": "collbench.rules", "version": 1,
      "defaults": {"peer_slowdown": 1.0}})");
  const e2e::Result c = e2e::run(0, "check " + out + " --per-node --pairs --rules " + rules + " --json " + verdict);
  EXPECT_EQ(c.exit_code, 1) << c.output;
  EXPECT_NE(c.output.find("# STAND-IN: the results come from collbench's CPU stand-ins"), std::string::npos) << c.output;
  const json v = e2e::read_json(verdict);
  EXPECT_EQ(v.value("standin", false), true);
  ASSERT_GE(v.at("suspects").size(), 2u) << v.dump();
  for (int i = 0; i < 2; ++i) {  // convicted alone and in pairs, in every case
    EXPECT_EQ(v.at("suspects")[i].at("node"), h + ":2") << v.at("suspects").dump();
    EXPECT_EQ(v.at("suspects")[i].at("slow_cases"), 4) << v.at("suspects").dump();
  }
  for (const json& s : v.at("suspects"))  // its partners are never convicted by pairs
    if (s.at("kind") == "pair") EXPECT_EQ(s.at("node"), h + ":2") << v.at("suspects").dump();
}

// Our plugin's rules file, loaded by the stand-in NCCL as NCCL loads it, changes the algorithm.
TEST_F(StandinLoop, TheTunerPluginsRulesChangeTheAlgorithmUsed) {
  auto algo = [&](const std::string& env, const std::string& tag) {
    const std::string out = path(tag + ".json");
    const e2e::Result r = standin::run(4, "run --backend nccl -b 1M -e 1M --coll allreduce --placement out -n 3 -w 1 "
                                          "--nccl-tuning-info --json " + out, "LD_LIBRARY_PATH=" STANDIN_LIB_DIR ":" COLLBENCH_PLUGIN_DIR " " + env);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return e2e::read_json(out).at("results").at(0).at("backend_notes");
  };
  const json plain = algo("", "plain");
  const std::string forced = plain.at("nccl_algo") == "TREE" ? "ring" : "tree";
  const std::string rules = write("rules.conf", "allreduce,0,-1," + forced + ",simple,3,-1,-1\n");
  const json tuned = algo("NCCL_TUNER_PLUGIN=collbench NCCL_TUNER_CONFIG_FILE=" + rules, "tuned");
  EXPECT_EQ(tuned.at("nccl_algo"), forced == "tree" ? "TREE" : "RING") << tuned.dump();
  EXPECT_EQ(tuned.at("nccl_proto"), "SIMPLE") << tuned.dump();
  EXPECT_EQ(tuned.at("nccl_channels"), "3") << tuned.dump();
}

}  // namespace

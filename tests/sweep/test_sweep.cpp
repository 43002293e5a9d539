// `collbench sweep` end to end: the real binary plans a spec, starts its launches through
// mpirun, and leaves a store (DIR/manifest.json, DIR/results.jsonl) that --resume completes.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e_support.hpp"
#include "sweep/sweep_support.hpp"

namespace {

using namespace sweep_e2e;

using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class SweepE2E : public DirTest {
 protected:
  std::string write_spec(const std::string& name, const std::string& text) const { return write(name, text); }
  void kill_then_resume(int sig);
};

constexpr const char* kMeasure = R"("measure": {"iters": 5, "warmup": 1, "probe-iters": 1, "timeout": 60})";

// ---------------------------------------------------------------------------------------------

TEST_F(SweepE2E, RealSweepOverOpenMpiAlgorithmsOnFourRanks) {
  const std::string spec = write_spec("spec.json", std::string(R"({
  // Open MPI's tuned algorithms of two collectives, on 4 ranks.
  "name": "algos",
  "backend": "mpi",
  "collectives": ["allreduce", "allgather"],
  "sizes": ["1K", "64K"],
  "launcher": {"ranks": 4},
  "knobs": {
    "coll_tuned_allreduce_algorithm": ["default", "recursive_doubling", "ring", "rabenseifner"],
    "coll_tuned_allgather_algorithm": ["default", "bruck", "ring"]
  },
  )") + kMeasure + "\n}\n");
  const std::string out = path("store");
  const Proc r = collbench({"sweep", spec, "--out", out}, 180);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("outside measured collectives"), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("14 cases planned"), std::string::npos) << r.all();

  // (4 allreduce + 3 allgather configurations) x 2 sizes, each measured once and verified.
  const std::vector<json> recs = read_results(out + "/results.jsonl");
  ASSERT_EQ(recs.size(), (4u + 3u) * 2u);
  std::set<std::string> ids;
  std::map<std::string, std::set<std::string>> algos;  // collective -> algorithm ids measured ("" = default)
  std::set<std::tuple<std::string, std::string, std::uint64_t>> measured;
  std::string ring_launch, default_allreduce_launch;
  int ring_records = 0;
  for (const json& rec : recs) {
    EXPECT_EQ(rec.at("status"), "ok") << rec.dump();
    EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
    EXPECT_EQ(rec.at("placement"), "out_of_place") << rec.dump();
    EXPECT_EQ(rec.at("nranks"), 4) << rec.dump();
    const json& sw = rec.at("sweep");
    EXPECT_TRUE(ids.insert(sw.at("case").get<std::string>()).second) << "case measured twice: " << sw.dump();
    const std::string coll = rec.at("collective");
    const std::uint64_t bytes = rec.at("requested_bytes");
    EXPECT_TRUE(bytes == 1024 || bytes == 65536) << rec.dump();
    // Relevance: a record carries only the knobs that can change its collective.
    const std::string own = "coll_tuned_" + coll + "_algorithm";
    const json& knobs = sw.at("knobs");
    for (const auto& [k, v] : knobs.items()) EXPECT_EQ(k, own) << coll << " record with knobs " << knobs.dump();
    const std::string algo = knobs.contains(own) ? knobs.at(own).get<std::string>() : "";
    algos[coll].insert(algo);
    measured.insert({coll, algo, bytes});
    // Each record names what its communicator was configured with through MPI_T (nothing: Open
    // MPI's own choice).
    const json notes = rec.value("backend_notes", json::object());
    EXPECT_EQ(notes.value("mpi_t", ""), algo.empty() ? "" : own + "=" + algo) << rec.dump();
    if (coll == "allreduce" && algo == "4") ring_launch = sw.at("launch"), ++ring_records;
    if (coll == "allreduce" && algo.empty()) default_allreduce_launch = sw.at("launch");
  }
  EXPECT_EQ(ring_records, 2);
  EXPECT_EQ(measured.size(), recs.size()) << "a (collective, algorithm, size) measured twice";
  EXPECT_EQ(algos["allreduce"], (std::set<std::string>{"", "3", "4", "6"}));
  EXPECT_EQ(algos["allgather"], (std::set<std::string>{"", "2", "4"}));

  const json manifest = e2e::read_json(out + "/manifest.json");
  EXPECT_EQ(manifest.at("schema"), "collbench.sweep");
  EXPECT_EQ(manifest.at("status"), "complete");
  EXPECT_EQ(manifest.at("plan").at("cases"), 14);
  ASSERT_EQ(manifest.at("sessions").size(), 1u) << manifest.dump(1);
  const json& session = manifest.at("sessions").back();
  ASSERT_TRUE(session.contains("wall_s")) << session.dump();
  ASSERT_TRUE(session.contains("outside_share")) << session.dump();
  EXPECT_GT(session.at("wall_s").get<double>(), 0.0);
  EXPECT_GE(session.at("outside_share").get<double>(), 0.0);
  EXPECT_LE(session.at("outside_share").get<double>(), 1.0);

  // Every launch left its launch file and the metadata rank 0 wrote. Open MPI's algorithms are
  // chosen per communicator (MPI_T): one launch measures every configuration.
  const json& launches = manifest.at("plan").at("launches");
  ASSERT_EQ(launches.size(), 1u) << manifest.dump(1);
  for (const json& l : launches) {
    char label[32];
    std::snprintf(label, sizeof(label), "L%03d-r0", l.at("index").get<int>());
    EXPECT_TRUE(fs::exists(out + "/launches/" + label + ".json")) << label;
    EXPECT_TRUE(fs::exists(out + "/launches/" + label + ".meta.json")) << label;
  }

  // The launch ran with dynamic rules on (without them Open MPI ignores MPI_T's algorithms) and
  // no algorithm in its environment: the default records are Open MPI's own choice.
  ASSERT_FALSE(ring_launch.empty());
  EXPECT_EQ(ring_launch, default_allreduce_launch);
  const json env = e2e::read_json(out + "/launches/" + ring_launch + ".meta.json").at("env");
  EXPECT_EQ(env.value("OMPI_MCA_coll_tuned_use_dynamic_rules", ""), "1") << env.dump(1);
  EXPECT_FALSE(env.contains("OMPI_MCA_coll_tuned_allreduce_algorithm")) << env.dump(1);
}

// ---------------------------------------------------------------------------------------------

// 6 configurations x 4 sizes x 2 repetitions = 48 cases in one launch of 2 ranks (Open MPI's
// algorithms are per communicator; an mpi launch holds every repetition). Each case measures for
// about 0.08 s (adaptive mode, a CI target it never reaches), so the sweep lasts seconds and can
// be stopped midway: with a few fixed iterations it ends in under a second.
constexpr const char* kLongSpec = R"({
  "name": "long",
  "backend": "mpi",
  "collectives": ["allreduce"],
  "sizes": ["1K", "4K", "16K", "64K"],
  "launcher": {"ranks": 2},
  "knobs": {
    "coll_tuned_allreduce_algorithm": ["default", "basic_linear", "nonoverlapping", "recursive_doubling", "ring",
                                       "rabenseifner"]
  },
  "repetitions": 2,
  "measure": {"min-iters": 20, "max-iters": 100000000, "target-rel-ci": 0.000001, "time-budget": 0.08, "warmup": 1,
              "probe-iters": 1, "timeout": 60}
}
)";
constexpr int kLongCases = 6 * 4 * 2;

// Starts the long sweep, stops it with `sig` once a few cases are stored, then resumes it.
void SweepE2E::kill_then_resume(int sig) {
  const std::string spec = write_spec("spec.json", kLongSpec);
  const std::string out = path("store");
  const std::string results = out + "/results.jsonl";
  const pid_t pid = spawn({"sweep", spec, "--out", out}, path("first.out"), path("first.err"));
  ASSERT_GT(pid, 0);
  const auto until = Clock::now() + std::chrono::seconds(60);
  int status = 0;
  bool exited = false;
  while (count_lines(results) < 6 && Clock::now() < until) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(exited) << "the sweep ended before it could be stopped:\n"
                       << slurp(path("first.out")) << slurp(path("first.err"));
  ASSERT_GE(count_lines(results), 6) << "no progress in 60 s:\n" << slurp(path("first.err"));
  ::kill(pid, sig);
  const int code = wait_exit(pid, 60);
  if (sig == SIGKILL) {
    EXPECT_EQ(code, 128 + SIGKILL);
  } else {
    EXPECT_EQ(code, 130) << slurp(path("first.out")) << slurp(path("first.err"));
    EXPECT_NE(slurp(path("first.err")).find("--resume"), std::string::npos) << slurp(path("first.err"));
    const json m = e2e::read_json(out + "/manifest.json");
    EXPECT_EQ(m.at("status"), "interrupted") << m.dump(1);
    EXPECT_EQ(m.at("sessions").back().value("status", ""), "interrupted");
  }

  // Nothing of the stopped sweep keeps running: no mpirun, no rank.
  const std::vector<std::string> left = wait_launches_gone(out, 15);
  EXPECT_TRUE(left.empty()) << "launches still running after the sweep was stopped:\n" << join(left);
  if (!left.empty()) return;  // a resume would only report the lock

  const std::vector<json> before = read_results(results);
  ASSERT_LT(before.size(), static_cast<std::size_t>(kLongCases)) << "the sweep was not stopped midway";
  std::set<std::string> before_ids;
  for (const json& rec : before) before_ids.insert(rec.at("sweep").at("case").get<std::string>());
  EXPECT_EQ(before_ids.size(), before.size()) << "a case recorded twice before the stop";

  const Proc r = collbench({"sweep", spec, "--out", out, "--resume"}, 180);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const std::string summary = std::to_string(kLongCases) + " cases planned; " + std::to_string(before_ids.size()) +
                              " already in the store; this session " + std::to_string(kLongCases - before_ids.size()) +
                              " measured";
  EXPECT_NE(r.out.find(summary), std::string::npos) << "expected '" << summary << "'\n" << r.all();

  const std::vector<json> after = read_results(results);
  std::map<std::string, int> seen;
  for (const json& rec : after) {
    ++seen[rec.at("sweep").at("case").get<std::string>()];
    EXPECT_EQ(rec.at("status"), "ok") << rec.dump();
    EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
  }
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << id << " measured " << n << " times";
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kLongCases));
  EXPECT_EQ(after.size(), static_cast<std::size_t>(kLongCases));
  for (const std::string& id : before_ids) EXPECT_EQ(seen.count(id), 1u) << "lost by the resume: " << id;
  // What was measured before the stop is kept as it was.
  for (std::size_t i = 0; i < before.size() && i < after.size(); ++i)
    EXPECT_EQ(before[i], after[i]) << "line " << i + 1;

  const json m = e2e::read_json(out + "/manifest.json");
  EXPECT_EQ(m.at("status"), "complete") << m.dump(1);
  EXPECT_EQ(m.at("plan").at("cases"), kLongCases);
  ASSERT_EQ(m.at("sessions").size(), 2u);
  EXPECT_EQ(m.at("sessions").back().value("resumed", false), true);
  EXPECT_TRUE(launch_processes(out).empty()) << join(launch_processes(out));
}

TEST_F(SweepE2E, KilledMidwayThenResumedMeasuresEveryCaseExactlyOnce) { kill_then_resume(SIGKILL); }

TEST_F(SweepE2E, InterruptedMidwayThenResumedMeasuresEveryCaseExactlyOnce) { kill_then_resume(SIGINT); }

// ---------------------------------------------------------------------------------------------

TEST_F(SweepE2E, CrashingConfigurationIsRecordedAsFailedWhileOthersComplete) {
  const std::string spec = write_spec("spec.json", std::string(R"({
  "name": "crash",
  "backend": "mpi",
  "collectives": ["allreduce"],
  "sizes": ["1K", "4K", "16K"],
  "launcher": {"ranks": 2},
  "knobs": {"coll_tuned_allreduce_algorithm": ["default", "ring"]},
  "cases": [{"coll_tuned_allreduce_algorithm": "recursive_doubling", "COLLBENCH_INJECT": "crash:1"}],
  )") + kMeasure + "\n}\n");
  const std::string out = path("store");
  const std::string results = out + "/results.jsonl";
  const Proc r = collbench({"sweep", spec, "--out", out}, 180);
  EXPECT_EQ(r.exit_code, 3) << r.all();

  auto is_crasher = [](const json& rec) {
    const json& k = rec.at("sweep").at("knobs");
    return k.value("COLLBENCH_INJECT", "") == "crash:1";
  };
  const std::vector<json> recs = read_results(results);
  ASSERT_EQ(recs.size(), 9u);
  std::set<std::string> failed_ids, ok_ids;
  std::set<std::uint64_t> failed_sizes;
  for (const json& rec : recs) {
    const std::string id = rec.at("sweep").at("case");
    if (is_crasher(rec)) {
      EXPECT_EQ(rec.at("status"), "failed") << rec.dump();
      EXPECT_EQ(rec.at("sweep").at("knobs").value("coll_tuned_allreduce_algorithm", ""), "3") << rec.dump();
      const std::string err = rec.value("error", "");
      EXPECT_NE(err.find("L0"), std::string::npos) << "error does not name the launch: " << err;
      EXPECT_NE(err.find(rec.at("sweep").at("launch").get<std::string>()), std::string::npos) << err;
      EXPECT_TRUE(err.find("SIGSEGV") != std::string::npos || err.find("signal") != std::string::npos)
          << "error does not name the crash: " << err;
      failed_ids.insert(id);
      failed_sizes.insert(rec.at("requested_bytes").get<std::uint64_t>());
    } else {
      EXPECT_EQ(rec.at("status"), "ok") << rec.dump();
      EXPECT_EQ(rec.at("wrong"), 0) << rec.dump();
      ok_ids.insert(id);
    }
  }
  EXPECT_EQ(failed_ids.size(), 3u);
  EXPECT_EQ(failed_sizes, (std::set<std::uint64_t>{1024, 4096, 16384}));
  EXPECT_EQ(ok_ids.size(), 6u);
  EXPECT_EQ(e2e::read_json(out + "/manifest.json").at("status"), "complete");

  // A plain resume has nothing left to measure: the failure stands.
  const std::string before = slurp(results);
  const Proc again = collbench({"sweep", spec, "--out", out, "--resume"}, 120);
  EXPECT_EQ(again.exit_code, 3) << again.all();
  EXPECT_EQ(slurp(results), before) << "a plain --resume changed the store";
  EXPECT_NE(again.out.find("0 launches"), std::string::npos) << again.all();

  // --retry-failed runs exactly the failed cases again; they fail again.
  const Proc retry = collbench({"sweep", spec, "--out", out, "--resume", "--retry-failed"}, 180);
  EXPECT_EQ(retry.exit_code, 3) << retry.all();
  const std::string after = slurp(results);
  ASSERT_EQ(after.substr(0, before.size()), before) << "the retry rewrote earlier lines";
  const std::vector<json> all = read_results(results);
  ASSERT_EQ(all.size(), 12u);
  std::set<std::string> retried;
  for (std::size_t i = 9; i < all.size(); ++i) {
    retried.insert(all[i].at("sweep").at("case").get<std::string>());
    EXPECT_EQ(all[i].at("status"), "failed") << all[i].dump();
    const std::string err = all[i].value("error", "");
    EXPECT_TRUE(err.find("SIGSEGV") != std::string::npos || err.find("signal") != std::string::npos) << err;
  }
  EXPECT_EQ(retried, failed_ids);
}

// ---------------------------------------------------------------------------------------------

TEST_F(SweepE2E, BadSpecsExit2WithTheMessage) {
  struct Bad {
    const char* what;
    std::string spec;
    std::vector<std::string> extra;  // beyond SPEC --out DIR
    std::vector<std::string> mentions;
  };
  const std::string ok_body = R"("sizes": ["1K"], "launcher": {"ranks": 2}, )" + std::string(kMeasure);
  const std::vector<Bad> cases = {
      {"unknown knob",
       R"({"backend": "mpi", "knobs": {"NCCL_FOO": ["1", "2"]}, )" + ok_body + "}",
       {},
       {"unknown knob", "NCCL_FOO"}},
      {"invalid value",
       R"({"backend": "mpi", "knobs": {"coll_tuned_allreduce_algorithm": [9]}, )" + ok_body + "}",
       {},
       {"coll_tuned_allreduce_algorithm", "'9'"}},
      {"nvls without Simple",
       R"({"backend": "nccl", "knobs": {"NCCL_ALGO": ["allreduce:nvls"], "NCCL_PROTO": ["allreduce:ll"]}, "sizes": ["1K"]})",
       {"--dry-run"},
       {"Simple", "nvls"}},
      {"no tree for allgather",
       R"({"backend": "nccl", "knobs": {"NCCL_ALGO": ["allgather:tree"]}, "sizes": ["1K"]})",
       {"--dry-run"},
       {"allgather", "tree"}},
      {"bad measure option", R"({"backend": "mpi", "sizes": ["1K"], "measure": {"iters": 0}})", {}, {"--iters"}},
      {"unknown launcher kind", R"({"backend": "mpi", "launcher": {"kind": "qsub"}, "sizes": ["1K"]})", {},
       {"launcher.kind", "srun"}},
      {"--launcher over a template", R"({"backend": "mpi", "sizes": ["1K"], "launcher": {"template": "mpirun {collbench} {args}"}})",
       {"--launcher", "srun"}, {"has its own launcher.template"}},
      {"--launcher for the model", R"({"backend": "model", "topology": ")" + project_root() + R"(/sweeps/topologies/dgx-h100.json", "sizes": ["1K"]})",
       {"--launcher", "srun"}, {"is for the model backend, which runs in one plain process"}},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string spec = write_spec("bad.json", c.spec);
    const std::string out = path("never");
    std::vector<std::string> args = {"sweep", spec, "--out", out};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    const Proc r = collbench(args, 60);
    EXPECT_EQ(r.exit_code, 2) << r.all();
    EXPECT_EQ(e2e::count_lines_containing(r.err, "collbench: "), 1) << r.all();
    for (const std::string& m : c.mentions) EXPECT_NE(r.err.find(m), std::string::npos) << m << "\n" << r.all();
    EXPECT_NE(r.err.find("bad.json"), std::string::npos) << "the message does not name the spec\n" << r.all();
    EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.all();
    EXPECT_FALSE(fs::exists(out)) << "a bad spec created " << out;
  }
  // Flags the command line refuses before the spec is read.
  for (const std::vector<std::string>& flags : {std::vector<std::string>{"--launcher", "pbs"}, {"--ranks", "0"}}) {
    SCOPED_TRACE(flags[0]);
    std::vector<std::string> args = {"sweep", write_spec("ok.json", R"({"backend": "mpi", "sizes": ["1K"]})"), "--out", path("never")};
    args.insert(args.end(), flags.begin(), flags.end());
    const Proc r = collbench(args, 60);
    EXPECT_EQ(r.exit_code, 2) << r.all();
    EXPECT_EQ(e2e::count_lines_containing(r.err, "collbench: " + flags[0] + ": "), 1) << r.all();
    EXPECT_FALSE(fs::exists(path("never")));
  }

  {  // Malformed JSON: FILE:LINE:COLUMN of the offending token (a missing comma on line 3).
    SCOPED_TRACE("malformed JSON");
    const std::string spec = write_spec("broken.json",
                                        "{\n"
                                        "  \"backend\": \"mpi\",\n"
                                        "  \"sizes\": [\"1K\" \"4K\"],\n"
                                        "  \"launcher\": {\"ranks\": 2}\n"
                                        "}\n");
    const std::string out = path("never");
    const Proc r = collbench({"sweep", spec, "--out", out}, 60);
    EXPECT_EQ(r.exit_code, 2) << r.all();
    EXPECT_EQ(e2e::count_lines_containing(r.err, "collbench: "), 1) << r.all();
    const std::string where = spec + ":3:";
    const std::size_t at = r.err.find(where);
    ASSERT_NE(at, std::string::npos) << "expected " << where << "COLUMN\n" << r.all();
    const int col = std::atoi(r.err.c_str() + at + where.size());
    EXPECT_GE(col, 18) << r.err;  // "4K" spans columns 18 to 21 of line 3
    EXPECT_LE(col, 21) << r.err;
    EXPECT_FALSE(fs::exists(out));
  }

  // Store mistakes: a good spec, a store that does not fit the command.
  const std::string good = write_spec("good.json", R"({"backend": "mpi", )" + ok_body + "}");
  const std::string store = path("store");
  {
    const Proc first = collbench({"sweep", good, "--out", store}, 120);
    ASSERT_EQ(first.exit_code, 0) << first.all();
  }
  const std::string manifest = slurp(store + "/manifest.json"), results = slurp(store + "/results.jsonl");
  ASSERT_FALSE(results.empty());
  const std::string changed =
      write_spec("changed.json", R"({"backend": "mpi", "sizes": ["1K", "2K"], "launcher": {"ranks": 2}, )" +
                                     std::string(kMeasure) + "}");
  const std::string empty = path("empty");
  fs::create_directories(empty);
  const std::vector<Bad> store_cases = {
      {"existing store without --resume", "", {"sweep", good, "--out", store}, {"--resume", "already holds a sweep"}},
      {"--resume on an empty dir", "", {"sweep", good, "--out", empty, "--resume"}, {"no sweep"}},
      {"--resume with a changed spec", "", {"sweep", changed, "--out", store, "--resume"}, {"different spec"}},
  };
  for (const Bad& c : store_cases) {
    SCOPED_TRACE(c.what);
    const Proc r = collbench(c.extra, 60);
    EXPECT_EQ(r.exit_code, 2) << r.all();
    EXPECT_EQ(e2e::count_lines_containing(r.err, "collbench: "), 1) << r.all();
    for (const std::string& m : c.mentions) EXPECT_NE(r.err.find(m), std::string::npos) << m << "\n" << r.all();
    EXPECT_EQ(slurp(store + "/manifest.json"), manifest) << "the refused command changed the manifest";
    EXPECT_EQ(slurp(store + "/results.jsonl"), results) << "the refused command changed the results";
    EXPECT_FALSE(fs::exists(empty + "/manifest.json"));
  }
}

TEST_F(SweepE2E, ResumeOnAnEmptyOrMissingDirLeavesItAsItWas) {
  const std::string spec = write_spec(
      "good.json", R"({"backend": "mpi", "sizes": ["1K"], "launcher": {"ranks": 2}, )" + std::string(kMeasure) + "}");
  const std::string empty = path("empty");
  fs::create_directories(empty);
  const Proc r = collbench({"sweep", spec, "--out", empty, "--resume"}, 60);
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("no sweep"), std::string::npos) << r.all();
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(empty)) entries.push_back(e.path().filename().string());
  EXPECT_TRUE(entries.empty()) << "a refused --resume left in the empty directory:\n" << join(entries);

  const std::string missing = path("missing");
  const Proc m = collbench({"sweep", spec, "--out", missing, "--resume"}, 60);
  EXPECT_EQ(m.exit_code, 2) << m.all();
  EXPECT_NE(m.err.find("no sweep"), std::string::npos) << m.all();
  EXPECT_FALSE(fs::exists(missing)) << "a refused --resume created " << missing;
}

// A second sweep on the --out of one still running is told so, not to "add --resume" (which would
// only meet the lock), with or without --resume (issue 23, item 6). The running sweep is this
// test holding the store's lock.
TEST_F(SweepE2E, ASecondSweepOnABusyStoreIsToldItIsInUse) {
  const std::string spec = write_spec(
      "good.json", R"({"backend": "mpi", "sizes": ["1K"], "launcher": {"ranks": 2}, )" + std::string(kMeasure) + "}");
  const std::string store = path("busy");
  fs::create_directories(store);
  write("busy/manifest.json", "{}");
  const int fd = ::open((store + "/.lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  for (const bool resume : {false, true}) {
    std::vector<std::string> args = {"sweep", spec, "--out", store};
    if (resume) args.push_back("--resume");
    const Proc r = collbench(args, 60);
    EXPECT_EQ(r.exit_code, 2) << r.all();
    EXPECT_NE(r.err.find("another collbench sweep (or a launch it left running) is using it"), std::string::npos) << r.all();
    EXPECT_EQ(r.err.find("add --resume"), std::string::npos) << r.all();
  }
  ::close(fd);
  EXPECT_EQ(slurp(store + "/manifest.json"), "{}");
}

// ---------------------------------------------------------------------------------------------

TEST_F(SweepE2E, DryRunPrintsThePlanAndWritesNothing) {
  const std::string spec = project_root() + "/sweeps/smoke.json";
  ASSERT_TRUE(fs::exists(spec)) << spec;
  const std::string out = path("smoke-store");
  const Proc r = collbench({"sweep", spec, "--out", out, "--dry-run"}, 60);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  // smoke.json: 3 allreduce algorithms + the default allgather, 4 sizes, 2 repetitions, all in one
  // launch: the algorithms are chosen per communicator (MPI_T).
  EXPECT_NE(r.out.find("32 cases"), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("1 launches"), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("estimated"), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("L000-r0-1"), std::string::npos) << r.all();
  // The command line the launch would run: dynamic rules on for the ranks, the swept algorithm's
  // variable unset (-x without a value passes it on: it is removed from mpirun's environment).
  EXPECT_NE(r.out.find("$ mpirun -np 2 --oversubscribe"), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("--sweep-launch " + out + "/launches/L000-r0-1.json"), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("OMPI_MCA_coll_tuned_use_dynamic_rules=1"), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("-x OMPI_MCA_coll_tuned_use_dynamic_rules"), std::string::npos) << r.all();
  EXPECT_EQ(r.out.find("OMPI_MCA_coll_tuned_allreduce_algorithm=4"), std::string::npos) << r.all();
  // --no-mpi-t: the plan before MPI_T, each configuration and repetition in a launch of its own,
  // the algorithm exported to the ranks.
  const Proc old = collbench({"sweep", spec, "--out", out, "--dry-run", "--no-mpi-t"}, 60);
  ASSERT_EQ(old.exit_code, 0) << old.all();
  EXPECT_NE(old.out.find("6 launches (3 per repetition x 2)"), std::string::npos) << old.all();
  for (const char* label : {"L000-r0", "L001-r0", "L002-r0"}) EXPECT_NE(old.out.find(label), std::string::npos) << label;
  EXPECT_NE(old.out.find("OMPI_MCA_coll_tuned_allreduce_algorithm=4"), std::string::npos) << old.all();
  EXPECT_NE(old.out.find("-x OMPI_MCA_coll_tuned_allreduce_algorithm"), std::string::npos) << old.all();
  EXPECT_EQ(old.out.find("MPI_T"), std::string::npos) << old.all();
  EXPECT_EQ(r.err.find("collbench: "), std::string::npos) << r.all();
  EXPECT_FALSE(fs::exists(out)) << "--dry-run created " << out;
  // The same spec on a Slurm allocation: srun with PMIx, the environment passed on (no -x).
  const Proc s = collbench({"sweep", spec, "--out", out, "--dry-run", "--launcher", "srun", "--ranks", "3"}, 60);
  ASSERT_EQ(s.exit_code, 0) << s.all();
  EXPECT_NE(s.out.find("$ srun -n 3 --mpi=pmix --export=ALL --kill-on-bad-exit=1 "), std::string::npos) << s.all();
  EXPECT_EQ(s.out.find("-x OMPI_MCA"), std::string::npos) << s.all();
  EXPECT_FALSE(fs::exists(out)) << "--dry-run created " << out;
}

// One machine without MPI: collbench launch or torchrun start the ranks, which meet through NCCL
// (the nccl backend only); the launch's knobs reach them through the inherited environment.
TEST_F(SweepE2E, DryRunWithTheLaunchAndTorchrunLaunchers) {
  const std::string spec = write_spec("nccl.json", R"({"backend": "nccl", "sizes": ["1K"], "launcher": {"ranks": 8},
    "knobs": {"NCCL_BUFFSIZE": ["default", "8M"]}})");
  const std::string out = path("store");
  const Proc r = collbench({"sweep", spec, "--out", out, "--dry-run", "--launcher", "launch", "--ranks", "2"}, 60);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find(" launch --nproc-per-node 2 run --backend nccl "), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("--sweep-launch " + out + "/launches/L001-r0.json"), std::string::npos) << r.all();
  EXPECT_EQ(r.out.find(" -x "), std::string::npos) << r.all();
  const Proc t = collbench({"sweep", spec, "--out", out, "--dry-run", "--launcher", "torchrun"}, 60);
  ASSERT_EQ(t.exit_code, 0) << t.all();
  EXPECT_NE(t.out.find("$ torchrun --standalone --nnodes 1 --nproc-per-node 8 --no-python "), std::string::npos) << t.all();
  EXPECT_FALSE(fs::exists(out)) << "--dry-run created " << out;
  // The mpi backend needs an MPI launcher.
  const std::string mpi = write_spec("mpi.json", R"({"backend": "mpi", "sizes": ["1K"]})");
  const Proc m = collbench({"sweep", mpi, "--out", out, "--dry-run", "--launcher", "launch"}, 60);
  EXPECT_EQ(m.exit_code, 2) << m.all();
  EXPECT_NE(m.err.find("backend (with --launcher launch): 'launch' starts ranks without MPI"), std::string::npos) << m.all();
  const Proc n = collbench({"sweep", spec, "--out", out, "--dry-run", "--no-mpi-t"}, 60);
  EXPECT_EQ(n.exit_code, 2) << n.all();
  EXPECT_NE(n.err.find("collbench: --no-mpi-t: applies to the mpi backend only, not nccl"), std::string::npos) << n.all();
}

}  // namespace

// A launch that fails before it starts measuring (here: the nccl backend on a machine without a
// GPU) would fail the same way for every configuration: the sweep stops at once, records no case
// as failed, and leaves every case to measure after the cause is fixed.
TEST_F(SweepE2E, ALaunchThatCannotStartStopsTheSweepAndKeepsEveryCaseToDo) {
  if (fs::exists("/dev/nvidia0")) GTEST_SKIP() << "a GPU is visible: the nccl launch would start";
  const std::string spec = write_spec("nccl.json", std::string(R"({"backend": "nccl", "sizes": ["1K", "4K"],
    "launcher": {"ranks": 2}, "knobs": {"NCCL_ALGO": ["default", "allreduce:ring", "allreduce:tree"]}, )") +
                                                       kMeasure + "}");
  const std::string out = path("store");
  const Proc r = collbench({"sweep", spec, "--out", out});
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("collbench: launch L000-r0 exited with code 3 before starting: --backend nccl: no NVIDIA driver"),
            std::string::npos) << r.all();
  EXPECT_NE(r.out.find("1 launches"), std::string::npos) << "one launch, not one per configuration\n" << r.all();
  EXPECT_EQ(count_lines(out + "/results.jsonl"), 0) << "nothing recorded as failed";
  const json m = e2e::read_json(out + "/manifest.json");
  EXPECT_EQ(m.at("status"), "failed");
  // Resuming retries the launch (still no GPU): the same refusal, still nothing recorded.
  const Proc again = collbench({"sweep", spec, "--out", out, "--resume"});
  EXPECT_EQ(again.exit_code, 3) << again.all();
  EXPECT_NE(again.out.find("6 left"), std::string::npos) << again.all();
  EXPECT_EQ(count_lines(out + "/results.jsonl"), 0);
}

// The time budget stops new work; the store says "incomplete" and --resume finishes the rest.
// The one mpi launch checks the budget between configurations and always measures its first, so
// each session makes progress. Each case measures for about 0.1 s (adaptive mode, a CI target it
// never reaches): 4 configurations of 2 cases take at least 0.8 s after the launch starts, past the
// 0.5 s budget on any machine; fixed iterations end in milliseconds, and on a fast machine the
// whole sweep would fit in the budget.
TEST_F(SweepE2E, TimeBudgetStopsNewLaunchesAndResumeFinishes) {
  const std::string spec = write_spec("budget.json", R"({"backend": "mpi", "sizes": ["1K", "4K"],
    "launcher": {"ranks": 2}, "time_budget_s": 0.5,
    "knobs": {"coll_tuned_allreduce_algorithm": ["default", "ring", "recursive_doubling", "rabenseifner"]},
    "measure": {"min-iters": 20, "max-iters": 100000000, "target-rel-ci": 0.000001, "time-budget": 0.1,
                "warmup": 1, "probe-iters": 1, "timeout": 60}})");
  const std::string out = path("store");
  const Proc r = collbench({"sweep", spec, "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("time budget of"), std::string::npos) << r.all();
  const int first = count_lines(out + "/results.jsonl");
  EXPECT_GE(first, 2);
  EXPECT_LT(first, 8) << "a launch of one configuration takes longer than the budget";
  EXPECT_EQ(e2e::read_json(out + "/manifest.json").at("status"), "incomplete");
  // Each session gets its own budget; resuming until nothing is left measures every case once.
  for (int i = 0; i < 8 && count_lines(out + "/results.jsonl") < 8; ++i)
    ASSERT_EQ(collbench({"sweep", spec, "--out", out, "--resume"}).exit_code, 0);
  std::set<std::string> ids;
  for (const json& rec : read_results(out + "/results.jsonl")) ids.insert(rec.at("sweep").at("case").get<std::string>());
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_EQ(count_lines(out + "/results.jsonl"), 8);
  EXPECT_EQ(e2e::read_json(out + "/manifest.json").at("status"), "complete");
}

TEST_F(SweepE2E, ListKnobsPrintsTheCatalogWithScopes) {
  const Proc n = collbench({"sweep", "--list-knobs", "nccl"});
  ASSERT_EQ(n.exit_code, 0) << n.all();
  for (const char* line : {"NCCL_ALGO", "communicator", "config.maxCTAs", "NCCL_BUFFSIZE", "NCCL_P2P_NVL_CHUNKSIZE"})
    EXPECT_NE(n.out.find(line), std::string::npos) << line << "\n" << n.out;
  const Proc m = collbench({"sweep", "--list-knobs", "mpi"});
  EXPECT_NE(m.out.find("coll_tuned_allreduce_algorithm"), std::string::npos) << m.out;
  EXPECT_NE(m.out.find("6=rabenseifner"), std::string::npos) << m.out;
  const Proc bad = collbench({"sweep", "--list-knobs", "gloo"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("collbench: --list-knobs 'gloo': expected nccl, mpi or model"), std::string::npos) << bad.all();
}

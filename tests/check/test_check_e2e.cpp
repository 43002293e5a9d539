// `collbench baseline` and `collbench check` end to end on the mpi backend, with the fault
// injector: a delayed rank fails the check and is named with its host; corrupted results fail with
// wrong > 0 and name the rank; a crash is exit 3 naming the case; --per-node / --pairs name the
// slow node; malformed baselines, expectations and rules are exit 2 with one line; the JUnit XML
// validates against tests/check/junit.xsd and its counts match.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <vector>
#include <regex>
#include <string>

#include "e2e_support.hpp"

namespace {

using nlohmann::json;

const std::string kRun = "run --backend mpi -b 4K -e 16K -f 4 -n 10 -w 2 --probe-iters 4 --timeout 60";

std::string hostname() {
  char h[256] = {};
  gethostname(h, sizeof h - 1);
  return h;
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string p = e2e::temp_path(name);
  std::ofstream(p) << text;
  return p;
}

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

int attr(const std::string& xml, const std::string& element, const std::string& name) {
  std::smatch m;
  const std::regex re("<" + element + " [^>]*" + name + "=\"([0-9]+)\"");
  if (!std::regex_search(xml, m, re)) return -1;
  return std::stoi(m[1]);
}

// The file parses and validates against the JUnit schema CI plugins use, and the counts in its
// attributes are the elements it holds.
void expect_valid_junit(const std::string& path, int min_failures) {
  const std::string cmd = "xmllint --noout --schema " + std::string(COLLBENCH_SOURCE_DIR) + "/tests/check/junit.xsd '" + path + "' 2>&1";
  std::FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (p && std::fgets(buf, sizeof buf, p)) out += buf;
  const int rc = p ? pclose(p) : -1;
  EXPECT_EQ(rc, 0) << "xmllint: " << out;
  const std::string xml = e2e::slurp(path);
  const int cases = count(xml, "<testcase ");
  EXPECT_GT(cases, 0);
  EXPECT_EQ(attr(xml, "testsuites", "tests"), cases);
  EXPECT_EQ(attr(xml, "testsuites", "failures"), count(xml, "<failure "));
  EXPECT_EQ(attr(xml, "testsuites", "errors"), count(xml, "<error "));
  EXPECT_GE(count(xml, "<failure "), min_failures);
  // Per suite, too.
  const std::regex suite("<testsuite name=\"[^\"]*\" id=\"[0-9]+\" tests=\"([0-9]+)\" failures=\"([0-9]+)\"[^>]*>([\\s\\S]*?)</testsuite>");
  int suites = 0;
  for (std::sregex_iterator it(xml.begin(), xml.end(), suite), end; it != end; ++it, ++suites) {
    const std::string body = (*it)[3];
    EXPECT_EQ(std::stoi((*it)[1]), count(body, "<testcase "));
    EXPECT_EQ(std::stoi((*it)[2]), count(body, "<failure "));
  }
  EXPECT_GT(suites, 0);
}

class CheckE2E : public ::testing::Test {
 protected:
  // A baseline from two good runs, with rules loose enough for 4 ranks on 2 shared cores.
  void SetUp() override {
    const std::string a = e2e::temp_path("good-a.json"), b2 = e2e::temp_path("good-b.json");
    for (const std::string& p : {a, b2}) {
      const e2e::Result r = e2e::run(4, kRun + " --json " + p);
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    m_baseline = e2e::temp_path("baseline.json");
    const e2e::Result b = e2e::run(0, "baseline " + a + " " + b2 + " --out " + m_baseline);
    ASSERT_EQ(b.exit_code, 0) << b.output;
    ASSERT_NE(b.output.find("baseline: 4 expectations (4 whole job"), std::string::npos) << b.output;
    m_rules = write_file("rules.json", R"({"schema": "collbench.rules", "version": 1,
      "description": "a shared 2-core VM: only gross slowdowns count",
      "defaults": {"busbw_drop": 0.8, "p99_ratio": 50, "cv_max": null}})");
  }
  std::string check(const std::string& results, const std::string& extra = "") {
    return "check " + results + " --baseline " + m_baseline + " --rules " + m_rules + " " + extra;
  }
  std::string m_rules, m_baseline;
};

TEST_F(CheckE2E, AGoodRunPassesAgainstTheBaseline) {
  const std::string good_c_path = e2e::temp_path("good-c.json");
  const e2e::Result r = e2e::run(4, kRun + " --json " + good_c_path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string junit = e2e::temp_path("good.xml");
  const std::string good_verdict_path = e2e::temp_path("good-verdict.json");
  const e2e::Result c = e2e::run(0, check(good_c_path, "--junit " + junit + " --json " + good_verdict_path));
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("PASS: "), std::string::npos) << c.output;
  expect_valid_junit(junit, 0);
  const json v = e2e::read_json(good_verdict_path);
  EXPECT_EQ(v["schema"], "collbench.check");
  EXPECT_EQ(v["verdict"], "PASS");
  EXPECT_EQ(v["exit_code"], 0);
  EXPECT_EQ(v["counts"]["failed"], 0);
  EXPECT_EQ(v["counts"]["checks"].get<std::size_t>(), v["items"].size());
}

TEST_F(CheckE2E, ADelayedRankFailsTheCheckAndIsNamedWithItsHost) {
  const std::string slow_path = e2e::temp_path("slow.json");
  const e2e::Result r = e2e::run(4, kRun + " --json " + slow_path, "COLLBENCH_INJECT=delay:2:20000");
  ASSERT_EQ(r.exit_code, 0) << r.output;  // slow is not wrong: the run itself is fine
  const std::string junit = e2e::temp_path("slow.xml");
  const std::string slow_verdict_path = e2e::temp_path("slow-verdict.json");
  const e2e::Result c = e2e::run(0, check(slow_path, "--junit " + junit + " --json " + slow_verdict_path));
  EXPECT_EQ(c.exit_code, 1) << c.output;
  EXPECT_NE(c.output.find("straggler rank 2 on host " + hostname()), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("rank 2 on host " + hostname() + ": the straggler in"), std::string::npos) << c.output;
  expect_valid_junit(junit, 4);  // busbw at 2 sizes x 2 placements at least
  const json v = e2e::read_json(slow_verdict_path);
  EXPECT_EQ(v["verdict"], "FAIL");
  EXPECT_EQ(v["exit_code"], 1);
  ASSERT_FALSE(v["named"].empty());
  EXPECT_EQ(v["named"][0].get<std::string>().rfind("rank 2 on host " + hostname(), 0), 0u) << v["named"].dump();
  int busbw_failures = 0;
  for (const json& it : v["items"]) busbw_failures += it["rule"] == "busbw" && it["status"] == "fail";
  EXPECT_EQ(busbw_failures, 4) << v["items"].dump();
}

TEST_F(CheckE2E, CorruptedResultsFailWithWrongElementsOnTheNamedRank) {
  const std::string corrupt_path = e2e::temp_path("corrupt.json");
  const e2e::Result r = e2e::run(4, kRun + " --json " + corrupt_path, "COLLBENCH_INJECT=corrupt:1");
  ASSERT_EQ(r.exit_code, 1) << r.output;
  const std::string corrupt_verdict_path = e2e::temp_path("corrupt-verdict.json");
  const e2e::Result c = e2e::run(0, check(corrupt_path, "--json " + corrupt_verdict_path));
  EXPECT_EQ(c.exit_code, 1) << c.output;
  EXPECT_NE(c.output.find("wrong on rank 1 on host " + hostname()), std::string::npos) << c.output;
  const json v = e2e::read_json(corrupt_verdict_path);
  int wrong = 0;
  for (const json& it : v["items"])
    if (it["rule"] == "wrong" && it["status"] == "fail") {
      ++wrong;
      EXPECT_GT(it["measured"].get<double>(), 0);
    }
  EXPECT_EQ(wrong, 4);
}

TEST_F(CheckE2E, ACrashIsExitThreeNamingTheCaseNotMeasured) {
  const std::string crash_path = e2e::temp_path("crash.json");
  const e2e::Result r = e2e::run(4, kRun + " --json " + crash_path, "COLLBENCH_INJECT=crash:1");
  ASSERT_EQ(r.exit_code, 3) << r.output;
  const std::string junit = e2e::temp_path("crash.xml");
  const e2e::Result c = e2e::run(0, check(crash_path, "--junit " + junit));
  EXPECT_EQ(c.exit_code, 3) << c.output;
  EXPECT_NE(c.output.find("first case not measured: allreduce 4K float sum out_of_place (4 ranks)"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("RUN FAILED"), std::string::npos) << c.output;
  expect_valid_junit(junit, 0);
  EXPECT_GT(count(e2e::slurp(junit), "<error "), 0);
}

// The injected faults are 5 ms per call; four ranks on this shared 2-core machine are slower than
// their peers by 1.3x now and then, beyond their own intervals, and a call itself takes up to a
// millisecond or more (a time slice). Only a peer twice as slow counts here, as CheckE2E's rules
// count only gross slowdowns (the default, 10%, is for dedicated nodes).
std::string gross_peer_rules() {
  return write_file("locate-rules.json", R"({"schema": "collbench.rules", "version": 1,
      "description": "a shared 2-core VM: only a peer 2x slower counts", "defaults": {"peer_slowdown": 1.0}})");
}

TEST(CheckLocateE2E, PerNodeAndPairsNameTheSlowNodeNotItsPartners) {
  // Four "nodes" of one rank each on this one host; rank 2 waits 5 ms before every call.
  const std::string out = e2e::temp_path("nodes.json");
  const e2e::Result r = e2e::run(4, kRun + " --per-node --pairs --ranks-per-node 1 --json " + out, "COLLBENCH_INJECT=delay:2:5000");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string h = hostname();
  EXPECT_NE(r.output.find("# SUSPECT node " + h + ":2 (host " + h + ", ranks 2)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("pairs, round 3 of 3"), std::string::npos) << r.output;
  const json doc = e2e::read_json(out);
  int node = 0, pair = 0;
  for (const json& rec : doc["results"]) {
    if (!rec.contains("group")) continue;
    (rec["group"]["kind"] == "node" ? node : pair) += 1;
    for (const json& n : rec["group"]["nodes"]) EXPECT_EQ(n["host"], h);
    // A group's record carries nccl-tests' figure of its own ranks (schema 7), through the JSON
    // the group roots send to rank 0: the mean over its ranks of each one's mean.
    ASSERT_TRUE(rec.contains("nccl_tests")) << rec.dump();
    double sum = 0;
    for (const json& pr : rec["per_rank"]) sum += pr["time_us"]["mean"].get<double>();
    const double mean = sum / static_cast<double>(rec["per_rank"].size());
    EXPECT_NEAR(rec["nccl_tests"]["time_us"].get<double>(), mean, 1e-9 * mean);
  }
  EXPECT_EQ(node, 4 * 4);      // 4 nodes x (2 sizes x 2 placements)
  EXPECT_EQ(pair, 3 * 2 * 4);  // 3 rounds x 2 pairs x 4 cases

  const std::string verdict = e2e::temp_path("nodes-verdict.json");
  const e2e::Result c = e2e::run(0, "check " + out + " --per-node --pairs --rules " + gross_peer_rules() + " --json " + verdict);
  EXPECT_EQ(c.exit_code, 1) << c.output;
  const json v = e2e::read_json(verdict);
  ASSERT_GE(v["suspects"].size(), 2u) << v["suspects"].dump();
  for (int i = 0; i < 2; ++i) {  // convicted alone and in pairs, in every case
    EXPECT_EQ(v["suspects"][i]["node"], h + ":2") << v["suspects"].dump();
    EXPECT_EQ(v["suspects"][i]["ranks"], json::array({2}));
    EXPECT_EQ(v["suspects"][i]["slow_cases"], 4);
  }
  // Its partners were slow in the one round they shared with it, never convicted by pairs.
  for (const json& s : v["suspects"])
    if (s["kind"] == "pair") EXPECT_EQ(s["node"], h + ":2") << v["suspects"].dump();
}

// The link acceptance (README "Links: sendrecv between nodes"): sendrecv on each node alone and on
// pairs of nodes in rounds; a link slow between two nodes (rank 1 waits 5 ms only in
// communicators rank 3 is in) is named by its two ends, and neither node is convicted.
TEST(CheckLocateE2E, SendrecvPairsNameTheSlowLinkNotTheNodes) {
  const std::string out = e2e::temp_path("links.json");
  const e2e::Result r = e2e::run(4, "run --backend mpi --coll sendrecv -b 4K -e 16K -f 4 -n 10 -w 2 --probe-iters 4 "
                                    "--timeout 60 --placement out --per-node --pairs --ranks-per-node 1 --json " + out,
                                 "COLLBENCH_INJECT=link:1:3:5000");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string h = hostname();
  EXPECT_NE(r.output.find("# SUSPECT link between node " + h + ":1 (host " + h + ", ranks 1) and node " + h + ":3 (host " +
                          h + ", ranks 3)"), std::string::npos) << r.output;
  const std::string verdict = e2e::temp_path("links-verdict.json");
  const e2e::Result c = e2e::run(0, "check " + out + " --per-node --pairs --rules " + gross_peer_rules() + " --json " + verdict);
  EXPECT_EQ(c.exit_code, 1) << c.output;
  EXPECT_NE(c.output.find("link between node " + h + ":1"), std::string::npos) << c.output;
  const json v = e2e::read_json(verdict);
  int links = 0;
  for (const json& s : v["suspects"]) {
    EXPECT_EQ(s["kind"], "link") << "neither end is a slow node: " << v["suspects"].dump();
    if (s["kind"] != "link") continue;
    ++links;
    EXPECT_EQ(s["node"], h + ":1");
    EXPECT_EQ(s["partner"], h + ":3");
    EXPECT_EQ(s["partner_ranks"], json::array({3}));
    EXPECT_EQ(s["slow_cases"], 2);  // 4K and 16K
  }
  EXPECT_EQ(links, 1) << v["suspects"].dump();
}

TEST(CheckBadInputE2E, MalformedFilesAreExitTwoWithOneLineNamingTheFileAndField) {
  const std::string good = e2e::temp_path("bi-good.json");
  ASSERT_EQ(e2e::run(2, kRun + " --json " + good).exit_code, 0);
  const std::string base = e2e::temp_path("bi-base.json");
  ASSERT_EQ(e2e::run(0, "baseline " + good + " --out " + base).exit_code, 0);
  json b = e2e::read_json(base);
  auto bad_baseline = [&](const std::string& name, const std::function<void(json&)>& edit) {
    json c = b;
    edit(c);
    return write_file(name, c.dump());
  };
  struct Case {
    std::string args, expect;
  };
  const std::vector<Case> cases = {
      {"check " + good + " --baseline " + write_file("bi-notjson.json", "{\"schema\": "), "expected a baseline file in JSON"},
      {"check " + good + " --baseline " + bad_baseline("bi-schema.json", [](json& j) { j["schema"] = "x"; }), "schema: expected \"collbench.baseline\""},
      {"check " + good + " --baseline " + bad_baseline("bi-version.json", [](json& j) { j["version"] = 99; }), "version: expected 1 to 1"},
      {"check " + good + " --baseline " + bad_baseline("bi-field.json", [](json& j) { j["expectations"][1].erase("p99_us"); }),
       "expectations[1].p99_us: expected this field (missing)"},
      {"check " + good + " --baseline " + bad_baseline("bi-type.json", [](json& j) { j["expectations"][0]["busbw_gbps"]["median"] = "fast"; }),
       "expectations[0].busbw_gbps.median: expected a number"},
      {"check " + good + " --baseline " + bad_baseline("bi-order.json", [](json& j) { j["expectations"][0]["time_us"]["min"] = 1e9; }),
       "expectations[0].time_us: expected 0 <= min <= median <= max"},
      {"check " + good + " --expect " + write_file("bi-expect.json", R"({"schema": "collbench.expect", "version": 1, "expect": [{"collective": "allreduce"}]})"),
       "expect[0]: expected at least one threshold"},
      {"check " + good + " --expect " + write_file("bi-expect2.json", R"({"schema": "collbench.expect", "version": 1, "expect": [{"collective": "allredux", "min_busbw_gbps": 1}]})"),
       "expect[0].collective: expected one collective name"},
      {"check " + good + " --expect " + write_file("bi-expect3.json", R"({"schema": "collbench.expect", "version": 1, "expect": [{"bytes": "16G", "max_bytes": "1G", "min_busbw_gbps": 1}]})"),
       "expect[0]: expected either bytes or min_bytes/max_bytes"},
      {"check " + good + " --baseline " + base + " --rules " + write_file("bi-rules.json", R"({"schema": "collbench.rules", "version": 1, "defaults": {"busbw_drop": 5}})"),
       "defaults.busbw_drop: expected a fraction in [0, 1)"},
      {"check " + good + " --baseline " + base + " --rules " + write_file("bi-rules2.json", R"({"schema": "collbench.rules", "version": 1, "overrides": [{"max_bytes": "1K", "p99": 2}]})"),
       "overrides[0].p99: expected a known field"},
      {"check " + good + " --baseline " + e2e::temp_path("bi-missing.json"), "cannot open a baseline file"},
      {"check " + good, "expected --baseline FILE, --expect FILE or --model TOPOLOGY"},
      {"check " + good + " --model " + e2e::temp_path("bi-no-topology.json"), "bi-no-topology.json: cannot read"},
      {"check " + good + " --model " + std::string(COLLBENCH_SOURCE_DIR) + "/sweeps/topologies/dgx-h100.json --model-min 300",
       "--model-min 300: expected a percentage in (0, 200]"},
      {"check " + good + " --baseline " + base + " --junit /", "--junit '/': is a directory"},
      {"check " + write_file("bi-results.json", "not json") + " --baseline " + base, "bi-results.json"},
      {"check " + good + " --per-node --baseline " + base, "--per-node: the results hold no per-node measurements"},
      {"baseline " + good + " --out " + e2e::temp_path("bi-x.json") + " --config ring", "--config 'ring': only sweep stores"},
  };
  for (const Case& k : cases) {
    const e2e::Result r = e2e::run(0, k.args);
    EXPECT_EQ(r.exit_code, 2) << k.args << "\n" << r.output;
    EXPECT_NE(r.output.find(k.expect), std::string::npos) << k.args << "\n" << r.output;
    EXPECT_EQ(e2e::count_lines_containing(r.output, "collbench: "), 1) << k.args << "\n" << r.output;
  }
  // run: a node split that does not fit the job is bad input found before anything is measured.
  const std::string split = e2e::temp_path("bi-split.json");
  const e2e::Result sp = e2e::run(2, kRun + " --per-node --ranks-per-node 3 --json " + split);
  EXPECT_EQ(sp.exit_code, 2) << sp.output;
  EXPECT_NE(sp.output.find("--ranks-per-node 3: expected a divisor of the job's 2 ranks"), std::string::npos) << sp.output;
  EXPECT_FALSE(std::ifstream(split).good()) << "a JSON was written";
  const e2e::Result alone = e2e::run(2, kRun + " --ranks-per-node 1");
  EXPECT_EQ(alone.exit_code, 2) << alone.output;
  EXPECT_NE(alone.output.find("--ranks-per-node: expected --per-node or --pairs with it"), std::string::npos) << alone.output;
  // A baseline of another job size is refused, not 8 missing cases.
  const std::string four = e2e::temp_path("bi-four.json");
  ASSERT_EQ(e2e::run(4, kRun + " --json " + four).exit_code, 0);
  const e2e::Result r = e2e::run(0, "check " + four + " --baseline " + base);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("its expectations are for 2 ranks, the results have 4"), std::string::npos) << r.output;
  // A baseline from a bad run is refused: known-good runs only.
  const std::string wrong = e2e::temp_path("bi-wrong.json");
  ASSERT_EQ(e2e::run(2, kRun + " --json " + wrong, "COLLBENCH_INJECT=corrupt:1").exit_code, 1);
  const e2e::Result w = e2e::run(0, "baseline " + wrong + " --out " + e2e::temp_path("bi-y.json"));
  EXPECT_EQ(w.exit_code, 2) << w.output;
  EXPECT_NE(w.output.find("wrong elements; a baseline needs known-good runs"), std::string::npos) << w.output;
}

TEST(CheckStoreE2E, ASweepStoreIsABaselineAndIsChecked) {
  const std::string store = e2e::temp_path("store");
  const e2e::Result s = e2e::run(0, "sweep " + std::string(COLLBENCH_SOURCE_DIR) + "/sweeps/smoke.json --out " + store, "", 180);
  ASSERT_EQ(s.exit_code, 0) << s.output;
  const std::string base = e2e::temp_path("store-base.json");
  const e2e::Result b = e2e::run(0, "baseline " + store + " --out " + base);
  ASSERT_EQ(b.exit_code, 0) << b.output;
  const json bj = e2e::read_json(base);
  EXPECT_EQ(bj["config"], "default");
  EXPECT_EQ(bj["expectations"][0]["runs"], 2);  // two repetitions of the default configuration
  // The store against its own baseline, loosely: it passes, and every expectation is present.
  const std::string rules = write_file("store-rules.json", R"({"schema": "collbench.rules", "version": 1, "defaults": {"busbw_drop": 0.9, "p99_ratio": 100, "cv_max": null}})");
  const e2e::Result c = e2e::run(0, "check " + store + " --baseline " + base + " --rules " + rules + " -q");
  EXPECT_EQ(c.exit_code, 0) << c.output;
  const e2e::Result other = e2e::run(0, "baseline " + store + " --config nonesuch --out " + e2e::temp_path("store-x.json"));
  EXPECT_EQ(other.exit_code, 2) << other.output;
  EXPECT_NE(other.output.find("no configuration labelled 'nonesuch'"), std::string::npos) << other.output;
}

}  // namespace

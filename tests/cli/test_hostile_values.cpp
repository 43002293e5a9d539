// Hostile values (issue 23, items 1, 3, 5 and 6): JSON that parses but says what no run can, read
// by the real binary. Each is bad input (exit 2) in one line naming the file and the field — or,
// for a log, a row left out with a note naming its line — never an internal error, never exit 0
// with the value taken.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../e2e_support.hpp"

namespace {

using nlohmann::json;

// One exit-2 refusal: one "collbench: " line, naming `file` and holding `needle`.
void expect_refused(const std::string& args, const std::string& file, const std::string& needle) {
  const e2e::Result r = e2e::run(0, args, "", 60);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
  EXPECT_EQ(e2e::count_lines_containing(r.output, "collbench: "), 1) << args << "\n" << r.output;
  EXPECT_NE(r.output.find(file), std::string::npos) << args << "\n" << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << args << "\n" << r.output;
  EXPECT_EQ(r.output.find("internal error"), std::string::npos) << args << "\n" << r.output;
}

// A real run (2 mpi ranks), its baseline and a one-configuration sweep store, made once.
class HostileValues : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_dir = e2e::temp_path("hostile-values");
    std::filesystem::create_directories(s_dir);
    const e2e::Result run = e2e::run(2, "run --backend mpi -b 1K -e 4K --coll allreduce --iters 5 --json " + s_dir + "/run.json");
    ASSERT_EQ(run.exit_code, 0) << run.output;
    const e2e::Result base = e2e::run(0, "baseline " + s_dir + "/run.json --out " + s_dir + "/baseline.json");
    ASSERT_EQ(base.exit_code, 0) << base.output;
    e2e::write_text(s_dir + "/spec.json", R"({"name": "hv", "backend": "mpi", "collectives": ["allreduce"],
      "sizes": ["1K"], "datatypes": ["float"], "launcher": {"ranks": 2}, "repetitions": 1,
      "measure": {"iters": 5, "warmup": 1, "timeout": 60}})");
    const e2e::Result sweep = e2e::run(0, "sweep " + s_dir + "/spec.json --out " + s_dir + "/store", "", 120);
    ASSERT_EQ(sweep.exit_code, 0) << sweep.output;
  }
  static json run_json() { return e2e::read_json(s_dir + "/run.json"); }
  // A copy of the store whose first results line is `first`.
  static std::string store_with_first_line(const std::string& name, const std::string& first) {
    const std::string store = s_dir + "/" + name;
    std::filesystem::remove_all(store);
    std::filesystem::copy(s_dir + "/store", store, std::filesystem::copy_options::recursive);
    std::string lines = e2e::slurp(store + "/results.jsonl");
    lines = first + lines.substr(lines.find('\n'));
    e2e::write_text(store + "/results.jsonl", lines);
    return store;
  }
  static std::string first_store_line() {
    const std::string lines = e2e::slurp(s_dir + "/store/results.jsonl");
    return lines.substr(0, lines.find('\n'));
  }
  static std::string s_dir;
};
std::string HostileValues::s_dir;

// Item 3: get<int> read 4294967298 as 2, and the check passed.
TEST_F(HostileValues, IntegersBeyondTheirRangeAreRefused) {
  json b = e2e::read_json(s_dir + "/baseline.json");
  b["expectations"][0]["nranks"] = 4294967298ull;
  const std::string bf = s_dir + "/wrap-baseline.json";
  e2e::write_text(bf, b.dump());
  expect_refused("check " + s_dir + "/run.json --baseline " + bf, bf, "expectations[0].nranks: expected an integer");
  const std::string ef = s_dir + "/wrap-expect.json";
  e2e::write_text(ef, R"({"schema": "collbench.expect", "version": 1,
    "expect": [{"collective": "allreduce", "nranks": 4294967298, "min_busbw_gbps": 0.001}]})");
  expect_refused("check " + s_dir + "/run.json --expect " + ef, ef, "expect[0].nranks: expected an integer");
  json r = run_json();
  r["results"][0]["nranks"] = 4294967298ull;
  const std::string rf = s_dir + "/wrap-run.json";
  e2e::write_text(rf, r.dump());
  expect_refused("report " + rf + " --format md --out " + rf + ".md", rf, "results[0].nranks");
}

// Item 5: the last of two equal keys won in silence ("repetitions" 50 then 2 ran 2).
TEST_F(HostileValues, AKeyGivenTwiceIsRefusedNamingTheKey) {
  const std::string spec = s_dir + "/dup-spec.json";
  e2e::write_text(spec, R"({"name": "d", "backend": "mpi", "collectives": ["allreduce"], "repetitions": 50, "repetitions": 2})");
  expect_refused("sweep " + spec + " --dry-run", spec, "key \"repetitions\" given twice in one object");
  std::string text = e2e::slurp(s_dir + "/run.json");
  text.insert(text.find('{') + 1, "\"status\": \"ok\",");
  const std::string rf = s_dir + "/dup-run.json";
  e2e::write_text(rf, text);
  for (const char* cmd : {"report @ --format md --out @.md", "compare @ @", "baseline @ --out @.b.json"}) {
    std::string args = cmd;
    for (std::size_t at; (at = args.find('@')) != std::string::npos;) args.replace(at, 1, rf);
    expect_refused(args, rf, "key \"status\" given twice");
  }
  const std::string store = store_with_first_line("dup-store", "{\"op\": \"sum\", " + first_store_line().substr(1));
  for (const char* cmd : {"tune @ --out @.tune", "report @ --format md --out @.md", "baseline @ --out @.b.json"}) {
    std::string args = cmd;
    for (std::size_t at; (at = args.find('@')) != std::string::npos;) args.replace(at, 1, store);
    expect_refused(args, store + "/results.jsonl:1", "key \"op\" given twice");
  }
}

// Item 5: baseline wrote an expectation for collective "bogus"; a report showed "latency floor -5".
TEST_F(HostileValues, NamesAndFiguresNoRunCanHaveAreRefused) {
  const struct {
    const char* field;
    json value;
    const char* needle;
  } cases[] = {
      {"collective", "bogus", "results[0].collective: expected allreduce"},
      {"datatype", "bogus", "results[0].datatype: expected a data type"},
      {"op", "bogus", "results[0].op: expected one of"},
      {"placement", "sideways", "results[0].placement: expected one of"},
      {"busbw_gbps", -5.0, "results[0].busbw_gbps: expected a bandwidth of 0 or more"},
  };
  for (const auto& c : cases) {
    json r = run_json();
    r["results"][0][c.field] = c.value;
    const std::string rf = s_dir + "/bad-" + c.field + ".json";
    e2e::write_text(rf, r.dump());
    expect_refused("baseline " + rf + " --out " + rf + ".b.json", rf, c.needle);
    expect_refused("report " + rf + " --format md --out " + rf + ".md", rf, c.needle);
  }
  json r = run_json();
  r["results"][0]["time_us"]["p50"] = -5.0;
  const std::string rf = s_dir + "/bad-time.json";
  e2e::write_text(rf, r.dump());
  expect_refused("report " + rf + " --format md --out " + rf + ".md", rf, "results[0].time_us.p50: expected a time of 0 or more");
}

// Item 6: tune blamed a --coll flag nobody gave; item 1: invalid UTF-8 in a record was exit 3 in tune.
TEST_F(HostileValues, AStoreRecordIsRefusedNamingItsLine) {
  std::string line = first_store_line();
  const std::string coll = "\"collective\":\"allreduce\"";
  ASSERT_NE(line.find(coll), std::string::npos) << line;
  const std::string bogus = store_with_first_line(
      "bogus-store", std::string(line).replace(line.find(coll), coll.size(), "\"collective\":\"bogus\""));
  expect_refused("tune " + bogus + " --out " + bogus + ".tune", bogus + "/results.jsonl:1", "collective: expected allreduce");
  const std::string utf8 = store_with_first_line(
      "utf8-store", std::string(line).replace(line.find(coll), coll.size(), "\"collective\":\"all\xff\xfereduce\""));
  for (const char* cmd : {"tune @ --out @.tune", "report @ --format md --out @.md", "baseline @ --out @.b.json"}) {
    std::string args = cmd;
    for (std::size_t at; (at = args.find('@')) != std::string::npos;) args.replace(at, 1, utf8);
    expect_refused(args, utf8 + "/results.jsonl:1", "expected one JSON object per line");
  }
}

// Item 1: report --topology with a number for "name" was an internal error; a misspelt key was ignored.
TEST_F(HostileValues, AReportTopologyIsCheckedKeyByKey) {
  const std::string t1 = s_dir + "/topo-name.json", t2 = s_dir + "/topo-key.json";
  e2e::write_text(t1, R"({"name": 5, "intra_node_gbps": 100})");
  e2e::write_text(t2, R"({"name": "x", "intra_node_gbsp": 100})");
  expect_refused("report " + s_dir + "/run.json --format md --out " + t1 + ".md --topology " + t1, t1, "name: expected a string");
  expect_refused("report " + s_dir + "/run.json --format md --out " + t2 + ".md --topology " + t2, t2,
                 "intra_node_gbsp: unknown key");
}

// Item 6: a UTF-8 byte-order mark was accepted by baseline and check but not by report and compare.
TEST_F(HostileValues, AByteOrderMarkIsSkippedByEveryReader) {
  const std::string rf = s_dir + "/bom.json";
  e2e::write_text(rf, "\xEF\xBB\xBF" + e2e::slurp(s_dir + "/run.json"));
  for (const std::string& args : {"report " + rf + " --format md --out " + rf + ".md", "compare " + rf + " " + rf,
                                  "baseline " + rf + " --out " + rf + ".b.json", "check " + rf + " --baseline " + s_dir + "/baseline.json"}) {
    const e2e::Result r = e2e::run(0, args, "", 60);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.output;
  }
}

// Item 5: a garbled row or a negative time in an nccl-tests log was dropped in silence and the log
// called complete. Now each is a note naming its line, and the import is not complete.
TEST_F(HostileValues, AnImportedLogsDamagedRowsAreNamedAndTheLogIsNotComplete) {
  const std::string log = s_dir + "/damaged.log";
  e2e::write_text(log, R"(# nThread 1 nGpus 1 minBytes 8 maxBytes 32 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
#
# Using devices
#  Rank  0 Group  0 Pid   1234 on   node-a device  0 [0x1b] NVIDIA H100 80GB HBM3
#  Rank  1 Group  0 Pid   1235 on   node-a device  1 [0x2b] NVIDIA H100 80GB HBM3
#
#                                                              out-of-place                       in-place
#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
           8             2     float     sum      -1    10.00    0.00    0.00      0    10.00    0.00    0.00      0
          16             4     float     sum      -1    -5.00    0.00    0.00      0    10.00    0.00    0.00      0
          32   garbled row
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 0.00
#
)");
  const std::string store = s_dir + "/damaged-store";
  const e2e::Result r = e2e::run(0, "import " + log + " --out " + store + " --collective allreduce");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("not complete"), std::string::npos) << r.output;
  const json source = e2e::read_json(store + "/manifest.json").at("sources").at(0);
  const json& info = source.at("metadata").at("imported");
  EXPECT_FALSE(info.at("complete").get<bool>()) << info.dump(1);
  const std::string notes = info.at("notes").dump();
  EXPECT_NE(notes.find(log + ":11: out_of_place time -5"), std::string::npos) << notes;
  EXPECT_NE(notes.find("line 12: "), std::string::npos) << notes;
  // 8 B in both placements and 16 B in place: the records that were whole.
  EXPECT_EQ(e2e::count_lines_containing(e2e::slurp(store + "/results.jsonl"), "\"collective\""), 3);
}

}  // namespace

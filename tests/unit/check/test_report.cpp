#include "check/report.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../console_golden.hpp"
#include "check_fixture.hpp"

namespace {

using namespace checktest;
using nlohmann::json;

constexpr std::uint64_t kM = 1u << 20;

// ---------------------------------------------------------------- a tiny XML reader

struct Element {
  std::string name;
  std::map<std::string, std::string> attrs;  // values unescaped
  int depth = 0;
};

// Decodes the five predefined entities and numeric character references; fails the test on
// anything else.
std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const std::size_t semi = s.find(';', i);
    if (semi == std::string::npos) {
      ADD_FAILURE() << "unterminated entity in: " << s;
      return out;
    }
    const std::string ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") out += '&';
    else if (ent == "lt") out += '<';
    else if (ent == "gt") out += '>';
    else if (ent == "quot") out += '"';
    else if (ent == "apos") out += '\'';
    else if (ent.size() > 2 && ent[0] == '#' && ent[1] == 'x') out += "\xEF\xBF\xBD";  // U+FFFD is all we expect
    else ADD_FAILURE() << "unknown entity &" << ent << "; in: " << s;
    i = semi;
  }
  return out;
}

// Parses `x` as far as JUnit needs: a declaration, nested elements with double-quoted
// attributes, text. Fails the test when it is not well formed (unbalanced tags, a raw '<' or
// '&' where it may not be, a control character). Returns every element in document order.
std::vector<Element> parse_xml(const std::string& x) {
  std::vector<Element> out;
  std::vector<std::string> stack;
  std::size_t i = 0;
  auto fail = [&](const std::string& why) {
    ADD_FAILURE() << why << " at byte " << i << ": " << x.substr(i, 60);
    i = x.size();
  };
  for (const unsigned char c : x)
    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
      ADD_FAILURE() << "control character " << static_cast<int>(c) << " in the XML";
      return out;
    }
  if (x.rfind("<?xml ", 0) != 0) ADD_FAILURE() << "no XML declaration";
  else i = x.find("?>") + 2;
  while (i < x.size()) {
    if (x[i] != '<') {
      const std::size_t next = x.find('<', i);
      const std::string text = x.substr(i, next == std::string::npos ? std::string::npos : next - i);
      if (stack.empty() && text.find_first_not_of(" \n\t\r") != std::string::npos) fail("text outside the root");
      if (text.find('>') != std::string::npos) fail("raw '>' in text");
      unescape(text);
      i = next == std::string::npos ? x.size() : next;
      continue;
    }
    if (x.compare(i, 2, "</") == 0) {
      const std::size_t end = x.find('>', i);
      const std::string name = x.substr(i + 2, end - i - 2);
      if (stack.empty() || stack.back() != name) {
        fail("closing </" + name + "> does not match <" + (stack.empty() ? std::string("nothing") : stack.back()) + ">");
        break;
      }
      stack.pop_back();
      i = end + 1;
      continue;
    }
    // A start tag: <name attr="value" … > or />.
    Element e;
    e.depth = static_cast<int>(stack.size());
    std::size_t j = i + 1;
    while (j < x.size() && (std::isalnum(static_cast<unsigned char>(x[j])) || x[j] == '_' || x[j] == '-')) ++j;
    e.name = x.substr(i + 1, j - i - 1);
    if (e.name.empty()) {
      fail("a '<' that starts no element");
      break;
    }
    bool closed = false;
    for (;;) {
      while (j < x.size() && x[j] == ' ') ++j;
      if (j >= x.size()) {
        fail("unterminated tag");
        break;
      }
      if (x[j] == '>') {
        ++j;
        break;
      }
      if (x.compare(j, 2, "/>") == 0) {
        closed = true;
        j += 2;
        break;
      }
      const std::size_t eq = x.find('=', j);
      const std::string attr = x.substr(j, eq - j);
      if (eq == std::string::npos || x[eq + 1] != '"' || attr.find_first_of(" <>\"&") != std::string::npos) {
        fail("bad attribute");
        break;
      }
      const std::size_t close = x.find('"', eq + 2);
      const std::string raw = x.substr(eq + 2, close - eq - 2);
      if (raw.find('<') != std::string::npos) fail("raw '<' in an attribute value");
      if (e.attrs.count(attr)) fail("duplicate attribute " + attr);
      e.attrs[attr] = unescape(raw);
      j = close + 1;
    }
    if (i >= x.size()) break;
    if (!closed) stack.push_back(e.name);
    out.push_back(std::move(e));
    i = j;
  }
  if (!stack.empty()) ADD_FAILURE() << "unclosed <" << stack.back() << ">";
  return out;
}

int count_of(const std::vector<Element>& els, const std::string& name) {
  int n = 0;
  for (const Element& e : els) n += e.name == name;
  return n;
}

int attr_int(const Element& e, const std::string& a) {
  auto it = e.attrs.find(a);
  if (it == e.attrs.end()) {
    ADD_FAILURE() << "<" << e.name << "> has no " << a;
    return -1;
  }
  return std::stoi(it->second);
}

// Every <testsuite>'s attributes agree with the testcases it holds, and <testsuites> with the sum
// ("skipped" is on <testsuite> only, as junit-10.xsd has it; checked on <testsuites> when present).
void expect_junit_counts(const std::vector<Element>& els) {
  ASSERT_FALSE(els.empty());
  ASSERT_EQ(els[0].name, "testsuites");
  const Element& root = els[0];
  EXPECT_EQ(attr_int(root, "tests"), count_of(els, "testcase"));
  EXPECT_EQ(attr_int(root, "failures"), count_of(els, "failure"));
  EXPECT_EQ(attr_int(root, "errors"), count_of(els, "error"));
  if (root.attrs.count("skipped")) {
    EXPECT_EQ(attr_int(root, "skipped"), count_of(els, "skipped"));
  }
  const Element* suite = nullptr;
  int cases = 0, failures = 0, errors = 0, skipped = 0, suites = 0;
  auto close_suite = [&] {
    if (suite == nullptr) return;
    EXPECT_EQ(attr_int(*suite, "tests"), cases) << suite->attrs.at("name");
    EXPECT_EQ(attr_int(*suite, "failures"), failures) << suite->attrs.at("name");
    EXPECT_EQ(attr_int(*suite, "errors"), errors) << suite->attrs.at("name");
    EXPECT_EQ(attr_int(*suite, "skipped"), skipped) << suite->attrs.at("name");
  };
  for (const Element& e : els) {
    if (e.name == "testsuite") {
      close_suite();
      EXPECT_EQ(e.depth, 1);
      EXPECT_EQ(attr_int(e, "id"), suites++);
      suite = &e;
      cases = failures = errors = skipped = 0;
    } else if (e.name == "testcase") {
      EXPECT_EQ(e.depth, 2);
      ++cases;
    } else if (e.name == "failure") {
      ++failures;
      EXPECT_EQ(e.depth, 3);
    } else if (e.name == "error") {
      ++errors;
      EXPECT_EQ(e.depth, 3);
    } else if (e.name == "skipped") {
      ++skipped;
      EXPECT_EQ(e.depth, 3);
    }
  }
  close_suite();
}

// ---------------------------------------------------------------- verdicts to report

// Inputs, a baseline, and the verdict and report context pointing at them. Neither copied nor
// moved, so those pointers stay valid.
struct Checked {
  check::Inputs in;
  check::Baseline base;
  check::CheckOptions opt;
  check::Verdict v;
  check::ReportContext ctx;
  Checked(check::Inputs i, check::Baseline b, bool per_node = false, std::string command_line = "")
      : in(std::move(i)), base(std::move(b)) {
    opt.baseline = &base;
    opt.require_per_node = per_node;
    v = check::evaluate(in, opt);
    ctx = {&in, &opt, std::move(command_line)};
  }
  Checked(const Checked&) = delete;
  Checked& operator=(const Checked&) = delete;
};

// One allreduce 1M case at `time_us` against a baseline of 100 us.
Checked one_case(double time_us) {
  return Checked(make_inputs({observation(RecordBuilder("allreduce", kM, 8, time_us))}),
                 make_baseline({expectation_like(RecordBuilder("allreduce", kM, 8, 100))}));
}

// A verdict with passes, failures (busbw and wrong, on a host with every special character),
// an error (a timeout), a skip, and per-node items.
Checked mixed(const std::string& host = "gpu&<1>\"'\x01") {
  std::vector<check::Observation> obs = {
      observation(RecordBuilder("allreduce", kM, 8, 100).ci_half(1)),
      observation(RecordBuilder("allreduce", 4 * kM, 8, 500).ci_half(1).p99(360).straggler(3, host)),
      observation(RecordBuilder("allgather", kM, 8, 100).wrong(4).rank(2, host, 4)),
      observation(RecordBuilder("alltoall", kM, 8, 0).untimed().status("timeout", "ran past <30 s> & died")),
      observation(RecordBuilder("broadcast", 8, 8, 0).untimed().status("skipped", "too \"small\"")),
  };
  for (int i = 0; i < 3; ++i)
    obs.push_back(observation(RecordBuilder("allreduce", kM, 2, i == 1 ? 300 : 100).node(i == 1 ? host : "n" + std::to_string(i),
                                                                                         i == 1 ? host : "n" + std::to_string(i),
                                                                                         {2 * i, 2 * i + 1})));
  return Checked(make_inputs(obs, 1, 8),
                 make_baseline({expectation_like(RecordBuilder("allreduce", kM, 8, 100).ci_half(1)),
                                expectation_like(RecordBuilder("allreduce", 4 * kM, 8, 300)),
                                expectation_like(RecordBuilder("allgather", kM, 8, 100)),
                                expectation_like(RecordBuilder("alltoall", kM, 8, 100))}),
                 true, "collbench check run0.json --baseline base.json --per-node");
}

TEST(Junit, WellFormedWithCountsThatMatch) {
  const Checked c = mixed();
  ASSERT_GT(c.v.failed, 0);
  ASSERT_GT(c.v.errors, 0);
  ASSERT_GT(c.v.skipped, 0);
  ASSERT_GT(c.v.passed, 0);
  const std::string x = check::junit_xml(c.v, c.ctx);
  const std::vector<Element> els = parse_xml(x);
  expect_junit_counts(els);
  EXPECT_EQ(count_of(els, "testcase"), static_cast<int>(c.v.items.size()));
  EXPECT_EQ(count_of(els, "failure"), c.v.failed);
  EXPECT_EQ(count_of(els, "error"), c.v.errors);
  EXPECT_EQ(count_of(els, "skipped"), c.v.skipped);
  EXPECT_EQ(count_of(els, "testsuites"), 1);
  // One suite per collective and scope, in order of first appearance.
  std::vector<std::string> suites;
  for (const Element& e : els)
    if (e.name == "testsuite") suites.push_back(e.attrs.at("name"));
  EXPECT_EQ(suites, (std::vector<std::string>{"allreduce", "allgather", "alltoall", "broadcast", "allreduce per node"}));
  EXPECT_EQ(els[0].attrs.at("name"), "collbench check");
}

TEST(Junit, NamesAndMessagesAreEscaped) {
  const std::string host = "gpu&<1>\"'\x01";
  const Checked c = mixed(host);
  const std::string x = check::junit_xml(c.v, c.ctx);
  EXPECT_EQ(x.find('\x01'), std::string::npos);
  EXPECT_HAS(x, "gpu&amp;&lt;1&gt;&quot;&apos;&#xFFFD;");
  const std::vector<Element> els = parse_xml(x);
  bool seen_name = false, seen_message = false, seen_suspect = false;
  for (const Element& e : els) {
    if (e.name == "testcase" && e.attrs.at("name").find("gpu&<1>\"'\xEF\xBF\xBD") != std::string::npos) seen_name = true;
    if ((e.name == "failure" || e.name == "error") && e.attrs.count("message") &&
        e.attrs.at("message").find("on host gpu&<1>\"'\xEF\xBF\xBD") != std::string::npos)
      seen_message = true;
    if (e.name == "property" && e.attrs.at("name") == "suspect" && e.attrs.at("value").find("gpu&<1>") != std::string::npos)
      seen_suspect = true;
  }
  EXPECT_TRUE(seen_name) << "a per-node testcase named after the host";
  EXPECT_TRUE(seen_message) << "a failure message naming the host";
  EXPECT_TRUE(seen_suspect);
  // The timeout's own error text, with < > &.
  bool timeout = false;
  for (const Element& e : els)
    if (e.name == "error" && e.attrs.at("message").find("ran past <30 s> & died") != std::string::npos) timeout = true;
  EXPECT_TRUE(timeout);
}

TEST(Junit, FailuresCarryTheirRuleAsType) {
  const Checked c = mixed();
  const std::vector<Element> els = parse_xml(check::junit_xml(c.v, c.ctx));
  std::map<std::string, int> types;
  for (const Element& e : els) {
    if (e.name == "failure" || e.name == "error") {
      ASSERT_TRUE(e.attrs.count("type")) << e.name;
      ++types[e.name + ":" + e.attrs.at("type")];
    }
    if (e.name == "skipped") {
      EXPECT_FALSE(e.attrs.count("type"));
      EXPECT_TRUE(e.attrs.count("message"));
    }
  }
  EXPECT_GE(types["failure:busbw"], 1);
  EXPECT_EQ(types["failure:wrong"], 1);
  EXPECT_EQ(types["failure:peer"], 1);
  EXPECT_EQ(types["error:run"], 1);
  EXPECT_EQ(types["error:present"], 1);
  // The item's rule, for every failure.
  for (const check::Item& it : c.v.items)
    if (it.status == "fail") {
      EXPECT_GE(types["failure:" + it.rule], 1) << it.rule;
    }
}

TEST(Junit, PropertiesNameTheVerdictAndInputs) {
  const Checked c = mixed();
  const std::vector<Element> els = parse_xml(check::junit_xml(c.v, c.ctx));
  std::multimap<std::string, std::string> props;
  for (const Element& e : els)
    if (e.name == "property") props.insert({e.attrs.at("name"), e.attrs.at("value")});
  ASSERT_EQ(props.count("verdict"), 1u);
  EXPECT_EQ(props.find("verdict")->second, "RUN FAILED");
  EXPECT_EQ(props.find("baseline")->second, "base.json");
  EXPECT_EQ(props.find("input")->second, "run0.json");
  EXPECT_EQ(props.find("rules")->second, "built-in defaults");
  EXPECT_EQ(props.count("suspect"), c.v.named.size());
}

TEST(Junit, AllPassingHasNoFailureElements) {
  const Checked c = one_case(100);
  const std::string x = check::junit_xml(c.v, c.ctx);
  const std::vector<Element> els = parse_xml(x);
  expect_junit_counts(els);
  EXPECT_EQ(count_of(els, "failure") + count_of(els, "error") + count_of(els, "skipped"), 0);
  EXPECT_HAS(x, "<testsuite name=\"allreduce\" id=\"0\" tests=\"5\" failures=\"0\" errors=\"0\" skipped=\"0\"");
}

TEST(XmlEscape, EveryReservedCharacter) {
  EXPECT_EQ(check::xml_escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  EXPECT_EQ(check::xml_escape(std::string("x\x01y\x1fz")), "x&#xFFFD;y&#xFFFD;z");
  EXPECT_EQ(check::xml_escape("tab\tnl\ncr\r"), "tab\tnl\ncr\r");
  EXPECT_EQ(check::xml_escape("caf\xC3\xA9"), "caf\xC3\xA9");  // UTF-8 passes through
}

// ---------------------------------------------------------------- JSON

TEST(VerdictJson, SchemaVerdictAndCounts) {
  const Checked c = mixed();
  const json j = check::verdict_json(c.v, c.ctx);
  EXPECT_EQ(j["schema"], "collbench.check");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["verdict"], "RUN FAILED");
  EXPECT_EQ(j["exit_code"], 3);
  EXPECT_EQ(j["headline"], c.v.headline());
  EXPECT_EQ(j["command_line"], c.ctx.command_line);
  EXPECT_EQ(j["baseline"], "base.json");
  EXPECT_TRUE(j["expect"].is_null());
  const json& counts = j["counts"];
  ASSERT_TRUE(j["items"].is_array());
  EXPECT_EQ(counts["checks"], j["items"].size());
  std::map<std::string, int> by_status;
  for (const json& it : j["items"]) ++by_status[it["status"].get<std::string>()];
  EXPECT_EQ(counts["passed"], by_status["pass"]);
  EXPECT_EQ(counts["failed"], by_status["fail"]);
  EXPECT_EQ(counts["errors"], by_status["error"]);
  EXPECT_EQ(counts["skipped"], by_status["skipped"]);
  EXPECT_EQ(counts["passed"].get<int>() + counts["failed"].get<int>() + counts["errors"].get<int>() + counts["skipped"].get<int>(),
            counts["checks"].get<int>());
  EXPECT_EQ(j["run_failures"].size(), c.v.run_failures.size());
  EXPECT_EQ(j["named"].size(), c.v.named.size());
  ASSERT_EQ(j["suspects"].size(), 1u);
  EXPECT_EQ(j["suspects"][0]["kind"], "node");
  EXPECT_EQ(j["suspects"][0]["ranks"], json::array({2, 3}));
  EXPECT_EQ(j["inputs"][0]["path"], "run0.json");
  EXPECT_EQ(j["rules"]["source"], "built-in defaults");
  EXPECT_EQ(j["rules"]["defaults"]["busbw_drop"], 0.05);
  EXPECT_EQ(j["rules"]["defaults"]["noise_aware"], true);
}

TEST(VerdictJson, ItemsCarryTheirFields) {
  const Checked c = mixed();
  const json j = check::verdict_json(c.v, c.ctx);
  ASSERT_EQ(j["items"].size(), c.v.items.size());
  for (std::size_t i = 0; i < c.v.items.size(); ++i) {
    const check::Item& it = c.v.items[i];
    const json& x = j["items"][i];
    EXPECT_EQ(x["rule"], it.rule);
    EXPECT_EQ(x["status"], it.status);
    EXPECT_EQ(x["name"], it.name);
    EXPECT_EQ(x["scope"], it.key.scope);
    EXPECT_EQ(x["bytes"], it.key.bytes);
    EXPECT_EQ(x.contains("message"), !it.message.empty());
    EXPECT_EQ(x.contains("measured"), it.measured.has_value());
    if (it.status == "fail" || it.status == "error") {
      EXPECT_TRUE(x.contains("message")) << it.name;
    }
  }
}

TEST(VerdictJson, PassingVerdictExitsZero) {
  const Checked c = one_case(100);
  const json j = check::verdict_json(c.v, c.ctx);
  EXPECT_EQ(j["verdict"], "PASS");
  EXPECT_EQ(j["exit_code"], 0);
  EXPECT_EQ(j["counts"]["failed"], 0);
  EXPECT_EQ(j["counts"]["passed"], j["counts"]["checks"]);
}

TEST(VerdictJson, FailingVerdictExitsOne) {
  const Checked c = one_case(200);
  const json j = check::verdict_json(c.v, c.ctx);
  EXPECT_EQ(j["verdict"], "FAIL");
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_GE(j["counts"]["failed"].get<int>(), 1);
}

// ---------------------------------------------------------------- the table

TEST(PrintVerdict, ListsFailuresRunFailuresAndSuspects) {
  const Checked c = mixed("hostX");
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  check::print_verdict(f, c.v, c.ctx);
  std::rewind(f);
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  std::fclose(f);
  EXPECT_HAS(text, "# collbench check: 1 input, baseline base.json (4 expectations), rules: built-in defaults");
  EXPECT_HAS(text, "# Failures:");
  EXPECT_HAS(text, "# The run itself failed:");
  EXPECT_HAS(text, "# Suspects:");
  EXPECT_HAS(text, "node hostX (host hostX, ranks 2-3)");
  EXPECT_HAS(text, "# " + c.v.headline());
}

}  // namespace

// ---------------------------------------------------------------- console text (golden)

namespace collbench_check_console {

namespace check = collbench::check;

TEST(CheckConsole, QuietAndBaselineGoldens) {
  check::Verdict v;
  check::Item pass, fail, error;
  pass.status = "pass";
  pass.message = "busbw 1M float sum out_of_place 4r: 41.2 GB/s >= 39.1";
  fail.status = "fail";
  fail.message = "busbw 64K float sum out_of_place 4r: 3.1 GB/s < 3.8 (95% of the baseline's 4.0)";
  error.status = "error";
  error.message = "allgather 1M float out_of_place (4 ranks): not measured";
  v.items = {pass, fail, error};
  v.run_failures = {"'run.json': the run failed (status \"failed\") after 12 records"};
  v.named = {"node vm:2-3 (host vm, ranks 2-3): slower than its peers in 5 of 6 cases (up to 41.2x)"};
  v.code = collbench::core::ExitCode::run_failed;
  check::Baseline b;
  b.backend = "mpi";
  for (const char* scope : {"world", "world", "node", "pair", "pair", "pair"}) {
    check::Expectation e;
    e.key.scope = scope;
    b.expectations.push_back(e);
  }
  consoletest::expect_golden("check.quiet.txt", check::quiet_text(v) + check::baseline_text(b, 3, "baseline.json"));
}

}  // namespace collbench_check_console

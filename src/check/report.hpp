#pragma once
// The verdict for people (a table), for programs (JSON, schema "collbench.check" v1) and for CI
// systems (JUnit XML: one testcase per rule and size, suites per collective and scope).
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "check/baseline.hpp"
#include "check/evaluate.hpp"
#include "core/xml.hpp"

namespace collbench::check {

inline constexpr const char* kCheckSchema = "collbench.check";
inline constexpr int kCheckVersion = 1;

struct ReportContext {
  const Inputs* inputs = nullptr;
  const CheckOptions* options = nullptr;
  std::string command_line;
  std::string time;  // when the check ran (ISO 8601 UTC); "" leaves it out of the JSON
};

void print_verdict(std::FILE* out, const Verdict& v, const ReportContext& ctx);
// check --quiet: the failures, the run's failures, the suspects and the verdict line.
std::string quiet_text(const Verdict& v);
// "baseline: N expectations (… whole job, … per node, … per pair) from K input(s), B backend -> OUT".
std::string baseline_text(const Baseline& b, std::size_t inputs, const std::string& out);
nlohmann::json verdict_json(const Verdict& v, const ReportContext& ctx);
std::string junit_xml(const Verdict& v, const ReportContext& ctx);
using core::xml_escape;  // JUnit text

}  // namespace collbench::check

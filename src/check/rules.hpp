#pragma once
// The rules a check applies, per collective and size: built-in defaults, overridden by a rules
// file (--rules), and absolute thresholds (--expect). reports/CHECK.md documents both files.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "check/inputs.hpp"

namespace collbench::check {

inline constexpr const char* kRulesSchema = "collbench.rules";
inline constexpr const char* kExpectSchema = "collbench.expect";

// Limits for one case. An empty optional disables that rule.
struct Limits {
  std::optional<double> busbw_drop = 0.05;    // busbw >= (1 - drop) x baseline (SuperBench's -5%)
  std::optional<double> p99_ratio = 1.5;      // p99 <= ratio x baseline p99
  std::optional<double> cv_max = 0.10;        // coefficient of variation of the iteration times
  std::optional<double> peer_slowdown = 0.10; // a node or pair slower than its peers' median by more
  std::optional<double> model_min = 0.80;     // --model: busbw >= this fraction of NCCL's cost model's prediction
  bool noise_aware = true;                    // widen by the baseline's spread and the run's own CI
  bool require_verified = true;               // a case that was not checked (--check 0) fails
};

// The limits one object of a rules file sets; a field it does not name is left as it is.
struct LimitPatch {
  std::optional<std::optional<double>> busbw_drop, p99_ratio, cv_max, peer_slowdown, model_min;  // inner empty: null (disabled)
  std::optional<bool> noise_aware, require_verified;
  void apply(Limits& l) const;
};

struct RuleOverride {
  std::string where;                 // "rules.json: overrides[1]" for messages
  std::string collective = "*";      // a collective name or "*"
  std::string scope = "*";           // "world" | "node" | "pair" | "*"
  std::uint64_t min_bytes = 0;
  std::uint64_t max_bytes = std::numeric_limits<std::uint64_t>::max();
  LimitPatch set;                    // the limits it sets, applied in file order
};

struct RuleSet {
  std::string source = "built-in defaults";
  Limits defaults;
  std::vector<RuleOverride> overrides;  // every matching override applies, in file order
  Limits for_case(const CaseKey& key) const;
};

RuleSet parse_rules(const nlohmann::json& j, const std::string& file);
RuleSet read_rules_file(const std::string& path);

// An absolute threshold (--expect): a published figure such as "all_reduce >= 460 GB/s at 16G".
struct AbsoluteExpectation {
  std::string where;  // "expect.json: expect[0]"
  std::string collective = "*", datatype = "*", op = "*", placement = "*", scope = "world";
  int nranks = 0;     // 0: any
  std::uint64_t min_bytes = 0;
  std::uint64_t max_bytes = std::numeric_limits<std::uint64_t>::max();
  std::optional<double> min_busbw_gbps, max_time_us, max_p99_us, max_cv;
  bool matches(const CaseKey& key) const;
  std::string describe() const;  // "allreduce 16G" / "allreduce 8..1K (any type)"
};

struct ExpectFile {
  std::string source;
  std::vector<AbsoluteExpectation> items;
};

ExpectFile parse_expect(const nlohmann::json& j, const std::string& file);
ExpectFile read_expect_file(const std::string& path);

}  // namespace collbench::check

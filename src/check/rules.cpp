#include "check/rules.hpp"

#include <fmt/format.h>

#include <cctype>
#include <set>

#include "check/json_fields.hpp"
#include "core/collective.hpp"
#include "core/datatype.hpp"
#include "core/redop.hpp"

namespace collbench::check {

using nlohmann::json;

namespace {

const std::set<std::string> kLimitFields = {"busbw_drop", "p99_ratio", "cv_max", "peer_slowdown", "model_min", "noise_aware",
                                            "require_verified"};

// The collective's canonical name, or "*". nccl-tests' spellings are accepted too:
// "all_reduce" -> "allreduce", "reduce_scatter" -> "reducescatter".
void check_collective(std::string& c, const std::string& file, const std::string& path) {
  if (c == "*") return;
  std::string plain;
  for (const char ch : c)
    if (ch != '_') plain += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::vector<core::Collective> parsed;
  try {
    parsed = core::parse_collectives(plain);
  } catch (const core::InputError&) {
  }
  if (parsed.size() != 1 || plain == "all" || plain == "every")
    detail::bad(file, path, "one collective name (allreduce, allgather, reducescatter, alltoall, broadcast, reduce) or \"*\"");
  c = std::string(core::name(parsed[0]));
}

// A data type's canonical name ("fp32" -> "float", as records spell it), or "*": an unknown one
// would match no case and pass in silence.
void check_datatype(std::string& t, const std::string& file, const std::string& path) {
  if (t == "*") return;
  try {
    t = std::string(core::name(core::parse_datatype(t)));
  } catch (const core::InputError&) {
    detail::bad(file, path, "a data type (int8 uint8 int32 uint32 int64 uint64 half bfloat16 float double f8e4m3 f8e5m2) or \"*\"");
  }
}

void check_op(const std::string& op, const std::string& file, const std::string& path) {
  if (op == "*" || core::is_record_op(op)) return;
  detail::bad(file, path, "an op (sum prod min max avg mulsum, none for collectives without one) or \"*\"");
}

void check_scope(const std::string& s, const std::string& file, const std::string& path, bool any) {
  if (s == "world" || s == "node" || s == "pair" || (any && s == "*")) return;
  detail::bad(file, path, any ? "\"world\", \"node\", \"pair\" or \"*\"" : "\"world\", \"node\" or \"pair\"");
}

// Reads and validates one object of limits (defaults or an override's fields).
LimitPatch read_limits(const json& j, const std::string& file, const std::string& path, const std::set<std::string>& other_keys) {
  LimitPatch patch;
  for (const auto& [k, v] : j.items()) {
    const std::string p = detail::sub(path, k);
    if (other_keys.count(k)) continue;
    if (!kLimitFields.count(k))
      detail::bad(file, p, "a known field (busbw_drop, p99_ratio, cv_max, peer_slowdown, model_min, noise_aware, require_verified"
                               + std::string(other_keys.empty() ? "" : ", collective, scope, min_bytes, max_bytes") + ")");
    if (k == "noise_aware" || k == "require_verified") {
      if (!v.is_boolean()) detail::bad(file, p, "true or false");
      (k == "noise_aware" ? patch.noise_aware : patch.require_verified) = v.get<bool>();
      continue;
    }
    std::optional<std::optional<double>>& slot =
        k == "busbw_drop" ? patch.busbw_drop : k == "p99_ratio" ? patch.p99_ratio : k == "cv_max" ? patch.cv_max
        : k == "model_min" ? patch.model_min : patch.peer_slowdown;
    if (v.is_null()) {
      slot.emplace();  // set, to "disabled"
      continue;
    }
    const double x = detail::number(v, file, p);
    if (k == "busbw_drop" && !(x >= 0 && x < 1)) detail::bad(file, p, "a fraction in [0, 1) (0.05 = 5% below the baseline), or null");
    if (k == "p99_ratio" && !(x >= 1)) detail::bad(file, p, "a ratio of at least 1 (1.5 = 50% above the baseline's p99), or null");
    if (k == "cv_max" && !(x > 0)) detail::bad(file, p, "a positive coefficient of variation (0.1 = 10%), or null");
    if (k == "peer_slowdown" && !(x > 0)) detail::bad(file, p, "a positive fraction (0.1 = 10% slower than the peers), or null");
    if (k == "model_min" && !(x > 0 && x <= 2)) detail::bad(file, p, "a fraction in (0, 2] of the predicted busbw (0.8 = 80%), or null");
    slot = x;
  }
  return patch;
}

}  // namespace

void LimitPatch::apply(Limits& l) const {
  if (busbw_drop) l.busbw_drop = *busbw_drop;
  if (p99_ratio) l.p99_ratio = *p99_ratio;
  if (cv_max) l.cv_max = *cv_max;
  if (peer_slowdown) l.peer_slowdown = *peer_slowdown;
  if (model_min) l.model_min = *model_min;
  if (noise_aware) l.noise_aware = *noise_aware;
  if (require_verified) l.require_verified = *require_verified;
}

Limits RuleSet::for_case(const CaseKey& key) const {
  Limits l = defaults;
  for (const RuleOverride& o : overrides) {
    if (o.collective != "*" && o.collective != key.collective) continue;
    if (o.scope != "*" && o.scope != key.scope) continue;
    if (key.bytes < o.min_bytes || key.bytes > o.max_bytes) continue;
    o.set.apply(l);
  }
  return l;
}

RuleSet parse_rules(const json& j, const std::string& file) {
  detail::expect_schema(j, file, kRulesSchema, 1);
  RuleSet r;
  r.source = file;
  for (const auto& [k, v] : j.items())
    if (k != "schema" && k != "version" && k != "defaults" && k != "overrides" && k != "description")
      detail::bad(file, k, "one of schema, version, description, defaults, overrides");
  if (j.contains("defaults")) {
    if (!j["defaults"].is_object()) detail::bad(file, "defaults", "an object");
    read_limits(j["defaults"], file, "defaults", {}).apply(r.defaults);
  }
  if (j.contains("overrides")) {
    const json& ov = j["overrides"];
    if (!ov.is_array()) detail::bad(file, "overrides", "an array of objects");
    for (std::size_t i = 0; i < ov.size(); ++i) {
      const std::string p = detail::item("overrides", i);
      if (!ov[i].is_object()) detail::bad(file, p, "an object");
      RuleOverride o;
      o.where = fmt::format("{}: {}", file, p);
      if (ov[i].contains("collective")) {
        o.collective = detail::text(ov[i]["collective"], file, detail::sub(p, "collective"));
        check_collective(o.collective, file, detail::sub(p, "collective"));
      }
      if (ov[i].contains("scope")) {
        o.scope = detail::text(ov[i]["scope"], file, detail::sub(p, "scope"));
        check_scope(o.scope, file, detail::sub(p, "scope"), true);
      }
      if (ov[i].contains("min_bytes")) o.min_bytes = detail::size(ov[i]["min_bytes"], file, detail::sub(p, "min_bytes"));
      if (ov[i].contains("max_bytes")) o.max_bytes = detail::size(ov[i]["max_bytes"], file, detail::sub(p, "max_bytes"));
      if (o.min_bytes > o.max_bytes) detail::bad(file, p, "min_bytes <= max_bytes");
      o.set = read_limits(ov[i], file, p, {"collective", "scope", "min_bytes", "max_bytes"});
      r.overrides.push_back(std::move(o));
    }
  }
  return r;
}

RuleSet read_rules_file(const std::string& path) { return parse_rules(detail::parse_file(path, "a rules"), path); }

bool AbsoluteExpectation::matches(const CaseKey& k) const {
  return (collective == "*" || collective == k.collective) && (datatype == "*" || datatype == k.datatype) &&
         (op == "*" || op == k.op) && (placement == "*" || placement == k.placement) && scope == k.scope &&
         (nranks == 0 || nranks == k.nranks) && k.bytes >= min_bytes && k.bytes <= max_bytes;
}

std::string AbsoluteExpectation::describe() const {
  std::string s = collective == "*" ? "every collective" : collective;
  if (min_bytes == max_bytes) s += " " + core::format_size(min_bytes);
  else if (min_bytes > 0 || max_bytes != std::numeric_limits<std::uint64_t>::max())
    s += fmt::format(" {}..{}", core::format_size(std::max<std::uint64_t>(min_bytes, 1)),
                     max_bytes == std::numeric_limits<std::uint64_t>::max() ? std::string("") : core::format_size(max_bytes));
  for (const std::string* f : {&datatype, &op, &placement})
    if (*f != "*") s += " " + *f;
  if (nranks > 0) s += fmt::format(" ({} ranks)", nranks);
  if (scope != "world") s += scope == "node" ? " per node" : " per pair";
  return s;
}

ExpectFile parse_expect(const json& j, const std::string& file) {
  detail::expect_schema(j, file, kExpectSchema, 1);
  ExpectFile f;
  f.source = file;
  for (const auto& [k, v] : j.items())
    if (k != "schema" && k != "version" && k != "expect" && k != "description")
      detail::bad(file, k, "one of schema, version, description, expect (a misspelt key would be ignored)");
  const json& ex = detail::member(j, file, "", "expect");
  if (!ex.is_array() || ex.empty()) detail::bad(file, "expect", "a non-empty array of expectations");
  static const std::set<std::string> known = {"collective", "datatype", "op", "placement", "scope", "nranks", "bytes",
                                              "min_bytes", "max_bytes", "min_busbw_gbps", "max_time_us", "max_p99_us",
                                              "max_cv", "description"};
  for (std::size_t i = 0; i < ex.size(); ++i) {
    const std::string p = detail::item("expect", i);
    const json& x = ex[i];
    if (!x.is_object()) detail::bad(file, p, "an object");
    for (const auto& [k, v] : x.items())
      if (!known.count(k))
        detail::bad(file, detail::sub(p, k),
                    "a known field (collective, datatype, op, placement, scope, nranks, bytes | min_bytes/max_bytes, "
                    "min_busbw_gbps, max_time_us, max_p99_us, max_cv, description)");
    AbsoluteExpectation e;
    e.where = fmt::format("{}: {}", file, p);
    auto opt_text = [&](const char* k, std::string& out) {
      if (x.contains(k)) out = detail::text(x[k], file, detail::sub(p, k));
    };
    opt_text("collective", e.collective);
    check_collective(e.collective, file, detail::sub(p, "collective"));
    opt_text("datatype", e.datatype);
    check_datatype(e.datatype, file, detail::sub(p, "datatype"));
    opt_text("op", e.op);
    check_op(e.op, file, detail::sub(p, "op"));
    opt_text("placement", e.placement);
    if (e.placement != "*" && e.placement != "out_of_place" && e.placement != "in_place")
      detail::bad(file, detail::sub(p, "placement"), "\"out_of_place\", \"in_place\" or \"*\"");
    opt_text("scope", e.scope);
    check_scope(e.scope, file, detail::sub(p, "scope"), false);
    if (x.contains("nranks")) {
      const std::int64_t n = detail::integer(x["nranks"], file, detail::sub(p, "nranks"));
      if (n < 1) detail::bad(file, detail::sub(p, "nranks"), "a positive integer");
      e.nranks = static_cast<int>(n);
    }
    if (x.contains("bytes")) {
      if (x.contains("min_bytes") || x.contains("max_bytes")) detail::bad(file, p, "either bytes or min_bytes/max_bytes, not both");
      e.min_bytes = e.max_bytes = detail::size(x["bytes"], file, detail::sub(p, "bytes"));
    }
    if (x.contains("min_bytes")) e.min_bytes = detail::size(x["min_bytes"], file, detail::sub(p, "min_bytes"));
    if (x.contains("max_bytes")) e.max_bytes = detail::size(x["max_bytes"], file, detail::sub(p, "max_bytes"));
    if (e.min_bytes > e.max_bytes) detail::bad(file, p, "min_bytes <= max_bytes");
    auto positive = [&](const char* k, std::optional<double>& out) {
      if (!x.contains(k)) return;
      const double v = detail::number(x[k], file, detail::sub(p, k));
      if (!(v > 0)) detail::bad(file, detail::sub(p, k), "a positive number");
      out = v;
    };
    positive("min_busbw_gbps", e.min_busbw_gbps);
    positive("max_time_us", e.max_time_us);
    positive("max_p99_us", e.max_p99_us);
    positive("max_cv", e.max_cv);
    if (!e.min_busbw_gbps && !e.max_time_us && !e.max_p99_us && !e.max_cv)
      detail::bad(file, p, "at least one threshold (min_busbw_gbps, max_time_us, max_p99_us, max_cv)");
    f.items.push_back(std::move(e));
  }
  return f;
}

ExpectFile read_expect_file(const std::string& path) { return parse_expect(detail::parse_file(path, "an expectations"), path); }

}  // namespace collbench::check

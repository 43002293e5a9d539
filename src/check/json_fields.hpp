#pragma once
// Reading the check module's own JSON files (baselines, rules, expectations) with errors that name
// the file and the field: "rules.json: overrides[2].busbw_drop: expected a number or null".
#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"
#include "core/size.hpp"
#include "results/file_io.hpp"

namespace collbench::check::detail {

using nlohmann::json;

[[noreturn]] inline void bad(const std::string& file, const std::string& field, const std::string& expected) {
  throw core::InputError(fmt::format("{}: {}: expected {}", file, field, expected));
}

inline std::string sub(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }
inline std::string item(const std::string& path, std::size_t i) { return fmt::format("{}[{}]", path, i); }

inline const json& member(const json& j, const std::string& file, const std::string& path, const char* key) {
  if (!j.contains(key)) bad(file, sub(path, key), "this field (missing)");
  return j.at(key);
}

inline double number(const json& j, const std::string& file, const std::string& path) {
  if (!j.is_number()) bad(file, path, "a number");
  return j.get<double>();
}

inline std::string text(const json& j, const std::string& file, const std::string& path) {
  if (!j.is_string()) bad(file, path, "a string");
  return j.get<std::string>();
}

// Within an int unless told otherwise: get<> alone would read 4294967298 as 2.
inline std::int64_t integer(const json& j, const std::string& file, const std::string& path,
                            std::int64_t lo = std::numeric_limits<int>::min(), std::int64_t hi = std::numeric_limits<int>::max()) {
  if (!j.is_number_integer()) bad(file, path, "an integer");
  const bool fits = j.is_number_unsigned() ? hi >= 0 && j.get<std::uint64_t>() <= static_cast<std::uint64_t>(hi)
                                           : j.get<std::int64_t>() >= lo && j.get<std::int64_t>() <= hi;
  if (!fits) bad(file, path, fmt::format("an integer from {} to {}, got {}", lo, hi, j.dump()));
  return j.get<std::int64_t>();
}

// A size: an integer of bytes, or a string such as "64K" / "16G".
inline std::uint64_t size(const json& j, const std::string& file, const std::string& path) {
  if (j.is_number_unsigned()) return j.get<std::uint64_t>();
  if (j.is_string()) {
    try {
      return core::parse_size(j.get<std::string>(), path);
    } catch (const core::InputError& e) {
      throw core::InputError(fmt::format("{}: {}", file, e.what()));
    }
  }
  bad(file, path, "a size in bytes (an integer, or a string such as \"64K\")");
}

inline json parse_file(const std::string& path, const char* what) {
  std::string text;
  try {
    text = results::read_file_text(path);
  } catch (const core::InputError& e) {
    throw core::InputError(fmt::format("'{}': cannot open {} file ({})", path, what, e.what()));
  }
  core::JsonParse parsed = core::parse_json(text);
  if (parsed.status == core::JsonStatus::not_json)
    throw core::InputError(fmt::format("'{}': expected {} file in JSON, but it does not parse (byte {})", path, what, parsed.byte));
  if (!parsed.ok()) throw core::InputError(fmt::format("'{}': {}", path, parsed.problem));  // a key twice, 1e400
  return std::move(parsed.value);
}

inline void expect_schema(const json& j, const std::string& file, const char* schema, int version) {
  if (!j.is_object()) bad(file, "(top level)", "a JSON object");
  if (!j.contains("schema") || !j["schema"].is_string() || j["schema"].get<std::string>() != schema)
    bad(file, "schema", fmt::format("\"{}\"", schema));
  const std::int64_t v = integer(member(j, file, "", "version"), file, "version");
  if (v < 1 || v > version) bad(file, "version", fmt::format("1 to {} (this build reads up to {}), got {}", version, version, v));
}

}  // namespace collbench::check::detail

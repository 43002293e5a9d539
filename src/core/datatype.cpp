#include "core/datatype.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/error.hpp"

namespace collbench::core {

std::string_view name(DataType t) {
  switch (t) {
    case DataType::int8: return "int8";
    case DataType::uint8: return "uint8";
    case DataType::int32: return "int32";
    case DataType::uint32: return "uint32";
    case DataType::int64: return "int64";
    case DataType::uint64: return "uint64";
    case DataType::half: return "half";
    case DataType::bfloat16: return "bfloat16";
    case DataType::float32: return "float";
    case DataType::float64: return "double";
    case DataType::fp8_e4m3: return "f8e4m3";
    case DataType::fp8_e5m2: return "f8e5m2";
  }
  return "?";
}

bool is_floating(DataType t) {
  return t == DataType::half || t == DataType::bfloat16 || t == DataType::float32 ||
         t == DataType::float64 || t == DataType::fp8_e4m3 || t == DataType::fp8_e5m2;
}

bool is_signed(DataType t) {
  return is_floating(t) || t == DataType::int8 || t == DataType::int32 || t == DataType::int64;
}

double exact_integer_limit(DataType t) {
  switch (t) {
    case DataType::int8: return 127.0;
    case DataType::uint8: return 255.0;
    case DataType::half: return 2048.0;      // 11-bit significand
    case DataType::bfloat16: return 256.0;   // 8-bit significand
    case DataType::fp8_e4m3: return 16.0;    // 4-bit significand
    case DataType::fp8_e5m2: return 8.0;     // 3-bit significand
    case DataType::float32: return 16777216.0;
    case DataType::int32: return 2147483647.0;
    case DataType::uint32: return 4294967295.0;
    case DataType::float64:
    case DataType::int64:
    case DataType::uint64: return 9007199254740992.0;  // what the expected-value math keeps exact
  }
  return 0.0;
}

DataType parse_datatype(std::string_view text) {
  std::string s(text);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  struct Alias { std::string_view name; DataType type; };
  static constexpr Alias kAliases[] = {
      {"int8", DataType::int8},       {"char", DataType::int8},         {"uint8", DataType::uint8},
      {"int32", DataType::int32},     {"int", DataType::int32},         {"uint32", DataType::uint32},
      {"int64", DataType::int64},     {"uint64", DataType::uint64},     {"half", DataType::half},
      {"float16", DataType::half},    {"fp16", DataType::half},         {"bfloat16", DataType::bfloat16},
      {"bf16", DataType::bfloat16},   {"float", DataType::float32},     {"float32", DataType::float32},
      {"fp32", DataType::float32},    {"double", DataType::float64},    {"float64", DataType::float64},
      {"fp64", DataType::float64},    {"f8e4m3", DataType::fp8_e4m3},   {"fp8_e4m3", DataType::fp8_e4m3},
      {"e4m3", DataType::fp8_e4m3},   {"float8_e4m3", DataType::fp8_e4m3}, {"f8e5m2", DataType::fp8_e5m2},
      {"fp8_e5m2", DataType::fp8_e5m2}, {"e5m2", DataType::fp8_e5m2}, {"float8_e5m2", DataType::fp8_e5m2},
  };
  for (const auto& a : kAliases)
    if (a.name == s) return a.type;
  throw InputError("--datatype '" + std::string(text) +
                   "': expected one of int8 uint8 int32 uint32 int64 uint64 half bfloat16 float double f8e4m3 f8e5m2");
}

}  // namespace collbench::core

#pragma once
// Element data types, named as nccl-tests names them.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/hd.hpp"

namespace collbench::core {

// fp8_e4m3 / fp8_e5m2 are OCP FP8 (E4M3 "fn": no infinities; E5M2: IEEE-like), as NCCL's
// ncclFloat8e4m3 / ncclFloat8e5m2 (NCCL 2.24+, GPUs of compute capability 9.0 and newer).
enum class DataType { int8, uint8, int32, uint32, int64, uint64, half, bfloat16, float32, float64, fp8_e4m3, fp8_e5m2 };

inline constexpr std::array<DataType, 12> kAllDataTypes = {
    DataType::int8,  DataType::uint8, DataType::int32,    DataType::uint32,  DataType::int64,    DataType::uint64,
    DataType::half,  DataType::bfloat16, DataType::float32, DataType::float64, DataType::fp8_e4m3, DataType::fp8_e5m2};

std::string_view name(DataType t);       // "int8" … "bfloat16", "float", "double", "f8e4m3", "f8e5m2"
// Bytes per element; usable in device code and constant expressions.
COLLBENCH_HD constexpr int element_bytes(DataType t) {
  switch (t) {
    case DataType::int8:
    case DataType::uint8:
    case DataType::fp8_e4m3:
    case DataType::fp8_e5m2: return 1;
    case DataType::half:
    case DataType::bfloat16: return 2;
    case DataType::int32:
    case DataType::uint32:
    case DataType::float32: return 4;
    case DataType::int64:
    case DataType::uint64:
    case DataType::float64: return 8;
  }
  return 0;
}

inline std::size_t size_of(DataType t) { return static_cast<std::size_t>(element_bytes(t)); }
bool is_floating(DataType t);
bool is_signed(DataType t);              // floats are signed
// Accepts nccl-tests' names and common aliases (float32, fp16, bf16, …); throws InputError.
DataType parse_datatype(std::string_view text);
// Largest integer n such that every integer in [0, n] is exactly representable.
double exact_integer_limit(DataType t);

}  // namespace collbench::core

#pragma once
// IEEE half and bfloat16 bit conversions on the host (round to nearest even), so that data
// patterns, expected values and the MPI backend's user-defined reductions agree bit for bit.
#include <cstdint>

namespace collbench::core {

float half_to_float(std::uint16_t h);
std::uint16_t float_to_half(float f);
float bf16_to_float(std::uint16_t b);
std::uint16_t float_to_bf16(float f);

}  // namespace collbench::core

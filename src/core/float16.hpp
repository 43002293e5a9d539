#pragma once
// IEEE half, bfloat16 and FP8 bit conversions on the host (round to nearest even), so that data
// patterns, expected values and the MPI backend's user-defined reductions agree bit for bit.
#include <cstdint>

namespace collbench::core {

float half_to_float(std::uint16_t h);
std::uint16_t float_to_half(float f);
float bf16_to_float(std::uint16_t b);
std::uint16_t float_to_bf16(float f);
// OCP FP8. E4M3 has no infinities (S.1111.111 is NaN): overflow saturates to ±448, as CUDA's
// __NV_SATFINITE. E5M2 is IEEE-like: overflow rounds to infinity. NaN in gives all-ones NaN.
float fp8_e4m3_to_float(std::uint8_t b);
std::uint8_t float_to_fp8_e4m3(float f);
float fp8_e5m2_to_float(std::uint8_t b);
std::uint8_t float_to_fp8_e5m2(float f);

}  // namespace collbench::core

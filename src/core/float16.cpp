#include "core/float16.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace collbench::core {

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  const std::uint32_t mant = h & 0x3ffu;
  std::uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: value = mant * 2^-24
      const float v = std::ldexp(static_cast<float>(mant), -24);
      return sign ? -v : v;
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(bits);
}

std::uint16_t float_to_half(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const std::uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u)  // inf or nan
    return static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds to inf
  if (abs < 0x38800000u) {  // result is subnormal or zero: round abs * 2^24 to an integer
    const float scaled = std::bit_cast<float>(abs) * 16777216.0f;
    const auto m = static_cast<std::uint32_t>(std::nearbyint(scaled));  // ties to even
    return static_cast<std::uint16_t>(sign | m);
  }
  const std::uint32_t mant = abs & 0x7fffffu;
  const std::uint32_t exp = (abs >> 23) - 112;
  std::uint32_t h = (exp << 10) | (mant >> 13);
  const std::uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // may carry into the exponent
  return static_cast<std::uint16_t>(sign | h);
}

float bf16_to_float(std::uint16_t b) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

std::uint16_t float_to_bf16(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((x >> 16) | 0x40u);
  const std::uint32_t rounding = 0x7fffu + ((x >> 16) & 1u);
  return static_cast<std::uint16_t>((x + rounding) >> 16);
}

namespace {

// A small float with `ebits` exponent bits and `mbits` mantissa bits, bias 2^(ebits-1)-1.
float decode_small(std::uint8_t b, int ebits, int mbits, bool ieee_special) {
  const int bias = (1 << (ebits - 1)) - 1;
  const int emax = (1 << ebits) - 1;
  const bool neg = (b & 0x80u) != 0;
  const int e = (b >> mbits) & emax;
  const int m = b & ((1 << mbits) - 1);
  float v;
  if (ieee_special && e == emax) {
    v = m == 0 ? INFINITY : NAN;
  } else if (!ieee_special && e == emax && m == (1 << mbits) - 1) {
    v = NAN;
  } else if (e == 0) {
    v = std::ldexp(static_cast<float>(m), 1 - bias - mbits);
  } else {
    v = std::ldexp(static_cast<float>(m + (1 << mbits)), e - bias - mbits);
  }
  return neg ? -v : v;
}

std::uint8_t encode_small(float f, int ebits, int mbits, bool ieee_special) {
  const int bias = (1 << (ebits - 1)) - 1;
  const auto sign = static_cast<std::uint8_t>(std::signbit(f) ? 0x80u : 0u);
  if (std::isnan(f)) return 0x7f;
  // Largest finite encoding: E4M3 S.1111.110, E5M2 S.11110.11.
  const std::uint8_t max_finite = ieee_special ? static_cast<std::uint8_t>(((1 << ebits) - 2) << mbits | ((1 << mbits) - 1))
                                               : static_cast<std::uint8_t>(0x7e);
  const std::uint8_t overflow = ieee_special ? static_cast<std::uint8_t>(((1 << ebits) - 1) << mbits) : max_finite;
  const double a = std::fabs(static_cast<double>(f));
  if (a == 0.0) return sign;
  if (std::isinf(a)) return static_cast<std::uint8_t>(sign | overflow);
  int ex = 0;
  std::frexp(a, &ex);            // a = fr * 2^ex, fr in [0.5, 1)
  int e = std::max(ex - 1, 1 - bias);  // unbiased exponent, clamped to the subnormal range
  double n = std::nearbyint(std::ldexp(a, mbits - e));  // ties to even
  if (n >= static_cast<double>(2 << mbits)) {  // rounding carried into the next binade
    n /= 2;
    ++e;
  }
  // Subnormals keep n < 2^mbits with exponent field 0; n == 2^mbits there is the smallest normal.
  const bool normal = n >= static_cast<double>(1 << mbits);
  const int field = normal ? e + bias : 0;
  const auto mant = static_cast<unsigned>(n) & ((1u << mbits) - 1u);
  const unsigned bits = static_cast<unsigned>(field) << mbits | mant;
  if (bits > max_finite) return static_cast<std::uint8_t>(sign | overflow);
  return static_cast<std::uint8_t>(sign | bits);
}

}  // namespace

float fp8_e4m3_to_float(std::uint8_t b) { return decode_small(b, 4, 3, false); }
std::uint8_t float_to_fp8_e4m3(float f) { return encode_small(f, 4, 3, false); }
float fp8_e5m2_to_float(std::uint8_t b) { return decode_small(b, 5, 2, true); }
std::uint8_t float_to_fp8_e5m2(float f) { return encode_small(f, 5, 2, true); }

}  // namespace collbench::core

// OCP FP8 host conversions (core/float16.hpp): every bit pattern decodes to the value the OCP
// definition gives (reference computed here from the fields), encoding rounds to nearest even,
// E4M3 saturates to ±448 and E5M2 overflows to infinity.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>

#include "core/datatype.hpp"
#include "core/float16.hpp"

namespace {

namespace core = collbench::core;
using core::DataType;

struct Format {
  const char* name;
  int ebits, mbits;
  bool has_inf;  // E5M2: exponent all ones = inf/NaN; E4M3: only S.1111.111 is NaN
  float (*decode)(std::uint8_t);
  std::uint8_t (*encode)(float);
};

const Format kE4M3{"e4m3", 4, 3, false, core::fp8_e4m3_to_float, core::float_to_fp8_e4m3};
const Format kE5M2{"e5m2", 5, 2, true, core::fp8_e5m2_to_float, core::float_to_fp8_e5m2};

// The OCP FP8 value of a bit pattern, from its sign, exponent and mantissa fields.
double reference(const Format& f, unsigned b) {
  const bool neg = (b & 0x80u) != 0;
  const int e = static_cast<int>((b >> f.mbits) & ((1u << f.ebits) - 1u));
  const int m = static_cast<int>(b & ((1u << f.mbits) - 1u));
  const int bias = (1 << (f.ebits - 1)) - 1;
  const int emax = (1 << f.ebits) - 1;
  double v = 0.0;
  if (f.has_inf && e == emax) {
    v = m == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  } else if (!f.has_inf && e == emax && m == (1 << f.mbits) - 1) {
    v = std::numeric_limits<double>::quiet_NaN();
  } else if (e == 0) {
    v = std::ldexp(static_cast<double>(m), 1 - bias - f.mbits);  // subnormal
  } else {
    v = std::ldexp(1.0 + static_cast<double>(m) / static_cast<double>(1 << f.mbits), e - bias);
  }
  return neg ? -v : v;
}

void PrintTo(const Format& f, std::ostream* os) { *os << f.name; }

bool is_nan_pattern(const Format& f, unsigned b) { return std::isnan(reference(f, b)); }

class Fp8 : public ::testing::TestWithParam<Format> {};

TEST_P(Fp8, EveryBitPatternDecodesToTheOcpValue) {
  const Format& f = GetParam();
  int nans = 0;
  for (unsigned b = 0; b < 256; ++b) {
    const double want = reference(f, b);
    const float got = f.decode(static_cast<std::uint8_t>(b));
    if (std::isnan(want)) {
      ++nans;
      EXPECT_TRUE(std::isnan(got)) << f.name << " bits 0x" << std::hex << b;
    } else {
      EXPECT_EQ(static_cast<double>(got), want) << f.name << " bits 0x" << std::hex << b;
      EXPECT_EQ(std::signbit(got), (b & 0x80u) != 0) << f.name << " bits 0x" << std::hex << b;
    }
  }
  EXPECT_EQ(nans, f.has_inf ? 6 : 2) << f.name;  // E5M2: 3 NaN mantissas per sign; E4M3: 0x7F, 0xFF
}

TEST_P(Fp8, EveryNonNanPatternRoundTrips) {
  const Format& f = GetParam();
  for (unsigned b = 0; b < 256; ++b) {
    const auto bits = static_cast<std::uint8_t>(b);
    const std::uint8_t back = f.encode(f.decode(bits));
    if (is_nan_pattern(f, b))
      EXPECT_TRUE(is_nan_pattern(f, back)) << f.name << " NaN 0x" << std::hex << b << " -> 0x" << unsigned{back};
    else
      EXPECT_EQ(unsigned{back}, b) << f.name << " bits 0x" << std::hex << b;
  }
}

TEST_P(Fp8, NanInputGivesANanEncoding) {
  const Format& f = GetParam();
  for (float x : {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN()}) {
    const std::uint8_t b = f.encode(x);
    EXPECT_TRUE(is_nan_pattern(f, b)) << f.name << " got 0x" << std::hex << unsigned{b};
    EXPECT_TRUE(std::isnan(f.decode(b))) << f.name;
  }
}

TEST_P(Fp8, EveryIntegerUpToTheExactLimitIsExact) {
  const Format& f = GetParam();
  const DataType t = f.has_inf ? DataType::fp8_e5m2 : DataType::fp8_e4m3;
  const int limit = static_cast<int>(core::exact_integer_limit(t));
  EXPECT_EQ(limit, f.has_inf ? 8 : 16);
  for (int i = -limit; i <= limit; ++i) {
    const auto x = static_cast<float>(i);
    EXPECT_EQ(f.decode(f.encode(x)), x) << f.name << " " << i;
  }
  // The limit is tight: the next integer is not representable.
  const auto next = static_cast<float>(limit + 1);
  EXPECT_NE(f.decode(f.encode(next)), next) << f.name;
}

TEST_P(Fp8, TinyValuesUnderflowToSignedZero) {
  const Format& f = GetParam();
  EXPECT_EQ(f.encode(0.0f), 0x00);
  EXPECT_EQ(f.encode(-0.0f), 0x80);
  EXPECT_EQ(f.encode(1e-10f), 0x00);
  EXPECT_EQ(f.encode(-1e-10f), 0x80);
}

INSTANTIATE_TEST_SUITE_P(Formats, Fp8, ::testing::Values(kE4M3, kE5M2),
                         [](const ::testing::TestParamInfo<Format>& p) { return std::string(p.param.name); });

TEST(Fp8E4M3, KnownValues) {
  EXPECT_EQ(core::float_to_fp8_e4m3(448.0f), 0x7E);
  EXPECT_EQ(core::float_to_fp8_e4m3(-448.0f), 0xFE);
  EXPECT_EQ(core::float_to_fp8_e4m3(1.0f), 0x38);
  EXPECT_EQ(core::float_to_fp8_e4m3(-2.0f), 0xC0);
  EXPECT_EQ(core::float_to_fp8_e4m3(std::ldexp(1.0f, -9)), 0x01);   // smallest subnormal
  EXPECT_EQ(core::float_to_fp8_e4m3(std::ldexp(7.0f, -9)), 0x07);   // largest subnormal
  EXPECT_EQ(core::float_to_fp8_e4m3(std::ldexp(1.0f, -6)), 0x08);   // smallest normal
  EXPECT_EQ(core::fp8_e4m3_to_float(0x7E), 448.0f);
  EXPECT_EQ(core::fp8_e4m3_to_float(0x78), 256.0f);                 // exponent 15 is finite in E4M3
  EXPECT_TRUE(std::isnan(core::fp8_e4m3_to_float(0x7F)));
  EXPECT_TRUE(std::isnan(core::fp8_e4m3_to_float(0xFF)));
}

TEST(Fp8E4M3, OverflowSaturatesToMaxFinite) {
  EXPECT_EQ(core::float_to_fp8_e4m3(1000.0f), 0x7E);
  EXPECT_EQ(core::float_to_fp8_e4m3(-1000.0f), 0xFE);
  EXPECT_EQ(core::float_to_fp8_e4m3(464.0f), 0x7E);   // halfway to the (NaN) 480: still 448
  EXPECT_EQ(core::float_to_fp8_e4m3(500.0f), 0x7E);
  EXPECT_EQ(core::float_to_fp8_e4m3(1e30f), 0x7E);
  EXPECT_EQ(core::float_to_fp8_e4m3(std::numeric_limits<float>::infinity()), 0x7E);
  EXPECT_EQ(core::float_to_fp8_e4m3(-std::numeric_limits<float>::infinity()), 0xFE);
}

TEST(Fp8E4M3, TiesRoundToEven) {
  EXPECT_EQ(core::float_to_fp8_e4m3(1.0625f), 0x38);   // 1.0 | 1.125 -> 1.0 (mantissa 000)
  EXPECT_EQ(core::float_to_fp8_e4m3(1.1875f), 0x3A);   // 1.125 | 1.25 -> 1.25 (mantissa 010)
  EXPECT_EQ(core::float_to_fp8_e4m3(-1.0625f), 0xB8);
  EXPECT_EQ(core::float_to_fp8_e4m3(1.9375f), 0x40);   // 1.875 | 2.0 -> 2.0, carries into the exponent
  EXPECT_EQ(core::float_to_fp8_e4m3(17.0f), 0x58);     // 16 | 18 -> 16
  EXPECT_EQ(core::float_to_fp8_e4m3(19.0f), 0x5A);     // 18 | 20 -> 20
  EXPECT_EQ(core::float_to_fp8_e4m3(1.0626f), 0x39);   // just above the tie rounds up
  EXPECT_EQ(core::float_to_fp8_e4m3(1.0624f), 0x38);
  // Subnormal range (multiples of 2^-9).
  EXPECT_EQ(core::float_to_fp8_e4m3(std::ldexp(0.5f, -9)), 0x00);  // 0 | 1 -> 0
  EXPECT_EQ(core::float_to_fp8_e4m3(std::ldexp(1.5f, -9)), 0x02);  // 1 | 2 -> 2
  EXPECT_EQ(core::float_to_fp8_e4m3(std::ldexp(2.5f, -9)), 0x02);  // 2 | 3 -> 2
  EXPECT_EQ(core::float_to_fp8_e4m3(std::ldexp(7.5f, -9)), 0x08);  // largest subnormal | smallest normal
}

TEST(Fp8E5M2, KnownValues) {
  EXPECT_EQ(core::float_to_fp8_e5m2(57344.0f), 0x7B);
  EXPECT_EQ(core::float_to_fp8_e5m2(1.0f), 0x3C);
  EXPECT_EQ(core::float_to_fp8_e5m2(-2.0f), 0xC0);
  EXPECT_EQ(core::float_to_fp8_e5m2(std::ldexp(1.0f, -16)), 0x01);  // smallest subnormal
  EXPECT_EQ(core::float_to_fp8_e5m2(std::ldexp(1.0f, -14)), 0x04);  // smallest normal
  EXPECT_EQ(core::fp8_e5m2_to_float(0x7C), std::numeric_limits<float>::infinity());
  EXPECT_EQ(core::fp8_e5m2_to_float(0xFC), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(core::fp8_e5m2_to_float(0x7D)));
}

TEST(Fp8E5M2, OverflowGoesToInfinity) {
  EXPECT_EQ(core::float_to_fp8_e5m2(1e6f), 0x7C);
  EXPECT_EQ(core::float_to_fp8_e5m2(-1e6f), 0xFC);
  EXPECT_EQ(core::float_to_fp8_e5m2(61440.0f), 0x7C);  // halfway 57344 | 65536: even is inf
  EXPECT_EQ(core::float_to_fp8_e5m2(61439.0f), 0x7B);
  EXPECT_EQ(core::float_to_fp8_e5m2(std::numeric_limits<float>::infinity()), 0x7C);
  EXPECT_EQ(core::float_to_fp8_e5m2(-std::numeric_limits<float>::infinity()), 0xFC);
}

TEST(Fp8E5M2, TiesRoundToEven) {
  EXPECT_EQ(core::float_to_fp8_e5m2(1.125f), 0x3C);    // 1.0 | 1.25 -> 1.0 (mantissa 00)
  EXPECT_EQ(core::float_to_fp8_e5m2(1.375f), 0x3E);    // 1.25 | 1.5 -> 1.5 (mantissa 10)
  EXPECT_EQ(core::float_to_fp8_e5m2(-1.125f), 0xBC);
  EXPECT_EQ(core::float_to_fp8_e5m2(1.875f), 0x40);    // 1.75 | 2.0 -> 2.0, carries into the exponent
  EXPECT_EQ(core::float_to_fp8_e5m2(9.0f), 0x48);      // 8 | 10 -> 8
  EXPECT_EQ(core::float_to_fp8_e5m2(11.0f), 0x4A);     // 10 | 12 -> 12
  EXPECT_EQ(core::float_to_fp8_e5m2(std::ldexp(0.5f, -16)), 0x00);
  EXPECT_EQ(core::float_to_fp8_e5m2(std::ldexp(1.5f, -16)), 0x02);
  EXPECT_EQ(core::float_to_fp8_e5m2(std::ldexp(3.5f, -16)), 0x04);  // largest subnormal | smallest normal
}

}  // namespace

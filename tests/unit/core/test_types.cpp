#include <gtest/gtest.h>

#include <cmath>

#include "core/datatype.hpp"
#include "core/error.hpp"
#include "core/float16.hpp"
#include "core/redop.hpp"

namespace core = collbench::core;

TEST(DataType, ParsesNamesAndAliases) {
  EXPECT_EQ(core::parse_datatype("float"), core::DataType::float32);
  EXPECT_EQ(core::parse_datatype("bf16"), core::DataType::bfloat16);
  EXPECT_EQ(core::parse_datatype("FP16"), core::DataType::half);
  EXPECT_EQ(core::size_of(core::DataType::bfloat16), 2u);
  EXPECT_THROW(core::parse_datatype("float128"), core::InputError);
}

TEST(RedOp, AvgNeedsAFloatingType) {
  EXPECT_EQ(core::parse_redop("avg"), core::RedOp::avg);
  EXPECT_THROW(core::parse_redop("mulsum"), core::InputError);
  EXPECT_TRUE(core::op_applies(core::RedOp::avg, core::DataType::bfloat16));
  EXPECT_FALSE(core::op_applies(core::RedOp::avg, core::DataType::int32));
  EXPECT_TRUE(core::op_applies(core::RedOp::prod, core::DataType::uint8));
}

TEST(Float16, HalfRoundTripsAndRoundsToNearestEven) {
  EXPECT_EQ(core::float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(core::float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(core::float_to_half(65504.0f), 0x7bff);
  EXPECT_EQ(core::float_to_half(65520.0f), 0x7c00);  // rounds to infinity
  EXPECT_EQ(core::float_to_half(2049.0f), core::float_to_half(2048.0f));  // tie to even
  EXPECT_EQ(core::float_to_half(2051.0f), core::float_to_half(2052.0f));  // tie to even (up)
  EXPECT_EQ(core::float_to_half(std::ldexp(1.0f, -24)), 0x0001);         // smallest subnormal
  for (std::uint32_t h = 0; h < 0x7c00; ++h)
    EXPECT_EQ(core::float_to_half(core::half_to_float(static_cast<std::uint16_t>(h))), h);
  EXPECT_TRUE(std::isnan(core::half_to_float(0x7e00)));
}

TEST(Float16, Bfloat16RoundsToNearestEven) {
  EXPECT_EQ(core::float_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(core::float_to_bf16(257.0f), core::float_to_bf16(256.0f));  // tie to even
  EXPECT_EQ(core::float_to_bf16(259.0f), core::float_to_bf16(260.0f));
  EXPECT_FLOAT_EQ(core::bf16_to_float(core::float_to_bf16(3.0f)), 3.0f);
  EXPECT_TRUE(std::isnan(core::bf16_to_float(core::float_to_bf16(std::nanf("")))));
}

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "core/size.hpp"

namespace core = collbench::core;

TEST(Size, ParsesNcclTestsSuffixes) {
  EXPECT_EQ(core::parse_size("8", "-b"), 8u);
  EXPECT_EQ(core::parse_size("64K", "-b"), 65536u);
  EXPECT_EQ(core::parse_size("64k", "-b"), 65536u);
  EXPECT_EQ(core::parse_size("1.5M", "-b"), 1572864u);
  EXPECT_EQ(core::parse_size("4G", "-b"), 4294967296u);
  EXPECT_EQ(core::parse_size(" 16 ", "-b"), 16u);
  EXPECT_EQ(core::parse_size("128B", "-b"), 128u);
}

TEST(Size, RejectsZeroGarbageAndNegative) {
  for (const char* bad : {"0", "", "abc", "-5", "12Q", "1e400", "0.4"}) {
    try {
      core::parse_size(bad, "--minbytes");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const core::InputError& e) {
      EXPECT_EQ(e.code(), core::ExitCode::bad_input);
      EXPECT_NE(std::string(e.what()).find("--minbytes"), std::string::npos) << e.what();
    }
  }
}

TEST(Size, FormatsShortestExactForm) {
  EXPECT_EQ(core::format_size(8), "8");
  EXPECT_EQ(core::format_size(65536), "64K");
  EXPECT_EQ(core::format_size(1572864), "1536K");
  EXPECT_EQ(core::format_size(4294967296ull), "4G");
  EXPECT_EQ(core::format_size(1000), "1000");
}

TEST(Ratio, ReadableAtEveryScale) {
  EXPECT_EQ(core::format_ratio(1.0), "1.00x");
  EXPECT_EQ(core::format_ratio(1.04), "1.04x");
  EXPECT_EQ(core::format_ratio(41.23), "41.2x");
  EXPECT_EQ(core::format_ratio(308.7), "309x");
  EXPECT_EQ(core::format_ratio(999.4), "999x");
  EXPECT_EQ(core::format_ratio(1000), "> 1000x");
  EXPECT_EQ(core::format_ratio(308738.09), "> 1000x");  // a 3 ms delay against 10 ns: issue 26's example
  EXPECT_EQ(core::format_ratio(0.5), "0.50x");
  EXPECT_EQ(core::format_ratio(0.052), "0.052x");
  EXPECT_EQ(core::format_ratio(0.0000032), "< 0.001x");
  for (double bad : {0.0, -2.0, std::nan(""), HUGE_VAL}) EXPECT_EQ(core::format_ratio(bad), "-") << bad;
}

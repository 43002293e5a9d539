#include <gtest/gtest.h>

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

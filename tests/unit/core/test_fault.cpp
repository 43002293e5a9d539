#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/fault.hpp"

namespace core = collbench::core;

TEST(Fault, ParsesEveryKindAndSelectsByRank) {
  const auto faults = core::parse_faults("corrupt:1,delay:2:500,crash:3,hang:0,delay:2:100,pause:5");
  ASSERT_EQ(faults.size(), 6u);
  EXPECT_TRUE(core::faults_for_rank(faults, 1).corrupt);
  EXPECT_FALSE(core::faults_for_rank(faults, 1).crash);
  EXPECT_EQ(core::faults_for_rank(faults, 2).delay_us, 600u);
  EXPECT_TRUE(core::faults_for_rank(faults, 3).crash);
  EXPECT_TRUE(core::faults_for_rank(faults, 0).hang);
  EXPECT_TRUE(core::faults_for_rank(faults, 5).pause);
  EXPECT_FALSE(core::faults_for_rank(faults, 0).pause);
  EXPECT_FALSE(core::faults_for_rank(faults, 4).any());
  EXPECT_TRUE(core::parse_faults("").empty());
}

TEST(Fault, RejectsBadSyntaxNamingTheVariable) {
  for (const char* bad : {"corrupt", "delay:1", "crash:x", "explode:1", "corrupt:1:2", "delay:1:-5"}) {
    try {
      core::parse_faults(bad);
      ADD_FAILURE() << bad;
    } catch (const core::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("COLLBENCH_INJECT"), std::string::npos);
    }
  }
}

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

TEST(Fault, ALinkDelaysOnlyWhereBothEndsAreInTheCommunicator) {
  const auto faults = core::parse_faults("link:1:3:5000");
  EXPECT_EQ(core::faults_for_rank(faults, 1).delay_us, 5000u);                // the whole job: both ends
  EXPECT_EQ(core::faults_for_rank(faults, 1, {0, 1, 2, 3}).delay_us, 5000u);
  EXPECT_EQ(core::faults_for_rank(faults, 1, {1, 3}).delay_us, 5000u);        // their pair
  EXPECT_EQ(core::faults_for_rank(faults, 1, {0, 1}).delay_us, 0u);           // another pair
  EXPECT_EQ(core::faults_for_rank(faults, 1, {1}).delay_us, 0u);              // the node alone
  EXPECT_EQ(core::faults_for_rank(faults, 3, {1, 3}).delay_us, 0u);           // the other end waits for it
  for (const char* bad : {"link:1:3", "link:1:x:5", "link:1:2:3:4"}) EXPECT_THROW(core::parse_faults(bad), core::InputError) << bad;
}

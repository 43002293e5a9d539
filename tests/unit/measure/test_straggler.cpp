#include <gtest/gtest.h>

#include "measure/case_runner.hpp"

namespace measure = collbench::measure;
namespace results = collbench::results;

namespace {
std::vector<results::RankSummary> ranks(std::initializer_list<double> outside) {
  std::vector<results::RankSummary> v;
  int r = 0;
  for (double o : outside) {
    results::RankSummary s;
    s.rank = r;
    s.host = "node" + std::to_string(r / 2);
    s.outside_call_us = o;
    v.push_back(s);
    ++r;
  }
  return v;
}
}  // namespace

TEST(Straggler, NamesTheRankOthersWaitFor) {
  const auto s = measure::find_straggler(ranks({0.05, 0.04, 1000.2, 0.06}));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->rank, 2);
  EXPECT_EQ(s->host, "node1");
  EXPECT_DOUBLE_EQ(s->outside_call_us, 1000.2);
  EXPECT_DOUBLE_EQ(s->others_us, 0.05);
}

TEST(Straggler, NoneWhenNobodyStandsOut) {
  EXPECT_FALSE(measure::find_straggler(ranks({0.05, 0.04, 0.07, 0.06})).has_value());
  EXPECT_FALSE(measure::find_straggler(ranks({20, 22, 25, 21})).has_value());  // all slow alike
  EXPECT_FALSE(measure::find_straggler(ranks({3.0, 0.01})).has_value());       // under 5 us
  EXPECT_FALSE(measure::find_straggler(ranks({1000})).has_value());            // one rank
}

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "plan/run_plan.hpp"

namespace plan = collbench::plan;
namespace core = collbench::core;

TEST(SizeSteps, FactorAndBytesAsNcclTests) {
  EXPECT_EQ(plan::size_steps({8, 4u << 20, 4, 0}),
            (std::vector<std::uint64_t>{8, 32, 128, 512, 2048, 8192, 32768, 131072, 524288, 2097152}));
  EXPECT_EQ(plan::size_steps({1024, 4096, 1.0, 1024}), (std::vector<std::uint64_t>{1024, 2048, 3072, 4096}));
  EXPECT_EQ(plan::size_steps({64, 64, 2, 0}), (std::vector<std::uint64_t>{64}));
}

TEST(SizeSteps, RejectsInvertedRangeAndNoStep) {
  try {
    plan::size_steps({1024, 8, 2, 0});
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--minbytes"), std::string::npos);
  }
  EXPECT_THROW(plan::size_steps({8, 1024, 1.0, 0}), core::InputError);
  EXPECT_THROW(plan::size_steps({1, 1u << 30, 1.0, 1}), core::InputError);  // too many sizes
}

TEST(Placements, Parse) {
  EXPECT_EQ(plan::parse_placements("both"), (std::vector<bool>{false, true}));
  EXPECT_EQ(plan::parse_placements("in"), (std::vector<bool>{true}));
  EXPECT_THROW(plan::parse_placements("sideways"), core::InputError);
}

TEST(Validate, AvgOnIntegersOnlyMattersForReducingCollectives) {
  plan::RunPlan p;
  p.dtype = core::DataType::int32;
  p.op = core::RedOp::avg;
  p.collectives = {core::Collective::allgather};
  EXPECT_NO_THROW(plan::validate(p));
  p.collectives.push_back(core::Collective::allreduce);
  EXPECT_THROW(plan::validate(p), core::InputError);
}

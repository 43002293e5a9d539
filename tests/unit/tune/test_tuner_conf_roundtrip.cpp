// What tune writes into nccl_tuner.conf is what our tuner plugin reads: every level-1 range that is
// not NCCL's own choice comes back as one rule with the same collective, bytes, algorithm and ranks,
// and a call inside each range picks the recommended cell of a synthetic cost table.
#include <gtest/gtest.h>

#include "rules.hpp"
#include "tune/input.hpp"
#include "tune/recommend.hpp"
#include "tune/writers.hpp"
#include "unit/tune/tune_fixture.hpp"

namespace {

using namespace tunetest;
namespace tune = collbench::tune;
namespace tuner = collbench::tuner;

TEST(TunerConfRoundTrip, EveryRangeBecomesARuleThePluginApplies) {
  TempDir tmp;
  StoreBuilder s("nccl", 2, 8);
  s.hosts(1);
  const Config tree{{"NCCL_ALGO", "allreduce:tree"}, {"NCCL_PROTO", "allreduce:ll"}};
  const Config ring{{"NCCL_ALGO", "allreduce:ring"}};
  for (std::uint64_t bytes : {std::uint64_t{1024}, std::uint64_t{8192}}) {  // tree/LL wins small
    s.add_reps({}, "allreduce", bytes, timing(20, 0.5)).add_reps(tree, "allreduce", bytes, timing(10, 0.5));
    s.add_reps(ring, "allreduce", bytes, timing(20, 0.5));
  }
  for (std::uint64_t bytes : {std::uint64_t{1} << 20, std::uint64_t{8} << 20}) {  // ring wins large
    s.add_reps({}, "allreduce", bytes, timing(1000, 5)).add_reps(tree, "allreduce", bytes, timing(1500, 5));
    s.add_reps(ring, "allreduce", bytes, timing(700, 5));
  }
  s.write(tmp / "store");
  const tune::TuneInput in = tune::load_stores({tmp / "store"});
  const tune::Recommendation r = tune::recommend(in, {}, {});
  const std::string conf = tune::tuner_conf(r);

  const tuner::ParseResult parsed = tuner::parse_rules(conf);
  ASSERT_TRUE(parsed.ok()) << parsed.error->line << ": " << parsed.error->message << "\n" << conf;
  ASSERT_EQ(parsed.rules.size(), 2u) << conf;
  const tuner::Rule& small = parsed.rules[0];
  const tuner::Rule& large = parsed.rules[1];
  EXPECT_EQ(small.collective, 4);  // ncclFuncAllReduce
  EXPECT_EQ(small.min_bytes, 0u);
  EXPECT_EQ(small.max_bytes, 92681u);  // floor(sqrt(8192 * 1M)): the midpoint to the next measured size
  EXPECT_EQ(small.algorithm, 0);       // tree
  EXPECT_EQ(small.protocol, 0);        // LL
  EXPECT_EQ(small.n_ranks, 8);
  EXPECT_EQ(small.n_nodes, 1);
  EXPECT_EQ(large.min_bytes, 92682u);
  EXPECT_EQ(large.max_bytes, tuner::kUnbounded);
  EXPECT_EQ(large.algorithm, 1);  // ring
  EXPECT_EQ(large.protocol, tuner::kAny);

  // A call at 4 KiB picks tree/LL; at 4 MiB the cheapest ring protocol.
  float table[tuner::kNumAlgorithms * tuner::kNumProtocols];
  for (int i = 0; i < tuner::kNumAlgorithms * tuner::kNumProtocols; ++i) table[i] = 10.0f + static_cast<float>(i);
  const tuner::CostTable t{table, tuner::kNumAlgorithms, tuner::kNumProtocols};
  const auto at = [&](std::uint64_t bytes) {
    return tuner::decide(parsed.rules, tuner::CallParams{4, bytes, 1, 8, 1, 0}, t);
  };
  const auto a = at(4096);
  ASSERT_TRUE(a.decision.has_value());
  EXPECT_EQ(a.decision->cell.algo, 0);
  EXPECT_EQ(a.decision->cell.proto, 0);
  const auto b = at(std::uint64_t{4} << 20);
  ASSERT_TRUE(b.decision.has_value());
  EXPECT_EQ(b.decision->cell.algo, 1);
  EXPECT_EQ(b.decision->cell.proto, 0);  // ring's cheapest protocol in this table
  // On 16 ranks (not measured) no rule applies.
  EXPECT_FALSE(tuner::decide(parsed.rules, tuner::CallParams{4, 4096, 1, 16, 1, 0}, t).decision.has_value());
}

}  // namespace

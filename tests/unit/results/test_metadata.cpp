#include <gtest/gtest.h>

#include "results/metadata.hpp"

namespace results = collbench::results;

TEST(Metadata, KeepsOnlyCommunicationVariables) {
  char e0[] = "NCCL_ALGO=allreduce:ring";
  char e1[] = "AWS_SECRET_ACCESS_KEY=hunter2";
  char e2[] = "OMPI_COMM_WORLD_RANK=0";
  char e3[] = "UCX_TLS=rc";
  char e4[] = "CUDA_VISIBLE_DEVICES=0,1";
  char e5[] = "HOME=/root";
  char e6[] = "MY_NCCL_TOKEN=x";
  char* env[] = {e0, e1, e2, e3, e4, e5, e6, nullptr};
  const auto kept = results::filtered_env(env);
  EXPECT_EQ(kept.size(), 4u);
  EXPECT_EQ(kept.at("NCCL_ALGO"), "allreduce:ring");
  EXPECT_EQ(kept.count("AWS_SECRET_ACCESS_KEY"), 0u);
  EXPECT_EQ(kept.count("MY_NCCL_TOKEN"), 0u);
}

TEST(Metadata, Iso8601AndHosts) {
  EXPECT_EQ(results::iso8601_utc(std::chrono::system_clock::from_time_t(0)), "1970-01-01T00:00:00Z");
  const auto hosts = results::ranks_per_host({"a", "a", "b", "a"});
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].ranks, (std::vector<int>{0, 1, 3}));
  EXPECT_EQ(hosts[1].host, "b");
}

// The device kernels against the host formulas: bit-for-bit the same inputs, and the same
// verdicts on correct, poisoned and corrupted outputs. Needs a GPU: skipped (never passed)
// without one; ctest label "gpu".
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/collective.hpp"
#include "kernels/pattern_kernels.hpp"
#include "verify/element.hpp"
#include "verify/pattern.hpp"

namespace {

namespace core = collbench::core;
namespace element = collbench::verify::element;
namespace kernels = collbench::kernels;
using collbench::verify::Pattern;

bool have_gpu() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

struct DeviceBuffer {
  explicit DeviceBuffer(std::size_t bytes) { EXPECT_EQ(cudaMalloc(&ptr, std::max<std::size_t>(bytes, 1)), cudaSuccess); }
  ~DeviceBuffer() { cudaFree(ptr); }
  void* ptr = nullptr;
};

std::vector<unsigned char> download(const void* d, std::size_t bytes) {
  std::vector<unsigned char> h(bytes);
  EXPECT_EQ(cudaMemcpy(h.data(), d, bytes, cudaMemcpyDeviceToHost), cudaSuccess);
  return h;
}

class GpuKernels : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_gpu()) GTEST_SKIP() << "no CUDA GPU visible";
  }
};

TEST_F(GpuKernels, FillWritesExactlyTheHostPatternForEveryTypeAndCollective) {
  for (core::DataType t : core::kAllDataTypes)
    for (core::Collective c : core::kAllCollectives)
      for (int n : {1, 3, 8}) {
        core::RedOp op = core::is_floating(t) ? core::RedOp::avg : core::RedOp::sum;
        const Pattern p({c, t, op, n, n - 1, 7});
        const kernels::DevicePattern dp(p, nullptr);
        const core::CollShape sh = core::shape(c, 65536, t, n);
        for (int rank : {0, n - 1}) {
          const std::size_t bytes = sh.send_count * core::size_of(t);
          DeviceBuffer d(bytes);
          kernels::fill_input(dp.view(), rank, d.ptr, sh.send_count, nullptr);
          ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
          std::vector<unsigned char> want(bytes);
          p.fill_input(rank, sh, want.data());
          EXPECT_EQ(download(d.ptr, bytes), want) << core::name(t) << " " << core::name(c) << " n=" << n << " rank=" << rank;
        }
      }
}

TEST_F(GpuKernels, VerifyAgreesWithTheHostOnCorrectPoisonedAndCorruptedOutputs) {
  for (core::DataType t : core::kAllDataTypes)
    for (core::Collective c : core::kAllCollectives) {
      const int n = 4;
      const Pattern p({c, t, core::RedOp::max, n, 1, 3});
      const core::CollShape sh = core::shape(c, 1 << 20, t, n);
      const std::size_t bytes = sh.recv_count * core::size_of(t);
      for (int rank = 0; rank < n; ++rank) {
        // alltoallv: the rank's receive layout goes to the device with the tables.
        const std::vector<std::uint64_t> layout = p.receive_layout(rank, sh.param_count);
        const kernels::DevicePattern dp(p, nullptr, layout);
        std::vector<unsigned char> good(bytes);
        for (std::uint64_t i = 0; i < sh.recv_count; ++i)
          element::store(t, good.data(), i, element::expected_bits(p.view(layout), rank, sh.param_count, i));
        DeviceBuffer d(bytes);
        ASSERT_EQ(cudaMemcpy(d.ptr, good.data(), bytes, cudaMemcpyHostToDevice), cudaSuccess);
        const bool checked = element::output_checked(p.view(), rank);
        const std::string what = std::string(core::name(t)) + " " + std::string(core::name(c)) + " rank " + std::to_string(rank);
        EXPECT_EQ(kernels::count_wrong(dp.view(), rank, sh.param_count, d.ptr, sh.recv_count, nullptr), 0u) << what;
        EXPECT_EQ(p.count_wrong(rank, sh, good.data()), 0u) << what;
        kernels::corrupt(dp.view(), d.ptr, sh.recv_count, nullptr);
        const std::uint64_t corrupted = kernels::count_wrong(dp.view(), rank, sh.param_count, d.ptr, sh.recv_count, nullptr);
        EXPECT_EQ(corrupted, checked ? std::min<std::uint64_t>(3, sh.recv_count) : 0u) << what;
        EXPECT_EQ(corrupted, p.count_wrong(rank, sh, download(d.ptr, bytes).data())) << what;
        kernels::fill_bits(t, d.ptr, sh.recv_count, p.view().poison, nullptr);
        EXPECT_EQ(kernels::count_wrong(dp.view(), rank, sh.param_count, d.ptr, sh.recv_count, nullptr),
                  checked ? sh.recv_count : 0u) << what;
      }
    }
}

TEST_F(GpuKernels, SpinHoldsTheStreamForAboutTheTimeAsked) {
  cudaStream_t s{};
  ASSERT_EQ(cudaStreamCreate(&s), cudaSuccess);
  kernels::spin(0.2, s);
  EXPECT_EQ(cudaStreamQuery(s), cudaErrorNotReady);  // still spinning right after the launch
  EXPECT_EQ(cudaStreamSynchronize(s), cudaSuccess);
  cudaStreamDestroy(s);
}

}  // namespace

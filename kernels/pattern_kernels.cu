#include "kernels/pattern_kernels.hpp"

#include <algorithm>
#include <vector>

#include "kernels/cuda_check.hpp"

namespace collbench::kernels {

namespace element = verify::element;

namespace {

constexpr int kThreads = 256;

unsigned blocks_for(std::uint64_t count) {
  const std::uint64_t b = (count + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::clamp<std::uint64_t>(b, 1, 4096));  // grid-stride beyond
}

cudaStream_t as_stream(Stream s) { return static_cast<cudaStream_t>(s); }

__global__ void fill_input_kernel(PatternView v, int rank, void* buf, std::uint64_t count) {
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  for (std::uint64_t j = blockIdx.x * static_cast<std::uint64_t>(blockDim.x) + threadIdx.x; j < count; j += stride)
    element::store(v.dtype, buf, j, element::input_bits(v, rank, j));
}

__global__ void fill_bits_kernel(core::DataType t, void* buf, std::uint64_t count, std::uint64_t bits) {
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  for (std::uint64_t j = blockIdx.x * static_cast<std::uint64_t>(blockDim.x) + threadIdx.x; j < count; j += stride)
    element::store(t, buf, j, bits);
}

__global__ void corrupt_kernel(core::DataType t, void* buf, std::uint64_t count, std::uint64_t bits) {
  element::store(t, buf, 0, bits);
  element::store(t, buf, count / 2, bits);
  element::store(t, buf, count - 1, bits);
}

__global__ void count_wrong_kernel(PatternView v, int rank, std::uint64_t param_count, const void* out,
                                   std::uint64_t count, unsigned long long* wrong) {
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  unsigned long long mine = 0;
  for (std::uint64_t i = blockIdx.x * static_cast<std::uint64_t>(blockDim.x) + threadIdx.x; i < count; i += stride)
    mine += !element::matches(v, element::load(v.dtype, out, i), element::expected_bits(v, rank, param_count, i));
  for (int offset = 16; offset > 0; offset /= 2) mine += __shfl_down_sync(0xffffffffu, mine, offset);
  if ((threadIdx.x & 31) == 0 && mine != 0) atomicAdd(wrong, mine);
}

__global__ void spin_kernel(unsigned long long ns) {
  unsigned long long start = 0;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
  unsigned long long now = start;
  while (now - start < ns) {
    __nanosleep(1000);
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
  }
}

}  // namespace

// The tables go up on the kernels' own stream: a pageable cudaMemcpy may return before the copy
// lands (cuda_runtime_api.h:75-78), and a cudaStreamNonBlocking stream does not wait for the
// legacy stream it lands on (driver_types.h:101). `host` must outlive the fill/verify kernels.
DevicePattern::DevicePattern(const verify::Pattern& host, Stream s, std::span<const std::uint64_t> layout)
    : m_view(host.view()) {
  const std::vector<std::uint64_t>& in = host.input_table();
  const std::vector<std::uint64_t>& ex = host.expected_table();
  const std::size_t words = in.size() + ex.size() + layout.size();
  if (words == 0) return;  // non-reducing collectives compute their data; no tables
  CHECK_CUDA(cudaMalloc(&m_tables, words * sizeof(std::uint64_t)));
  auto* d = static_cast<std::uint64_t*>(m_tables);
  std::size_t at = 0;
  const auto copy = [&](const std::uint64_t* src, std::size_t n) -> const std::uint64_t* {
    if (n == 0) return nullptr;
    CHECK_CUDA(cudaMemcpyAsync(d + at, src, n * sizeof(std::uint64_t), cudaMemcpyHostToDevice, as_stream(s)));
    at += n;
    return d + at - n;
  };
  m_view.input_table = copy(in.data(), in.size());
  m_view.expected_table = copy(ex.data(), ex.size());
  m_view.layout = copy(layout.data(), layout.size());
}

DevicePattern::~DevicePattern() {
  if (m_tables) cudaFree(m_tables);
}

void fill_input(const PatternView& v, int rank, void* buf, std::uint64_t count, Stream s) {
  if (count == 0) return;
  fill_input_kernel<<<blocks_for(count), kThreads, 0, as_stream(s)>>>(v, rank, buf, count);
  CHECK_CUDA(cudaGetLastError());
}

void fill_bits(core::DataType t, void* buf, std::uint64_t count, std::uint64_t bits, Stream s) {
  if (count == 0) return;
  fill_bits_kernel<<<blocks_for(count), kThreads, 0, as_stream(s)>>>(t, buf, count, bits);
  CHECK_CUDA(cudaGetLastError());
}

void corrupt(const PatternView& v, void* buf, std::uint64_t count, Stream s) {
  if (count == 0) return;
  corrupt_kernel<<<1, 1, 0, as_stream(s)>>>(v.dtype, buf, count, v.poison);
  CHECK_CUDA(cudaGetLastError());
}

std::uint64_t count_wrong(const PatternView& v, int rank, std::uint64_t param_count, const void* out,
                          std::uint64_t count, Stream s) {
  if (count == 0 || !element::output_checked(v, rank)) return 0;
  unsigned long long* d_wrong = nullptr;
  CHECK_CUDA(cudaMalloc(&d_wrong, sizeof(unsigned long long)));
  unsigned long long wrong = 0;
  try {
    CHECK_CUDA(cudaMemsetAsync(d_wrong, 0, sizeof(unsigned long long), as_stream(s)));
    count_wrong_kernel<<<blocks_for(count), kThreads, 0, as_stream(s)>>>(v, rank, param_count, out, count, d_wrong);
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaMemcpyAsync(&wrong, d_wrong, sizeof(wrong), cudaMemcpyDeviceToHost, as_stream(s)));
    CHECK_CUDA(cudaStreamSynchronize(as_stream(s)));
  } catch (...) {
    cudaFree(d_wrong);
    throw;
  }
  cudaFree(d_wrong);
  return wrong;
}

void spin(double seconds, Stream s) {
  const auto ns = static_cast<unsigned long long>(std::max(seconds, 0.0) * 1e9);
  spin_kernel<<<1, 1, 0, as_stream(s)>>>(ns);
  CHECK_CUDA(cudaGetLastError());
}

}  // namespace collbench::kernels

// Host twins of collbench's own kernels (kernels/pattern_kernels.cu), run by the stand-in CUDA
// runtime when the collbench binary launches them. The element math is the same header the
// kernels compile, src/verify/element.hpp, so a twin computes bit for bit what its kernel would.
// The kernels' parameter lists are mirrored here; a kernel whose signature changes without its
// twin fails its launch with the kernel's name (the standin tests catch that).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>

#include "kernel_twin.hpp"
#include "runtime.hpp"
#include "verify/element.hpp"

namespace element = collbench::verify::element;
using element::PatternView;

namespace {

template <class T>
T arg(const cbsi::Launch& l, int i) {
  T v;
  std::memcpy(&v, l.args[i], sizeof v);
  return v;
}

bool named(const cbsi::Launch& l, const char* kernel) {
  const std::string want = std::string("collbench::kernels::(anonymous namespace)::") + kernel + "(";
  return l.demangled.rfind(want, 0) == 0;
}

}  // namespace

extern "C" int collbench_builtin_twin(const cbsi::Launch* launch, cbsi::Work* work) {
  const cbsi::Launch& l = *launch;
  if (named(l, "fill_input_kernel")) {  // (PatternView v, int rank, void* buf, uint64 count)
    const auto v = arg<PatternView>(l, 0);
    const int rank = arg<int>(l, 1);
    void* buf = arg<void*>(l, 2);
    const auto count = arg<std::uint64_t>(l, 3);
    *work = [=] {
      for (std::uint64_t j = 0; j < count; ++j) element::store(v.dtype, buf, j, element::input_bits(v, rank, j));
    };
    return 1;
  }
  if (named(l, "fill_bits_kernel")) {  // (DataType t, void* buf, uint64 count, uint64 bits)
    const auto t = arg<collbench::core::DataType>(l, 0);
    void* buf = arg<void*>(l, 1);
    const auto count = arg<std::uint64_t>(l, 2);
    const auto bits = arg<std::uint64_t>(l, 3);
    *work = [=] {
      for (std::uint64_t j = 0; j < count; ++j) element::store(t, buf, j, bits);
    };
    return 1;
  }
  if (named(l, "corrupt_kernel")) {  // (DataType t, void* buf, uint64 count, uint64 bits)
    const auto t = arg<collbench::core::DataType>(l, 0);
    void* buf = arg<void*>(l, 1);
    const auto count = arg<std::uint64_t>(l, 2);
    const auto bits = arg<std::uint64_t>(l, 3);
    *work = [=] {
      element::store(t, buf, 0, bits);
      element::store(t, buf, count / 2, bits);
      element::store(t, buf, count - 1, bits);
    };
    return 1;
  }
  if (named(l, "count_wrong_kernel")) {
    // (PatternView v, int rank, uint64 param_count, const void* out, uint64 count, unsigned long long* wrong)
    const auto v = arg<PatternView>(l, 0);
    const int rank = arg<int>(l, 1);
    const auto param_count = arg<std::uint64_t>(l, 2);
    const void* out = arg<const void*>(l, 3);
    const auto count = arg<std::uint64_t>(l, 4);
    auto* wrong = arg<unsigned long long*>(l, 5);
    *work = [=] {
      unsigned long long mine = 0;
      for (std::uint64_t i = 0; i < count; ++i)
        mine += !element::matches(v, element::load(v.dtype, out, i), element::expected_bits(v, rank, param_count, i));
      std::atomic_ref<unsigned long long>(*wrong).fetch_add(mine);
    };
    return 1;
  }
  if (named(l, "spin_kernel")) {  // (unsigned long long ns): the stream stalls that long
    const auto ns = arg<unsigned long long>(l, 0);
    *work = [ns] {
      const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(ns);
      while (std::chrono::steady_clock::now() < until && !cbsi::shutting_down())
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    };
    return 1;
  }
  return 0;
}

#pragma once
// Device-side fill, poison, verify and fault kernels behind a plain host API: no CUDA type
// appears here (a stream is passed as an opaque pointer, a cudaStream_t). The per-element math is
// verify/element.hpp, the same functions the host backends and the unit tests run.
#include <cstdint>
#include <span>

#include "core/datatype.hpp"
#include "verify/element.hpp"
#include "verify/pattern.hpp"

namespace collbench::kernels {

using Stream = void*;  // cudaStream_t
using verify::element::PatternView;

// A pattern's tables copied to device memory on stream `s` (ordered before the kernels that
// read them there), and the view that points at that copy; `layout` is the checking rank's
// alltoallv receive layout (Pattern::receive_layout), kept alive by the caller until the copy
// is done.
class DevicePattern {
 public:
  DevicePattern(const verify::Pattern& host, Stream s, std::span<const std::uint64_t> layout = {});
  ~DevicePattern();
  DevicePattern(const DevicePattern&) = delete;
  DevicePattern& operator=(const DevicePattern&) = delete;
  const PatternView& view() const { return m_view; }

 private:
  void* m_tables = nullptr;
  PatternView m_view;
};

// Writes rank's `count` input elements (element::input_bits) into device buffer `buf`.
void fill_input(const PatternView& v, int rank, void* buf, std::uint64_t count, Stream s);
// Writes `bits` into every one of `count` elements of type t (the poison before a check).
void fill_bits(core::DataType t, void* buf, std::uint64_t count, std::uint64_t bits, Stream s);
// Overwrites the first, middle and last element with the poison value (fault injection).
void corrupt(const PatternView& v, void* buf, std::uint64_t count, Stream s);
// Counts output elements that differ from element::expected_bits; waits for the stream.
std::uint64_t count_wrong(const PatternView& v, int rank, std::uint64_t param_count, const void* out,
                          std::uint64_t count, Stream s);
// Fault injection (hang): a single-thread kernel that busy-waits on the GPU clock for `seconds`,
// so the stream behind it stalls like a wedged collective; bounded, so it never wedges the GPU.
void spin(double seconds, Stream s);

}  // namespace collbench::kernels

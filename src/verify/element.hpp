#pragma once
// The per-element formulas of the data patterns, written once for the host and the GPU.
//
// Pattern (pattern.hpp) builds the small tables; everything that is evaluated per element (what
// rank r writes at index j, what output element i must hold, whether a value matches) is here,
// as __host__ __device__ functions when compiled by nvcc and plain inline functions otherwise.
// The host backends and tests run these very functions; kernels/ runs them on the GPU.
// No CUDA header is included: the file compiles with any C++20 compiler.
#include <cstdint>

#include "core/collective.hpp"
#include "core/datatype.hpp"
#include "core/hd.hpp"
#include "core/redop.hpp"


namespace collbench::verify::element {

using core::Collective;
using core::DataType;

COLLBENCH_HD constexpr int width_bytes(DataType t) { return core::element_bytes(t); }

struct FloatFormat {
  int ebits = 0;  // 0: an integer type
  int mbits = 0;
};

COLLBENCH_HD constexpr FloatFormat float_format(DataType t) {
  switch (t) {
    case DataType::half: return {5, 10};
    case DataType::bfloat16: return {8, 7};
    case DataType::float32: return {8, 23};
    case DataType::float64: return {11, 52};
    case DataType::fp8_e4m3: return {4, 3};
    case DataType::fp8_e5m2: return {5, 2};
    default: return {0, 0};
  }
}

COLLBENCH_HD constexpr std::uint64_t width_mask(DataType t) {
  const int w = width_bytes(t);
  return w == 8 ? ~0ull : (1ull << (8 * w)) - 1;
}

// Bits of the integer v in type t. v must be exactly representable in t (the patterns only use
// such values): integers wrap to two's complement of the type's width; floats are built from the
// sign, the exponent of the highest set bit, and the bits below it.
COLLBENCH_HD constexpr std::uint64_t int_to_bits(DataType t, std::int64_t v) {
  const FloatFormat f = float_format(t);
  if (f.ebits == 0) return static_cast<std::uint64_t>(v) & width_mask(t);
  if (v == 0) return 0;
  const int total = 1 + f.ebits + f.mbits;
  const std::uint64_t sign = v < 0 ? 1ull << (total - 1) : 0;
  const std::uint64_t mag = v < 0 ? 0ull - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  int e = 63;
  while (((mag >> e) & 1ull) == 0) --e;  // position of the highest set bit
  const std::uint64_t rest = mag - (1ull << e);
  const std::uint64_t mant = e <= f.mbits ? rest << (f.mbits - e) : rest >> (e - f.mbits);
  const std::uint64_t bias = (1ull << (f.ebits - 1)) - 1;
  return sign | ((static_cast<std::uint64_t>(e) + bias) << f.mbits) | mant;
}

// A value no correct result can hold: NaN (all ones) for floats, the most negative value for
// signed integers, all ones for unsigned ones (the patterns keep results below it).
COLLBENCH_HD constexpr std::uint64_t poison_bits(DataType t) {
  switch (t) {
    case DataType::int8:
    case DataType::int32:
    case DataType::int64: return 1ull << (8 * width_bytes(t) - 1);
    default: return width_mask(t);
  }
}

// Units in the last place between two values of a floating type (for values of different signs,
// the sum of their distances to zero).
COLLBENCH_HD constexpr std::uint64_t ulp_distance(DataType t, std::uint64_t a, std::uint64_t b) {
  const int width = 8 * width_bytes(t);
  const std::uint64_t sign = 1ull << (width - 1);
  const auto ordered = [sign](std::uint64_t x) {
    const auto mag = static_cast<std::int64_t>(x & (sign - 1));
    return (x & sign) ? -mag : mag;
  };
  const std::int64_t d = ordered(a) - ordered(b);
  return static_cast<std::uint64_t>(d < 0 ? -d : d);
}

COLLBENCH_HD inline std::uint64_t load(DataType t, const void* buf, std::uint64_t i) {
  switch (width_bytes(t)) {
    case 1: return static_cast<const std::uint8_t*>(buf)[i];
    case 2: return static_cast<const std::uint16_t*>(buf)[i];
    case 4: return static_cast<const std::uint32_t*>(buf)[i];
    default: return static_cast<const std::uint64_t*>(buf)[i];
  }
}

COLLBENCH_HD inline void store(DataType t, void* buf, std::uint64_t i, std::uint64_t bits) {
  switch (width_bytes(t)) {
    case 1: static_cast<std::uint8_t*>(buf)[i] = static_cast<std::uint8_t>(bits); break;
    case 2: static_cast<std::uint16_t*>(buf)[i] = static_cast<std::uint16_t>(bits); break;
    case 4: static_cast<std::uint32_t*>(buf)[i] = static_cast<std::uint32_t>(bits); break;
    default: static_cast<std::uint64_t*>(buf)[i] = bits; break;
  }
}

// Everything the per-element formulas read: a plain struct that is copied to the GPU as a kernel
// argument. The two tables point to host memory on the host and to device memory in kernels.
struct PatternView {
  DataType dtype = DataType::float32;
  Collective coll = Collective::allreduce;
  int nranks = 1;
  int root = 0;
  std::uint64_t seed = 0;
  bool reduces = false;                         // reduction collectives use the tables below
  std::uint64_t period = 1;                     // P: period of the reduction inputs
  const std::uint64_t* input_table = nullptr;   // bits of f(t), P entries
  const std::uint64_t* expected_table = nullptr;// bits of the reduced value by (j + seed) mod P
  std::uint64_t data_period = 1;                // Q: period of the moved data
  std::uint64_t poison = 0;
  std::uint64_t tolerance_ulp = 0;              // 2 for avg on floating types, else 0
  // alltoallv only: the checking rank's receive layout, 2n+1 entries: where each source's block
  // starts in the output (n+1 cumulative counts, the last the total received), then where that
  // block starts in the source's send buffer (n). Null for every other collective.
  const std::uint64_t* layout = nullptr;
  // sendrecv only: the ring reversed, each rank receiving from rank+1 (nccl-tests': from rank-1).
  bool reverse_ring = false;
};

// What rank `rank` moves at index j (non-reducing collectives): (j + 1009 rank + seed) mod Q.
COLLBENCH_HD inline std::uint64_t data_bits(const PatternView& v, int rank, std::uint64_t j) {
  const std::uint64_t x = (j + 1009ull * static_cast<std::uint64_t>(rank) + v.seed) % v.data_period;
  return int_to_bits(v.dtype, static_cast<std::int64_t>(x));
}

// Input element j of rank `rank`.
COLLBENCH_HD inline std::uint64_t input_bits(const PatternView& v, int rank, std::uint64_t j) {
  if (!v.reduces) return data_bits(v, rank, j);
  return v.input_table[(j + static_cast<std::uint64_t>(rank) + v.seed) % v.period];
}

COLLBENCH_HD inline std::uint64_t reduced_bits(const PatternView& v, std::uint64_t j) {
  return v.expected_table[(j + v.seed) % v.period];
}

// Whether rank's output is checked at all (reduce: only the root's).
COLLBENCH_HD inline bool output_checked(const PatternView& v, int rank) {
  return v.coll != Collective::reduce || rank == v.root;
}

// alltoallv: output element i lies in the block of the last source whose block starts at or before
// it (empty blocks start where the next one does); beyond the total received it stays poisoned.
COLLBENCH_HD inline std::uint64_t alltoallv_expected_bits(const PatternView& v, std::uint64_t i) {
  const std::uint64_t* start = v.layout;
  const std::uint64_t* source_offset = v.layout + v.nranks + 1;
  if (i >= start[v.nranks]) return v.poison;
  int lo = 0, hi = v.nranks - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (start[mid] <= i) lo = mid;
    else hi = mid - 1;
  }
  return data_bits(v, lo, source_offset[lo] + (i - start[lo]));
}

// The bits output element i of rank must hold; `param_count` is the per-rank element count of
// the call (nccl-tests' count: the block size of allgather, reducescatter and alltoall).
COLLBENCH_HD inline std::uint64_t expected_bits(const PatternView& v, int rank, std::uint64_t param_count,
                                               std::uint64_t i) {
  const auto r = static_cast<std::uint64_t>(rank);
  switch (v.coll) {
    case Collective::allreduce:
    case Collective::reduce: return reduced_bits(v, i);
    case Collective::reducescatter: return reduced_bits(v, r * param_count + i);
    case Collective::broadcast: return data_bits(v, v.root, i);
    case Collective::allgather: return data_bits(v, static_cast<int>(i / param_count), i % param_count);
    case Collective::alltoall:
      return data_bits(v, static_cast<int>(i / param_count), r * param_count + i % param_count);
    case Collective::sendrecv: return data_bits(v, (rank + (v.reverse_ring ? 1 : v.nranks - 1)) % v.nranks, i);
    case Collective::alltoallv: return alltoallv_expected_bits(v, i);
  }
  return 0;
}

COLLBENCH_HD inline bool matches(const PatternView& v, std::uint64_t got, std::uint64_t want) {
  if (got == want) return true;
  return v.tolerance_ulp != 0 && got != v.poison && ulp_distance(v.dtype, got, want) <= v.tolerance_ulp;
}

}  // namespace collbench::verify::element

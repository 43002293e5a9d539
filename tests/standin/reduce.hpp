#pragma once
// Element arithmetic of the stand-in NCCL: every ncclDataType_t, every ncclRedOp_t, and avg as
// NCCL runs it: PreMulSum by 1/n for floating types, SumPostDiv for integers
// (enqueue.cc:2294-2302 in NCCL 2.28.9). Reductions go in rank order 0..n-1, each step rounded to
// the type, so every rank gets the same bits. half, bfloat16 and fp8 convert through float with
// collbench's conversions (src/core/float16.hpp), round to nearest even (fp8 saturating, as NCCL's
// __nv_fp8 conversions with __NV_SATFINITE).
#include <nccl.h>

#include <cstddef>
#include <cstdint>

namespace cbsi {

std::size_t type_size(ncclDataType_t t);
bool is_float(ncclDataType_t t);

// A reduction as the stand-in runs it: op is one of ncclSum/Prod/Min/Max, with an optional
// pre-multiplication of every input (PreMulSum, avg on floating types) by `scalar` and an
// optional division of the result (avg on integers) by `divisor`.
struct Reduction {
  ncclDataType_t type = ncclFloat32;
  ncclRedOp_t op = ncclSum;
  bool premul = false;
  double scalar = 1.0;  // as a double; rounded to the type before use, as NCCL stores it
  std::uint64_t divisor = 1;
};

// out[i] = in[i] multiplied by the scalar (PreMulSum, avg on floating types) or copied: what a rank
// contributes. Each rank applies its own scalar to its own input (nccl-tests gives ranks
// different ones), so this runs before the data leaves the rank.
void stage(const Reduction& r, void* out, const void* in, std::size_t n);
// acc[i] = first ? in[i] : acc[i] op in[i], for i < n.
void accumulate(const Reduction& r, void* acc, const void* in, std::size_t n, bool first);
// One element of type t as a double (a PreMulSum scalar).
double to_double(ncclDataType_t t, const void* p);
// Applies the integer division of avg (no-op otherwise).
void finish(const Reduction& r, void* acc, std::size_t n);

}  // namespace cbsi

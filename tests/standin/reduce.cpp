#include "reduce.hpp"

#include <algorithm>
#include <cstring>

#include "core/float16.hpp"

namespace cbsi {

namespace fp = collbench::core;

std::size_t type_size(ncclDataType_t t) {
  switch (t) {
    case ncclInt8: case ncclUint8: case ncclFloat8e4m3: case ncclFloat8e5m2: return 1;
    case ncclFloat16: case ncclBfloat16: return 2;
    case ncclInt32: case ncclUint32: case ncclFloat32: return 4;
    case ncclInt64: case ncclUint64: case ncclFloat64: return 8;
    default: return 0;
  }
}

bool is_float(ncclDataType_t t) {
  return t == ncclFloat16 || t == ncclBfloat16 || t == ncclFloat32 || t == ncclFloat64 || t == ncclFloat8e4m3 ||
         t == ncclFloat8e5m2;
}

namespace {

template <class T>
T apply(ncclRedOp_t op, T a, T b) {
  switch (op) {
    case ncclProd: return static_cast<T>(a * b);
    case ncclMin: return std::min(a, b);
    case ncclMax: return std::max(a, b);
    default: return static_cast<T>(a + b);
  }
}

template <class T>
void integers(const Reduction& r, void* acc_v, const void* in_v, std::size_t n, bool first, bool pre) {
  auto* acc = static_cast<T*>(acc_v);
  const auto* in = static_cast<const T*>(in_v);
  if (pre) {  // PreMulSum on integers: an integer product with the integer scalar
    const auto s = static_cast<T>(static_cast<long long>(r.scalar));
    for (std::size_t i = 0; i < n; ++i) acc[i] = static_cast<T>(in[i] * s);
    return;
  }
  if (first) {
    std::memmove(acc, in, n * sizeof(T));
    return;
  }
  for (std::size_t i = 0; i < n; ++i) acc[i] = apply<T>(r.op, acc[i], in[i]);
}

// Floating types stored as bits, computed in float (or double) and rounded back at every step.
template <class Bits, class Compute, Compute (*to)(Bits), Bits (*from)(Compute)>
void floats(const Reduction& r, void* acc_v, const void* in_v, std::size_t n, bool first, bool pre) {
  auto* acc = static_cast<Bits*>(acc_v);
  const auto* in = static_cast<const Bits*>(in_v);
  const Compute scalar = to(from(static_cast<Compute>(r.scalar)));  // the scalar as the type holds it
  for (std::size_t i = 0; i < n; ++i) {
    const Compute x = to(in[i]);
    if (pre) acc[i] = from(x * scalar);
    else acc[i] = first ? in[i] : from(apply<Compute>(r.op, to(acc[i]), x));
  }
}

float f32(std::uint32_t b) { float f; std::memcpy(&f, &b, 4); return f; }
std::uint32_t b32(float f) { std::uint32_t b; std::memcpy(&b, &f, 4); return b; }
double f64(std::uint64_t b) { double f; std::memcpy(&f, &b, 8); return f; }
std::uint64_t b64(double f) { std::uint64_t b; std::memcpy(&b, &f, 8); return b; }

template <class T>
void divide(void* acc_v, std::size_t n, std::uint64_t d) {
  auto* acc = static_cast<T*>(acc_v);
  for (std::size_t i = 0; i < n; ++i) acc[i] = static_cast<T>(acc[i] / static_cast<T>(d));
}

}  // namespace

namespace {

void dispatch(const Reduction& r, void* acc, const void* in, std::size_t n, bool first, bool pre) {
  switch (r.type) {
    case ncclInt8: return integers<std::int8_t>(r, acc, in, n, first, pre);
    case ncclUint8: return integers<std::uint8_t>(r, acc, in, n, first, pre);
    case ncclInt32: return integers<std::int32_t>(r, acc, in, n, first, pre);
    case ncclUint32: return integers<std::uint32_t>(r, acc, in, n, first, pre);
    case ncclInt64: return integers<std::int64_t>(r, acc, in, n, first, pre);
    case ncclUint64: return integers<std::uint64_t>(r, acc, in, n, first, pre);
    case ncclFloat16: return floats<std::uint16_t, float, fp::half_to_float, fp::float_to_half>(r, acc, in, n, first, pre);
    case ncclBfloat16: return floats<std::uint16_t, float, fp::bf16_to_float, fp::float_to_bf16>(r, acc, in, n, first, pre);
    case ncclFloat8e4m3: return floats<std::uint8_t, float, fp::fp8_e4m3_to_float, fp::float_to_fp8_e4m3>(r, acc, in, n, first, pre);
    case ncclFloat8e5m2: return floats<std::uint8_t, float, fp::fp8_e5m2_to_float, fp::float_to_fp8_e5m2>(r, acc, in, n, first, pre);
    case ncclFloat32: return floats<std::uint32_t, float, f32, b32>(r, acc, in, n, first, pre);
    case ncclFloat64: return floats<std::uint64_t, double, f64, b64>(r, acc, in, n, first, pre);
    default: return;
  }
}

}  // namespace

void stage(const Reduction& r, void* out, const void* in, std::size_t n) {
  if (!r.premul) {
    std::memmove(out, in, n * type_size(r.type));
    return;
  }
  dispatch(r, out, in, n, true, true);
}

void accumulate(const Reduction& r, void* acc, const void* in, std::size_t n, bool first) {
  dispatch(r, acc, in, n, first, false);
}

double to_double(ncclDataType_t t, const void* p) {
  std::uint64_t b = 0;
  std::memcpy(&b, p, type_size(t));
  switch (t) {
    case ncclInt8: return static_cast<std::int8_t>(b);
    case ncclUint8: return static_cast<std::uint8_t>(b);
    case ncclInt32: return static_cast<std::int32_t>(b);
    case ncclUint32: return static_cast<std::uint32_t>(b);
    case ncclInt64: return static_cast<double>(static_cast<std::int64_t>(b));
    case ncclUint64: return static_cast<double>(b);
    case ncclFloat16: return fp::half_to_float(static_cast<std::uint16_t>(b));
    case ncclBfloat16: return fp::bf16_to_float(static_cast<std::uint16_t>(b));
    case ncclFloat8e4m3: return fp::fp8_e4m3_to_float(static_cast<std::uint8_t>(b));
    case ncclFloat8e5m2: return fp::fp8_e5m2_to_float(static_cast<std::uint8_t>(b));
    case ncclFloat32: return f32(static_cast<std::uint32_t>(b));
    case ncclFloat64: return f64(b);
    default: return 0;
  }
}

void finish(const Reduction& r, void* acc, std::size_t n) {
  if (r.divisor <= 1) return;
  switch (r.type) {
    case ncclInt8: return divide<std::int8_t>(acc, n, r.divisor);
    case ncclUint8: return divide<std::uint8_t>(acc, n, r.divisor);
    case ncclInt32: return divide<std::int32_t>(acc, n, r.divisor);
    case ncclUint32: return divide<std::uint32_t>(acc, n, r.divisor);
    case ncclInt64: return divide<std::int64_t>(acc, n, r.divisor);
    case ncclUint64: return divide<std::uint64_t>(acc, n, r.divisor);
    default: return;
  }
}

}  // namespace cbsi

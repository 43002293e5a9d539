#include "backend/mpi/mpi_types.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "core/float16.hpp"

namespace collbench::backend::mpi {

namespace {

using core::DataType;
using core::RedOp;

template <class Bits, float (*ToFloat)(Bits), Bits (*FromFloat)(float), int Op>
void reduce_small(void* in, void* inout, int* len, MPI_Datatype*) {
  auto* a = static_cast<const Bits*>(in);
  auto* b = static_cast<Bits*>(inout);
  for (int i = 0; i < *len; ++i) {
    const float x = ToFloat(a[i]);
    const float y = ToFloat(b[i]);
    float r = 0.0f;
    if constexpr (Op == 0) r = x + y;
    else if constexpr (Op == 1) r = x * y;
    else if constexpr (Op == 2) r = std::min(x, y);
    else r = std::max(x, y);
    b[i] = FromFloat(r);
  }
}

int op_index(RedOp op) {
  switch (op) {
    case RedOp::sum:
    case RedOp::avg: return 0;
    case RedOp::prod: return 1;
    case RedOp::min: return 2;
    case RedOp::max: return 3;
  }
  return 0;
}

template <class T>
void divide(void* buf, std::uint64_t count, T n) {
  T* p = static_cast<T*>(buf);
  for (std::uint64_t i = 0; i < count; ++i) p[i] = p[i] / n;
}

template <class Bits, float (*ToFloat)(Bits), Bits (*FromFloat)(float)>
void divide_small(void* buf, std::uint64_t count, float n) {
  auto* p = static_cast<Bits*>(buf);
  for (std::uint64_t i = 0; i < count; ++i) p[i] = FromFloat(ToFloat(p[i]) / n);
}

template <class Bits, float (*ToFloat)(Bits), Bits (*FromFloat)(float)>
void create_ops(MPI_Op (&ops)[4]) {
  MPI_Op_create(reduce_small<Bits, ToFloat, FromFloat, 0>, 1, &ops[0]);
  MPI_Op_create(reduce_small<Bits, ToFloat, FromFloat, 1>, 1, &ops[1]);
  MPI_Op_create(reduce_small<Bits, ToFloat, FromFloat, 2>, 1, &ops[2]);
  MPI_Op_create(reduce_small<Bits, ToFloat, FromFloat, 3>, 1, &ops[3]);
}

}  // namespace

MpiTypes::MpiTypes() {
  using namespace core;
  create_ops<std::uint16_t, half_to_float, float_to_half>(m_half);
  create_ops<std::uint16_t, bf16_to_float, float_to_bf16>(m_bf16);
  create_ops<std::uint8_t, fp8_e4m3_to_float, float_to_fp8_e4m3>(m_e4m3);
  create_ops<std::uint8_t, fp8_e5m2_to_float, float_to_fp8_e5m2>(m_e5m2);
}

MpiTypes::~MpiTypes() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  for (MPI_Op& op : m_half) MPI_Op_free(&op);
  for (MPI_Op& op : m_bf16) MPI_Op_free(&op);
  for (MPI_Op& op : m_e4m3) MPI_Op_free(&op);
  for (MPI_Op& op : m_e5m2) MPI_Op_free(&op);
}

MPI_Datatype MpiTypes::datatype(DataType t) const {
  switch (t) {
    case DataType::int8: return MPI_INT8_T;
    case DataType::uint8: return MPI_UINT8_T;
    case DataType::int32: return MPI_INT32_T;
    case DataType::uint32: return MPI_UINT32_T;
    case DataType::int64: return MPI_INT64_T;
    case DataType::uint64: return MPI_UINT64_T;
    case DataType::half:
    case DataType::bfloat16: return MPI_UINT16_T;
    case DataType::fp8_e4m3:
    case DataType::fp8_e5m2: return MPI_UINT8_T;
    case DataType::float32: return MPI_FLOAT;
    case DataType::float64: return MPI_DOUBLE;
  }
  return MPI_BYTE;
}

MPI_Op MpiTypes::op(DataType t, RedOp op) const {
  if (t == DataType::half) return m_half[op_index(op)];
  if (t == DataType::bfloat16) return m_bf16[op_index(op)];
  if (t == DataType::fp8_e4m3) return m_e4m3[op_index(op)];
  if (t == DataType::fp8_e5m2) return m_e5m2[op_index(op)];
  switch (op) {
    case RedOp::sum:
    case RedOp::avg: return MPI_SUM;
    case RedOp::prod: return MPI_PROD;
    case RedOp::min: return MPI_MIN;
    case RedOp::max: return MPI_MAX;
  }
  return MPI_SUM;
}

void check_mpi(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING] = {};
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  throw core::RunError(std::string(what) + " failed: " + std::string(msg, static_cast<std::size_t>(len)));
}

std::string library_version() {
  char version[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int len = 0;
  MPI_Get_library_version(version, &len);
  std::string lib(version, static_cast<std::size_t>(len));
  if (auto nl = lib.find('\n'); nl != std::string::npos) lib.resize(nl);
  while (!lib.empty() && (lib.back() == ',' || lib.back() == ' ' || lib.back() == '\0')) lib.pop_back();
  return lib;
}

void divide_by_ranks(DataType t, void* buf, std::uint64_t count, int nranks) {
  switch (t) {
    case DataType::float32: divide<float>(buf, count, static_cast<float>(nranks)); break;
    case DataType::float64: divide<double>(buf, count, static_cast<double>(nranks)); break;
    case DataType::half:
      divide_small<std::uint16_t, core::half_to_float, core::float_to_half>(buf, count, static_cast<float>(nranks));
      break;
    case DataType::bfloat16:
      divide_small<std::uint16_t, core::bf16_to_float, core::float_to_bf16>(buf, count, static_cast<float>(nranks));
      break;
    case DataType::fp8_e4m3:
      divide_small<std::uint8_t, core::fp8_e4m3_to_float, core::float_to_fp8_e4m3>(buf, count, static_cast<float>(nranks));
      break;
    case DataType::fp8_e5m2:
      divide_small<std::uint8_t, core::fp8_e5m2_to_float, core::float_to_fp8_e5m2>(buf, count, static_cast<float>(nranks));
      break;
    default: break;  // avg is only defined on floating types (core::op_applies)
  }
}

}  // namespace collbench::backend::mpi

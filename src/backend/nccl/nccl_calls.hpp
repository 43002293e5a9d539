#pragma once
// collbench's types and operations as NCCL's enums and names (nccl.h, NCCL 2.28).
#include <nccl.h>

#include "core/collective.hpp"
#include "core/datatype.hpp"
#include "core/redop.hpp"

namespace collbench::backend::nccl {

inline ncclDataType_t nccl_type(core::DataType t) {
  switch (t) {
    case core::DataType::int8: return ncclInt8;
    case core::DataType::uint8: return ncclUint8;
    case core::DataType::int32: return ncclInt32;
    case core::DataType::uint32: return ncclUint32;
    case core::DataType::int64: return ncclInt64;
    case core::DataType::uint64: return ncclUint64;
    case core::DataType::half: return ncclFloat16;
    case core::DataType::bfloat16: return ncclBfloat16;
    case core::DataType::float32: return ncclFloat32;
    case core::DataType::float64: return ncclFloat64;
    case core::DataType::fp8_e4m3: return ncclFloat8e4m3;
    case core::DataType::fp8_e5m2: return ncclFloat8e5m2;
  }
  return ncclFloat32;
}

inline ncclRedOp_t nccl_op(core::RedOp op) {
  switch (op) {
    case core::RedOp::sum: return ncclSum;
    case core::RedOp::prod: return ncclProd;
    case core::RedOp::min: return ncclMin;
    case core::RedOp::max: return ncclMax;
    case core::RedOp::avg: return ncclAvg;
  }
  return ncclSum;
}

// The name NCCL's TUNING line gives the collective (enqueue.cc:741).
inline const char* nccl_func_name(core::Collective c) {
  switch (c) {
    case core::Collective::allreduce: return "AllReduce";
    case core::Collective::allgather: return "AllGather";
    case core::Collective::reducescatter: return "ReduceScatter";
    case core::Collective::broadcast: return "Broadcast";
    case core::Collective::reduce: return "Reduce";
    case core::Collective::alltoall:
    case core::Collective::sendrecv:
    case core::Collective::alltoallv: return "SendRecv";
  }
  return "";
}

// NCCL refuses the call's arguments (ArgsCheck, the fp8 and one-rank checks of enqueue.cc and
// onerank.cu): nothing was launched, and every rank given the same case refuses it alike.
inline bool refuses_arguments(ncclResult_t rc) { return rc == ncclInvalidArgument || rc == ncclInvalidUsage; }

}  // namespace collbench::backend::nccl

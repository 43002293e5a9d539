#pragma once
// CHECK_CUDA / CHECK_NCCL: a failed runtime call becomes core::RunError naming the call, its
// file:line and the library's message. Included only by kernels/ and src/backend/nccl/.
#include <cuda_runtime.h>

#include <string>

#include "core/error.hpp"

namespace collbench::kernels {

inline void check_cuda(cudaError_t rc, const char* what) {
  if (rc == cudaSuccess) return;
  throw core::RunError(std::string(what) + " failed: " + cudaGetErrorName(rc) + ": " + cudaGetErrorString(rc));
}

}  // namespace collbench::kernels

#define COLLBENCH_CUDA_STR2(x) #x
#define COLLBENCH_CUDA_STR(x) COLLBENCH_CUDA_STR2(x)
#define CHECK_CUDA(call) \
  ::collbench::kernels::check_cuda((call), #call " at " __FILE__ ":" COLLBENCH_CUDA_STR(__LINE__))

#pragma once
// COLLBENCH_HD marks functions the host and the GPU both run: __host__ __device__ under nvcc,
// nothing for an ordinary C++ compiler. No CUDA header is needed.
#if defined(__CUDACC__)
#define COLLBENCH_HD __host__ __device__
#else
#define COLLBENCH_HD
#endif

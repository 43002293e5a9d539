#pragma once
// Kernel twins: how the stand-in CUDA runtime runs a __global__ function it cannot execute.
// cudaLaunchKernel finds the device name that __cudaRegisterFunction registered for the host stub,
// demangles it, and asks the built-in twins (collbench's own kernels, twins_collbench.cpp) and then
// every library named in COLLBENCH_STANDIN_KERNELS (colon-separated, dlopen'ed) for a twin: a host
// function doing the same element math over the whole grid. A kernel nobody knows fails the launch
// with cudaErrorInvalidDeviceFunction and one line on stderr naming it.
#include <functional>
#include <string>

namespace cbsi {

struct Launch {
  const char* mangled;        // the device name __cudaRegisterFunction registered
  std::string demangled;      // abi::__cxa_demangle of it
  void** args;                // cudaLaunchKernel's args: args[i] points at parameter i (valid during the lookup)
  unsigned grid[3], block[3];
};

// Runs later on the stream's worker thread; owns copies of the arguments.
using Work = std::function<void()>;

}  // namespace cbsi

// Returns 1 and sets *work when `launch` is one of this library's kernels, else 0.
extern "C" int collbench_standin_twin(const cbsi::Launch* launch, cbsi::Work* work);

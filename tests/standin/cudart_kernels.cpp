// The stand-in CUDA runtime's kernels (TEST ONLY): nvcc's registration and launch entry points,
// CUDA 13's <<<>>> path included, running each kernel as a host twin (kernel_twin.hpp).
#include <cxxabi.h>
#include <dlfcn.h>

#include "cudart_internal.hpp"
#include "standin_env.hpp"

namespace cbsi::rt {

std::mutex g_kernels_mutex;
std::map<const void*, std::string>& kernel_names() {
  static auto* m = new std::map<const void*, std::string>();
  return *m;
}

using TwinFn = int (*)(const Launch*, Work*);
std::vector<TwinFn>& twin_libraries() {
  static auto* v = [] {
    auto* out = new std::vector<TwinFn>();
    for (const std::string& path : env_list("COLLBENCH_STANDIN_KERNELS", ':')) {
      void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      auto fn = h ? reinterpret_cast<TwinFn>(dlsym(h, "collbench_standin_twin")) : nullptr;
      if (!fn) {
        std::fprintf(stderr, "collbench stand-in: COLLBENCH_STANDIN_KERNELS: %s: %s\n", path.c_str(),
                     h ? "no collbench_standin_twin in it" : dlerror());
        continue;
      }
      out->push_back(fn);
    }
    return out;
  }();
  return *v;
}

}  // namespace cbsi::rt

using namespace cbsi;
using namespace cbsi::rt;

extern "C" {

// ---- kernels ----------------------------------------------------------------------------------

void** __cudaRegisterFatBinary(void* fat) {
  auto** handle = new void*[1];
  handle[0] = fat;
  return handle;
}

void __cudaRegisterFatBinaryEnd(void**) {}

void __cudaUnregisterFatBinary(void** handle) { delete[] handle; }

void __cudaRegisterFunction(void**, const char* host_fun, char*, const char* device_name, int, uint3*, uint3*, dim3*,
                            dim3*, int*) {
  std::lock_guard<std::mutex> lock(g_kernels_mutex);
  kernel_names()[host_fun] = device_name ? device_name : "";
}

void __cudaRegisterVar(void**, char*, char*, const char*, int, std::size_t, int, int) {}
void __cudaRegisterManagedVar(void**, void**, char*, const char*, int, std::size_t, int, int) {}

namespace {
struct CallConfig {
  dim3 grid, block;
  std::size_t shmem;
  void* stream;
};
thread_local std::vector<CallConfig> t_configs;
}  // namespace

unsigned __cudaPushCallConfiguration(dim3 grid, dim3 block, std::size_t shmem, void* stream) {
  t_configs.push_back({grid, block, shmem, stream});
  return 0;
}

cudaError_t __cudaPopCallConfiguration(dim3* grid, dim3* block, std::size_t* shmem, void* stream) {
  if (t_configs.empty()) return cudaErrorInvalidConfiguration;
  const CallConfig c = t_configs.back();
  t_configs.pop_back();
  *grid = c.grid;
  *block = c.block;
  *shmem = c.shmem;
  *static_cast<void**>(stream) = c.stream;
  return cudaSuccess;
}

int collbench_builtin_twin(const Launch* launch, Work* work);  // twins_collbench.cpp

cudaError_t cudaLaunchKernel(const void* func, dim3 grid, dim3 block, void** args, std::size_t, cudaStream_t stream) {
  std::string mangled;
  {
    std::lock_guard<std::mutex> lock(g_kernels_mutex);
    auto it = kernel_names().find(func);
    if (it == kernel_names().end()) return fail(cudaErrorInvalidDeviceFunction);
    mangled = it->second;
  }
  if (grid.x == 0 || block.x == 0) return fail(cudaErrorInvalidConfiguration);
  Launch l{mangled.c_str(), mangled, args, {grid.x, grid.y, grid.z}, {block.x, block.y, block.z}};
  int status = 0;
  if (char* d = abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status)) {
    l.demangled = d;
    std::free(d);
  }
  Work w;
  bool found = collbench_builtin_twin(&l, &w) != 0;
  for (TwinFn fn : twin_libraries()) {
    if (found) break;
    found = fn(&l, &w) != 0;
  }
  if (!found) {
    std::fprintf(stderr, "collbench stand-in: no host twin for kernel %s (see tests/standin/README.md)\n",
                 l.demangled.c_str());
    return fail(cudaErrorInvalidDeviceFunction);
  }
  return fail(enqueue(
      stream,
      [w](double start) {
        w();
        return start + kKernelNs;
      },
      "kernel"));
}

// CUDA 13's <<<>>> launch path (crt/host_runtime.h): the kernel handle is the host stub itself.
cudaError_t __cudaGetKernel(cudaKernel_t* kernel, const void* func) {
  if (!kernel) return cudaErrorInvalidValue;
  *kernel = reinterpret_cast<cudaKernel_t>(const_cast<void*>(func));
  return cudaSuccess;
}

cudaError_t __cudaLaunchKernel(cudaKernel_t kernel, dim3 grid, dim3 block, void** args, std::size_t shmem, cudaStream_t stream) {
  return cudaLaunchKernel(reinterpret_cast<const void*>(kernel), grid, block, args, shmem, stream);
}

cudaError_t __cudaLaunchKernel_ptsz(cudaKernel_t kernel, dim3 grid, dim3 block, void** args, std::size_t shmem,
                                    cudaStream_t stream) {
  return cudaLaunchKernel(reinterpret_cast<const void*>(kernel), grid, block, args, shmem, stream);
}

cudaError_t cudaFuncGetAttributes(cudaFuncAttributes* attr, const void*) {
  if (!attr) return fail(cudaErrorInvalidValue);
  std::memset(attr, 0, sizeof *attr);
  attr->maxThreadsPerBlock = 1024;
  attr->numRegs = 32;
  attr->ptxVersion = 90;
  attr->binaryVersion = 90;
  return cudaSuccess;
}

cudaError_t cudaFuncSetAttribute(const void*, cudaFuncAttribute, int) { return cudaSuccess; }

}  // extern "C"

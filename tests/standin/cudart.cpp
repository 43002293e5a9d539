// The stand-in CUDA runtime (libcudart.so.13), TEST ONLY: the collbench binary and nccl-tests,
// started with LD_LIBRARY_PATH at this library's folder, run their CUDA calls on the CPU.
// Devices are simulated (COLLBENCH_STANDIN_GPUS per host, CUDA_VISIBLE_DEVICES honoured), device
// memory is host memory, each stream is a worker thread that runs its operations in order, and
// time is the simulated device clock described in runtime.hpp. Kernels run as host twins
// (kernel_twin.hpp). Everything here follows the CUDA 13.0 runtime headers' contracts
// (cuda_runtime_api.h), the only CUDA text this file includes.
#include <strings.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "cudart_internal.hpp"
#include "standin_env.hpp"

using namespace cbsi;
using namespace cbsi::rt;

extern "C" {

// What the product looks up (dlsym) to say that its figures come from this stand-in.
const char* collbench_standin_description() {
  return "collbench GPU stand-in (tests/standin): simulated devices, NCCL over shared memory on CPUs, "
         "times from NCCL's cost model plus host launch gaps; not a GPU measurement";
}

// ---- errors and versions ----------------------------------------------------------------------

const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInitializationError: return "cudaErrorInitializationError";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    case cudaErrorNotReady: return "cudaErrorNotReady";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorInvalidDeviceFunction: return "cudaErrorInvalidDeviceFunction";
    case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
    case cudaErrorStreamCaptureUnsupported: return "cudaErrorStreamCaptureUnsupported";
    case cudaErrorStreamCaptureInvalidated: return "cudaErrorStreamCaptureInvalidated";
    case cudaErrorIllegalState: return "cudaErrorIllegalState";
    case cudaErrorNotSupported: return "cudaErrorNotSupported";
    case cudaErrorPeerAccessAlreadyEnabled: return "cudaErrorPeerAccessAlreadyEnabled";
    default: return "cudaErrorUnknown";
  }
}

const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInitializationError: return "initialization error";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorNotReady: return "device not ready";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorInvalidDeviceFunction: return "invalid device function";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
    case cudaErrorStreamCaptureUnsupported: return "operation not permitted when stream is capturing";
    case cudaErrorIllegalState: return "the operation cannot be performed in the present state";
    case cudaErrorNotSupported: return "operation not supported";
    default: return "unknown error";
  }
}

cudaError_t cudaGetLastError(void) {
  const cudaError_t e = t_last_error;
  t_last_error = cudaSuccess;
  return e;
}

cudaError_t cudaPeekAtLastError(void) { return t_last_error; }

cudaError_t cudaDriverGetVersion(int* v) {
  if (!v) return fail(cudaErrorInvalidValue);
  *v = CUDART_VERSION;
  return cudaSuccess;
}

cudaError_t cudaRuntimeGetVersion(int* v) {
  if (!v) return fail(cudaErrorInvalidValue);
  *v = CUDART_VERSION;
  return cudaSuccess;
}

// ---- devices ----------------------------------------------------------------------------------

cudaError_t cudaGetDeviceCount(int* count) {
  if (!count) return fail(cudaErrorInvalidValue);
  *count = visible_count();
  if (*count == 0) return fail(cudaErrorNoDevice);
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  if (device < 0 || device >= visible_count()) return fail(visible_count() == 0 ? cudaErrorNoDevice : cudaErrorInvalidDevice);
  t_device = device;
  return cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
  if (!device) return fail(cudaErrorInvalidValue);
  if (visible_count() == 0) return fail(cudaErrorNoDevice);
  *device = t_device;
  return cudaSuccess;
}

cudaError_t cudaInitDevice(int device, unsigned int, unsigned int) { return cudaSetDevice(device) == cudaSuccess ? cudaSuccess : cudaErrorInvalidDevice; }

cudaError_t cudaSetDeviceFlags(unsigned int) { return cudaSuccess; }
cudaError_t cudaGetDeviceFlags(unsigned int* flags) {
  if (flags) *flags = 0;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int device) {
  if (!p) return fail(cudaErrorInvalidValue);
  if (device < 0 || device >= visible_count()) return fail(cudaErrorInvalidDevice);
  const Device& d = visible(device);
  std::memset(p, 0, sizeof *p);
  std::snprintf(p->name, sizeof p->name, "%s", d.name.c_str());
  std::memcpy(p->uuid.bytes, d.uuid, 16);
  p->totalGlobalMem = d.memory;
  p->sharedMemPerBlock = 49152;
  p->regsPerBlock = 65536;
  p->warpSize = 32;
  p->memPitch = 2147483647;
  p->maxThreadsPerBlock = 1024;
  p->maxThreadsDim[0] = p->maxThreadsDim[1] = 1024;
  p->maxThreadsDim[2] = 64;
  p->maxGridSize[0] = 2147483647;
  p->maxGridSize[1] = p->maxGridSize[2] = 65535;
  p->totalConstMem = 65536;
  p->major = d.cc_major;
  p->minor = d.cc_minor;
  p->textureAlignment = 512;
  p->multiProcessorCount = d.sms;
  p->integrated = 0;
  p->canMapHostMemory = 1;
  p->concurrentKernels = 1;
  p->pciDomainID = 0;
  p->pciBusID = d.pci_bus;
  p->pciDeviceID = 0;
  p->asyncEngineCount = 2;
  p->unifiedAddressing = 1;
  p->memoryBusWidth = 5120;
  p->l2CacheSize = d.l2;
  p->persistingL2CacheMaxSize = d.l2 * 3 / 4;
  p->maxThreadsPerMultiProcessor = 2048;
  p->sharedMemPerMultiprocessor = 233472;
  p->regsPerMultiprocessor = 65536;
  p->managedMemory = 1;
  p->isMultiGpuBoard = 0;
  p->concurrentManagedAccess = 1;
  p->pageableMemoryAccess = 0;
  p->cooperativeLaunch = 1;
  p->sharedMemPerBlockOptin = 232448;
  p->maxBlocksPerMultiProcessor = 32;
  p->hostRegisterSupported = 1;
  return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int device) {
  if (!value) return fail(cudaErrorInvalidValue);
  if (device < 0 || device >= visible_count()) return fail(cudaErrorInvalidDevice);
  const Device& d = visible(device);
  switch (attr) {
    case cudaDevAttrComputeCapabilityMajor: *value = d.cc_major; break;
    case cudaDevAttrComputeCapabilityMinor: *value = d.cc_minor; break;
    case cudaDevAttrL2CacheSize: *value = d.l2; break;
    case cudaDevAttrMultiProcessorCount: *value = d.sms; break;
    case cudaDevAttrPciBusId: *value = d.pci_bus; break;
    case cudaDevAttrPciDeviceId: *value = 0; break;
    case cudaDevAttrPciDomainId: *value = 0; break;
    case cudaDevAttrWarpSize: *value = 32; break;
    case cudaDevAttrMaxThreadsPerBlock: *value = 1024; break;
    case cudaDevAttrMaxSharedMemoryPerBlockOptin: *value = 232448; break;
    case cudaDevAttrUnifiedAddressing: *value = 1; break;
    case cudaDevAttrIntegrated: *value = 0; break;
    case cudaDevAttrConcurrentManagedAccess: *value = 1; break;
    case cudaDevAttrManagedMemory: *value = 1; break;
    case cudaDevAttrCooperativeLaunch: *value = 1; break;
    case cudaDevAttrCanUseHostPointerForRegisteredMem: *value = 1; break;
    case cudaDevAttrHostRegisterSupported: *value = 1; break;
    case cudaDevAttrClockRate: *value = 1980000; break;
    case cudaDevAttrMemoryClockRate: *value = 2619000; break;
    case cudaDevAttrGlobalMemoryBusWidth: *value = 5120; break;
    default: *value = 0; break;
  }
  return cudaSuccess;
}

cudaError_t cudaDeviceGetPCIBusId(char* bus, int len, int device) {
  if (!bus || len <= 0) return fail(cudaErrorInvalidValue);
  if (device < 0 || device >= visible_count()) return fail(cudaErrorInvalidDevice);
  std::snprintf(bus, static_cast<std::size_t>(len), "%s", visible(device).bus_id.c_str());
  return cudaSuccess;
}

cudaError_t cudaDeviceGetByPCIBusId(int* device, const char* bus) {
  if (!device || !bus) return fail(cudaErrorInvalidValue);
  for (int i = 0; i < visible_count(); ++i)
    if (strcasecmp(visible(i).bus_id.c_str(), bus) == 0) {
      *device = i;
      return cudaSuccess;
    }
  return fail(cudaErrorInvalidDevice);
}

cudaError_t cudaDeviceCanAccessPeer(int* can, int device, int peer) {
  if (!can) return fail(cudaErrorInvalidValue);
  *can = device != peer && device >= 0 && peer >= 0 && device < visible_count() && peer < visible_count();
  return cudaSuccess;
}

cudaError_t cudaDeviceEnablePeerAccess(int, unsigned int) { return cudaSuccess; }

cudaError_t cudaDeviceSynchronize(void) {
  std::vector<CUstream_st*> streams;
  {
    std::lock_guard<std::mutex> lock(g_streams_mutex);
    for (CUstream_st* s : device_streams())
      if (s->device == t_device) streams.push_back(s);
  }
  cudaError_t rc = drain(legacy_stream(t_device));
  for (CUstream_st* s : streams) {
    const cudaError_t e = drain(s);
    if (rc == cudaSuccess) rc = e;
  }
  return fail(rc);
}

cudaError_t cudaDeviceReset(void) { return cudaDeviceSynchronize(); }

cudaError_t cudaMemGetInfo(std::size_t* free_b, std::size_t* total_b) {
  if (!free_b || !total_b) return fail(cudaErrorInvalidValue);
  if (visible_count() == 0) return fail(cudaErrorNoDevice);
  std::lock_guard<std::mutex> lock(g_alloc_mutex);
  const std::uint64_t total = visible(t_device).memory;
  const std::uint64_t used = used_per_device()[static_cast<std::size_t>(t_device)];
  *total_b = total;
  *free_b = used > total ? 0 : total - used;
  return cudaSuccess;
}

// ---- memory -----------------------------------------------------------------------------------

cudaError_t cudaMalloc(void** ptr, std::size_t bytes) {
  if (!ptr) return fail(cudaErrorInvalidValue);
  if (visible_count() == 0) return fail(cudaErrorNoDevice);
  *ptr = nullptr;
  if (bytes == 0) return cudaSuccess;
  std::lock_guard<std::mutex> lock(g_alloc_mutex);
  std::uint64_t& used = used_per_device()[static_cast<std::size_t>(t_device)];
  if (used + bytes > visible(t_device).memory) return fail(cudaErrorMemoryAllocation);
  // 256-byte alignment as cudaMalloc guarantees; pages come from the OS lazily.
  void* p = std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
  if (!p) return fail(cudaErrorMemoryAllocation);
  used += bytes;
  allocations()[static_cast<const char*>(p)] = {bytes, t_device};
  *ptr = p;
  return cudaSuccess;
}

cudaError_t cudaFree(void* ptr) {
  if (!ptr) return cudaSuccess;
  cudaDeviceSynchronize();  // cudaFree synchronises the device
  std::lock_guard<std::mutex> lock(g_alloc_mutex);
  auto it = allocations().find(static_cast<const char*>(ptr));
  if (it == allocations().end() || it->second.device < 0) return fail(cudaErrorInvalidValue);
  used_per_device()[static_cast<std::size_t>(it->second.device)] -= it->second.bytes;
  allocations().erase(it);
  std::free(ptr);
  return cudaSuccess;
}

cudaError_t cudaMallocHost(void** ptr, std::size_t bytes) {
  if (!ptr) return fail(cudaErrorInvalidValue);
  void* p = std::aligned_alloc(4096, std::max<std::size_t>((bytes + 4095) / 4096 * 4096, 4096));
  if (!p) return fail(cudaErrorMemoryAllocation);
  std::lock_guard<std::mutex> lock(g_alloc_mutex);
  allocations()[static_cast<const char*>(p)] = {bytes, -1};
  *ptr = p;
  return cudaSuccess;
}

cudaError_t cudaHostAlloc(void** ptr, std::size_t bytes, unsigned int) { return cudaMallocHost(ptr, bytes); }

cudaError_t cudaFreeHost(void* ptr) {
  if (!ptr) return cudaSuccess;
  std::lock_guard<std::mutex> lock(g_alloc_mutex);
  auto it = allocations().find(static_cast<const char*>(ptr));
  if (it == allocations().end() || it->second.device >= 0) return fail(cudaErrorInvalidValue);
  allocations().erase(it);
  std::free(ptr);
  return cudaSuccess;
}

cudaError_t cudaHostGetDevicePointer(void** dev, void* host, unsigned int) {
  if (!dev) return fail(cudaErrorInvalidValue);
  *dev = host;
  return cudaSuccess;
}

cudaError_t cudaHostRegister(void*, std::size_t, unsigned int) { return cudaSuccess; }
cudaError_t cudaHostUnregister(void*) { return cudaSuccess; }

cudaError_t cudaPointerGetAttributes(cudaPointerAttributes* a, const void* ptr) {
  if (!a) return fail(cudaErrorInvalidValue);
  std::memset(a, 0, sizeof *a);
  std::lock_guard<std::mutex> lock(g_alloc_mutex);
  const char* base = nullptr;
  const Alloc* al = find_alloc(ptr, &base);
  if (!al) {
    a->type = cudaMemoryTypeUnregistered;
    a->device = -2;
    a->hostPointer = const_cast<void*>(ptr);
    return cudaSuccess;
  }
  a->type = al->device >= 0 ? cudaMemoryTypeDevice : cudaMemoryTypeHost;
  a->device = al->device >= 0 ? al->device : t_device;
  a->devicePointer = const_cast<void*>(ptr);
  a->hostPointer = al->device >= 0 ? nullptr : const_cast<void*>(ptr);
  return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind, cudaStream_t stream) {
  if (bytes == 0) return cudaSuccess;
  if (!dst || !src) return fail(cudaErrorInvalidValue);
  const cudaMemcpyKind k = direction(dst, src, kind);
  return fail(enqueue(
      stream,
      [=](double start) {
        std::memmove(dst, src, bytes);
        return start + copy_ns(bytes, k);
      },
      "cudaMemcpyAsync"));
}

// A host-to-device cudaMemcpy from pageable memory "may return before the copy lands"
// (cuda_runtime_api.h:75-78): the source is staged and the copy finishes on the legacy stream,
// which a cudaStreamNonBlocking stream does not wait for. COLLBENCH_STANDIN_PAGEABLE_LAG_MS > 0
// makes that copy land that late, so a kernel on such a stream that reads it sees stale data.
cudaError_t cudaMemcpy(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind) {
  static const long long lag_ms = env_int("COLLBENCH_STANDIN_PAGEABLE_LAG_MS", 0, 0, 60000);
  if (lag_ms > 0 && bytes > 0 && dst && src && direction(dst, src, kind) == cudaMemcpyHostToDevice) {
    auto staged = std::make_shared<std::vector<char>>(static_cast<const char*>(src), static_cast<const char*>(src) + bytes);
    return fail(enqueue(
        nullptr,
        [=](double start) {
          std::this_thread::sleep_for(std::chrono::milliseconds(lag_ms));
          std::memcpy(dst, staged->data(), bytes);
          return start + copy_ns(bytes, cudaMemcpyHostToDevice);
        },
        "cudaMemcpy (pageable, landing late)"));
  }
  const cudaError_t rc = cudaMemcpyAsync(dst, src, bytes, kind, nullptr);
  if (rc != cudaSuccess) return rc;
  return fail(drain(legacy_stream(t_device)));
}

cudaError_t cudaMemsetAsync(void* dst, int value, std::size_t bytes, cudaStream_t stream) {
  if (bytes == 0) return cudaSuccess;
  if (!dst) return fail(cudaErrorInvalidValue);
  return fail(enqueue(
      stream,
      [=](double start) {
        std::memset(dst, value, bytes);
        return start + kCopyLatencyNs + static_cast<double>(bytes) / kDeviceBytesPerNs;
      },
      "cudaMemsetAsync"));
}

cudaError_t cudaMemset(void* dst, int value, std::size_t bytes) {
  const cudaError_t rc = cudaMemsetAsync(dst, value, bytes, nullptr);
  if (rc != cudaSuccess) return rc;
  return fail(drain(legacy_stream(t_device)));
}

}  // extern "C"

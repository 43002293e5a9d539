#include "backend/nccl/nccl_device.hpp"

#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include "backend/nccl/nccl_backend.hpp"
#include "backend/nccl/nccl_setup.hpp"
#include "kernels/cuda_check.hpp"

namespace collbench::backend::nccl {

std::string cuda_version_string(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

std::string nccl_version_string(int code) {
  if (code < 10000) return std::to_string(code / 1000) + "." + std::to_string((code % 1000) / 100) + "." + std::to_string(code % 100);
  return std::to_string(code / 10000) + "." + std::to_string((code % 10000) / 100) + "." + std::to_string(code % 100);
}

bool built_with_cuda() { return true; }

GpuProbe probe_gpus() {
  // The CUDA runtime reports a missing driver as "driver version is insufficient": say plainly
  // that there is none.
  if (void* h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL)) {
    dlclose(h);
  } else {
    return {0, "no NVIDIA driver found (libcuda.so.1 cannot be loaded), so no CUDA GPU is visible"};
  }
  int count = 0;
  const cudaError_t rc = cudaGetDeviceCount(&count);
  if (rc != cudaSuccess) {
    const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
    std::string why = std::string("no CUDA GPU visible (cudaGetDeviceCount: ") + cudaGetErrorString(rc) + ")";
    if (visible) why += std::string(", CUDA_VISIBLE_DEVICES='") + visible + "'";
    return {0, why};
  }
  if (count == 0) return {0, "no CUDA GPU visible (cudaGetDeviceCount returned 0)"};
  return {count, ""};
}

std::map<std::string, std::string> describe_device(int index) {
  cudaDeviceProp p{};
  CHECK_CUDA(cudaGetDeviceProperties(&p, index));
  char bus[32] = {};
  CHECK_CUDA(cudaDeviceGetPCIBusId(bus, sizeof bus, index));
  char uuid[64] = "GPU-";
  for (int i = 0; i < 16; ++i) {
    const int at = 4 + 2 * i + (i >= 4) + (i >= 6) + (i >= 8) + (i >= 10);
    if (i == 4 || i == 6 || i == 8 || i == 10) uuid[at - 1] = '-';
    std::snprintf(uuid + at, 3, "%02x", static_cast<unsigned char>(p.uuid.bytes[i]));
  }
  std::map<std::string, std::string> d;
  d["gpu"] = p.name;
  d["pci_bus_id"] = bus;
  d["uuid"] = uuid;
  d["compute_capability"] = std::to_string(p.major) + "." + std::to_string(p.minor);
  d["memory_bytes"] = std::to_string(p.totalGlobalMem);
  d["sm_count"] = std::to_string(p.multiProcessorCount);
  d["l2_cache_bytes"] = std::to_string(p.l2CacheSize);
  d["device_index"] = std::to_string(index);
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  d["cuda_visible_devices"] = visible ? visible : "";
  return d;
}

int l2_cache_bytes(int index) {
  int v = 0;
  CHECK_CUDA(cudaDeviceGetAttribute(&v, cudaDevAttrL2CacheSize, index));
  return v;
}

int compute_capability(int index) {
  int major = 0, minor = 0;
  CHECK_CUDA(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, index));
  CHECK_CUDA(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, index));
  return major * 10 + minor;
}

std::string device_refusal(const JobInfo& job) {
  const GpuProbe probe = probe_gpus();
  if (probe.count == 0) return "--backend nccl: " + probe.why + "; --backend mpi runs on CPUs";
  const DeviceChoice d = choose_device(probe.count, job.local_rank, job.local_size, job.rank, job.host);
  return d.device < 0 ? "--backend nccl: " + d.why : std::string();
}

std::string device_uuid(const JobInfo& job) {
  const GpuProbe probe = probe_gpus();
  const DeviceChoice d = choose_device(probe.count, job.local_rank, job.local_size, job.rank, job.host);
  if (d.device < 0) return {};
  const auto details = describe_device(d.device);
  return details.at("uuid");
}

std::string standin_description() {
  using Fn = const char* (*)();
  const auto fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "collbench_standin_description"));
  return fn ? fn() : std::string();
}

}  // namespace collbench::backend::nccl

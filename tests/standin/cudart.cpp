// The stand-in CUDA runtime (libcudart.so.13), TEST ONLY: the collbench binary and nccl-tests,
// started with LD_LIBRARY_PATH at this library's folder, run their CUDA calls on the CPU.
// Devices are simulated (COLLBENCH_STANDIN_GPUS per host, CUDA_VISIBLE_DEVICES honoured), device
// memory is host memory, each stream is a worker thread that runs its operations in order, and
// time is the simulated device clock described in runtime.hpp. Kernels run as host twins
// (kernel_twin.hpp). Everything here follows the CUDA 13.0 runtime headers' contracts
// (cuda_runtime_api.h), the only CUDA text this file includes.
#include <cuda_runtime_api.h>
#include <cxxabi.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kernel_twin.hpp"
#include "runtime.hpp"
#include "standin_env.hpp"

// Opaque handles of the runtime API, defined here.
struct CUevent_st {
  std::mutex m;
  std::condition_variable cv;
  bool pending = false;    // recorded, not reached yet
  bool recorded = false;   // recorded at least once
  bool destroyed = false;  // cudaEventDestroy while pending: the record deletes it
  double t_ns = 0;
  unsigned flags = 0;
};

struct GraphOp {
  cbsi::Run run;
  const char* what;
};

struct CUgraph_st {
  std::vector<GraphOp> ops;
};

struct CUgraphExec_st {
  std::vector<GraphOp> ops;
};

struct CUstream_st {
  int device = 0;
  unsigned flags = 0;
  bool legacy = false;
  std::mutex m;
  std::condition_variable cv;
  struct Op {
    cbsi::Run run;
    double submit_ns;
    const char* what;
  };
  std::deque<Op> queue;
  bool busy = false;
  bool destroyed = false;
  double clock_ns = 0;
  cudaError_t error = cudaSuccess;
  // Capture
  bool capturing = false;
  cudaStreamCaptureMode capture_mode = cudaStreamCaptureModeGlobal;
  CUgraph_st* graph = nullptr;
  unsigned long long capture_id = 0;
};

namespace cbsi {

namespace {

std::atomic<bool> g_shutdown{false};

struct Config {
  int gpus = 8;
  std::uint64_t memory = 85045870592ull;  // H100 80GB HBM3's totalGlobalMem
  int cc = 90;
  int l2 = 50 * 1024 * 1024;
  int sms = 132;
  std::vector<Device> all;      // this host's devices
  std::vector<int> visible;     // ordinals, in CUDA_VISIBLE_DEVICES order
  std::string host;
};

// DGX H100's GPU bus numbers, as nvidia-smi shows them; further devices continue from 0xe0.
constexpr int kBus[] = {0x18, 0x2a, 0x3a, 0x5d, 0x9a, 0xab, 0xba, 0xdb};

std::string real_host_name();

// CUDA_VISIBLE_DEVICES: indices or UUIDs ("GPU-…", a prefix is enough), comma-separated; as the
// CUDA driver does, the list ends at the first entry that names no device.
std::vector<int> parse_visible(const char* env, const std::vector<Device>& all) {
  std::vector<int> out;
  if (env == nullptr) {
    for (std::size_t i = 0; i < all.size(); ++i) out.push_back(static_cast<int>(i));
    return out;
  }
  std::string s(env);
  std::size_t pos = 0;
  while (pos <= s.size()) {
    const std::size_t comma = s.find(',', pos);
    std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    int found = -1;
    if (!item.empty() && std::all_of(item.begin(), item.end(), ::isdigit)) {
      const long v = std::strtol(item.c_str(), nullptr, 10);
      if (v >= 0 && v < static_cast<long>(all.size())) found = static_cast<int>(v);
    } else if (item.rfind("GPU-", 0) == 0 && item.size() > 4) {
      for (std::size_t i = 0; i < all.size(); ++i)
        if (uuid_string(all[i].uuid).rfind(item, 0) == 0) found = static_cast<int>(i);
    }
    if (found < 0 || std::find(out.begin(), out.end(), found) != out.end()) break;
    out.push_back(found);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

Config make_config() {
  Config c;
  c.gpus = static_cast<int>(env_int("COLLBENCH_STANDIN_GPUS", 8, 0, 64));
  c.memory = static_cast<std::uint64_t>(env_int("COLLBENCH_STANDIN_MEMORY", static_cast<long long>(c.memory), 1 << 20,
                                                 1ll << 46));
  c.cc = static_cast<int>(env_int("COLLBENCH_STANDIN_CC", 90, 60, 120));
  c.l2 = static_cast<int>(env_int("COLLBENCH_STANDIN_L2", c.l2, 0, 1 << 30));
  const char* h = std::getenv("COLLBENCH_STANDIN_HOST");
  c.host = h && *h ? h : real_host_name();
  const std::string model = c.cc >= 100 ? "NVIDIA B200" : (c.cc >= 90 ? "NVIDIA H100 80GB HBM3" : "NVIDIA A100-SXM4-80GB");
  for (int i = 0; i < c.gpus; ++i) {
    Device d;
    d.ordinal = i;
    d.name = model + " [collbench stand-in]";
    d.cc_major = c.cc / 10;
    d.cc_minor = c.cc % 10;
    d.memory = c.memory;
    d.l2 = c.l2;
    d.sms = c.sms;
    d.pci_bus = i < 8 ? kBus[i] : 0xe0 + (i - 8);
    char bus[32];
    std::snprintf(bus, sizeof bus, "0000:%02x:00.0", d.pci_bus);
    d.bus_id = bus;
    // A UUID unique per (host, device), stable across runs.
    std::uint64_t a = fnv1a(c.host + "#" + std::to_string(i)), b = fnv1a(std::to_string(i) + "@" + c.host);
    std::memcpy(d.uuid, &a, 8);
    std::memcpy(d.uuid + 8, &b, 8);
    c.all.push_back(d);
  }
  c.visible = parse_visible(std::getenv("CUDA_VISIBLE_DEVICES"), c.all);
  return c;
}

Config& config() {
  static Config c = make_config();
  return c;
}

thread_local int t_device = 0;
thread_local cudaError_t t_last_error = cudaSuccess;

cudaError_t fail(cudaError_t e) {
  if (e != cudaSuccess) t_last_error = e;
  return e;
}

// Allocations: device memory is host memory; each device's capacity is accounted per process.
struct Alloc {
  std::size_t bytes;
  int device;  // -1: pinned host memory
};
std::mutex g_alloc_mutex;
std::map<const char*, Alloc>& allocations() {
  static auto* m = new std::map<const char*, Alloc>();  // never destroyed: workers may outlive exit
  return *m;
}
std::vector<std::uint64_t>& used_per_device() {
  static auto* v = new std::vector<std::uint64_t>(64, 0);
  return *v;
}

const Alloc* find_alloc(const void* p, const char** base) {
  auto& m = allocations();
  auto it = m.upper_bound(static_cast<const char*>(p));
  if (it == m.begin()) return nullptr;
  --it;
  if (static_cast<const char*>(p) >= it->first + std::max<std::size_t>(it->second.bytes, 1)) return nullptr;
  if (base) *base = it->first;
  return &it->second;
}

// Legacy (NULL) streams, one per visible device.
std::mutex g_streams_mutex;
CUstream_st* legacy_stream(int device);

void worker_loop(CUstream_st* s);

CUstream_st* new_stream(int device, unsigned flags, bool legacy) {
  auto* s = new CUstream_st();
  s->device = device;
  s->flags = flags;
  s->legacy = legacy;
  s->clock_ns = wall_ns();
  std::thread(worker_loop, s).detach();
  return s;
}

CUstream_st* legacy_stream(int device) {
  static CUstream_st* streams[64] = {};
  std::lock_guard<std::mutex> lock(g_streams_mutex);
  if (!streams[device]) streams[device] = new_stream(device, 0, true);
  return streams[device];
}

CUstream_st* resolve(cudaStream_t s) {
  if (s == nullptr || s == cudaStreamLegacy || s == cudaStreamPerThread) return legacy_stream(t_device);
  return s;
}

void worker_loop(CUstream_st* s) {
  std::unique_lock<std::mutex> lock(s->m);
  for (;;) {
    s->cv.wait(lock, [&] { return !s->queue.empty() || s->destroyed || g_shutdown.load(); });
    if (g_shutdown.load()) return;
    if (s->queue.empty()) {  // destroyed and drained
      lock.unlock();
      delete s;
      return;
    }
    CUstream_st::Op op = std::move(s->queue.front());
    s->queue.pop_front();
    s->busy = true;
    const double start = std::max(s->clock_ns, op.submit_ns);
    lock.unlock();
    double end = start;
    try {
      end = s->error == cudaSuccess ? op.run(start) : start;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "collbench stand-in: %s failed on the stream: %s\n", op.what, e.what());
      end = -1;
    }
    lock.lock();
    if (end < 0) {
      s->error = cudaErrorLaunchFailure;
      end = start;
    }
    s->clock_ns = std::max(start, end);
    s->busy = false;
    s->cv.notify_all();
  }
}

// Waits for a stream to drain; its sticky error, if any.
cudaError_t drain(CUstream_st* s) {
  std::unique_lock<std::mutex> lock(s->m);
  s->cv.wait(lock, [&] { return (s->queue.empty() && !s->busy) || g_shutdown.load(); });
  return s->error;
}

std::vector<CUstream_st*>& device_streams() {
  static auto* v = new std::vector<CUstream_st*>();
  return *v;
}

// Kernels: host stub -> registered device name.
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

constexpr double kKernelNs = 3000;        // a small kernel's launch-to-end on the simulated GPU
constexpr double kCopyLatencyNs = 2000;
constexpr double kHostLinkBytesPerNs = 25;     // PCIe Gen5 x16, about 25 GB/s each way
constexpr double kDeviceBytesPerNs = 1500;     // HBM3 copy, about 1.5 TB/s

cudaMemcpyKind direction(const void* dst, const void* src, cudaMemcpyKind kind) {
  if (kind != cudaMemcpyDefault) return kind;
  std::lock_guard<std::mutex> lock(g_alloc_mutex);
  const Alloc* d = find_alloc(dst, nullptr);
  const Alloc* s = find_alloc(src, nullptr);
  const bool dd = d && d->device >= 0, sd = s && s->device >= 0;
  if (dd && sd) return cudaMemcpyDeviceToDevice;
  if (dd) return cudaMemcpyHostToDevice;
  if (sd) return cudaMemcpyDeviceToHost;
  return cudaMemcpyHostToHost;
}

double copy_ns(std::size_t bytes, cudaMemcpyKind kind) {
  const double rate = kind == cudaMemcpyDeviceToDevice ? kDeviceBytesPerNs : kHostLinkBytesPerNs;
  return kCopyLatencyNs + static_cast<double>(bytes) / rate;
}

std::string real_host_name() {
  char buf[256] = {};
  // The libc function, not the interposed one below.
  using Fn = int (*)(char*, std::size_t);
  static Fn libc = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "gethostname"));
  if (libc) libc(buf, sizeof buf - 1);
  return buf;
}

struct ExitFlag {
  ExitFlag() { std::atexit([] { g_shutdown.store(true); }); }
} g_exit_flag;

}  // namespace

double wall_ns() {
  return static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

std::string host_name() { return config().host; }
int visible_count() { return static_cast<int>(config().visible.size()); }
const Device& visible(int index) { return config().all[static_cast<std::size_t>(config().visible[static_cast<std::size_t>(index)])]; }
int current_device() { return t_device; }
bool shutting_down() { return g_shutdown.load(); }

bool capturing(cudaStream_t stream) {
  CUstream_st* s = resolve(stream);
  std::lock_guard<std::mutex> lock(s->m);
  return s->capturing;
}

cudaError_t enqueue(cudaStream_t stream, Run run, const char* what) {
  if (visible_count() == 0) return fail(cudaErrorNoDevice);
  CUstream_st* s = resolve(stream);
  std::lock_guard<std::mutex> lock(s->m);
  if (s->capturing) {
    s->graph->ops.push_back({std::move(run), what});
    return cudaSuccess;
  }
  // COLLBENCH_STANDIN_HOST_GAPS=0: the device clock ignores when the host submitted (no launch
  // gaps), for runs that must be reproducible whatever the CPUs are doing.
  static const bool gaps = env_int("COLLBENCH_STANDIN_HOST_GAPS", 1, 0, 1) != 0;
  s->queue.push_back({std::move(run), gaps ? wall_ns() : 0.0, what});
  s->cv.notify_all();
  return cudaSuccess;
}

}  // namespace cbsi

using namespace cbsi;

// The stand-in answers gethostname with COLLBENCH_STANDIN_HOST when it is set, so that several
// simulated hosts can run on one machine (tests/standin/standin-rsh gives each its name).
extern "C" int gethostname(char* name, std::size_t len) noexcept {
  const std::string h = cbsi::host_name();
  if (h.size() + 1 > len) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(name, h.c_str(), h.size() + 1);
  return 0;
}

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

cudaError_t cudaMemcpy(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind) {
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

// ---- streams ----------------------------------------------------------------------------------

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int flags) {
  if (!stream) return fail(cudaErrorInvalidValue);
  if (visible_count() == 0) return fail(cudaErrorNoDevice);
  CUstream_st* s = new_stream(t_device, flags, false);
  {
    std::lock_guard<std::mutex> lock(g_streams_mutex);
    device_streams().push_back(s);
  }
  *stream = s;
  return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t* stream) { return cudaStreamCreateWithFlags(stream, cudaStreamDefault); }

cudaError_t cudaStreamCreateWithPriority(cudaStream_t* stream, unsigned int flags, int) {
  return cudaStreamCreateWithFlags(stream, flags);
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  if (!stream || stream == cudaStreamLegacy || stream == cudaStreamPerThread) return fail(cudaErrorInvalidResourceHandle);
  {
    std::lock_guard<std::mutex> lock(g_streams_mutex);
    auto& v = device_streams();
    auto it = std::find(v.begin(), v.end(), stream);
    if (it == v.end()) return fail(cudaErrorInvalidResourceHandle);
    v.erase(it);
  }
  std::lock_guard<std::mutex> lock(stream->m);
  stream->destroyed = true;  // its worker deletes it once its queue is done, as CUDA frees it then
  stream->cv.notify_all();
  return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) { return fail(drain(resolve(stream))); }

cudaError_t cudaStreamQuery(cudaStream_t stream) {
  CUstream_st* s = resolve(stream);
  std::lock_guard<std::mutex> lock(s->m);
  if (s->error != cudaSuccess) return fail(s->error);
  return s->queue.empty() && !s->busy ? cudaSuccess : cudaErrorNotReady;
}

cudaError_t cudaStreamGetFlags(cudaStream_t stream, unsigned int* flags) {
  if (!flags) return fail(cudaErrorInvalidValue);
  *flags = resolve(stream)->flags;
  return cudaSuccess;
}

cudaError_t cudaStreamGetDevice(cudaStream_t stream, int* device) {
  if (!device) return fail(cudaErrorInvalidValue);
  *device = resolve(stream)->device;
  return cudaSuccess;
}

// ---- events -----------------------------------------------------------------------------------

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags) {
  if (!event) return fail(cudaErrorInvalidValue);
  auto* e = new CUevent_st();
  e->flags = flags;
  *event = e;
  return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t* event) { return cudaEventCreateWithFlags(event, cudaEventDefault); }

// As CUDA's: returns at once; an event still waiting in a stream goes when the stream reaches it.
cudaError_t cudaEventDestroy(cudaEvent_t event) {
  if (!event) return fail(cudaErrorInvalidResourceHandle);
  {
    std::lock_guard<std::mutex> lock(event->m);
    if (event->pending) {
      event->destroyed = true;
      return cudaSuccess;
    }
  }
  delete event;
  return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  if (!event) return fail(cudaErrorInvalidResourceHandle);
  {
    std::lock_guard<std::mutex> lock(event->m);
    if (!capturing(stream)) event->pending = true;
  }
  return fail(enqueue(
      stream,
      [event](double start) {
        std::unique_lock<std::mutex> lock(event->m);
        if (event->destroyed) {
          lock.unlock();
          delete event;
          return start;
        }
        event->t_ns = start;
        event->recorded = true;
        event->pending = false;
        event->cv.notify_all();
        return start;
      },
      "cudaEventRecord"));
}

cudaError_t cudaEventRecordWithFlags(cudaEvent_t event, cudaStream_t stream, unsigned int) {
  return cudaEventRecord(event, stream);
}

cudaError_t cudaEventQuery(cudaEvent_t event) {
  if (!event) return fail(cudaErrorInvalidResourceHandle);
  std::lock_guard<std::mutex> lock(event->m);
  return event->pending ? cudaErrorNotReady : cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  if (!event) return fail(cudaErrorInvalidResourceHandle);
  std::unique_lock<std::mutex> lock(event->m);
  event->cv.wait(lock, [&] { return !event->pending || shutting_down(); });
  return cudaSuccess;
}

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (!ms || !start || !end) return fail(cudaErrorInvalidValue);
  if ((start->flags & cudaEventDisableTiming) || (end->flags & cudaEventDisableTiming))
    return fail(cudaErrorInvalidResourceHandle);
  std::scoped_lock lock(start->m, end->m);
  if (start->pending || end->pending) return fail(cudaErrorNotReady);
  if (!start->recorded || !end->recorded) return fail(cudaErrorInvalidResourceHandle);
  *ms = static_cast<float>((end->t_ns - start->t_ns) / 1e6);
  return cudaSuccess;
}

cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int) {
  if (!event) return fail(cudaErrorInvalidResourceHandle);
  return fail(enqueue(
      stream,
      [event](double start) {
        std::unique_lock<std::mutex> lock(event->m);
        event->cv.wait(lock, [&] { return !event->pending || shutting_down(); });
        return std::max(start, event->t_ns);
      },
      "cudaStreamWaitEvent"));
}

// ---- graphs -----------------------------------------------------------------------------------

cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode mode) {
  if (!stream || stream == cudaStreamLegacy) return fail(cudaErrorStreamCaptureUnsupported);
  static std::atomic<unsigned long long> ids{1};
  std::lock_guard<std::mutex> lock(stream->m);
  if (stream->capturing) return fail(cudaErrorIllegalState);
  stream->capturing = true;
  stream->capture_mode = mode;
  stream->graph = new CUgraph_st();
  stream->capture_id = ids++;
  return cudaSuccess;
}

cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph) {
  if (!graph) return fail(cudaErrorInvalidValue);
  if (!stream) return fail(cudaErrorIllegalState);
  std::lock_guard<std::mutex> lock(stream->m);
  if (!stream->capturing) return fail(cudaErrorIllegalState);
  stream->capturing = false;
  *graph = stream->graph;
  stream->graph = nullptr;
  return cudaSuccess;
}

cudaError_t cudaStreamIsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* status) {
  if (!status) return fail(cudaErrorInvalidValue);
  *status = capturing(stream) ? cudaStreamCaptureStatusActive : cudaStreamCaptureStatusNone;
  return cudaSuccess;
}

cudaError_t cudaStreamGetCaptureInfo(cudaStream_t stream, cudaStreamCaptureStatus* status, unsigned long long* id,
                                     cudaGraph_t* graph, const cudaGraphNode_t** deps, const cudaGraphEdgeData** edges,
                                     std::size_t* ndeps) {
  CUstream_st* s = resolve(stream);
  std::lock_guard<std::mutex> lock(s->m);
  if (status) *status = s->capturing ? cudaStreamCaptureStatusActive : cudaStreamCaptureStatusNone;
  if (id) *id = s->capture_id;
  if (graph) *graph = s->capturing ? s->graph : nullptr;
  if (deps) *deps = nullptr;
  if (edges) *edges = nullptr;
  if (ndeps) *ndeps = 0;
  return cudaSuccess;
}

cudaError_t cudaThreadExchangeStreamCaptureMode(cudaStreamCaptureMode* mode) {
  thread_local cudaStreamCaptureMode current = cudaStreamCaptureModeGlobal;
  if (!mode) return fail(cudaErrorInvalidValue);
  std::swap(*mode, current);
  return cudaSuccess;
}

cudaError_t cudaGraphCreate(cudaGraph_t* graph, unsigned int) {
  if (!graph) return fail(cudaErrorInvalidValue);
  *graph = new CUgraph_st();
  return cudaSuccess;
}

cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  delete graph;
  return cudaSuccess;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long) {
  if (!exec || !graph) return fail(cudaErrorInvalidValue);
  *exec = new CUgraphExec_st{graph->ops};
  return cudaSuccess;
}

cudaError_t cudaGraphInstantiateWithFlags(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long flags) {
  return cudaGraphInstantiate(exec, graph, flags);
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  delete exec;
  return cudaSuccess;
}

// A launch replays the captured operations in order, as one operation of the stream.
cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream) {
  if (!exec) return fail(cudaErrorInvalidResourceHandle);
  std::vector<GraphOp> ops = exec->ops;
  return fail(enqueue(
      stream,
      [ops](double start) {
        double t = start + 2000;  // a graph's launch on the GPU (about 2 us)
        for (const GraphOp& op : ops) {
          t = op.run(t);
          if (t < 0) return t;
        }
        return t;
      },
      "cudaGraphLaunch"));
}

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

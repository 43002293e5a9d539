#pragma once
// The stand-in CUDA runtime's internals, shared by its four files (cudart_*.cpp): the opaque
// handles' structs, the simulated devices, allocations, streams and their workers. Not exported:
// cudart.map keeps only the CUDA API and runtime.hpp's cbsi:: functions.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
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

// Opaque handles of the runtime API, defined here.
struct CUevent_st {
  std::mutex m;
  std::condition_variable cv;
  int in_flight = 0;       // records queued on streams and not reached yet (an event may be re-recorded before)
  bool recorded = false;   // recorded at least once
  bool destroyed = false;  // cudaEventDestroy while pending: the last record reached deletes it
  double t_ns = 0;
  unsigned flags = 0;
  bool pending() const { return in_flight > 0; }  // recorded, not reached yet
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
extern thread_local bool t_graph_replay;  // set while a stream's worker replays a graph
}  // namespace cbsi

namespace cbsi::rt {

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
Config& config();

extern std::atomic<bool> g_shutdown;
extern thread_local int t_device;
extern thread_local cudaError_t t_last_error;
cudaError_t fail(cudaError_t e);  // records e as the thread's last error

// Allocations: device memory is host memory; each device's capacity is accounted per process.
struct Alloc {
  std::size_t bytes;
  int device;  // -1: pinned host memory
};
extern std::mutex g_alloc_mutex;
std::map<const char*, Alloc>& allocations();
std::vector<std::uint64_t>& used_per_device();
const Alloc* find_alloc(const void* p, const char** base);

extern std::mutex g_streams_mutex;
CUstream_st* new_stream(int device, unsigned flags, bool legacy);
CUstream_st* legacy_stream(int device);  // the NULL stream of a device
CUstream_st* resolve(cudaStream_t s);
cudaError_t drain(CUstream_st* s);       // waits for the stream; its sticky error
std::vector<CUstream_st*>& device_streams();

// Kernels: host stub -> registered device name; the twin libraries of COLLBENCH_STANDIN_KERNELS.
extern std::mutex g_kernels_mutex;
std::map<const void*, std::string>& kernel_names();
using TwinFn = int (*)(const Launch*, Work*);
std::vector<TwinFn>& twin_libraries();

constexpr double kKernelNs = 3000;             // a small kernel's launch-to-end on the simulated GPU
constexpr double kCopyLatencyNs = 2000;
constexpr double kHostLinkBytesPerNs = 25;     // PCIe Gen5 x16, about 25 GB/s each way
constexpr double kDeviceBytesPerNs = 1500;     // HBM3 copy, about 1.5 TB/s
cudaMemcpyKind direction(const void* dst, const void* src, cudaMemcpyKind kind);
double copy_ns(std::size_t bytes, cudaMemcpyKind kind);

}  // namespace cbsi::rt

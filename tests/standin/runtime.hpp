#pragma once
// The stand-in CUDA runtime's own interface, exported from libcudart.so.13 for the stand-in NCCL
// (and nothing else): simulated devices, the device clock, and work queued on streams.
//
// Time. Every stream has a device clock in nanoseconds on CLOCK_MONOTONIC's scale. An operation
// starts at max(the stream's clock, the wall time it was submitted) — a GPU idles until the host
// launches — and ends at the time its run function returns; the stream's clock becomes that end.
// Events take the start time of their slot in the stream. So cudaEventElapsedTime measures
// simulated durations (kernels, copies, and collectives as the model backend predicts them) plus
// the host's launch gaps, never the CPU time the stand-in spends emulating.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <functional>
#include <string>

namespace cbsi {

double wall_ns();  // CLOCK_MONOTONIC, ns

struct Device {
  int ordinal = 0;          // index on its simulated host (before CUDA_VISIBLE_DEVICES)
  std::string name;
  int cc_major = 9, cc_minor = 0;
  std::uint64_t memory = 0;  // bytes
  int l2 = 0;                // bytes
  int sms = 0;
  int pci_bus = 0;
  std::string bus_id;        // "0000:18:00.0"
  unsigned char uuid[16] = {};
};

// The simulated host this process runs on (COLLBENCH_STANDIN_HOST, else the real host name).
std::string host_name();
// Visible devices (CUDA_VISIBLE_DEVICES applied); the current one of the calling thread.
int visible_count();
const Device& visible(int index);
int current_device();

// An operation on a stream: given its start time (ns), does its work and returns its end time.
// It returns a negative value when it failed (the stream then reports cudaErrorLaunchFailure).
using Run = std::function<double(double start_ns)>;

// Queues `run` on `stream` (nullptr: the legacy stream of the current device), or records it
// into the graph being captured there. `what` names it in messages.
cudaError_t enqueue(cudaStream_t stream, Run run, const char* what);
bool capturing(cudaStream_t stream);

// Set by a fatal signal or process exit: long waits in the stand-in give up.
bool shutting_down();

// True on a stream's worker while it replays a CUDA graph (cudaGraphLaunch): the stand-in NCCL's
// graphcorrupt fault hits only collectives launched that way.
bool in_graph_replay();

}  // namespace cbsi

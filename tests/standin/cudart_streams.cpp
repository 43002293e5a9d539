// The stand-in CUDA runtime's streams, events and graphs (TEST ONLY): operations in order per
// stream on the simulated device clock (runtime.hpp); capture records, launch replays.
#include "cudart_internal.hpp"

using namespace cbsi;
using namespace cbsi::rt;

extern "C" {

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
    if (event->pending()) {
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
    if (!capturing(stream)) ++event->in_flight;
  }
  // Records reached in order; the event's state is its last record's (CUDA: the most recent call).
  return fail(enqueue(
      stream,
      [event](double start) {
        std::unique_lock<std::mutex> lock(event->m);
        if (event->in_flight > 0) --event->in_flight;  // a graph's replayed record was never counted
        const bool last = event->in_flight == 0;
        if (event->destroyed) {
          lock.unlock();
          if (last) delete event;
          return start;
        }
        event->t_ns = start;
        event->recorded = true;
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
  return event->pending() ? cudaErrorNotReady : cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  if (!event) return fail(cudaErrorInvalidResourceHandle);
  std::unique_lock<std::mutex> lock(event->m);
  event->cv.wait(lock, [&] { return !event->pending() || shutting_down(); });
  return cudaSuccess;
}

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (!ms || !start || !end) return fail(cudaErrorInvalidValue);
  if ((start->flags & cudaEventDisableTiming) || (end->flags & cudaEventDisableTiming))
    return fail(cudaErrorInvalidResourceHandle);
  std::scoped_lock lock(start->m, end->m);
  if (start->pending() || end->pending()) return fail(cudaErrorNotReady);
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
        event->cv.wait(lock, [&] { return !event->pending() || shutting_down(); });
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
        cbsi::t_graph_replay = true;
        for (const GraphOp& op : ops) {
          t = op.run(t);
          if (t < 0) break;
        }
        cbsi::t_graph_replay = false;
        return t;
      },
      "cudaGraphLaunch"));
}

}  // extern "C"

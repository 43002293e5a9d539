// The stand-in CUDA runtime's core (TEST ONLY; tests/standin/README.md): simulated devices,
// allocations, streams as worker threads with the simulated device clock of runtime.hpp, and
// the gethostname that names simulated hosts.
#include <dlfcn.h>
#include <unistd.h>

#include "cudart_internal.hpp"
#include "standin_env.hpp"

namespace cbsi::rt {

void worker_loop(CUstream_st* s);
std::string real_host_name();

std::atomic<bool> g_shutdown{false};

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

}  // namespace cbsi::rt

namespace cbsi {

using namespace rt;

double wall_ns() {
  return static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

std::string host_name() { return config().host; }
int visible_count() { return static_cast<int>(config().visible.size()); }
const Device& visible(int index) { return config().all[static_cast<std::size_t>(config().visible[static_cast<std::size_t>(index)])]; }
int current_device() { return t_device; }
bool shutting_down() { return g_shutdown.load(); }

thread_local bool t_graph_replay = false;
bool in_graph_replay() { return t_graph_replay; }

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

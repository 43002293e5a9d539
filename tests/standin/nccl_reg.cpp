// The stand-in NCCL's memory and registration calls, as NCCL 2.28.9 behaves
// (../../../notes/nccl_reg_facts.md §1-2 has the source lines):
// - ncclMemAlloc: cuMem memory, its size rounded up to a 2 MiB granularity (allocator.cc:34-85);
//   the stand-in remembers it, so it can tell it from cudaMalloc memory. ncclMemFree frees it.
// - ncclCommRegister: a page-aligned, ref-counted slot per range (register.cc:27-64); a range
//   inside an existing slot gets that slot's handle again. NCCL_LOCAL_REGISTER=0: success and a
//   NULL handle (register.cc:117-126). Deregister(NULL) succeeds, an unknown handle is
//   ncclInvalidUsage "Deregister: Could not find handle" (register.cc:144-151).
// - ncclCommWindowRegister (dev_runtime.cc:578-648, 891-924): NULL buffer or size 0, or no
//   symmetric support with NCCL_LOCAL_REGISTER=0: success and *win untouched. No symmetric support
//   (COLLBENCH_STANDIN_SYMMETRIC=0, NCCL_WIN_ENABLE=0): *win = the local registration's handle.
//   With it: a buffer not 4096-aligned in its allocation is ncclInvalidArgument "Window address
//   must be suitably aligned."; memory not from ncclMemAlloc is ncclUnhandledCudaError "Cuda
//   failure 1 'invalid argument'" (cuMemRetainAllocationHandle); both leave *win NULL. Otherwise
//   every rank of the communicator meets in a host-side allgather (the handle exchange and barrier,
//   dev_runtime.cc:165,629), so a rank that does not call it leaves its peers waiting, as in NCCL.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>

#include "comm.hpp"
#include "params.hpp"
#include "runtime.hpp"

using namespace cbsi;

namespace {

constexpr std::size_t kGranularity = std::size_t{2} << 20;  // cuMem's recommended granularity on H100
constexpr std::uintptr_t kWindowAlignment = NCCL_WIN_REQUIRED_ALIGNMENT;

std::mutex g_mem_mutex;
std::map<const char*, std::size_t>& cumem() {  // ncclMemAlloc's allocations: base -> size
  static auto* m = new std::map<const char*, std::size_t>();
  return *m;
}

// The ncclMemAlloc allocation holding p (its base), or nullptr for other memory.
const char* cumem_base(const void* p) {
  std::lock_guard<std::mutex> lock(g_mem_mutex);
  auto it = cumem().upper_bound(static_cast<const char*>(p));
  if (it == cumem().begin()) return nullptr;
  --it;
  return static_cast<const char*>(p) < it->first + it->second ? it->first : nullptr;
}

bool local_register_off() {
  const auto v = param("NCCL_LOCAL_REGISTER");  // default 1 (register.cc:15)
  return v && !v->empty() && std::atoi(v->c_str()) == 0;
}

ncclResult_t warn_rc(ncclResult_t rc, const char* message) {
  warn("%s", message);
  return rc;
}

// ncclCommRegister's work, without the API's checks: the handle, or nullptr when local
// registration is off.
void* register_local(Comm& c, const void* buff, std::size_t size) {
  if (local_register_off()) return nullptr;
  const auto page = [](std::uintptr_t a) { return a / 4096 * 4096; };
  const auto b = reinterpret_cast<const char*>(page(reinterpret_cast<std::uintptr_t>(buff)));
  const auto e = reinterpret_cast<const char*>(page(reinterpret_cast<std::uintptr_t>(buff) + size + 4095));
  std::lock_guard<std::mutex> lock(c.reg_mutex);
  for (auto& slot : c.reg_slots)
    if (slot->begin <= b && e <= slot->end) {  // register.cc:53-58: contained, same handle
      ++slot->refs;
      return slot.get();
    }
  c.reg_slots.push_back(std::make_unique<RegSlot>(RegSlot{b, e, 1}));
  return c.reg_slots.back().get();
}

ncclResult_t deregister_local(Comm& c, void* handle) {
  if (!handle) return ncclSuccess;
  std::lock_guard<std::mutex> lock(c.reg_mutex);
  for (auto it = c.reg_slots.begin(); it != c.reg_slots.end(); ++it)
    if (it->get() == handle) {
      if (--(*it)->refs == 0) c.reg_slots.erase(it);
      return ncclSuccess;
    }
  return warn_rc(ncclInvalidUsage, "Deregister: Could not find handle");
}

bool inside(const char* b, const char* e, const void* p) {
  const auto* q = static_cast<const char*>(p);
  return q >= b && q < e;
}

}  // namespace

namespace cbsi {

BufferReg buffer_registration(Comm& c, const void* send, const void* recv) {
  std::lock_guard<std::mutex> lock(c.reg_mutex);
  // ncclDevrFindWindow: the op's start pointer inside a window (dev_runtime.cc:952-964).
  const auto symmetric = [&](const void* p) {
    for (const auto& w : c.windows)
      if ((w->flags & NCCL_WIN_COLL_SYMMETRIC) && inside(w->user, w->user + w->size, p)) return true;
    return false;
  };
  if (c.symmetric && symmetric(send) && symmetric(recv)) return BufferReg::symmetric;
  const auto local = [&](const void* p) {
    for (const auto& s : c.reg_slots)
      if (inside(s->begin, s->end, p)) return true;
    return false;
  };
  return local(send) && local(recv) ? BufferReg::local : BufferReg::none;
}

}  // namespace cbsi

extern "C" {

ncclResult_t ncclMemAlloc(void** ptr, std::size_t size) {
  if (!ptr) return warn_rc(ncclInvalidArgument, "ncclMemAlloc: ptr is NULL");
  if (size == 0) return cudaMalloc(ptr, size) == cudaSuccess ? ncclSuccess : ncclUnhandledCudaError;  // allocator.cc:88-92
  const std::size_t rounded = (size + kGranularity - 1) / kGranularity * kGranularity;
  if (cudaMalloc(ptr, rounded) != cudaSuccess) return warn_rc(ncclUnhandledCudaError, "Cuda failure 2 'out of memory'");
  std::lock_guard<std::mutex> lock(g_mem_mutex);
  cumem()[static_cast<const char*>(*ptr)] = rounded;
  return ncclSuccess;
}

ncclResult_t ncclMemFree(void* ptr) {
  if (!ptr) return ncclSuccess;
  {
    std::lock_guard<std::mutex> lock(g_mem_mutex);
    cumem().erase(static_cast<const char*>(ptr));
  }
  return cudaFree(ptr) == cudaSuccess ? ncclSuccess : warn_rc(ncclUnhandledCudaError, "Cuda failure 1 'invalid argument'");
}

ncclResult_t ncclCommRegister(const ncclComm_t comm, void* buff, std::size_t size, void** handle) {
  if (!comm || !handle) return warn_rc(ncclInvalidArgument, "ncclCommRegister: comm or handle is NULL");
  *handle = buff && size ? register_local(*comm->h.comm, buff, size) : nullptr;
  return ncclSuccess;
}

ncclResult_t ncclCommDeregister(const ncclComm_t comm, void* handle) {
  if (!comm) return warn_rc(ncclInvalidArgument, "ncclCommDeregister: comm is NULL");
  return deregister_local(*comm->h.comm, handle);
}

ncclResult_t ncclCommWindowRegister(ncclComm_t comm, void* buff, std::size_t size, ncclWindow_t* win, int flags) {
  if (!comm || !win) return warn_rc(ncclInvalidArgument, "ncclCommWindowRegister: comm or win is NULL");
  if (library_version() < 22700) return warn_rc(ncclInvalidUsage, "stand-in: this NCCL version has no ncclCommWindowRegister");
  Comm& c = *comm->h.comm;
  if (!buff || size == 0 || (!c.symmetric && local_register_off())) return ncclSuccess;  // *win untouched (902)
  void* local = register_local(c, buff, size);  // dev_runtime.cc:591
  if (!c.symmetric) {  // the local handle stands for the window (591-597)
    *win = static_cast<ncclWindow_t>(local);
    return ncclSuccess;
  }
  const char* base = cumem_base(buff);
  const std::uintptr_t offset = reinterpret_cast<std::uintptr_t>(buff) - reinterpret_cast<std::uintptr_t>(base);
  if (offset % kWindowAlignment != 0) {  // 605-611 (cudaMalloc memory: the offset from its own base)
    deregister_local(c, local);
    *win = nullptr;
    return warn_rc(ncclInvalidArgument, "Window address must be suitably aligned.");
  }
  if (!base) {  // cuMemRetainAllocationHandle of cudaMalloc memory (613, 643-646; cudawrap.h:43-51)
    deregister_local(c, local);
    *win = nullptr;
    return warn_rc(ncclUnhandledCudaError, "Cuda failure 1 'invalid argument'");
  }
  // Collective: the intra-node handle allgather and the barrier over every rank.
  const std::uint64_t mine[2] = {offset, size};
  std::vector<std::uint64_t> all(2 * static_cast<std::size_t>(c.nranks));
  if (c.nranks > 1 && !c.seg->control_allgather(c.rank, ++c.control_epoch, mine, sizeof mine, all.data(),
                                                [&] { return c.aborted.load() || shutting_down(); })) {
    deregister_local(c, local);
    *win = nullptr;
    return warn_rc(ncclSystemError, "ncclCommWindowRegister: a peer did not join the window's registration");
  }
  std::lock_guard<std::mutex> lock(c.reg_mutex);
  if (!c.symmetric_va_logged) {
    info_init(c.dev, "Symmetric VA size=%ldGB", 128L);  // dev_runtime.cc:97, at the first window
    c.symmetric_va_logged = true;
  }
  auto w = std::make_unique<ncclWindow_vidmem>();
  w->user = static_cast<const char*>(buff);
  w->size = size;
  w->flags = flags;
  w->local = local;
  *win = w.get();
  c.windows.push_back(std::move(w));
  return ncclSuccess;
}

ncclResult_t ncclCommWindowDeregister(ncclComm_t comm, ncclWindow_t win) {
  if (!comm) return warn_rc(ncclInvalidArgument, "ncclCommWindowDeregister: comm is NULL");
  if (!win) return ncclSuccess;
  Comm& c = *comm->h.comm;
  void* local = nullptr;
  {
    std::lock_guard<std::mutex> lock(c.reg_mutex);
    for (auto it = c.windows.begin(); it != c.windows.end(); ++it)
      if (it->get() == win) {
        local = (*it)->local;
        c.windows.erase(it);
        win = nullptr;
        break;
      }
  }
  // A window that was a local handle (no symmetric support) goes to ncclCommDeregister (934-936).
  return win ? deregister_local(c, static_cast<void*>(win)) : deregister_local(c, local);
}

}  // extern "C"

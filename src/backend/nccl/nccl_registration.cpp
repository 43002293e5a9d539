#include "backend/nccl/nccl_registration.hpp"

#include <cuda_runtime.h>
#include <dlfcn.h>

#include <algorithm>

#include "backend/nccl/nccl_backend.hpp"
#include "core/error.hpp"
#include "kernels/cuda_check.hpp"

namespace collbench::backend::nccl {

namespace {

using MemAllocFn = ncclResult_t (*)(void**, std::size_t);
using MemFreeFn = ncclResult_t (*)(void*);
using RegisterFn = ncclResult_t (*)(ncclComm_t, void*, std::size_t, void**);
using DeregisterFn = ncclResult_t (*)(ncclComm_t, void*);
using WindowRegisterFn = ncclResult_t (*)(ncclComm_t, void*, std::size_t, ncclWindow_t*, int);
using WindowDeregisterFn = ncclResult_t (*)(ncclComm_t, ncclWindow_t);

template <class Fn>
Fn resolve(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

// nccl.h.in:141,144 (ncclMemAlloc/Free), 265,269 (ncclCommRegister/Deregister), 273,277
// (ncclCommWindowRegister/Deregister) in NCCL 2.28.9.
struct Calls {
  MemAllocFn mem_alloc = resolve<MemAllocFn>("ncclMemAlloc");
  MemFreeFn mem_free = resolve<MemFreeFn>("ncclMemFree");
  RegisterFn reg = resolve<RegisterFn>("ncclCommRegister");
  DeregisterFn dereg = resolve<DeregisterFn>("ncclCommDeregister");
  WindowRegisterFn win_reg = resolve<WindowRegisterFn>("ncclCommWindowRegister");
  WindowDeregisterFn win_dereg = resolve<WindowDeregisterFn>("ncclCommWindowDeregister");
};

const Calls& calls() {
  static const Calls c;
  return c;
}

std::string failed(ncclComm_t comm, ncclResult_t rc, const char* what) {
  const char* last = ncclGetLastError(comm);
  return std::string(what) + " failed: " + ncclGetErrorString(rc) + (last && *last ? std::string(" (") + last + ")" : std::string());
}

}  // namespace

std::vector<Region> set_regions(void* pool, std::size_t set_bytes, int sets, bool in_place, std::uint64_t send_bytes,
                                std::uint64_t recv_bytes) {
  constexpr std::uint64_t kPage = 4096;  // NCCL_WIN_REQUIRED_ALIGNMENT (nccl.h.in:61)
  const auto page = [](std::uint64_t n) { return static_cast<std::size_t>((n + kPage - 1) / kPage * kPage); };
  std::vector<Region> r;
  for (int set = 0; set < sets; ++set) {
    char* base = static_cast<char*>(pool) + static_cast<std::size_t>(set) * set_bytes;
    if (in_place) {
      if (const std::uint64_t n = std::max(send_bytes, recv_bytes); n > 0) r.push_back({base, page(n)});
      continue;
    }
    if (send_bytes > 0) r.push_back({base, page(send_bytes)});
    if (recv_bytes > 0) r.push_back({base + page(send_bytes), page(recv_bytes)});
  }
  return r;
}

NcclLibrary nccl_library() {
  NcclLibrary l;
  ncclGetVersion(&l.version);
  const Calls& c = calls();
  l.calls.comm_register = c.reg && c.dereg;
  l.calls.window_register = c.win_reg && c.win_dereg;
  l.mem_alloc = c.mem_alloc && c.mem_free && l.version >= kNcclRegisterVersion;
  return l;
}

std::string library_refusal(const NcclOptions& opt) {
  const NcclLibrary l = nccl_library();
  return library_refusal(opt, l.version, l.calls);
}

BufferRegistry::BufferRegistry(RegisterMode mode) : m_mode(mode), m_lib(nccl_library()) {}

// ncclMemAlloc whenever the library has it, whatever --register says: nccl-tests allocates its
// buffers so always (common.cu:1104-1116), so the two measure the same kind of memory (cuMem, mapped
// for every P2P-capable GPU: allocator.cc:34-85), and registration needs it — ncclCommRegister of
// cudaMalloc memory gives no zero-copy IPC path (p2p.cc:845-851, 950, silently) and
// ncclCommWindowRegister refuses it (ncclUnhandledCudaError, dev_runtime.cc:613).
void* BufferRegistry::allocate(std::size_t bytes) {
  void* p = nullptr;
  if (m_lib.mem_alloc) {
    const ncclResult_t rc = calls().mem_alloc(&p, bytes);
    if (rc != ncclSuccess) throw core::RunError(failed(nullptr, rc, "ncclMemAlloc") + " for " + std::to_string(bytes) + " B");
    return p;
  }
  CHECK_CUDA(cudaMalloc(&p, bytes));
  return p;
}

void BufferRegistry::release(void* p) {
  if (!p) return;
  if (m_lib.mem_alloc) calls().mem_free(p);
  else cudaFree(p);
}

std::string BufferRegistry::allocator() const {
  if (m_lib.mem_alloc)
    return "ncclMemAlloc (cuMem memory where NCCL's cuMem is on, else cudaMalloc, allocator.cc:34-92; as nccl-tests, "
           "common.cu:1104-1116)";
  return "cudaMalloc (this NCCL has no ncclMemAlloc)";
}

// Without symmetric support NCCL hands back the buffer's local registration as the window
// (dev_runtime.cc:591-597), silently. Registering the same range again gives that same slot
// (register.cc:53-58), so a window equal to it is one; the extra reference is dropped at once.
bool BufferRegistry::is_local_registration(ncclComm_t comm, const Region& r, ncclWindow_t win) const {
  const Calls& c = calls();
  void* handle = nullptr;
  if (c.reg(comm, r.ptr, r.bytes, &handle) != ncclSuccess || !handle) return false;
  const bool same = handle == static_cast<void*>(win);
  c.dereg(comm, handle);
  return same;
}

void BufferRegistry::register_case(ncclComm_t comm, const std::vector<Region>& regions) {
  deregister_all(comm);
  m_windows_are_local = false;
  if (m_mode == RegisterMode::none) return;
  const Calls& c = calls();
  std::string why;
  for (const Region& r : regions) {
    if (m_mode == RegisterMode::local) {
      void* handle = nullptr;
      const ncclResult_t rc = c.reg(comm, r.ptr, r.bytes, &handle);
      if (rc != ncclSuccess) why = "--register local: " + failed(comm, rc, "ncclCommRegister");
      // NCCL_LOCAL_REGISTER=0 or NCCL_P2P_USE_CUDA_MEMCPY=1: success and a NULL handle (register.cc:117-126).
      else if (!handle) why = "--register local: NCCL returned no handle: local registration is off here "
                              "(NCCL_LOCAL_REGISTER=0 / NCCL_P2P_USE_CUDA_MEMCPY=1, register.cc:117-126)";
      else m_handles.push_back(handle);
    } else {
      // Not written when symmetric support is off and NCCL_LOCAL_REGISTER=0 (dev_runtime.cc:902): NULL first.
      ncclWindow_t win = nullptr;
      const ncclResult_t rc = c.win_reg(comm, r.ptr, r.bytes, &win, NCCL_WIN_COLL_SYMMETRIC);
      // cudaMalloc memory: ncclUnhandledCudaError (dev_runtime.cc:613); misaligned: ncclInvalidArgument (605-611).
      if (rc != ncclSuccess) why = "--register symmetric: " + failed(comm, rc, "ncclCommWindowRegister");
      else if (!win) why = "--register symmetric: NCCL returned no window: symmetric memory is off here (NCCL_WIN_ENABLE=0 / "
                           "NCCL_LOCAL_REGISTER=0 / no CUDA P2P; dev_runtime.cc:902)";
      else {
        m_windows.push_back(win);
        if (m_windows.size() == 1) m_windows_are_local = is_local_registration(comm, r, win);
      }
    }
    if (!why.empty()) break;
  }
  if (why.empty()) return;
  deregister_all(comm, true);
  throw core::CaseSkipped(why);
}

void BufferRegistry::deregister_all(ncclComm_t comm, bool quiet) {
  const Calls& c = calls();
  std::string why;
  // Windows first in reverse order of registration (every rank in the same order).
  for (auto it = m_windows.rbegin(); it != m_windows.rend(); ++it)
    if (const ncclResult_t rc = c.win_dereg(comm, *it); rc != ncclSuccess && why.empty())
      why = failed(comm, rc, "ncclCommWindowDeregister");
  for (auto it = m_handles.rbegin(); it != m_handles.rend(); ++it)
    if (const ncclResult_t rc = c.dereg(comm, *it); rc != ncclSuccess && why.empty())
      why = failed(comm, rc, "ncclCommDeregister");
  m_windows.clear();
  m_handles.clear();
  if (!why.empty() && !quiet) throw core::RunError(why);
}

}  // namespace collbench::backend::nccl

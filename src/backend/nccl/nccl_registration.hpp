#pragma once
// The nccl backend's buffer pool and its registration with NCCL (--register), nccl-tests' -R twin:
//   -R 1  ncclCommRegister(comm, buf, size, &handle)                       (common.cu:1644-1645)
//   -R 2  ncclCommWindowRegister(comm, buf, size, &win, NCCL_WIN_COLL_SYMMETRIC) (common.cu:1639-1640)
// nccl-tests registers once per communicator, for its one buffer pair of maxBytes; collbench
// registers per case, outside the timed loop, every buffer set's send and recv buffers (rotation
// cycles through them), and deregisters them before the next case, the pool's free and the
// communicator's end. The calls are resolved at run time (dlsym): a library older than the
// headers lacks them, and a direct reference would keep collbench from loading on it.
#include <nccl.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "backend/nccl/nccl_options.hpp"
#include "backend/nccl/nccl_setup.hpp"

namespace collbench::backend::nccl {

// One buffer to register: [ptr, ptr + bytes), page aligned within the pool.
struct Region {
  void* ptr = nullptr;
  std::size_t bytes = 0;
};

// The buffers of `sets` buffer sets of `set_bytes` each from `pool` (nccl_backend's layout:
// [send | recv] per set, page aligned; in place one region): page rounded, since NCCL registers
// whole pages (register.cc:27-64) and a window must start 4096-aligned in its allocation
// (dev_runtime.cc:605-611). An op on a sub-range finds them (register_inline.h:13-25,
// dev_runtime.cc:952-964). Empty buffers are left out.
std::vector<Region> set_regions(void* pool, std::size_t set_bytes, int sets, bool in_place, std::uint64_t send_bytes,
                                std::uint64_t recv_bytes);

// What the NCCL library in use offers (its version from ncclGetVersion, its calls by dlsym).
struct NcclLibrary {
  int version = 0;
  LibraryCalls calls;
  bool mem_alloc = false;  // ncclMemAlloc / ncclMemFree
};
NcclLibrary nccl_library();

class BufferRegistry {
 public:
  explicit BufferRegistry(RegisterMode mode);
  BufferRegistry(const BufferRegistry&) = delete;
  BufferRegistry& operator=(const BufferRegistry&) = delete;

  // Device memory for the pool (see allocator()); throws core::RunError.
  void* allocate(std::size_t bytes);
  void release(void* p);
  // The allocator, for the run metadata.
  std::string allocator() const;

  // Deregisters the previous case's buffers, then registers `regions` with `comm`, in order (every
  // rank registers the same case's regions in the same order: ncclCommWindowRegister is collective,
  // dev_runtime.cc:165,629). Throws core::CaseSkipped when NCCL gives a NULL handle or window, or
  // refuses the call (its message, ncclGetLastError); what was registered is undone first.
  void register_case(ncclComm_t comm, const std::vector<Region>& regions);
  // Deregisters everything; throws core::RunError when NCCL fails to (unless `quiet`).
  void deregister_all(ncclComm_t comm, bool quiet = false);
  std::size_t registered() const { return m_handles.size() + m_windows.size(); }
  // --register symmetric: NCCL had no symmetric support on the communicator, and the case's
  // windows are local registrations (dev_runtime.cc:591-597: NCCL_WIN_ENABLE=0, no cuMem, or GPUs
  // without CUDA P2P between them, init.cc:1376); NCCL says nothing of it.
  bool windows_are_local() const { return m_windows_are_local; }

 private:
  bool is_local_registration(ncclComm_t comm, const Region& r, ncclWindow_t win) const;

  RegisterMode m_mode;
  NcclLibrary m_lib;
  std::vector<void*> m_handles;         // --register local
  std::vector<ncclWindow_t> m_windows;  // --register symmetric
  bool m_windows_are_local = false;
};

}  // namespace collbench::backend::nccl

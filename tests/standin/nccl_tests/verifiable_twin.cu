// Kernel twins for nccl-tests' result checking (verifiable/verifiable.cu), for the GPU stand-in.
//
// nccl-tests fills its buffers and checks the collectives' results with four kernel families
// launched through cudaLaunchKernel: prepareInput2<T,ReduceFn>, prepareExpected2<T,ReduceFn>,
// verifyPrepared<Uint> and verifyInline2<T,Uint,ReduceFn>. The stand-in runtime cannot execute
// device code; it asks this library (named in COLLBENCH_STANDIN_KERNELS) for a host "twin" of a
// kernel by its demangled device name (kernel_twin.hpp).
//
// The element math is nccl-tests' own: this file #includes verifiable.cu from the extracted
// nccl-tests tarball (the build passes its directory with -I), so genInput/genOutput and the
// Reduce* functors below are exactly nccl-tests' __host__ __device__ code, compiled for the host.
// What is written here is only the kernels' grid loops (same index arithmetic) around those calls.
// This file is built by tests/standin/nccl_tests/CMakeLists.txt; nothing of nccl-tests is copied.
//
// Built with `nvcc -cudart none`: the kernels of verifiable.cu still get host stubs and a fatbinary
// registration, which the small hidden definitions at the end of this file absorb, so loading this
// library registers nothing with the (stand-in) CUDA runtime and needs no libcudart. Only
// collbench_standin_twin is exported (version script).

#include "verifiable.cu"  // nccl-tests 2.19.6, verifiable/ (include path set by the build)

#include "kernel_twin.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace cbsi_nccl_tests {

template <typename T>
struct Tag {
  using type = T;
};

bool debug() {
  static const bool on = [] {
    const char* v = std::getenv("COLLBENCH_STANDIN_TWIN_DEBUG");
    return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
  }();
  return on;
}

// ---- the kernels' index arithmetic --------------------------------------------------------------
// Every kernel of verifiable.cu splits [0, elt_n) into gridDim.x contiguous ranges, one per block,
// and lets the block's threads stride through its range by blockDim.x. The expressions below are
// the kernels' own, with blockIdx.x/gridDim.x as unsigned like the built-ins.
struct BlockRange {
  intptr_t i0, i1;
};
inline BlockRange block_range(intptr_t elt_n, unsigned blockIdx_x, unsigned gridDim_x) {
  intptr_t i0 = blockIdx_x * (elt_n / gridDim_x);
  i0 += blockIdx_x < elt_n % gridDim_x ? blockIdx_x : elt_n % gridDim_x;
  intptr_t i1 = (blockIdx_x + 1) * (elt_n / gridDim_x);
  i1 += blockIdx_x + 1 < elt_n % gridDim_x ? blockIdx_x + 1 : elt_n % gridDim_x;
  return {i0, i1};
}

// Calls body(i) for every index the whole grid visits, block by block, thread by thread.
template <typename Body>
inline void for_grid(intptr_t elt_n, unsigned gridDim_x, unsigned blockDim_x, Body&& body) {
  for (unsigned b = 0; b < gridDim_x; ++b) {
    const BlockRange r = block_range(elt_n, b, gridDim_x);
    for (unsigned t = 0; t < blockDim_x; ++t)
      for (intptr_t i = r.i0 + t; i < r.i1; i += blockDim_x) body(i);
  }
}

// The kernels' `red.global.add.u64 [bad_elt_n], bad`: bad_elt_n is host memory in the stand-in.
inline void red_add(int64_t* bad_elt_n, int64_t bad) {
  __atomic_fetch_add(reinterpret_cast<unsigned long long*>(bad_elt_n), static_cast<unsigned long long>(bad),
                     __ATOMIC_SEQ_CST);
}

template <typename T>
T arg(void** args, int i) {
  T v;
  std::memcpy(&v, args[i], sizeof(T));
  return v;
}

// ---- the four kernel families -------------------------------------------------------------------

// prepareInput2<T,ReduceFn>(T* elts, intptr_t elt_n, ReduceFn op, int rank_n, int rank_me,
//                           uint64_t seed, intptr_t elt_ix0)
template <typename T, typename ReduceFn>
cbsi::Work prepare_input(void** args, unsigned grid, unsigned block) {
  T* elts = arg<T*>(args, 0);
  const intptr_t elt_n = arg<intptr_t>(args, 1);
  const ReduceFn op = arg<ReduceFn>(args, 2);
  const int rank_n = arg<int>(args, 3), rank_me = arg<int>(args, 4);
  const uint64_t seed = arg<uint64_t>(args, 5);
  const intptr_t elt_ix0 = arg<intptr_t>(args, 6);
  return [=] {
    for_grid(elt_n, grid, block, [&](intptr_t i) { elts[i] = genInput<T>(op, rank_n, rank_me, seed, elt_ix0 + i); });
  };
}

// prepareExpected2<T,ReduceFn>(T* elts, intptr_t elt_n, ReduceFn op, int rank_n, uint64_t seed,
//                              intptr_t elt_ix0)
template <typename T, typename ReduceFn>
cbsi::Work prepare_expected(void** args, unsigned grid, unsigned block) {
  T* elts = arg<T*>(args, 0);
  const intptr_t elt_n = arg<intptr_t>(args, 1);
  const ReduceFn op = arg<ReduceFn>(args, 2);
  const int rank_n = arg<int>(args, 3);
  const uint64_t seed = arg<uint64_t>(args, 4);
  const intptr_t elt_ix0 = arg<intptr_t>(args, 5);
  return [=] {
    for_grid(elt_n, grid, block, [&](intptr_t i) { elts[i] = genOutput<T>(op, rank_n, seed, elt_ix0 + i); });
  };
}

// verifyPrepared<T>(T const* results, T const* expected, intptr_t elt_n, unsigned tolerance,
//                   int64_t* bad_elt_n), T an unsigned integer of the element's width
template <typename T>
cbsi::Work verify_prepared(void** args, unsigned grid, unsigned block) {
  const T* results = arg<const T*>(args, 0);
  const T* expected = arg<const T*>(args, 1);
  const intptr_t elt_n = arg<intptr_t>(args, 2);
  const unsigned tolerance = arg<unsigned>(args, 3);
  int64_t* bad_elt_n = arg<int64_t*>(args, 4);
  return [=] {
    for (unsigned bx = 0; bx < grid; ++bx) {
      const BlockRange r = block_range(elt_n, bx, grid);
      int64_t bad = 0;  // the block's threads' counts, added once per block
      for (unsigned t = 0; t < block; ++t)
        for (intptr_t i = r.i0 + t; i < r.i1; i += block) {
          T a = results[i], b = expected[i];
          T delta = a < b ? b - a : a - b;
          bad += tolerance < delta ? 1 : 0;
        }
      red_add(bad_elt_n, bad);
    }
  };
}

// verifyInline2<T,Uint,ReduceFn>(T const* results, intptr_t elt_n, ReduceFn op, int rank_n,
//                                uint64_t seed, intptr_t elt_ix0, unsigned tolerance,
//                                int64_t* bad_elt_n)
template <typename T, typename Uint, typename ReduceFn>
cbsi::Work verify_inline(void** args, unsigned grid, unsigned block) {
  static_assert(sizeof(T) == sizeof(Uint), "verifyInline2 compares T as Uint");
  const T* results = arg<const T*>(args, 0);
  const intptr_t elt_n = arg<intptr_t>(args, 1);
  const ReduceFn op = arg<ReduceFn>(args, 2);
  const int rank_n = arg<int>(args, 3);
  const uint64_t seed = arg<uint64_t>(args, 4);
  const intptr_t elt_ix0 = arg<intptr_t>(args, 5);
  const unsigned tolerance = arg<unsigned>(args, 6);
  int64_t* bad_elt_n = arg<int64_t*>(args, 7);
  return [=] {
    for (unsigned bx = 0; bx < grid; ++bx) {
      const BlockRange r = block_range(elt_n, bx, grid);
      int64_t bad = 0;
      for (unsigned t = 0; t < block; ++t)
        for (intptr_t i = r.i0 + t; i < r.i1; i += block) {
          // The kernel's `union { T t; Uint u; } a, b;`, as byte copies.
          const T at = results[i];
          const T bt = genOutput<T>(op, rank_n, seed, elt_ix0 + i);
          Uint au, bu;
          std::memcpy(&au, &at, sizeof au);
          std::memcpy(&bu, &bt, sizeof bu);
          Uint delta = au < bu ? bu - au : au - bu;
          bad += tolerance < delta ? 1 : 0;
        }
      red_add(bad_elt_n, bad);
    }
  };
}

// ---- names --------------------------------------------------------------------------------------
// nvcc registers e.g. _ZN46_GLOBAL__N__e5aed2ea_13_verifiable_cu_934c3dfb13prepareInput2IfNS_9ReduceSumEEEvPT_lT0_iml,
// which abi::__cxa_demangle writes as
//   void (anonymous namespace)::prepareInput2<float, (anonymous namespace)::ReduceSum>(float*, long,
//        (anonymous namespace)::ReduceSum, int, int, unsigned long, long)
// The anonymous namespace's mangled name carries a hash of the file, so the demangled text is what
// is matched: kernel name, template arguments (namespaces dropped), and the parameter count.

struct Parsed {
  std::string kernel;
  std::vector<std::string> targs;
  int nparams = -1;
};

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// "(anonymous namespace)::ReduceSum" -> "ReduceSum", "::__half" -> "__half"
std::string unqualify(std::string s) {
  s = trim(s);
  const std::string anon = "(anonymous namespace)::";
  for (std::size_t p; (p = s.find(anon)) != std::string::npos;) s.erase(p, anon.size());
  const std::size_t colons = s.rfind("::");
  if (colons != std::string::npos) s = s.substr(colons + 2);
  return trim(s);
}

// Splits the bracketed list starting at s[open] (one of '<' or '(') at top-level commas; returns
// the position after the closing bracket, or npos.
std::size_t split_list(const std::string& s, std::size_t open, std::vector<std::string>& out) {
  int depth = 0;
  std::string cur;
  for (std::size_t p = open; p < s.size(); ++p) {
    const char c = s[p];
    if (c == '<' || c == '(' || c == '[') {
      if (depth++ == 0) continue;
    } else if (c == '>' || c == ')' || c == ']') {
      if (--depth == 0) {
        if (!trim(cur).empty() || !out.empty()) out.push_back(trim(cur));
        return p + 1;
      }
    } else if (c == ',' && depth == 1) {
      out.push_back(trim(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  return std::string::npos;
}

bool parse(const std::string& demangled, Parsed& out) {
  static const char* const kKernels[] = {"prepareInput2", "prepareExpected2", "verifyPrepared", "verifyInline2"};
  for (const char* k : kKernels) {
    const std::string name = std::string(k) + "<";
    std::size_t at = demangled.find(name);
    // The name must stand alone: at the start, after "::" or after the return type's space.
    while (at != std::string::npos && at > 0 && demangled[at - 1] != ':' && demangled[at - 1] != ' ')
      at = demangled.find(name, at + 1);
    if (at == std::string::npos) continue;
    out.kernel = k;
    out.targs.clear();
    std::size_t after = split_list(demangled, at + name.size() - 1, out.targs);
    if (after == std::string::npos) return false;
    for (auto& t : out.targs) t = unqualify(t);
    if (after < demangled.size() && demangled[after] == '(') {
      std::vector<std::string> params;
      if (split_list(demangled, after, params) == std::string::npos) return false;
      out.nparams = static_cast<int>(params.size());
    }
    return true;
  }
  return false;
}

// Element types as the demangler spells them (int8_t is signed char, int64_t long on LP64, ...).
template <typename F>
bool with_type(const std::string& s, F&& f) {
  if (s == "signed char") return f(Tag<int8_t>{});
  if (s == "unsigned char") return f(Tag<uint8_t>{});
  if (s == "int") return f(Tag<int32_t>{});
  if (s == "unsigned int") return f(Tag<uint32_t>{});
  if (s == "long" || s == "long long") return f(Tag<int64_t>{});
  if (s == "unsigned long" || s == "unsigned long long") return f(Tag<uint64_t>{});
  if (s == "__half" || s == "half") return f(Tag<half>{});
#if HAVE_ncclBfloat16
  if (s == "__nv_bfloat16") return f(Tag<__nv_bfloat16>{});
#endif
#if HAVE_ncclFloat8
  if (s == "__nv_fp8_e4m3") return f(Tag<__nv_fp8_e4m3>{});
  if (s == "__nv_fp8_e5m2") return f(Tag<__nv_fp8_e5m2>{});
#endif
  if (s == "float") return f(Tag<float>{});
  if (s == "double") return f(Tag<double>{});
  return false;
}

template <typename F>
bool with_uint(const std::string& s, F&& f) {
  if (s == "unsigned char") return f(Tag<uint8_t>{});
  if (s == "unsigned short") return f(Tag<uint16_t>{});
  if (s == "unsigned int") return f(Tag<uint32_t>{});
  if (s == "unsigned long" || s == "unsigned long long") return f(Tag<uint64_t>{});
  return false;
}

template <typename F>
bool with_op(const std::string& s, F&& f) {
  if (s == "ReduceNil") return f(Tag<ReduceNil>{});
  if (s == "ReduceSum") return f(Tag<ReduceSum>{});
  if (s == "ReduceMin") return f(Tag<ReduceMin>{});
  if (s == "ReduceMax") return f(Tag<ReduceMax>{});
  if (s == "ReduceProd") return f(Tag<ReduceProd>{});
#if HAVE_ncclAvg
  if (s == "ReduceAvg") return f(Tag<ReduceAvg>{});
#endif
#if HAVE_ncclPreMulSum
  if (s == "ReducePreMulSum") return f(Tag<ReducePreMulSum>{});
#endif
  return false;
}

// The Uint verifyInline1 pairs with each T (verifiable.cu's CASE_TY list).
template <typename T>
struct UintOf {
  using type = typename std::conditional<
      sizeof(T) == 1, uint8_t,
      typename std::conditional<sizeof(T) == 2, uint16_t,
                                typename std::conditional<sizeof(T) == 4, uint32_t, uint64_t>::type>::type>::type;
};

bool lookup(const cbsi::Launch& l, cbsi::Work& work) {
  Parsed p;
  if (!parse(l.demangled, p)) return false;
  const unsigned grid = l.grid[0], block = l.block[0];
  auto bad_shape = [&](const char* why) {
    std::fprintf(stderr, "collbench stand-in (nccl-tests twin): %s: %s\n", l.demangled.c_str(), why);
    return false;
  };
  // verifiable.cu launches {n,1,1} x {512,1,1}; its kernels only read the x dimensions.
  if (l.grid[1] != 1 || l.grid[2] != 1 || l.block[1] != 1 || l.block[2] != 1 || block == 0)
    return bad_shape("unexpected launch shape (expected grid {n,1,1}, block {b,1,1})");

  bool ok = false;
  if (p.kernel == "prepareInput2" || p.kernel == "prepareExpected2") {
    const bool input = p.kernel == "prepareInput2";
    if (p.targs.size() != 2 || p.nparams != (input ? 7 : 6)) return bad_shape("unexpected template/parameter list");
    ok = with_type(p.targs[0], [&](auto t) {
      using T = typename decltype(t)::type;
      return with_op(p.targs[1], [&](auto o) {
        using Fn = typename decltype(o)::type;
        work = input ? prepare_input<T, Fn>(l.args, grid, block) : prepare_expected<T, Fn>(l.args, grid, block);
        return true;
      });
    });
  } else if (p.kernel == "verifyPrepared") {
    if (p.targs.size() != 1 || p.nparams != 5) return bad_shape("unexpected template/parameter list");
    ok = with_uint(p.targs[0], [&](auto t) {
      using T = typename decltype(t)::type;
      work = verify_prepared<T>(l.args, grid, block);
      return true;
    });
  } else if (p.kernel == "verifyInline2") {
    if (p.targs.size() != 3 || p.nparams != 8) return bad_shape("unexpected template/parameter list");
    ok = with_type(p.targs[0], [&](auto t) {
      using T = typename decltype(t)::type;
      return with_uint(p.targs[1], [&](auto u) {
        using Uint = typename decltype(u)::type;
        if (!std::is_same<Uint, typename UintOf<T>::type>::value) return false;
        return with_op(p.targs[2], [&](auto o) {
          using Fn = typename decltype(o)::type;
          work = verify_inline<T, typename UintOf<T>::type, Fn>(l.args, grid, block);
          return true;
        });
      });
    });
  }
  if (!ok) return bad_shape("template arguments not recognized");
  return true;
}

}  // namespace cbsi_nccl_tests

extern "C" __attribute__((visibility("default"))) int collbench_standin_twin(const cbsi::Launch* launch,
                                                                             cbsi::Work* work) {
  if (launch == nullptr || work == nullptr) return 0;
  const bool found = cbsi_nccl_tests::lookup(*launch, *work);
  if (cbsi_nccl_tests::debug())
    std::fprintf(stderr, "collbench stand-in (nccl-tests twin): %s grid %u block %u: %s\n",
                 launch->demangled.c_str(), launch->grid[0], launch->block[0], found ? "twin" : "not ours");
  return found ? 1 : 0;
}

// ---- the CUDA runtime entry points nvcc's generated host code refers to -------------------------
// verifiable.cu's kernels get host stubs and a fatbinary registration in this library too. They
// are never launched from here (the stand-in launches nccl-tests' own stubs), so these hidden
// no-op definitions satisfy them without tying this library to any libcudart.
extern "C" {
static void* g_fatbin_handle = nullptr;
void** __cudaRegisterFatBinary(void*) { return &g_fatbin_handle; }
void __cudaRegisterFatBinaryEnd(void**) {}
void __cudaUnregisterFatBinary(void**) {}
void __cudaRegisterFunction(void**, const char*, char*, const char*, int, uint3*, uint3*, dim3*, dim3*, int*) {}
void __cudaRegisterVar(void**, char*, char*, const char*, int, size_t, int, int) {}
void __cudaRegisterManagedVar(void**, void**, char*, const char*, int, size_t, int, int) {}
char __cudaInitModule(void**) { return 0; }
unsigned __cudaPushCallConfiguration(dim3, dim3, size_t, struct CUstream_st*) { return 1; }
cudaError_t __cudaPopCallConfiguration(dim3*, dim3*, size_t*, void*) { return cudaErrorNotSupported; }
cudaError_t __cudaGetKernel(cudaKernel_t*, const void*) { return cudaErrorNotSupported; }
cudaError_t __cudaLaunchKernel(cudaKernel_t, dim3, dim3, void**, size_t, cudaStream_t) { return cudaErrorNotSupported; }
cudaError_t __cudaLaunchKernel_ptsz(cudaKernel_t, dim3, dim3, void**, size_t, cudaStream_t) {
  return cudaErrorNotSupported;
}
}
cudaError_t CUDARTAPI cudaLaunchKernel(const void*, dim3, dim3, void**, size_t, cudaStream_t) {
  return cudaErrorNotSupported;
}

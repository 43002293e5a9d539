// Host-only check of libcbsi-nccl-tests-twin.so (verifiable_twin.cu), no GPU and no stand-in needed.
//
// This program #includes nccl-tests' verifiable.cu too, so it has the same kernels and the same
// genInput/genOutput. Its own __cudaRegisterFunction (below; built with -cudart none) records the
// device name nvcc registers for each kernel stub, exactly as the stand-in runtime does; for every
// element type and reduction it then builds the cbsi::Launch the stand-in's cudaLaunchKernel would
// build (mangled name, abi::__cxa_demangle, args array, grid/block as verifiable.cu computes them),
// asks the twin library (dlopen'ed, argv[1]) for the work, runs it, and compares with genInput /
// genOutput called directly: bit for bit, and the bad-element counts of both verify kernels.
//
// usage: twin_selftest <libcbsi-nccl-tests-twin.so>

#include "verifiable.cu"  // nccl-tests 2.19.6, verifiable/ (include path set by the build)

#include "kernel_twin.hpp"

#include <cxxabi.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

namespace {

std::map<const void*, std::string>& registered() {
  static auto* m = new std::map<const void*, std::string>();
  return *m;
}

using TwinFn = int (*)(const cbsi::Launch*, cbsi::Work*);
TwinFn g_twin = nullptr;
int g_failures = 0, g_checks = 0;

void check(bool ok, const std::string& what) {
  ++g_checks;
  if (!ok) {
    ++g_failures;
    std::printf("FAIL: %s\n", what.c_str());
  }
}

std::string demangle(const std::string& mangled) {
  int status = 0;
  std::string out;
  if (char* d = abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status)) {
    out = d;
    std::free(d);
  }
  return out;
}

// What the stand-in does in cudaLaunchKernel: stub -> registered name -> demangled -> twin lookup.
// The parameters args points at are overwritten (sizes[i] bytes each) before the work runs: they
// are only valid during the lookup, the work must own copies.
bool launch(const void* fn, unsigned grid, unsigned block, void** args, std::initializer_list<size_t> sizes,
            std::string* name_out = nullptr) {
  auto it = registered().find(fn);
  if (it == registered().end()) {
    check(false, "kernel stub was not registered");
    return false;
  }
  cbsi::Launch l{it->second.c_str(), demangle(it->second), args, {grid, 1, 1}, {block, 1, 1}};
  if (name_out) *name_out = l.demangled;
  cbsi::Work w;
  if (!g_twin(&l, &w) || !w) {
    check(false, "no twin for " + l.demangled);
    return false;
  }
  int i = 0;
  for (size_t n : sizes) std::memset(args[i++], 0xee, n);
  w();
  return true;
}

unsigned grid_for(intptr_t elt_n) {  // verifiable.cu's grid.x / block_n
  return (unsigned)std::min<intptr_t>(32, (elt_n + 4 * 512 - 1) / (4 * 512));
}

template <typename T>
std::string type_name() {
  return demangle(typeid(T).name());
}

// nccl-tests' own generator divides an integer by zero (genSumXY, `r/s` with s == 0) for a few
// narrow-float cases: fp8 e5m2 with premulsum from 4 ranks, e5m2 sum/prod from 9, e4m3 prod from 5
// and premulsum from 6, half prod from 9. On a GPU that division yields an unspecified value and
// no fault; on the host it raises SIGFPE. Those cases are not checked here (see README.md).
template <typename T, typename Fn>
bool host_divides_by_zero(int rank_n) {
#if HAVE_ncclFloat8
  if (std::is_same<T, __nv_fp8_e5m2>::value && std::is_same<Fn, ReducePreMulSum>::value && rank_n >= 4) return true;
  if (std::is_same<T, __nv_fp8_e5m2>::value && (std::is_same<Fn, ReduceSum>::value || std::is_same<Fn, ReduceProd>::value) &&
      rank_n >= 9)
    return true;
  if (std::is_same<T, __nv_fp8_e4m3>::value && std::is_same<Fn, ReduceProd>::value && rank_n >= 5) return true;
  if (std::is_same<T, __nv_fp8_e4m3>::value && std::is_same<Fn, ReducePreMulSum>::value && rank_n >= 6) return true;
#endif
  if (std::is_same<T, half>::value && std::is_same<Fn, ReduceProd>::value && rank_n >= 9) return true;
  return false;
}
int g_skipped = 0;

template <typename T, typename Uint, typename Fn>
void check_one(Fn op, const char* opname, int rank_n, int rank_me, intptr_t elt_n) {
  if (host_divides_by_zero<T, Fn>(rank_n)) {
    ++g_skipped;
    return;
  }
  const uint64_t seed = 0x1234abcd5678ull + rank_n * 7 + elt_n;
  const intptr_t elt_ix0 = 1000 + rank_me;
  const std::string what = type_name<T>() + "/" + opname + " rank_n=" + std::to_string(rank_n) +
                           " elt_n=" + std::to_string(elt_n);
  const unsigned grid = grid_for(elt_n), block = 512;

  std::vector<T> in(elt_n), expected(elt_n);
  std::vector<unsigned char> poison(elt_n * sizeof(T), 0xa5);
  std::memcpy(in.data(), poison.data(), poison.size());
  std::memcpy(expected.data(), poison.data(), poison.size());

  {  // prepareInput2: args as prepareInput1 builds them, then destroyed before the work runs
    T* elts = in.data();
    intptr_t n = elt_n, ix0 = elt_ix0;
    int rn = rank_n, rm = rank_me;
    uint64_t s = seed;
    Fn o = op;
    void* args[7] = {&elts, &n, &o, &rn, &rm, &s, &ix0};
    std::string name;
    launch((const void*)&prepareInput2<T, Fn>, grid, block, args,
           {sizeof elts, sizeof n, sizeof o, sizeof rn, sizeof rm, sizeof s, sizeof ix0}, &name);
    if (rank_n == 4 && elt_n > 4096 && std::is_same<T, float>::value && std::is_same<Fn, ReduceSum>::value)
      std::printf("matched: %s\n", name.c_str());
  }
  bool same = true;
  for (intptr_t i = 0; i < elt_n; ++i) {
    T want = genInput<T>(op, rank_n, rank_me, seed, elt_ix0 + i);
    same = same && std::memcmp(&want, &in[i], sizeof(T)) == 0;
  }
  check(same, "prepareInput2 " + what);

  {  // prepareExpected2
    T* elts = expected.data();
    intptr_t n = elt_n, ix0 = elt_ix0;
    int rn = rank_n;
    uint64_t s = seed;
    Fn o = op;
    void* args[6] = {&elts, &n, &o, &rn, &s, &ix0};
    launch((const void*)&prepareExpected2<T, Fn>, grid, block, args,
           {sizeof elts, sizeof n, sizeof o, sizeof rn, sizeof s, sizeof ix0});
  }
  same = true;
  for (intptr_t i = 0; i < elt_n; ++i) {
    T want = genOutput<T>(op, rank_n, seed, elt_ix0 + i);
    same = same && std::memcmp(&want, &expected[i], sizeof(T)) == 0;
  }
  check(same, "prepareExpected2 " + what);

  // Results: the expected values with a few elements corrupted (a high bit flipped, far beyond
  // any tolerance), in the first and last block.
  std::vector<T> results = expected;
  std::vector<intptr_t> bad_ix;
  for (intptr_t i : {intptr_t(0), elt_n / 2, elt_n - 1})
    if (i >= 0 && i < elt_n && std::find(bad_ix.begin(), bad_ix.end(), i) == bad_ix.end()) bad_ix.push_back(i);
  for (intptr_t i : bad_ix) reinterpret_cast<unsigned char*>(&results[i])[sizeof(T) - 1] ^= 0x40;
  const unsigned tolerance = std::is_same<Fn, ReduceAvg>::value && !IsIntegral<T>::value ? 2 : 0;

  for (int corrupt = 0; corrupt < 2; ++corrupt) {
    const T* res = corrupt ? results.data() : expected.data();
    const int64_t want = corrupt ? (int64_t)bad_ix.size() : 0;
    {  // verifyPrepared<Uint>
      int64_t bad = 0;
      const void* r = res;
      const void* e = expected.data();
      intptr_t n = elt_n;
      unsigned tol = tolerance;
      int64_t* bad_p = &bad;
      void* args[5] = {&r, &e, &n, &tol, &bad_p};
      launch((const void*)&verifyPrepared<Uint>, grid, block, args, {sizeof r, sizeof e, sizeof n, sizeof tol, sizeof bad_p});
      check(bad == want, "verifyPrepared " + what + " corrupt=" + std::to_string(corrupt) + ": bad=" +
                             std::to_string(bad) + " want " + std::to_string(want));
    }
    {  // verifyInline2<T,Uint,Fn>
      int64_t bad = 0;
      const T* r = res;
      intptr_t n = elt_n, ix0 = elt_ix0;
      Fn o = op;
      int rn = rank_n;
      uint64_t s = seed;
      unsigned tol = tolerance;
      int64_t* bad_p = &bad;
      void* args[8] = {&r, &n, &o, &rn, &s, &ix0, &tol, &bad_p};
      launch((const void*)&verifyInline2<T, Uint, Fn>, grid, block, args,
             {sizeof r, sizeof n, sizeof o, sizeof rn, sizeof s, sizeof ix0, sizeof tol, sizeof bad_p});
      check(bad == want, "verifyInline2 " + what + " corrupt=" + std::to_string(corrupt) + ": bad=" +
                             std::to_string(bad) + " want " + std::to_string(want));
    }
  }
}

template <typename T, typename Uint>
void check_type() {
  for (int rank_n : {1, 2, 4}) {
    for (intptr_t elt_n : {intptr_t(1), intptr_t(5000), intptr_t(70001)}) {
      check_one<T, Uint>(ReduceNil(), "nil", rank_n, rank_n - 1, elt_n);
      check_one<T, Uint>(ReduceSum(), "sum", rank_n, rank_n - 1, elt_n);
      check_one<T, Uint>(ReduceMin(), "min", rank_n, rank_n - 1, elt_n);
      check_one<T, Uint>(ReduceMax(), "max", rank_n, rank_n - 1, elt_n);
      check_one<T, Uint>(ReduceProd(), "prod", rank_n, rank_n - 1, elt_n);
#if HAVE_ncclAvg
      check_one<T, Uint>(ReduceAvg{rank_n}, "avg", rank_n, rank_n - 1, elt_n);
#endif
#if HAVE_ncclPreMulSum
      check_one<T, Uint>(ReducePreMulSum(), "premulsum", rank_n, rank_n - 1, elt_n);
#endif
    }
  }
}

void check_unknown() {
  int x = 0;
  void* args[1] = {&x};
  const char* names[] = {
      "_Z11some_kernelPfl",
      "void (anonymous namespace)::prepareInput2<wchar_t, (anonymous namespace)::ReduceSum>(wchar_t*, long, "
      "(anonymous namespace)::ReduceSum, int, int, unsigned long, long)",
      "void (anonymous namespace)::prepareInput2<float, (anonymous namespace)::ReduceXor>(float*, long, "
      "(anonymous namespace)::ReduceXor, int, int, unsigned long, long)",
      "void myprepareInput2<float, (anonymous namespace)::ReduceSum>(float*, long, (anonymous namespace)::ReduceSum, "
      "int, int, unsigned long, long)",
  };
  for (const char* n : names) {
    cbsi::Launch l{n, n[0] == '_' ? demangle(n) : std::string(n), args, {1, 1, 1}, {512, 1, 1}};
    cbsi::Work w;
    check(g_twin(&l, &w) == 0 && !w, std::string("unknown kernel must not match: ") + l.demangled);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <libcbsi-nccl-tests-twin.so>\n", argv[0]);
    return 2;
  }
  void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    std::fprintf(stderr, "dlopen %s: %s\n", argv[1], dlerror());
    return 1;
  }
  g_twin = reinterpret_cast<TwinFn>(dlsym(h, "collbench_standin_twin"));
  if (!g_twin) {
    std::fprintf(stderr, "no collbench_standin_twin in %s\n", argv[1]);
    return 1;
  }
  // The library exports nothing else (nccl-tests' ncclVerifiable* stay local to it).
  if (dlsym(h, "ncclVerifiablePrepareInput") != nullptr || dlsym(h, "__cudaRegisterFunction") != nullptr) {
    std::printf("FAIL: the twin library exports more than collbench_standin_twin\n");
    ++g_failures;
  }

  check_type<int8_t, uint8_t>();
  check_type<uint8_t, uint8_t>();
  check_type<int32_t, uint32_t>();
  check_type<uint32_t, uint32_t>();
  check_type<int64_t, uint64_t>();
  check_type<uint64_t, uint64_t>();
  check_type<half, uint16_t>();
#if HAVE_ncclBfloat16
  check_type<__nv_bfloat16, uint16_t>();
#endif
#if HAVE_ncclFloat8
  check_type<__nv_fp8_e4m3, uint8_t>();
  check_type<__nv_fp8_e5m2, uint8_t>();
#endif
  check_type<float, uint32_t>();
  check_type<double, uint64_t>();
  check_unknown();

  std::printf("twin_selftest: %d checks, %d failed, %d cases skipped (nccl-tests divides by zero there), %zu kernels "
              "registered\n",
              g_checks, g_failures, g_skipped, registered().size());
  return g_failures == 0 ? 0 : 1;
}

// ---- the runtime entry points of nvcc's generated code, as the stand-in sees them ---------------
extern "C" {
static void* g_fatbin_handle = nullptr;
void** __cudaRegisterFatBinary(void*) { return &g_fatbin_handle; }
void __cudaRegisterFatBinaryEnd(void**) {}
void __cudaUnregisterFatBinary(void**) {}
void __cudaRegisterFunction(void**, const char* host_fun, char*, const char* device_name, int, uint3*, uint3*, dim3*,
                            dim3*, int*) {
  registered()[host_fun] = device_name ? device_name : "";
}
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

#!/usr/bin/env bash
# The GPU kit: what scripts/gpu-smoke.sh needs on a bare GPU machine (a CUDA driver, its own CUDA
# runtime 13 and NCCL; no MPI, cmake, compiler, package registry or network), built HERE.
#
#   scripts/gpu-kit.sh DIR        build (configure preset "kit", build-kit/) and write the kit into DIR
#
# DIR then holds (at most 48 MiB; the script fails otherwise):
#   collbench                        stripped, no MPI (COLLBENCH_WITH_MPI=OFF), RUNPATH $ORIGIN/lib
#   collbench_gpu_tests              tests/gpu: GpuKernels.* and NcclRun.*
#   lib/libnccl-tuner-collbench.so   the NCCL tuner plugin (plugins/nccl-tuner)
#   lib/*                            the non-system shared libraries the above need (libfmt ...)
#   nccl-tests/*_perf                nccl-tests 2.19.6 (peers tarball): all_reduce all_gather alltoall sendrecv alltoallv,
#                                    MPI=0, sm_90 (H100/H200)
#   gpu-smoke.sh                     run it there: DIR/gpu-smoke.sh DIR OUT
#   MANIFEST                         source commit, build settings, each file's size and needs
# Never in it: libnccl.so*, libcudart*, libcuda.so* (the GPU machine has its own) nor MPI libraries.
#
# Environment: KIT_BUILD_DIR (build-kit; must match the preset's binaryDir), CUDA_HOME
# (/usr/local/cuda), NCCL_HOME (from the kit build's CMake cache), KIT_JOBS (cores).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR   (the kit is written into DIR)" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
kit=$1
build=${KIT_BUILD_DIR:-$root/build-kit}
jobs=${KIT_JOBS:-$(nproc)}
limit_bytes=$((48 * 1024 * 1024))
cuda_home=${CUDA_HOME:-/usr/local/cuda}
tarball=$root/../shared/peers/nccl-tests-2.19.6.tar.gz
nt_bins=(all_reduce all_gather alltoall sendrecv alltoallv)
t_start=$SECONDS

if [ -e "$kit" ] && [ -n "$(ls -A "$kit" 2>/dev/null)" ] && [ ! -e "$kit/.collbench-kit" ]; then
  echo "gpu-kit: $kit exists, is not empty and is not a kit; give a new or empty directory" >&2
  exit 2
fi
[ -f "$tarball" ] || { echo "gpu-kit: nccl-tests tarball not found: $tarball" >&2; exit 2; }
[ -x "$cuda_home/bin/nvcc" ] || { echo "gpu-kit: no nvcc in $cuda_home/bin (set CUDA_HOME)" >&2; exit 2; }

# --- collbench, the GPU tests and the tuner plugin (only the targets the kit needs) -------------
echo "== gpu-kit: building collbench, collbench_gpu_tests, the tuner plugin ($build)"
if [ ! -f "$build/CMakeCache.txt" ] || [ "$root/CMakePresets.json" -nt "$build/CMakeCache.txt" ]; then
  mkdir -p "$build"
  (cd "$root" && nice cmake --preset kit -B "$build" >"$build/kit-configure.log" 2>&1) ||
    { cat "$build/kit-configure.log" >&2; echo "gpu-kit: cmake --preset kit failed" >&2; exit 1; }
fi
nice cmake --build "$build" -j "$jobs" --target collbench collbench_gpu_tests nccl_tuner_collbench
t_cmake=$SECONDS

# --- nccl-tests 2.19.6, MPI=0 (as tests/standin/nccl_tests builds it, without MPI) -------------
cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt" | head -n 1; }
nccl_home=${NCCL_HOME:-$(cache_value CBSI_NCCL_TESTS_NCCL_HOME)}
if [ -z "$nccl_home" ]; then
  nccl_inc=$(cache_value NCCL_INCLUDE_DIR)
  nccl_home=$(dirname "${nccl_inc:-$cuda_home/include}")
fi
nt_src=$build/kit-nccl-tests/nccl-tests-2.19.6
nt_build=$build/kit-nccl-tests/build
if [ ! -f "$nt_src.extracted" ] || [ "$tarball" -nt "$nt_src.extracted" ]; then
  rm -rf "$nt_src" && mkdir -p "$build/kit-nccl-tests"
  tar xzf "$tarball" -C "$build/kit-nccl-tests" && touch "$nt_src.extracted"
fi
echo "== gpu-kit: building nccl-tests 2.19.6 (MPI=0, sm_90): ${nt_bins[*]}"
nice make -j"$jobs" -C "$nt_src/src" build BUILDDIR="$nt_build" MPI=0 CUDA_HOME="$cuda_home" \
  NCCL_HOME="$nccl_home" NVCC_GENCODE="-gencode=arch=compute_90,code=sm_90" "BIN_FILES_LIST=${nt_bins[*]}"
t_nt=$SECONDS

# --- assemble ----------------------------------------------------------------------------------
rm -rf "$kit"
mkdir -p "$kit/lib" "$kit/nccl-tests"
touch "$kit/.collbench-kit"
install -m 755 "$build/collbench" "$build/tests/collbench_gpu_tests" "$kit/"
install -m 755 "$build/lib/libnccl-tuner-collbench.so" "$kit/lib/"
for b in "${nt_bins[@]}"; do install -m 755 "$nt_build/${b}_perf" "$kit/nccl-tests/"; done
install -m 755 "$root/scripts/gpu-smoke.sh" "$kit/"
strip --strip-all "$kit/collbench" "$kit/collbench_gpu_tests" "$kit"/nccl-tests/*_perf
strip --strip-unneeded "$kit/lib/libnccl-tuner-collbench.so"

# Libraries: what a kit file needs (NEEDED), resolved here by ldd. The C runtime (glibc, libgcc_s,
# libstdc++) is the GPU machine's; CUDA and NCCL are the GPU machine's; MPI must not be needed.
# Anything else is copied into lib/ (found by $ORIGIN/lib) and its own needs followed.
system_lib() {
  case $1 in
    linux-vdso.so.* | ld-linux*.so.* | libc.so.* | libm.so.* | libdl.so.* | libpthread.so.* | librt.so.* | \
      libutil.so.* | libresolv.so.* | libgcc_s.so.* | libstdc++.so.*) return 0 ;;
  esac
  return 1
}
target_lib() { case $1 in libnccl.so* | libnccl-net* | libcudart* | libcuda.so*) return 0 ;; esac; return 1; }
mpi_lib() { case $1 in libmpi* | libopen-pal* | libopen-rte* | libpmix* | libucp* | libucs*) return 0 ;; esac; return 1; }
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

mpi_needed=()
queue=("$kit/collbench" "$kit/collbench_gpu_tests" "$kit/lib/libnccl-tuner-collbench.so" "$kit"/nccl-tests/*_perf)
while [ ${#queue[@]} -gt 0 ]; do
  f=${queue[0]}
  queue=("${queue[@]:1}")
  resolved=$(ldd "$f" 2>/dev/null || true)
  for name in $(needed "$f"); do
    if system_lib "$name" || target_lib "$name"; then continue; fi
    if mpi_lib "$name"; then mpi_needed+=("$(basename "$f"): $name"); continue; fi
    [ -e "$kit/lib/$name" ] && continue
    path=$(awk -v n="$name" '$1 == n && $2 == "=>" { print $3 }' <<<"$resolved")
    if [ -z "$path" ] || [ "$path" = "not" ]; then
      echo "gpu-kit: $(basename "$f") needs $name, which is not found here" >&2
      exit 1
    fi
    install -m 644 "$path" "$kit/lib/$name"  # by its soname, the file behind any symlink
    strip --strip-unneeded "$kit/lib/$name" 2>/dev/null || true
    queue+=("$kit/lib/$name")
  done
done
t_end=$SECONDS

# --- manifest, size -----------------------------------------------------------------------------
max_version() { objdump -T "$1" 2>/dev/null | grep -o "$2"'_[0-9.]*' | sort -u -V | tail -n 1; }
needs_most() {  # the newest symbol version any kit file asks for: GLIBC_2.34 -> 2.34
  find "$kit" -type f ! -name '*.sh' ! -name MANIFEST ! -name .collbench-kit | while read -r f; do max_version "$f" "$1"; done |
    sort -u -V | tail -n 1 | sed "s/^$1_//"
}
{
  echo "collbench GPU kit"
  echo "source: $(git -C "$root" rev-parse HEAD 2>/dev/null)$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "built: $(date -u +%FT%TZ) on $(uname -n)"
  echo "build: $build ($(cache_value CMAKE_BUILD_TYPE), CUDA architectures $(cache_value CMAKE_CUDA_ARCHITECTURES))"
  if grep -q '^COLLBENCH_WITH_MPI:BOOL' "$build/CMakeCache.txt"; then
    echo "COLLBENCH_WITH_MPI: $(cache_value COLLBENCH_WITH_MPI)"
  else
    echo "COLLBENCH_WITH_MPI: not an option of this tree yet (issue 20)"
  fi
  echo "nccl-tests: 2.19.6, MPI=0, -gencode=arch=compute_90,code=sm_90, CUDA_HOME=$cuda_home NCCL_HOME=$nccl_home"
  echo
  echo "file  bytes  needs  (newest glibc and libstdc++ symbol versions it asks for)"
  (cd "$kit" && find . -type f ! -name MANIFEST ! -name .collbench-kit | sort) | while read -r f; do
    p=$kit/${f#./}
    if [ "${f%.sh}" != "$f" ]; then echo "$f  $(stat -c %s "$p")"; continue; fi
    echo "$f  $(stat -c %s "$p")  $(needed "$p" | tr '\n' ' ') ($(max_version "$p" GLIBC) $(max_version "$p" GLIBCXX))"
  done
  echo
  echo "needs on the GPU machine: glibc >= $(needs_most GLIBC), libstdc++ with GLIBCXX_$(needs_most GLIBCXX)," \
    "libcudart.so.13 (CUDA 13), libnccl.so.2"
} >"$kit/MANIFEST"

bytes=$(du -sb "$kit" | cut -f1)
echo
echo "== gpu-kit: $kit"
(cd "$kit" && find . -type f ! -name .collbench-kit -printf '%10s  %p\n' | sort -k2)
printf 'gpu-kit: %s bytes (%.1f MiB) of at most %d MiB; built in %ds (cmake targets %ds, nccl-tests %ds, assembly %ds)\n' \
  "$bytes" "$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')" $((limit_bytes / 1048576)) \
  $((t_end - t_start)) $((t_cmake - t_start)) $((t_nt - t_cmake)) $((t_end - t_nt))
sed -n 's/^needs on the GPU machine/gpu-kit: needs on the GPU machine/p' "$kit/MANIFEST"
if [ ${#mpi_needed[@]} -gt 0 ]; then
  if grep -q '^COLLBENCH_WITH_MPI:BOOL' "$build/CMakeCache.txt"; then  # the option exists
    echo "gpu-kit: COLLBENCH_WITH_MPI=OFF, yet the kit needs MPI: ${mpi_needed[*]}" >&2
    exit 1
  fi
  echo "gpu-kit: WARNING: this tree has no COLLBENCH_WITH_MPI option yet (issue 20), so the kit needs MPI" \
    "(${mpi_needed[*]}); it runs only where Open MPI's libraries are installed" >&2
  echo "mpi: NEEDED (${mpi_needed[*]}): this tree has no COLLBENCH_WITH_MPI option yet" >>"$kit/MANIFEST"
fi
if [ "$bytes" -gt "$limit_bytes" ]; then
  echo "gpu-kit: FAILED: the kit is over $((limit_bytes / 1048576)) MiB" >&2
  exit 1
fi

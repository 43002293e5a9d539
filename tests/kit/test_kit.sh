#!/usr/bin/env bash
# The GPU kit on the GPU stand-in (tests/kit/CMakeLists.txt registers the three modes):
#
#   test_kit.sh build SRC KIT STANDIN_LIB TWIN OUT CMAKE BUILD_DIR
#       builds the stand-in and the nccl-tests twin library in BUILD_DIR, then
#       SRC/scripts/gpu-kit.sh KIT (build-kit/ reused when present)
#   test_kit.sh ldd SRC KIT STANDIN_LIB TWIN OUT
#       with LD_LIBRARY_PATH=STANDIN_LIB only, every ELF file in KIT resolves each library it needs
#       to KIT, to the C runtime (glibc, libgcc_s, libstdc++), or to STANDIN_LIB's
#       libcudart/libnccl/libcuda; and ldd shows no 'not found' and no MPI library (libmpi*,
#       libopen-rte/pal) anywhere in what it loads
#   test_kit.sh smoke SRC KIT STANDIN_LIB TWIN OUT
#       KIT/gpu-smoke.sh KIT OUT with LD_LIBRARY_PATH=STANDIN_LIB only, one simulated GPU, the twin
#       library for nccl-tests' kernels, and mpirun/mpiexec/orterun shadowed by a stub that records
#       a call. Passes when it ran to its summary, exited 0, called no MPI launcher, and each step's
#       verdict is the one expected on the stand-in (below)
set -uo pipefail

if [ $# -lt 6 ]; then
  echo "usage: $0 build|ldd|smoke SRC KIT STANDIN_LIB TWIN OUT [CMAKE BUILD_DIR]" >&2
  exit 2
fi
mode=$1 src=$2 kit=$3 standin=$4 twin=$5 out=$6
fail() { echo "kit.$mode: FAIL: $*"; exit 1; }

case $mode in
build)
  cmake_cmd=$7 build_dir=$8
  nice "$cmake_cmd" --build "$build_dir" --target standin cbsi_nccl_tests_twin || fail "building the stand-in and the twin library"
  rm -rf "$kit"
  t0=$SECONDS
  "$src/scripts/gpu-kit.sh" "$kit" || fail "scripts/gpu-kit.sh exited $?"
  echo "kit.build: the kit built in $((SECONDS - t0)) s"
  for f in collbench collbench_gpu_tests lib/libnccl-tuner-collbench.so gpu-smoke.sh MANIFEST \
    nccl-tests/all_reduce_perf nccl-tests/all_gather_perf nccl-tests/alltoall_perf nccl-tests/sendrecv_perf \
    nccl-tests/alltoallv_perf; do
    [ -e "$kit/$f" ] || fail "the kit lacks $f"
  done
  for f in "$kit"/lib/* "$kit"/*; do
    case $(basename "$f") in libnccl.so* | libnccl-net* | libcudart* | libcuda.so*) fail "the kit holds $(basename "$f"): the GPU machine's own must be used" ;; esac
  done
  [ "$(du -sb "$kit" | cut -f1)" -le $((48 * 1024 * 1024)) ] || fail "the kit is over 48 MiB"
  ;;

ldd)
  [ -x "$kit/collbench" ] || fail "no kit in $kit (kit.build)"
  bad=0 checked=0
  report() { echo "$1: $2"; bad=$((bad + 1)); }
  while read -r f; do
    head -c 4 "$f" | grep -q 'ELF' || continue
    checked=$((checked + 1))
    rel=${f#"$kit"/}
    resolved=$(env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH="$standin" ldd "$f" 2>&1)
    # Anywhere in the closure: nothing missing (a library or a symbol version), no MPI.
    while read -r line; do report "$rel" "$line"; done < <(grep -E 'not found|libmpi|libopen-(rte|pal)' <<<"$resolved" | tr -s ' \t' ' ')
    # What the file itself needs: the C runtime, the stand-in's CUDA/NCCL, or the kit. (The
    # stand-in's own needs, such as its libfmt, are not the kit's: the real libnccl has none.)
    for name in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      case $name in
        ld-linux*.so.* | libc.so.* | libm.so.* | libdl.so.* | libpthread.so.* | librt.so.* | libutil.so.* | \
          libresolv.so.* | libgcc_s.so.* | libstdc++.so.*) continue ;;
        libmpi* | libopen-*) continue ;;  # reported above
      esac
      path=$(awk -v n="$name" '$1 == n && $2 == "=>" { print $3 }' <<<"$resolved")
      case $name in
        libcudart.so.13 | libnccl.so.2 | libcuda.so.1)
          [ "$(readlink -f "$path")" = "$(readlink -f "$standin/$name")" ] ||
            report "$rel" "$name => $path (not the stand-in's)" ;;
        *)
          case $(readlink -f "$path") in
            "$(readlink -f "$kit")"/*) ;;
            *) report "$rel" "$name => ${path:-nothing} (outside the kit)" ;;
          esac ;;
      esac
    done
  done < <(find "$kit" -type f | sort)
  [ "$checked" -ge 6 ] || fail "only $checked ELF files in the kit"
  if [ "$bad" -gt 0 ]; then
    if ! grep -q '^COLLBENCH_WITH_MPI:BOOL' "$src/build-kit/CMakeCache.txt" 2>/dev/null; then
      echo "kit.ldd: this tree has no COLLBENCH_WITH_MPI option yet (issue 20): collbench still links MPI"
    fi
    fail "$bad unresolved or foreign libraries in $checked ELF files"
  fi
  echo "kit.ldd: $checked ELF files resolve to the kit, the C runtime and the stand-in's CUDA/NCCL only"
  ;;

smoke)
  [ -x "$kit/gpu-smoke.sh" ] || fail "no kit in $kit (kit.build)"
  stub=$(mktemp -d)
  trap 'rm -rf "$stub"' EXIT
  for l in mpirun mpiexec orterun; do
    printf '#!/bin/sh\necho "%s $*" >>"%s/called"\necho "gpu-smoke must not use %s" >&2\nexit 99\n' "$l" "$stub" "$l" >"$stub/$l"
    chmod +x "$stub/$l"
  done
  rm -rf "$out"
  t0=$SECONDS
  env -u OMPI_COMM_WORLD_RANK -u PMIX_RANK PATH="$stub:$PATH" LD_LIBRARY_PATH="$standin" COLLBENCH_STANDIN_GPUS=1 \
    COLLBENCH_STANDIN_KERNELS="$twin" SMOKE_TIME_SCALE="${KIT_SMOKE_TIME_SCALE:-3}" \
    "$kit/gpu-smoke.sh" "$kit" "$out"
  rc=$?
  echo "kit.smoke: gpu-smoke.sh exited $rc after $((SECONDS - t0)) s"
  [ -e "$stub/called" ] && fail "gpu-smoke called an MPI launcher: $(cat "$stub/called")"
  [ $rc -eq 0 ] || fail "gpu-smoke.sh exited $rc"
  grep -q '^gpu-smoke: .* 0 failed' "$out/summary.txt" || fail "no summary line"
  # What each step must say on the stand-in. f-launch: PASS once collbench has 'launch' (issue 20),
  # SKIP before. h-blocking-latency: SKIP, one rank (nothing to compare). The g step's time ratios
  # are not judged on the stand-in (its times are simulated), its exit codes and values are.
  want="kit-libs:PASS a-kernels:PASS b-nccl-run:PASS c-types:PASS d-cuda-graph:PASS e-timeout:PASS g-vs-nccl-tests:PASS
h-blocking-comm:PASS h-nonblocking-latency:PASS h-blocking-latency:SKIP h-tuning-estimates:PASS h-parity-compat:PASS
i-register:PASS"
  if "$kit/collbench" launch --help >/dev/null 2>&1; then want="$want f-launch:PASS"; else want="$want f-launch:SKIP"; fi
  for w in $want; do
    id=${w%%:*} v=${w#*:}
    grep -q "\"id\": \"$id\", \"verdict\": \"$v\"" "$out/summary.json" ||
      fail "$id: want $v, got: $(grep -o "\"id\": \"$id\", \"verdict\": \"[A-Z]*\"" "$out/summary.json" || echo 'no verdict')"
  done
  [ "$(grep -c '"verdict"' "$out/summary.json")" -eq 14 ] || fail "not 14 verdicts in summary.json"
  grep -q '"standin": true' "$out/summary.json" || fail "the stand-in was not recognised"
  [ -s "$out/g-vs-nccl-tests.tsv" ] && [ "$(wc -l <"$out/g-vs-nccl-tests.tsv")" -gt 3 ] || fail "no nccl-tests comparison rows"
  echo "kit.smoke: PASS"
  ;;

*) echo "unknown mode $mode" >&2; exit 2 ;;
esac

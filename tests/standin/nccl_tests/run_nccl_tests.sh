#!/usr/bin/env bash
# nccl-tests 2.19.6 on the GPU stand-in (TEST ONLY; CMakeLists.txt here builds what it needs).
#
#   run_nccl_tests.sh <stand-in lib dir> <libcbsi-nccl-tests-twin.so> <nccl-tests build dir>
#
# Runs each of all_reduce all_gather reduce_scatter alltoall broadcast reduce sendrecv alltoallv on
# 1, 2 and 4 ranks with real mpirun, `-b 8 -e 1M -f 4 -c 1 -g 1`, with LD_LIBRARY_PATH at the stand-in
# libraries and COLLBENCH_STANDIN_KERNELS at the twin library, then a few runs with other types and
# reductions and alltoallv's other traffic (CBSI_NCCL_TESTS_EXTRA=0 skips them). A run passes when mpirun exits 0, nccl-tests
# printed at least one result row, every row's #wrong is 0 out of place and in place (in place is
# "N/A" for alltoall, sendrecv and alltoallv, which nccl-tests does not check there), and it printed
# "# Out of bounds values : 0 OK". Prints one summary line per run; exits 1 when any run failed.
#
# Environment: CBSI_NCCL_TESTS_TIMEOUT (seconds per run, default 300), CBSI_NCCL_TESTS_LOG_DIR
# (default ./nccl-tests-logs: each run's stdout and stderr), CBSI_NCCL_TESTS_ONLY (space-separated
# binary names, e.g. "all_reduce sendrecv"), CBSI_NCCL_TESTS_NP (default "1 2 4").
set -u

if [ $# -ne 3 ]; then
  echo "usage: $0 <stand-in lib dir> <libcbsi-nccl-tests-twin.so> <nccl-tests build dir>" >&2
  exit 2
fi
lib_dir=$(cd "$1" 2>/dev/null && pwd) || { echo "FAIL: no stand-in lib dir $1" >&2; exit 1; }
twin=$2
case $twin in /*) ;; *) twin=$(pwd)/$twin ;; esac  # ranks dlopen it
nt_dir=$3
timeout_s=${CBSI_NCCL_TESTS_TIMEOUT:-300}
log_dir=${CBSI_NCCL_TESTS_LOG_DIR:-$(pwd)/nccl-tests-logs}
all_bins="all_reduce all_gather reduce_scatter alltoall broadcast reduce sendrecv alltoallv"
only=${CBSI_NCCL_TESTS_ONLY:-$all_bins}
nps=${CBSI_NCCL_TESTS_NP:-1 2 4}

missing=0
for f in "$lib_dir/libcudart.so.13" "$lib_dir/libnccl.so.2" "$twin"; do
  [ -f "$f" ] || { echo "FAIL: missing $f" >&2; missing=1; }
done
for b in $all_bins; do
  [ -x "$nt_dir/${b}_perf" ] || { echo "FAIL: missing $nt_dir/${b}_perf" >&2; missing=1; }
done
[ $missing -eq 0 ] || exit 1
command -v mpirun >/dev/null || { echo "FAIL: mpirun not on PATH" >&2; exit 1; }
mkdir -p "$log_dir"
rm -f "$log_dir"/*.out "$log_dir"/*.err

export LD_LIBRARY_PATH="$lib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export COLLBENCH_STANDIN_KERNELS="$twin"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_base_warn_component_unused=0

base_args=(-b 8 -e 1M -f 4 -c 1 -g 1)
run_env=()  # more "-x NAME=VALUE" for mpirun (alltoallv's traffic)
failed=0
runs=0
summary=()

# run <binary> <np> <label> [extra nccl-tests arguments...]
run() {
  local bin=$1 np=$2 label=$3
  shift 3
  local log="$log_dir/${bin}.np${np}${label:+.$label}"
  local t0 t1 rc
  t0=$(date +%s.%N)
  timeout -k 10 "$timeout_s" mpirun --oversubscribe -np "$np" --bind-to none --mca mpi_yield_when_idle 1 \
    -x LD_LIBRARY_PATH -x COLLBENCH_STANDIN_KERNELS "${run_env[@]}" \
    "$nt_dir/${bin}_perf" "${base_args[@]}" "$@" >"$log.out" 2>"$log.err"
  rc=$?
  t1=$(date +%s.%N)
  runs=$((runs + 1))

  # Result rows: size count type redop root | time algbw busbw #wrong (out of place) | same (in place)
  local na_ok=0
  case $bin in alltoall | sendrecv | alltoallv) na_ok=1 ;; esac
  local check
  check=$(awk -v na_ok=$na_ok '
    $1 ~ /^[0-9]+$/ && NF >= 13 {
      rows++
      if ($9 != "0") { bad++; if (!first) first = $0 }
      else if (!($13 == "0" || (na_ok && $13 == "N/A"))) { bad++; if (!first) first = $0 }
      if ($9 ~ /^[0-9.e+]+$/) wrong += $9
      if ($13 ~ /^[0-9.e+]+$/) wrong += $13
    }
    /^# Out of bounds values : 0 OK/ { oob = "0 OK" }
    /^# Out of bounds values : [1-9]/ { oob = $7 " " $8 }
    END { printf "%d %d %d %s|%s\n", rows, bad, wrong, (oob == "" ? "none" : oob), first }' "$log.out")
  local rows bad wrong oob first
  read -r rows bad wrong oob oob2 <<<"${check%%|*}"
  oob="$oob${oob2:+ $oob2}"
  first=${check#*|}

  local status=PASS why=""
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    why="timed out after ${timeout_s}s; "
  elif [ $rc -ne 0 ]; then
    why="mpirun exit $rc; "
  fi
  [ "$rows" -eq 0 ] && why+="no result rows; "
  [ "$bad" -ne 0 ] && why+="$bad row(s) with wrong elements, first: $(echo $first); "
  [ "$oob" != "0 OK" ] && [ "$bad" -eq 0 ] && why+="Out of bounds values: $oob; "
  why=${why%; }
  [ -n "$why" ] && status=FAIL
  local secs
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  local shown="" e
  for e in "${run_env[@]}"; do [ "$e" = -x ] || shown+="${e%%=*}=${e##*[=/]} "; done
  shown+="$*"
  summary+=("$(printf '%-15s %2s  %-36s %5s %7s  %-8s %6ss  %s' "$bin" "$np" "${shown:-(default)}" "$rows" "$wrong" \
    "$oob" "$secs" "$status${why:+: $why}")")
  printf '%s\n' "${summary[-1]}"
  if [ "$status" = FAIL ]; then
    failed=$((failed + 1))
    echo "  log: $log.out $log.err"
    # The first error lines nccl-tests, mpirun or the stand-in printed.
    grep -h -iE "failure|error|abort|signal|warn|no host twin|stand-in" "$log.out" "$log.err" 2>/dev/null |
      grep -vE "^#  Rank|Test failure common.cu" | sed 's/^/  | /' | head -n 8
  fi
}

printf '%-15s %2s  %-36s %5s %7s  %-8s %7s  %s\n' binary np "extra args" rows wrong OOB time status
for bin in $only; do
  for np in $nps; do
    run "$bin" "$np" ""
  done
done

if [ "${CBSI_NCCL_TESTS_EXTRA:-1}" != 0 ]; then
  # Other element types and reductions: half and bfloat16 sums, every type x every reduction on
  # two ranks (all twins: prepareInput2/prepareExpected2/verifyPrepared for 12 types x 7 ops),
  # bfloat16 average and half product on four, fp8 broadcast from a non-zero root.
  run all_reduce 2 half -d half
  run all_reduce 4 bfloat16 -d bfloat16
  run all_reduce 2 all-all -d all -o all -b 8 -e 64K -f 8 -n 2
  run reduce_scatter 4 bf16-avg -d bfloat16 -o avg
  run reduce 4 half-prod -d half -o prod -r 3
  run broadcast 4 f8e4m3-root2 -d f8e4m3 -r 2
  # alltoallv's other traffic (alltoallv.cu:150-170): half uniform, half distance-weighted; and a
  # 4x4 matrix of bytes (zero cells, a cell that is not a multiple of 16, rank 1 sends the most,
  # rank 2 receives the most), whose counts need -b = -e.
  local_matrix="$log_dir/alltoallv-matrix.txt"
  printf '0 4096 0 1024\n2048 0 8192 16\n512 512 0 0\n0 0 4004 64\n' >"$local_matrix"
  for np in 2 4; do
    run_env=(-x NCCL_TESTS_ALLTOALLV_SPREAD=0.5)
    run alltoallv "$np" spread0.5
    run_env=(-x NCCL_TESTS_ALLTOALLV_MATRIX_FILE="$local_matrix")
    run alltoallv "$np" matrix -b 16K -e 16K
  done
  run_env=()
fi

nccl_lib=$(grep -h -m1 -o 'nccl-library=[0-9]*' "$log_dir"/*.out 2>/dev/null | head -n1)
echo
echo "nccl-tests on the stand-in ($lib_dir, ${nccl_lib:-nccl-library=?}): $runs runs, $failed failed; logs in $log_dir"
[ $failed -eq 0 ]

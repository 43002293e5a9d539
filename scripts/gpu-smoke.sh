#!/usr/bin/env bash
# GPU smoke test, run ON the GPU machine from the kit that scripts/gpu-kit.sh built (README "GPU
# kit"). Needs no cmake, compiler, MPI, python3 or network there: bash, coreutils (timeout), awk,
# grep, sed; nvidia-smi and python3 when present.
#
#   DIR/gpu-smoke.sh DIR OUT      DIR: the kit; OUT: where logs, JSON and the summary go
#
# Finds NCCL (libnccl.so.2) and the CUDA runtime 13 (libcudart.so.13): LD_LIBRARY_PATH as given,
# /usr/local/cuda/lib64, /usr/local/cuda/lib, /usr/lib/x86_64-linux-gnu, then the nvidia-nccl-cu13
# and nvidia-cuda-runtime wheels; records them, NCCL's version and the GPU in OUT/environment.txt.
# Runs each step under `timeout` (limits adding up to 300 s on one H100) and prints one verdict line
# per step (PASS/FAIL/SKIP, seconds, reason), then a summary (also OUT/summary.json and
# OUT/summary.txt). Exits 1 when a step failed, 2 on bad arguments.
#
#   kit-libs             every kit file's libraries resolve (ldd: nothing 'not found')
#   a-kernels            collbench_gpu_tests --gtest_filter='GpuKernels.*'
#   b-nccl-run           collbench_gpu_tests --gtest_filter='NcclRun.*' (ranks via `collbench launch`,
#                        or one plain process where this collbench has no launch subcommand)
#   c-types              every collective x every datatype, validated (-c 1), one run per type
#   d-cuda-graph         --cuda-graph on every collective of --coll all
#   e-timeout            COLLBENCH_INJECT=hang:0 with --timeout 5: exit 3, "timed out", within the limit
#   f-launch             collbench launch --nproc-per-node N run ...: exit 0, JSON names collbench-launch
#   g-vs-nccl-tests      nccl-tests' all_reduce/all_gather/alltoall/sendrecv/alltoallv_perf -g 1 against collbench run
#                        --compat nccl-tests on the same sizes: per size, time and busbw ratios
#   h-*                  issue 19's GPU-only criteria: blocking-comm, blocking-latency (2+ ranks),
#                        nonblocking-latency, tuning-estimates, parity-compat
#   i-register           --register local and --register symmetric (nccl-tests -R 1/2), all-reduce and
#                        all-gather 8 B-64 KiB with --nccl-tuning-info, and symmetric with --nccl-cta-policy
#                        zero (nccl-tests -R 2 -x 2), all-gather and all-to-all: exit 0, 0 wrong; prints the
#                        path NCCL's log gave per record (symmetric kernel, copy engine, algorithm, skipped
#                        and why). Symmetric kernels and copy engines need 2+ ranks on one node (SMOKE_NP):
#                        on one rank NCCL copies.
#
# Environment: SMOKE_NP (ranks, 1; more needs `collbench launch`), SMOKE_PARITY_TOL (1.5: the
# collbench/nccl-tests out-of-place time ratio allowed on a real GPU at sizes of at least
# SMOKE_PARITY_MIN_BYTES, 8388608: below, launch overheads, which the two time differently,
# dominate), SMOKE_TIME_SCALE (1: multiplies every step limit).
# On the GPU stand-in (tests/standin, recognised by its libcudart) c, d, h-tuning-estimates and
# h-parity-compat stop at 1 MiB (its kernels and copies run on CPUs: 64 MiB of fp8 checks take
# seconds, 1 GiB minutes), and criteria on times are not judged: its times are simulated.
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 KIT_DIR OUT_DIR" >&2
  exit 2
fi
kit=$(cd "$1" 2>/dev/null && pwd) || { echo "gpu-smoke: no kit directory $1" >&2; exit 2; }
mkdir -p "$2" && out=$(cd "$2" && pwd) || { echo "gpu-smoke: cannot create $2" >&2; exit 2; }
cb=$kit/collbench
gt=$kit/collbench_gpu_tests
for f in "$cb" "$gt"; do [ -x "$f" ] || { echo "gpu-smoke: $f is missing; is $kit a kit (scripts/gpu-kit.sh)?" >&2; exit 2; }; done
np=${SMOKE_NP:-1}
tol=${SMOKE_PARITY_TOL:-1.5}
judged=${SMOKE_PARITY_MIN_BYTES:-8388608}
scale=${SMOKE_TIME_SCALE:-1}
# Step limits in seconds on one H100 (SMOKE_TIME_SCALE multiplies them). b starts ~30 processes,
# c 12: a GPU without persistence mode spends seconds creating each CUDA context.
declare -A L=([a]=15 [b]=100 [c]=35 [d]=15 [e]=20 [f]=15 [g]=30 [hb]=10 [hn]=10 [he]=15 [hp]=20 [i]=15)
limit() { awk -v l="$1" -v s="$scale" 'BEGIN { printf "%d", l * s + 0.5 }'; }
total_limit=0
for k in "${!L[@]}"; do total_limit=$((total_limit + L[$k])); done
[ "$total_limit" -le 300 ] || { echo "gpu-smoke: step limits add up to $total_limit s, over 300" >&2; exit 2; }
have_python=0
python3 -c 'import json' >/dev/null 2>&1 && have_python=1  # a working python3
rm -f "$out"/*.log "$out"/*.json "$out"/*.tsv "$out"/summary.txt

# --- find NCCL and the CUDA runtime --------------------------------------------------------------
wheel_dirs() {  # the nvidia namespace package's folders (pip wheels), with python3 or by their usual places
  if [ $have_python -eq 1 ]; then
    python3 -c 'import nvidia; print("\n".join(nvidia.__path__))' 2>/dev/null
  fi
  ls -d /usr/lib/python3*/*-packages/nvidia /usr/local/lib/python3*/*-packages/nvidia \
    "$HOME"/.local/lib/python3*/site-packages/nvidia 2>/dev/null
}
# find_lib SONAME: the first folder holding it, in the order above ("" if none)
find_lib() {
  local d
  local IFS=:
  for d in ${LD_LIBRARY_PATH:-} /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/lib/x86_64-linux-gnu; do
    [ -n "$d" ] && [ -e "$d/$1" ] && { echo "$d"; return; }
  done
  IFS=$'\n'
  for d in $(wheel_dirs); do
    d=$(find "$d" -maxdepth 4 -name "$1" 2>/dev/null | head -n 1)
    [ -n "$d" ] && { dirname "$d"; return; }
  done
  d=$(ldconfig -p 2>/dev/null | awk -v n="$1" '$1 == n { print $NF; exit }')
  [ -n "$d" ] && dirname "$d"
}
add_lib_dir() {
  case ":${LD_LIBRARY_PATH:-}:" in *":$1:"*) ;; *) export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$1" ;; esac
}
nccl_dir=$(find_lib libnccl.so.2)
cudart_dir=$(find_lib libcudart.so.13)
[ -n "$nccl_dir" ] && add_lib_dir "$nccl_dir"
[ -n "$cudart_dir" ] && add_lib_dir "$cudart_dir"
standin=0
[ -n "$cudart_dir" ] && grep -q collbench_standin_description "$cudart_dir/libcudart.so.13" 2>/dev/null && standin=1
[ -z "${CUDA_VISIBLE_DEVICES:-}" ] && export CUDA_VISIBLE_DEVICES=$(seq -s, 0 $((np - 1)))
if [ "$standin" -eq 1 ]; then maxb=1M; else maxb=64M; fi

launch_mode=direct
"$cb" launch --help >/dev/null 2>&1 && launch_mode=launch
run_ranks=("$cb")
if [ "$launch_mode" = launch ] && [ "$np" -gt 1 ]; then run_ranks=("$cb" launch --nproc-per-node "$np"); fi
if [ "$launch_mode" = direct ] && [ "$np" -gt 1 ]; then
  echo "gpu-smoke: SMOKE_NP=$np needs 'collbench launch', which this collbench lacks" >&2
  exit 2
fi

{
  echo "date: $(date -u +%FT%TZ)"
  echo "host: $(uname -n) ($(uname -srm))"
  echo "kit: $kit ($(sed -n 's/^source: //p' "$kit/MANIFEST" 2>/dev/null))"
  echo "ranks: $np; CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES; rank launch: $launch_mode"
  echo "libnccl.so.2: ${nccl_dir:-NOT FOUND}${nccl_dir:+/libnccl.so.2 -> $(readlink -f "$nccl_dir/libnccl.so.2")}"
  echo "libcudart.so.13: ${cudart_dir:-NOT FOUND}${cudart_dir:+/libcudart.so.13 -> $(readlink -f "$cudart_dir/libcudart.so.13")}"
  echo "GPU stand-in (tests/standin, not a GPU): $([ $standin -eq 1 ] && echo yes || echo no)"
  echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  echo "python3: $([ $have_python -eq 1 ] && python3 --version 2>&1 || echo absent)"
  echo "glibc: $(ldd --version 2>/dev/null | head -n 1)"
  echo "== nvidia-smi"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=index,name,pci.bus_id,driver_version,memory.total --format=csv 2>&1
    nvidia-smi 2>&1
  else
    echo "nvidia-smi: not found"
  fi
  echo "== kit libraries (ldd)"
  for f in "$cb" "$gt" "$kit"/lib/*.so* "$kit"/nccl-tests/*_perf; do [ -e "$f" ] && { echo "$f:"; ldd "$f" 2>&1; }; done
} >"$out/environment.txt" 2>&1

echo "== gpu-smoke: kit $kit, out $out"
echo "NCCL: ${nccl_dir:-NOT FOUND}  CUDA runtime: ${cudart_dir:-NOT FOUND}$([ $standin -eq 1 ] && echo '  (the GPU stand-in: no GPU figures)')"
command -v nvidia-smi >/dev/null && nvidia-smi -L 2>&1 | head -n 8
echo "ranks $np, launch $launch_mode; per-step limits add up to $(limit "$total_limit") s"

# --- verdicts ----------------------------------------------------------------------------------
ids=() verdicts=() seconds=() reasons=()
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
verdict() {  # verdict ID PASS|FAIL|SKIP SECONDS REASON
  ids+=("$1") verdicts+=("$2") seconds+=("$3") reasons+=("$4")
  printf '%-4s  %-22s %6ss  %s\n' "$2" "$1" "$3" "$4"
}
# run LOG LIMIT command...: runs it bounded, output in LOG; sets rc (124: timed out)
run() {
  local log=$1 lim
  lim=$(limit "$2")
  shift 2
  echo "+ $*" >>"$log"
  timeout -k 5 "$lim" "$@" >>"$log" 2>&1
  rc=$?
  [ $rc -eq 137 ] && rc=124
  return 0
}
timed_out() { echo "timed out after $(limit "$1") s"; }
gtest_verdict() {  # gtest_verdict ID LOG T0 LIMIT
  local passed skipped failed
  passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$2" | tail -n 1)
  skipped=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$2" | tail -n 1)
  failed=$(grep -c '^\[  FAILED  \] [A-Za-z]' "$2")
  if [ $rc -eq 124 ]; then verdict "$1" FAIL "$(since "$3")" "$(timed_out "$4")"
  elif [ $rc -ne 0 ]; then verdict "$1" FAIL "$(since "$3")" "exit $rc, $failed failed: $(grep -m 1 '^\[  FAILED  \] [A-Za-z]' "$2" | cut -c 14-)"
  elif [ "${passed:-0}" -eq 0 ] && [ "${skipped:-0}" -gt 0 ]; then
    verdict "$1" SKIP "$(since "$3")" "all $skipped skipped: $(grep -m 1 -o 'Skipped$\|no CUDA GPU visible' "$2" || echo see log)"
  elif [ "${passed:-0}" -eq 0 ]; then verdict "$1" FAIL "$(since "$3")" "no test ran"
  else verdict "$1" PASS "$(since "$3")" "$passed tests passed${skipped:+, $skipped skipped}"; fi
}
json_value() { grep -m 1 -o "\"$2\": *\"[^\"]*\"" "$1" 2>/dev/null | sed 's/.*: *"\(.*\)"/\1/'; }

# (0) every kit file's libraries resolve here: 'not found' is a missing library, or a glibc or
# libstdc++ older than the kit needs (its MANIFEST says which versions)
t0=$(now)
if ! command -v ldd >/dev/null; then verdict kit-libs SKIP "$(since "$t0")" "no ldd here"
else
  problems=$(for f in "$cb" "$gt" "$kit"/lib/*.so* "$kit"/nccl-tests/*_perf; do
    [ -e "$f" ] && ldd "$f" 2>&1 | grep "not found" | tr -s ' \t' ' ' | sed "s|^|${f#"$kit"/}:|"
  done)
  if [ -n "$problems" ]; then
    verdict kit-libs FAIL "$(since "$t0")" "$(wc -l <<<"$problems") unresolved, first: $(head -n 1 <<<"$problems")"
  else verdict kit-libs PASS "$(since "$t0")" "every kit file's libraries resolve"; fi
fi

# (a) the kernels against the host formulas
t0=$(now) log=$out/a-kernels.log
run "$log" "${L[a]}" "$gt" --gtest_filter='GpuKernels.*' --gtest_output=json:"$out/a-kernels.json"
gtest_verdict a-kernels "$log" "$t0" "${L[a]}"

# (b) the nccl backend end to end through the real binary
t0=$(now) log=$out/b-nccl-run.log
run "$log" "${L[b]}" env COLLBENCH_BIN="$cb" COLLBENCH_E2E_LAUNCH="$launch_mode" \
  "$gt" --gtest_filter='NcclRun.*' --gtest_output=json:"$out/b-nccl-run.json"
gtest_verdict b-nccl-run "$log" "$t0" "${L[b]}"

# (c) every collective x datatype, validated; one run per type within one limit
t0=$(now) log=$out/c-types.log
types=(int8 uint8 int32 uint32 int64 uint64 half bfloat16 float double f8e4m3 f8e5m2)
bad=() lim_c=$(limit "${L[c]}") rc=0
for t in "${types[@]}"; do
  left=$(awk -v t0="$t0" -v n="$(now)" -v l="$lim_c" 'BEGIN { printf "%d", l - (n - t0) }')
  [ "$left" -lt 1 ] && { rc=124; break; }
  echo "+ type $t" >>"$log"
  timeout -k 5 "$left" "${run_ranks[@]}" run --backend nccl --coll every -d "$t" -b 8 -e "$maxb" -f 8 -n 5 -w 2 -c 1 \
    --json "$out/c-type-$t.json" >>"$log" 2>&1
  r=$?
  [ $r -eq 124 ] || [ $r -eq 137 ] && { rc=124; break; }
  [ $r -ne 0 ] && bad+=("$t (exit $r)")
done
if [ $rc -eq 124 ]; then verdict c-types FAIL "$(since "$t0")" "$(timed_out "${L[c]}") at type $t"
elif [ ${#bad[@]} -gt 0 ]; then verdict c-types FAIL "$(since "$t0")" "${bad[*]}"
else verdict c-types PASS "$(since "$t0")" "${#types[@]} types x every collective, 8 B-$maxb, 0 wrong"; fi
nccl_version=$(json_value "$out/c-type-float.json" nccl_library)
gpu_name=$(json_value "$out/c-type-float.json" gpu)
echo "NCCL library (collbench's record): ${nccl_version:-unknown}; GPU: ${gpu_name:-unknown}" | tee -a "$out/environment.txt"

# (d) CUDA graphs
t0=$(now) log=$out/d-cuda-graph.log
run "$log" "${L[d]}" "${run_ranks[@]}" run --backend nccl -b 8 -e "$maxb" -f 4 --coll all --cuda-graph -c 1 -n 10 --json "$out/d-cuda-graph.json"
if [ $rc -eq 124 ]; then verdict d-cuda-graph FAIL "$(since "$t0")" "$(timed_out "${L[d]}")"
elif [ $rc -ne 0 ]; then verdict d-cuda-graph FAIL "$(since "$t0")" "exit $rc: $(grep -m 1 -i 'error\|wrong\|fail' "$log")"
elif ! json_value "$out/d-cuda-graph.json" launch | grep -q cuda_graph; then
  verdict d-cuda-graph FAIL "$(since "$t0")" "the JSON's launch is '$(json_value "$out/d-cuda-graph.json" launch)', not cuda_graph"
else verdict d-cuda-graph PASS "$(since "$t0")" "--coll all 8 B-$maxb in CUDA graphs, 0 wrong"; fi

# (e) a hang becomes a timeout: exit 3 naming the case
t0=$(now) log=$out/e-timeout.log
run "$log" "${L[e]}" env COLLBENCH_INJECT=hang:0 "${run_ranks[@]}" run --backend nccl -b 1M -e 1M --coll allreduce --timeout 5 \
  --json "$out/e-timeout.json"
if [ $rc -eq 124 ]; then verdict e-timeout FAIL "$(since "$t0")" "$(timed_out "${L[e]}"): the hang was not cut at --timeout 5"
elif [ $rc -ne 3 ]; then verdict e-timeout FAIL "$(since "$t0")" "exit $rc, want 3"
elif ! grep -q "timed out" "$log"; then verdict e-timeout FAIL "$(since "$t0")" "exit 3 but no 'timed out' line"
else verdict e-timeout PASS "$(since "$t0")" "exit 3: $(grep -m 1 -o 'case .* timed out' "$log")"; fi

# (f) collbench's own launcher
t0=$(now) log=$out/f-launch.log
if [ "$launch_mode" != launch ]; then
  verdict f-launch SKIP "$(since "$t0")" "this collbench has no 'launch' subcommand (built before issue 20's MPI-free build)"
else
  run "$log" "${L[f]}" "$cb" launch --nproc-per-node "$np" run --backend nccl -b 8 -e 1M -f 8 --coll allreduce -n 5 --json "$out/f-launch.json"
  if [ $rc -eq 124 ]; then verdict f-launch FAIL "$(since "$t0")" "$(timed_out "${L[f]}")"
  elif [ $rc -ne 0 ]; then verdict f-launch FAIL "$(since "$t0")" "exit $rc: $(tail -n 1 "$log")"
  elif ! grep -q collbench-launch "$out/f-launch.json"; then verdict f-launch FAIL "$(since "$t0")" "exit 0, but the JSON does not name collbench-launch"
  else verdict f-launch PASS "$(since "$t0")" "exit 0, launch convention collbench-launch"; fi
fi

# (g) nccl-tests against collbench --compat nccl-tests, same sizes, both -n 20 -w 5 -c 1
table_rows() {  # size, out-of-place time/busbw/#wrong, in-place time/busbw/#wrong
  awk '$1 ~ /^[0-9]+$/ && NF >= 13 { print $1, $6, $8, $9, $10, $12, $13 }' "$1"
}
t0=$(now) log=$out/g-vs-nccl-tests.log
g_fail=() g_notes=() lim_g=$(limit "${L[g]}")
gmax=64M  # the same sizes everywhere: one rank of these is cheap on the stand-in too
for pair in all_reduce:allreduce all_gather:allgather alltoall:alltoall sendrecv:sendrecv alltoallv:alltoallv; do
  nt=${pair%%:*} coll=${pair#*:}
  ntlog=$out/g-nccl-tests-$nt.log cblog=$out/g-collbench-$coll.log
  if [ ! -x "$kit/nccl-tests/${nt}_perf" ]; then g_fail+=("$nt: not in the kit"); continue; fi
  left=$(awk -v t0="$t0" -v n="$(now)" -v l="$lim_g" 'BEGIN { printf "%d", l - (n - t0) }')
  [ "$left" -lt 2 ] && { g_fail+=("$(timed_out "${L[g]}") before $nt"); break; }
  timeout -k 5 "$((left / 2))" "$kit/nccl-tests/${nt}_perf" -g 1 -b 8 -e "$gmax" -f 4 -n 20 -w 5 -c 1 >"$ntlog" 2>&1
  r1=$?
  timeout -k 5 "$((left / 2))" "$cb" run --backend nccl --compat nccl-tests --coll "$coll" -b 8 -e "$gmax" -f 4 -n 20 -w 5 -c 1 \
    --json "$out/g-collbench-$coll.json" >"$cblog" 2>&1
  r2=$?
  [ $r1 -ne 0 ] && { g_fail+=("${nt}_perf exit $r1"); continue; }
  [ $r2 -ne 0 ] && { g_fail+=("collbench $coll exit $r2"); continue; }
  # nccl-tests checks every row ("0 OK"); collbench says N/A where it ran nothing to check (its
  # all-to-all has no in-place run). A count above 0, or a row's #wrong above 0, is wrong values.
  grep -q "^# Out of bounds values : 0 OK" "$ntlog" || g_fail+=("${nt}_perf: wrong values or no footer")
  if ! grep -q "^# Out of bounds values : \(0 OK\|N/A\)" "$cblog" ||
    [ -n "$(table_rows "$cblog" | awk '$4 != "0" || ($7 != "0" && $7 != "N/A")')" ]; then
    g_fail+=("collbench $coll: wrong values or no footer")
  fi
  # One row per size: nccl-tests' and collbench's time, their ratio, and the busbw ratio (n/a where
  # nccl-tests' busbw is 0: one rank moves nothing across a link, so busbw is 0 by definition).
  join <(table_rows "$ntlog" | sort -k1,1) <(table_rows "$cblog" | sort -k1,1) | sort -n -k1,1 | awk -v c="$coll" '
    function ratio(a, b) { return (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && a + 0 > 0) ? sprintf("%.3f", b / a) : "n/a" }
    { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c, $1, $2, $8, ratio($2, $8), $3, $9, ratio($3, $9) }' >"$out/g-$coll.tsv"
  n_nt=$(table_rows "$ntlog" | wc -l) n_cb=$(table_rows "$cblog" | wc -l) n_both=$(wc -l <"$out/g-$coll.tsv")
  if [ "$n_nt" -eq 0 ] || [ "$n_nt" -ne "$n_cb" ] || [ "$n_both" -ne "$n_nt" ]; then
    g_fail+=("$coll: sizes differ (nccl-tests $n_nt rows, collbench $n_cb, common $n_both)")
  fi
  off=$(awk -F'\t' -v tol="$tol" -v min="$judged" '$2 >= min && $5 != "n/a" && ($5 > tol || $5 < 1 / tol) { n++ } END { print n + 0 }' "$out/g-$coll.tsv")
  [ "$off" -gt 0 ] && g_notes+=("$coll: $off sizes >= $judged B off by more than ${tol}x")
done
{
  printf 'collective\tbytes\tnccl-tests_us\tcollbench_us\ttime_ratio\tnccl-tests_busbw\tcollbench_busbw\tbusbw_ratio\n'
  cat "$out"/g-allreduce.tsv "$out"/g-allgather.tsv "$out"/g-alltoall.tsv "$out"/g-sendrecv.tsv "$out"/g-alltoallv.tsv 2>/dev/null
} >"$out/g-vs-nccl-tests.tsv"
if [ ${#g_fail[@]} -gt 0 ]; then verdict g-vs-nccl-tests FAIL "$(since "$t0")" "${g_fail[*]}"
elif [ ${#g_notes[@]} -gt 0 ] && [ "$standin" -eq 0 ]; then verdict g-vs-nccl-tests FAIL "$(since "$t0")" "${g_notes[*]}"
elif [ "$standin" -eq 1 ]; then verdict g-vs-nccl-tests PASS "$(since "$t0")" "exit 0 and 0 wrong on both, same sizes; time ratios not judged: stand-in times are simulated"
else verdict g-vs-nccl-tests PASS "$(since "$t0")" "exit 0 and 0 wrong on both, same sizes, times within ${tol}x at >= $judged B"; fi
awk -F'\t' 'NR > 1 { printf "      %-10s %10s B  time %9s us (nccl-tests) %9s us (collbench) ratio %-6s  busbw ratio %s\n", $1, $2, $3, $4, $5, $8 }' \
  "$out/g-vs-nccl-tests.tsv"

# (h) issue 19, what only a GPU can confirm. (1) collectives are timed on blocking communicators, as
# nccl-tests: with 2+ ranks a non-blocking one (NCCL_COMM_BLOCKING=0) starts a thread per call
# (group.cc:735), so its small-message p50 must not be below the blocking one's. (2) NCCL's
# estimates: every collective record of a 2+ rank run has a positive nccl_estimated_us, all-to-all
# and one-rank records say "unavailable", and none says -1. (3) --compat nccl-tests runs clean.
lat=(--backend nccl -b 8 -e 8K -f 4 --coll allreduce --placement out --rotate off -n 500 -w 50 --probe-iters 0)
t0=$(now) log=$out/h-blocking.log
run "$log" "${L[hb]}" "${run_ranks[@]}" run "${lat[@]}" --json "$out/h-blocking.json"
rc_b=$rc
blocking=$(json_value "$out/h-blocking.json" nccl_config.blocking)
if [ $rc_b -ne 0 ]; then verdict h-blocking-comm FAIL "$(since "$t0")" "exit $rc_b"
elif [ "${blocking#1 (blocking}" = "$blocking" ]; then verdict h-blocking-comm FAIL "$(since "$t0")" "the communicator was not blocking: '$blocking'"
else verdict h-blocking-comm PASS "$(since "$t0")" "the communicator was blocking (nccl_config.blocking 1)"; fi

t0=$(now) log=$out/h-nonblocking.log
run "$log" "${L[hn]}" env NCCL_COMM_BLOCKING=0 "${run_ranks[@]}" run "${lat[@]}" --json "$out/h-nonblocking.json"
rc_n=$rc
if [ $rc_n -ne 0 ]; then verdict h-nonblocking-latency FAIL "$(since "$t0")" "exit $rc_n with NCCL_COMM_BLOCKING=0"
else verdict h-nonblocking-latency PASS "$(since "$t0")" "exit 0 with NCCL_COMM_BLOCKING=0"; fi

t0=$(now)
if [ "$np" -lt 2 ]; then verdict h-blocking-latency SKIP 0.0 "needs 2+ ranks: on one rank NCCL starts no thread per call, nothing to compare"
elif [ "$standin" -eq 1 ]; then verdict h-blocking-latency SKIP 0.0 "stand-in: latencies are simulated"
elif [ $have_python -eq 0 ]; then verdict h-blocking-latency SKIP 0.0 "no python3 to read the JSON"
elif [ $rc_b -ne 0 ] || [ $rc_n -ne 0 ]; then verdict h-blocking-latency FAIL 0.0 "a latency run failed"
else
  msg=$(python3 - "$out" <<'PY'
import json, sys
b, n = (json.load(open(f"{sys.argv[1]}/h-{k}.json"))["results"] for k in ("blocking", "nonblocking"))
worse = [f"{rb['bytes']} B {rb['time_us']['p50']:.2f} vs {rn['time_us']['p50']:.2f} us" for rb, rn in zip(b, n)
         if rb["time_us"]["p50"] > rn["time_us"]["p50"] * 1.02]
print(("FAIL blocking p50 above non-blocking: " + "; ".join(worse)) if worse else
      f"PASS blocking p50 <= non-blocking p50 (x1.02) at {len(b)} sizes")
PY
)
  verdict h-blocking-latency "${msg%% *}" "$(since "$t0")" "${msg#* }"
fi

t0=$(now) log=$out/h-tuning-estimates.log
run "$log" "${L[he]}" "${run_ranks[@]}" run --backend nccl -b 8 -e "$maxb" -f 8 --coll every --nccl-tuning-info -n 20 --json "$out/h-estimates.json"
if [ $rc -ne 0 ]; then verdict h-tuning-estimates FAIL "$(since "$t0")" "exit $rc"
elif [ $have_python -eq 1 ]; then
  msg=$(python3 - "$out/h-estimates.json" "$np" <<'PY'
import json, sys
np, bad, n = int(sys.argv[2]), [], 0
for r in json.load(open(sys.argv[1]))["results"]:
    if r["status"] != "ok": continue
    n += 1
    e = r.get("backend_notes", {}).get("nccl_estimated_us", "")
    want_number = np >= 2 and r["collective"] not in ("alltoall", "sendrecv", "alltoallv")  # send/recv: no estimate
    good = (e[:1].isdigit() and float(e) > 0) if want_number else e.startswith("unavailable: ")
    if not good: bad.append(f"{r['collective']} {r['bytes']} B {r['placement']}: {e!r}")
what = "positive, send/recv (alltoall, sendrecv, alltoallv) unavailable" if np >= 2 else "'unavailable: ...' (one rank)"
print(f"FAIL {len(bad)} of {n}: " + "; ".join(bad[:3]) if bad else f"PASS {n} records, nccl_estimated_us {what}" if n else "FAIL no record ran")
PY
)
  verdict h-tuning-estimates "${msg%% *}" "$(since "$t0")" "${msg#* }"
elif [ "$np" -ge 2 ]; then verdict h-tuning-estimates SKIP "$(since "$t0")" "no python3 to tell all-to-all records from the others"
else
  total=$(grep -c '"nccl_estimated_us"' "$out/h-estimates.json")
  unavailable=$(grep -c '"nccl_estimated_us": *"unavailable: ' "$out/h-estimates.json")
  if [ "$total" -gt 0 ] && [ "$total" -eq "$unavailable" ]; then
    verdict h-tuning-estimates PASS "$(since "$t0")" "$total records, nccl_estimated_us 'unavailable: ...' (one rank; read with grep)"
  else verdict h-tuning-estimates FAIL "$(since "$t0")" "$unavailable of $total estimates say unavailable on one rank"; fi
fi

t0=$(now) log=$out/h-parity-compat.log
if [ "$standin" -eq 1 ]; then pmax=$maxb; else pmax=1G; fi
run "$log" "${L[hp]}" "${run_ranks[@]}" run --backend nccl -b 8 -e "$pmax" -f 2 --coll all --compat nccl-tests -n 50 -w 10 --json "$out/h-parity.json"
if [ $rc -eq 124 ]; then verdict h-parity-compat FAIL "$(since "$t0")" "$(timed_out "${L[hp]}")"
elif [ $rc -ne 0 ]; then verdict h-parity-compat FAIL "$(since "$t0")" "exit $rc"
elif grep -q "^# Out of bounds values : [1-9]" "$log"; then verdict h-parity-compat FAIL "$(since "$t0")" "wrong values"
else verdict h-parity-compat PASS "$(since "$t0")" "--coll all 8 B-$pmax --compat nccl-tests, 0 wrong, avg busbw $(awk -F': *' '/^# Avg bus bandwidth/ { printf "%s", $2 + 0; exit }' "$log") GB/s"; fi

# (i) registration, nccl-tests' -R 1 and -R 2: what NCCL's log says each record took
t0=$(now) log=$out/i-register.log
i_rc=0
for mode in local symmetric zero; do
  case $mode in
    zero) colls=allgather,alltoall flags=(--register symmetric --nccl-cta-policy zero) ;;  # the copy engines' conditions
    *) colls=allreduce,allgather flags=(--register "$mode") ;;
  esac
  run "$log" "$(( ${L[i]} / 3 ))" "${run_ranks[@]}" run --backend nccl -b 8 -e 64K -f 8 --coll "$colls" -c 1 -n 10 \
    "${flags[@]}" --nccl-tuning-info --json "$out/i-register-$mode.json"
  [ $rc -ne 0 ] && i_rc=$rc
done
if [ $i_rc -eq 124 ]; then verdict i-register FAIL "$(since "$t0")" "$(timed_out "${L[i]}")"
elif [ $i_rc -ne 0 ]; then verdict i-register FAIL "$(since "$t0")" "exit $i_rc"
elif [ $have_python -eq 1 ]; then
  msg=$(python3 - "$out/i-register-local.json" "$out/i-register-symmetric.json" "$out/i-register-zero.json" "$np" 2>>"$log" <<'PY'
import json, sys
parts, bad = [], []
for path in sys.argv[1:4]:
    doc = json.load(open(path))
    mode = doc["metadata"]["backend_details"].get("nccl_register", "?").split()[0]
    if path.endswith("-zero.json"): mode += "+zero"
    paths = {}
    for r in doc["results"]:
        n = r.get("backend_notes", {})
        took = (n.get("nccl_kernel") or n.get("nccl_path") or
                "/".join(x for x in (n.get("nccl_algo"), n.get("nccl_proto")) if x) or
                ("skipped: " + r.get("error", "") if r["status"] == "skipped" else "no TUNING line"))
        print(f"{mode:14} {r['collective']:10} {r['bytes']:>6} B {r['placement']:3} {r['status']:7} wrong={r.get('wrong', 0)} {took}",
              file=sys.stderr)
        if r["status"] == "ok" and r.get("wrong", 0): bad.append(f"{mode} {r['collective']} {r['bytes']} B wrong")
        if r["status"] not in ("ok", "skipped"): bad.append(f"{mode} {r['collective']} {r['bytes']} B {r['status']}")
        paths[took.split(" (")[0]] = paths.get(took.split(" (")[0], 0) + 1
    parts.append(mode + ": " + ", ".join(f"{k} x{v}" for k, v in sorted(paths.items())))
one = " (one rank: NCCL copies, no symmetric kernel or copy engine)" if int(sys.argv[4]) < 2 else ""
print(("FAIL " + "; ".join(bad[:3])) if bad else "PASS " + "; ".join(parts) + one)
PY
)
  verdict i-register "${msg%% *}" "$(since "$t0")" "${msg#* }"
else
  verdict i-register PASS "$(since "$t0")" "exit 0 all three; notes in $out/i-register-*.json (no python3 to summarise)"
fi

# --- summary -----------------------------------------------------------------------------------
npass=0 nfail=0 nskip=0
for v in "${verdicts[@]}"; do
  case $v in PASS) npass=$((npass + 1)) ;; FAIL) nfail=$((nfail + 1)) ;; SKIP) nskip=$((nskip + 1)) ;; esac
done
json_str() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr -d '\000-\037')"; }
{
  printf '{\n "schema": "collbench.gpu_smoke", "version": 1,\n'
  printf ' "date": %s, "kit": %s, "standin": %s, "ranks": %d, "launch": %s,\n' "$(json_str "$(date -u +%FT%TZ)")" \
    "$(json_str "$kit")" "$([ $standin -eq 1 ] && echo true || echo false)" "$np" "$(json_str "$launch_mode")"
  printf ' "nccl_library": %s, "libnccl": %s, "libcudart": %s, "gpu": %s,\n' "$(json_str "${nccl_version:-}")" \
    "$(json_str "${nccl_dir:+$(readlink -f "$nccl_dir/libnccl.so.2")}")" \
    "$(json_str "${cudart_dir:+$(readlink -f "$cudart_dir/libcudart.so.13")}")" "$(json_str "${gpu_name:-}")"
  printf ' "passed": %d, "failed": %d, "skipped": %d,\n "steps": [\n' "$npass" "$nfail" "$nskip"
  for i in "${!ids[@]}"; do
    printf '  {"id": %s, "verdict": "%s", "seconds": %s, "reason": %s}%s\n' "$(json_str "${ids[$i]}")" "${verdicts[$i]}" \
      "${seconds[$i]}" "$(json_str "${reasons[$i]}")" "$([ "$i" -lt $((${#ids[@]} - 1)) ] && echo ,)"
  done
  printf ' ]\n}\n'
} >"$out/summary.json"
{
  echo
  echo "== gpu-smoke summary ($(date -u +%FT%TZ); $np rank(s); NCCL ${nccl_version:-?}; GPU ${gpu_name:-?}; logs in $out)"
  for i in "${!ids[@]}"; do printf '%-4s  %-22s %6ss  %s\n' "${verdicts[$i]}" "${ids[$i]}" "${seconds[$i]}" "${reasons[$i]}"; done
  echo "gpu-smoke: $npass passed, $nfail failed, $nskip skipped$([ $nfail -eq 0 ] && echo ': OK' || echo ': FAILED')"
} | tee "$out/summary.txt"
[ "$nfail" -eq 0 ]

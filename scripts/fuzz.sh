#!/usr/bin/env bash
# Fuzzes collbench's parsers with libFuzzer (fuzz/README.md): scripts/fuzz.sh [TARGET|all] [SECONDS]
#   TARGET   one of fuzz/CMakeLists.txt's COLLBENCH_FUZZ_TARGETS, or all (default)
#   SECONDS  per target (default 60)
# Installs clang and its libFuzzer runtime from Debian when missing, builds build-fuzz/ with clang,
# -fsanitize=fuzzer-no-link,address,undefined and COLLBENCH_FUZZ=ON, then runs each target from
# its seed corpus and regressions. Inputs that break the contract (or crash, leak, time out) are
# written to fuzz/findings/TARGET/; the growing corpus stays in build-fuzz/corpus/TARGET (not
# committed). Prints one line per target; exits 1 when any target has a finding.
# Environment: FUZZ_JOBS (parallel targets, default 1), FUZZ_NICE (default 10), FUZZ_KEEP_GOING=1
# (libFuzzer's fork mode: go on past a crash, e.g. one already in fuzz/findings, and collect more).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
which=${1:-all}
seconds=${2:-60}
nice_level=${FUZZ_NICE:-10}
keep_going=""
[[ ${FUZZ_KEEP_GOING:-0} == 1 ]] && keep_going="-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1"

targets=$(sed -n '/^set(COLLBENCH_FUZZ_TARGETS/,/)/p' fuzz/CMakeLists.txt | tr -d '()' | sed 's/set//; s/COLLBENCH_FUZZ_TARGETS//' | xargs)
if [[ $which != all ]]; then
  [[ " $targets " == *" $which "* ]] || { echo "fuzz.sh: unknown target '$which' (expected one of: $targets, all)" >&2; exit 2; }
  targets=$which
fi

# clang and libFuzzer (Debian 12: clang-14, libclang-rt-14-dev; the unversioned names pull them in).
runtime_present() { compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null; }
if ! command -v clang++ >/dev/null || ! runtime_present; then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq clang libclang-rt-dev >/dev/null
fi

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
nice -n "$nice_level" cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS="$flags" \
  -DCOLLBENCH_FUZZ=ON -DCOLLBENCH_BUILD_TESTS=OFF -DCOLLBENCH_BUILD_BENCH=OFF \
  -DCOLLBENCH_WITH_CUDA=OFF -DCOLLBENCH_WITH_MPI=OFF >/dev/null
nice -n "$nice_level" cmake --build build-fuzz -j "$(nproc)" --target $(printf 'fuzz_%s ' $targets)

# The longest input worth mutating: a few times the largest seed (logs are long, rules lines short).
max_len() {
  case $1 in
    nccl_tests_text|run_json) echo 16384 ;;
    tuner_rules|workload|expect|rules) echo 2048 ;;
    *) echo 4096 ;;
  esac
}

fuzz_one() {
  local t=$1 work=build-fuzz/corpus/$1 findings=fuzz/findings/$1 log=build-fuzz/fuzz-$1.log
  mkdir -p "$work" "$findings"
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export ASAN_OPTIONS=detect_leaks=1
  local before
  before=$(find "$findings" -type f ! -name README.md | wc -l)
  set +e
  nice -n "$nice_level" build-fuzz/fuzz/fuzz_$t "$work" fuzz/corpus/$t fuzz/regressions/$t \
    -max_total_time="$seconds" -max_len="$(max_len "$t")" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$findings/" $keep_going >"$log" 2>&1
  set -e
  local execs cov ft crashes
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  [[ -n $execs ]] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)  # fork mode
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  crashes=$(( $(find "$findings" -type f ! -name README.md | wc -l) - before ))
  printf '%-16s %4ss  execs %-9s  exec/s %-6s  cov %-5s  ft %-6s  new findings %s%s\n' "$t" "$seconds" "${execs:-0}" \
    "$(( ${execs:-0} / (seconds > 0 ? seconds : 1) ))" "${cov:-0}" "${ft:-0}" "$crashes" \
    "$([[ $crashes -gt 0 ]] && echo "  (see $log)")"
  [[ $crashes -eq 0 ]]
}

status=0
jobs=${FUZZ_JOBS:-1}
if [[ $jobs -le 1 ]]; then
  for t in $targets; do fuzz_one "$t" || status=1; done
else
  export -f fuzz_one max_len; export seconds nice_level keep_going
  printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'fuzz_one {}' || status=1
fi
exit $status

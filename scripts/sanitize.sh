#!/usr/bin/env bash
# collbench built with AddressSanitizer + UndefinedBehaviorSanitizer (preset "asan": -O1,
# -fno-sanitize-recover=all, so any finding ends the process and fails its test) into build-asan/,
# then the fuzz regressions and the end-to-end tests that read hostile input and drive the run loop,
# run against that binary. scripts/test.sh runs it after the main ctest; it also runs alone.
# Exit status is ctest's.
#
# A subset, because CI's 2 cores have about 10 minutes for this step (the main suite takes ~30 of
# the 45 the project allows). Measured: building everything under the sanitizers took ~41 CPU
# minutes (~20 on CI), so:
# - built: collbench (without CUDA: the nccl path on a CPU is the stand-in's emulation, which this
#   step does not build), the end-to-end test binary and the twelve fuzz replays (fuzz/).
# - not built: the unit-test binary (its 70 test files are most of that build; the parsers it
#   covers are replayed here through fuzz/corpus and fuzz/regressions), the stand-in, the kit.
# - run: every fuzz replay, and the end-to-end suites in RUN below (hostile files and values, bad
#   input, interrupts, a full disk, report/compare/check/tune input, mpirun runs, sweep refusals).
#   Left out: tests judged on wall-clock time (a sanitized binary is 2-3x slower) and the long
#   sweep/tune/check measurements, which the main suite runs.
# Everything, unit tests included: SANITIZE_ALL=1 scripts/sanitize.sh (about 20 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
root=$PWD

cmake --preset asan >/dev/null
replays=$(for f in fuzz/*.cpp; do n=$(basename "$f" .cpp); [[ $n == fuzz_input || $n == replay_main ]] || echo "replay_$n"; done)
if [ "${SANITIZE_ALL:-0}" = 1 ]; then
  cmake --build build-asan -j "$(nproc)"
else
  # shellcheck disable=SC2086
  cmake --build build-asan -j "$(nproc)" --target collbench collbench_e2e_tests $replays
fi

# halt_on_error: the first finding ends the process (UBSan too: -fno-sanitize-recover=all).
# LeakSanitizer stays on; leaks inside Open MPI, PMIx, hwloc, UCX and libevent, which we do not
# own, are suppressed by library in scripts/sanitize-lsan.supp. Those libraries have no frame
# pointers: fast_unwind_on_malloc=0 unwinds their allocations fully, or the frames that the
# suppressions match would be "<unknown module>".
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:fast_unwind_on_malloc=0:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$root/scripts/sanitize-lsan.supp:print_suppressions=0"
# The end-to-end tests run COLLBENCH_BINARY (compiled in: build-asan/collbench) unless
# COLLBENCH_BIN names another; make sure it is the sanitized one.
export COLLBENCH_BIN="$root/build-asan/collbench"

if [ "${SANITIZE_ALL:-0}" = 1 ]; then
  TIMED='^(MpiRun\.InjectedDelayNamesTheStraggler|CheckE2E\.ADelayedRankFailsTheCheckAndIsNamedWithItsHost|CheckLocateE2E\.PerNodeAndPairsNameTheSlowNodeNotItsPartners)$'
  exec ctest --test-dir build-asan -j "$(nproc)" --output-on-failure -E "^(kit\.|slurm\.|report\.html_renders|architecture\.|MpiTScope\.)|$TIMED"
fi
RUN='^(fuzz\.replay\.|HostileFiles\.|HostileValues\.|Interrupt\.|FullDiskE2E\.|BadInput\.|ReportCli|CompareCli|ReportGolden|Help\.|ModelCli\.|CheckBadInputE2E\.|TuneE2E\.BadInput|SweepE2E\.(BadSpecs|DryRun|ASecondSweep|ResumeOnAnEmpty)|MpiRun\.(TwoRanks|InjectedCrash|InjectedCorruption|OneRank))'
ctest --test-dir build-asan -j "$(nproc)" --output-on-failure -R "$RUN"

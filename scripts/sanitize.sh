#!/usr/bin/env bash
# The unit tests and the binary's end-to-end tests (its command line and mpirun runs) built with
# AddressSanitizer + UndefinedBehaviorSanitizer (preset "asan": -O1, -fno-sanitize-recover=all, so
# any finding ends the process and fails its test) into build-asan/. scripts/test.sh runs it after
# the main ctest; it also runs alone. Exit status is ctest's.
#
# The subset, and why (CI has ~10-12 minutes for this step, build included, on 2 cores):
# - built: collbench, collbench_unit_tests, collbench_e2e_tests (the nccl backend is compiled in
#   under the sanitizers, as CUDA is found). Not built: the GPU stand-in and its tests, the kit,
#   nccl-tests, mpit_probe: they would roughly double the step, and the stand-in tests' nccl path
#   is CPU emulation whose own code is not what the sanitizers are here for; `ctest -L standin` in
#   build-asan runs them when wanted (build the `standin` and `collbench_standin_tests` targets).
# - not run: the HTML render (Chromium), Slurm, the fuzz replays (fuzz/: their own build), the architecture checks (no code of ours runs),
#   MPI_T scope (Open MPI's behaviour, not ours), and EXCLUDE below: tests that judge wall-clock
#   time, which a sanitized binary (2-3x slower) would fail for no fault of the code.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
root=$PWD

cmake --preset asan >/dev/null
cmake --build build-asan -j "$(nproc)" --target collbench collbench_unit_tests collbench_e2e_tests

# halt_on_error: the first finding ends the process (UBSan too: -fno-sanitize-recover=all).
# LeakSanitizer stays on; leaks inside Open MPI, PMIx, hwloc, UCX, libevent and libcuda, which we
# do not own, are suppressed by library in scripts/sanitize-lsan.supp. Those libraries have no frame
# pointers: fast_unwind_on_malloc=0 unwinds their allocations fully, or the frames that the
# suppressions match would be "<unknown module>".
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:fast_unwind_on_malloc=0:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$root/scripts/sanitize-lsan.supp:print_suppressions=0"
# The end-to-end tests run COLLBENCH_BINARY (compiled in: build-asan/collbench) unless
# COLLBENCH_BIN names another; make sure it is the sanitized one.
export COLLBENCH_BIN="$root/build-asan/collbench"

# Not in this build (see above), or judged on wall-clock time.
NOT_HERE='^(standin\.|kit\.|slurm\.|fuzz\.|report\.html_renders|architecture\.|MpiTScope\.)|_NOT_BUILT'
TIMED='^(MpiRun\.InjectedDelayNamesTheStraggler|CheckE2E\.ADelayedRankFailsTheCheckAndIsNamedWithItsHost|CheckLocateE2E\.PerNodeAndPairsNameTheSlowNodeNotItsPartners)$'
ctest --test-dir build-asan -j "$(nproc)" --output-on-failure -E "$NOT_HERE|$TIMED"

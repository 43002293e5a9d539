#!/usr/bin/env bash
# Line coverage (gcov) of the nccl path that the GPU stand-in tests execute: src/backend/nccl/ and
# the kernels' host API (kernels/pattern_kernels.cu), from the ctest label "standin" (nccl-tests
# aside: it does not run collbench). Builds into build-cov/ with --coverage; prints one line per
# file and the total per directory. About 12 minutes on 2 cores. STANDIN_COVERAGE_REPORT_ONLY=1
# prints the report of the last run again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if [ "${STANDIN_COVERAGE_REPORT_ONLY:-0}" != 1 ]; then
cmake -S . -B build-cov -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCOLLBENCH_WITH_CUDA=ON -DCOLLBENCH_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS=--coverage -DCMAKE_CUDA_FLAGS="-Xcompiler=--coverage" -DCMAKE_EXE_LINKER_FLAGS=--coverage \
  -DCMAKE_SHARED_LINKER_FLAGS=--coverage >/dev/null
cmake --build build-cov -j "$(nproc)" --target collbench standin collbench_standin_tests standin_api_tests \
  collbench_gpu_tests nccl_tuner_collbench
find build-cov -name '*.gcda' -delete
ctest --test-dir build-cov -L standin -E 'nccl_tests' -j1 --output-on-failure >build-cov/standin-tests.log 2>&1 ||
  { tail -40 build-cov/standin-tests.log; echo "standin-coverage: some standin tests failed (log: build-cov/standin-tests.log)"; }
fi
# gcov per object of the two targets; a source's lines counted once (the best of its objects).
report() {
  local src_prefix=$1
  shift
  for objdir in "$@"; do (cd "$objdir" && gcov -n -o . ./*.gcno 2>/dev/null); done |
    awk -v pre="$src_prefix" '
      /^File / { f=$2; gsub(/\047/, "", f) }
      /^Lines executed:/ { if (index(f, pre) > 0) { pct=$2; sub(/^executed:/, "", pct); sub(/%$/, "", pct); n=$4+0;
                           hit=int(pct*n/100+0.5); if (!(f in lines) || hit > got[f]) { lines[f]=n; got[f]=hit } } f="" }
      END { tl=0; tg=0; for (f in lines) { printf "  %-60s %5d/%-5d %5.1f%%\n", f, got[f], lines[f], 100*got[f]/lines[f];
                                           tl+=lines[f]; tg+=got[f] }
            if (tl) printf "  %-60s %5d/%-5d %5.1f%%\n", "total " pre, tg, tl, 100*tg/tl }'
}
echo "gcov line coverage from the standin tests:"
report src/backend/nccl/ build-cov/src/CMakeFiles/collbench_backend_nccl.dir/backend/nccl \
  build-cov/src/CMakeFiles/collbench_nccl_log.dir/backend/nccl
report kernels/ build-cov/kernels/CMakeFiles/collbench_kernels.dir

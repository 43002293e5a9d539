#!/usr/bin/env bash
# Line coverage (gcov) of the nccl path that the GPU stand-in tests execute: src/backend/nccl/ and
# the kernels' host API (kernels/pattern_kernels.cu), from the ctest label "standin" (nccl-tests
# aside: it does not run collbench). Builds into build-cov/ with --coverage; prints one line per
# file and the total per directory. About 15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cmake -S . -B build-cov -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCOLLBENCH_WITH_CUDA=ON -DCOLLBENCH_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS=--coverage -DCMAKE_CUDA_FLAGS="-Xcompiler=--coverage" -DCMAKE_EXE_LINKER_FLAGS=--coverage \
  -DCMAKE_SHARED_LINKER_FLAGS=--coverage >/dev/null
cmake --build build-cov -j "$(nproc)" --target collbench standin collbench_standin_tests standin_api_tests \
  collbench_gpu_tests nccl_tuner_collbench
find build-cov -name '*.gcda' -delete
ctest --test-dir build-cov -L standin -E 'nccl_tests' -j1 --output-on-failure >build-cov/standin-tests.log 2>&1 ||
  { tail -40 build-cov/standin-tests.log; echo "standin-coverage: some standin tests failed (log: build-cov/standin-tests.log)"; }
# gcov per object of the two targets; a source's lines counted once (the best of its objects).
report() {
  local objdir=$1 src_prefix=$2
  (cd "$objdir" && gcov -n -o . ./*.gcno 2>/dev/null) |
    awk -v pre="$src_prefix" '
      /^File / { f=$2; gsub(/\047/, "", f) }
      /^Lines executed:/ { if (index(f, pre) > 0) { split($2, a, "%"); split($0, b, " of "); n=b[2]+0;
                           hit=int(a[1]*n/100+0.5); if (!(f in lines) || hit > got[f]) { lines[f]=n; got[f]=hit } } }
      END { tl=0; tg=0; for (f in lines) { printf "  %-60s %5d/%-5d %5.1f%%\n", f, got[f], lines[f], 100*got[f]/lines[f];
                                           tl+=lines[f]; tg+=got[f] }
            if (tl) printf "  %-60s %5d/%-5d %5.1f%%\n", "total " pre, tg, tl, 100*tg/tl }'
}
echo "gcov line coverage from the standin tests:"
report build-cov/src/CMakeFiles/collbench_backend_nccl.dir/backend/nccl src/backend/nccl/
report build-cov/kernels/CMakeFiles/collbench_kernels.dir kernels/

#!/usr/bin/env bash
# collbench's measurement overhead: its reported per-iteration time for MPI_Allreduce at 8 B and
# 1 MiB on 2 ranks against a bare loop of the same call, side by side in one run. Prints medians
# and ratios. Targets: <= 3% at 8 B, <= 1% at 1 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
source scripts/env.sh
scripts/build.sh default >/dev/null
mpirun -np 2 build/tests/bench/bench_overhead "$@"

#!/usr/bin/env bash
# The main job on this machine, the whole loop: the mpi backend on 4 ranks across every
# collective and size (nccl-tests' table, out/demo.json); a sweep of Open MPI's tuned algorithms
# into a store (out/sweep-<time>/); tune it into recommended settings (out/tune-<time>/:
# collbench.env, env.sh, mpirun-args.txt, ompi-rules.conf, summary.md/json); and validate them:
# the default and the recommendation measured again, interleaved (out/tune-<time>/validation.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build.sh default
mkdir -p out
mpirun -np 4 --oversubscribe build/collbench run --backend mpi -b 8 -e 4M -f 4 --coll all --json out/demo.json "$@"
echo "demo: results in out/demo.json"
stamp="$(date +%Y%m%d-%H%M%S)"
store="out/sweep-$stamp"
tuned="out/tune-$stamp"
build/collbench sweep sweeps/ompi-tuned.json --out "$store"
echo "demo: sweep store in $store"
# tune exits 1 when --validate finds the recommendation slower than the default beyond noise: that
# is a finding (validation.md says where), not a failure of the demo. 2 and 3 are failures.
status=0
build/collbench tune "$store" --out "$tuned" --validate || status=$?
echo "demo: recommended settings in $tuned (summary.md; validation.md)"
if [ "$status" -eq 1 ]; then
  echo "demo: the recommendation did not hold when measured again (see $tuned/validation.md)"
  status=0
fi
exit "$status"

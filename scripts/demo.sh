#!/usr/bin/env bash
# The main job on this machine: the mpi backend on 4 ranks across every collective and size
# (nccl-tests' table, out/demo.json), then a sweep of Open MPI's tuned algorithms into a store
# (out/sweep-<time>/: manifest.json, results.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build.sh default
mkdir -p out
mpirun -np 4 --oversubscribe build/collbench run --backend mpi -b 8 -e 4M -f 4 --coll all --json out/demo.json "$@"
echo "demo: results in out/demo.json"
store="out/sweep-$(date +%Y%m%d-%H%M%S)"
build/collbench sweep sweeps/ompi-tuned.json --out "$store"
echo "demo: sweep store in $store"

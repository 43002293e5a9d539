#!/usr/bin/env bash
# The main job on this machine, the whole loop: the mpi backend on 4 ranks across every
# collective and size (nccl-tests' table, out/demo.json); a sweep of Open MPI's tuned algorithms
# into a store (out/sweep-<time>/); tune it into recommended settings (out/tune-<time>/:
# collbench.env, env.sh, mpirun-args.txt, ompi-rules.conf, summary.md/json); and validate them:
# the default and the recommendation measured again, interleaved (out/tune-<time>/validation.md);
# and a rack-acceptance rehearsal (out/accept-<time>/): a baseline from two good runs, then a good
# run and a run with an injected slow rank checked against it, each "node" (here: one rank) alone
# and in pairs, with verdicts as text, JSON and JUnit XML; and last, one HTML report of what it
# measured (out/report-<time>.html: busbw and latency charts, peak, half-peak, latency floor, tail
# spread, the tuning gains).
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

# Acceptance rehearsal: 4 ranks as 4 one-rank "nodes" (--ranks-per-node 1) on this one host.
accept="out/accept-$stamp"
mkdir -p "$accept"
acc_run=(mpirun -np 4 --oversubscribe build/collbench run --backend mpi --coll allreduce,allgather -b 1K -e 1M -f 4
         -n 20 --per-node --pairs --ranks-per-node 1)
for i in 1 2; do "${acc_run[@]}" --json "$accept/good-$i.json" > "$accept/good-$i.txt"; done
build/collbench baseline "$accept/good-1.json" "$accept/good-2.json" --out "$accept/baseline.json"
"${acc_run[@]}" --json "$accept/good-3.json" > "$accept/good-3.txt"
COLLBENCH_INJECT=delay:2:3000 "${acc_run[@]}" --json "$accept/slow.json" > "$accept/slow.txt"
for r in good-3 slow; do
  rc=0
  build/collbench check "$accept/$r.json" --baseline "$accept/baseline.json" --rules sweeps/acceptance/rules-shared-cpu.json \
    --per-node --pairs --json "$accept/$r-verdict.json" --junit "$accept/$r-junit.xml" > "$accept/$r-verdict.txt" || rc=$?
  [ "$rc" -ge 2 ] && status=$rc
  echo "demo: acceptance check of $r.json: exit $rc ($accept/$r-verdict.txt, $r-junit.xml)"
  [ "$r" = good-3 ] && [ "$rc" -eq 1 ] && echo "demo:   (a good run failing here is this shared machine's own noise; the verdict says which case)"
  grep -E "^  (node|rank) |^# (PASS|FAIL|RUN)" "$accept/$r-verdict.txt" | head -4 || true
done

report="out/report-$stamp.html"
build/collbench report out/demo.json "$store" "$tuned" --format html --out "$report"
build/collbench report out/demo.json "$store" "$tuned" --format md --out "${report%.html}.md"
echo "demo: the HTML report of what it measured: $PWD/$report (and ${report%.html}.md)"

# Planning at a scale nobody can rent: NCCL's cost model for DGX H100 nodes, 1 to 1024 of them.
# Every number it writes is labelled as a prediction.
whatif="out/whatif-$stamp.html"
build/collbench whatif --topology sweeps/topologies/dgx-h100.json --format html --out "$whatif"
build/collbench run --backend model --topology sweeps/topologies/h100-8x400g-16n.json --coll allreduce -b 1K -e 1G -f 8 \
  --placement out --json "out/model-16n-$stamp.json" > "out/model-16n-$stamp.txt"
echo "demo: predicted (not measured) busbw against node count: $PWD/$whatif; 16 nodes: out/model-16n-$stamp.txt"
exit "$status"

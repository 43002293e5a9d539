#!/usr/bin/env bash
# The main job on this machine, the whole loop: the mpi backend on 4 ranks across every
# collective and size (nccl-tests' table, out/demo.json); a sweep of Open MPI's tuned algorithms
# into a store (out/sweep-<time>/); tune it into recommended settings (out/tune-<time>/:
# collbench.env, env.sh, mpirun-args.txt, ompi-rules.conf, summary.md/json); and validate them:
# the default and the recommendation measured again, interleaved (out/tune-<time>/validation.md);
# and a rack-acceptance rehearsal (out/accept-<time>/): a baseline from two good runs, then a good
# run and a run with an injected slow rank checked against it, each "node" (here: one rank) alone
# and in pairs, with verdicts as text, JSON and JUnit XML; one HTML report of what it measured
# (out/report-<time>.html: busbw and latency charts, peak, half-peak, latency floor, tail spread,
# the tuning gains); and NCCL's cost model at scales nobody can rent (predicted, labelled so).
#
# It installs only what it needs (scripts/setup.sh demo) and builds only what it runs (the
# collbench binary and the tuner plugin: preset "demo"); scripts/test.sh installs and builds the
# rest. Before each stage one line says what runs and about how long it takes on 2 cores; the
# last lines are a summary. Extra arguments go to the first run (e.g. -n 50).
set -euo pipefail
cd "$(dirname "$0")/.."
t_demo=$SECONDS
stages=8
stage() {  # stage N "what (about …)": the line before a stage
  t_stage=$SECONDS
  echo "demo: [$1/$stages] $2" >&2
}
done_stage() { echo "demo:   done in $((SECONDS - t_stage)) s" >&2; }

stage 1 "packages: scripts/setup.sh demo (compiler, CMake, Ninja, Open MPI, CLI11, fmt, nlohmann/json; apt-get: under a minute when some are missing, nothing when all are present)"
scripts/setup.sh demo
done_stage
source scripts/env.sh

if [ -x build/collbench ] && [ -f build/CMakeCache.txt ]; then
  stage 2 "building collbench and the tuner plugin (seconds: only what changed since the last build)"
else
  stage 2 "building collbench and the tuner plugin (about 4 minutes on 2 cores the first time; the progress is Ninja's [n/N])"
fi
cmake --preset demo >/dev/null
cmake --build --preset demo -j "$(nproc)"
done_stage

mkdir -p out
stamp="$(date +%Y%m%d-%H%M%S)"
store="out/sweep-$stamp"
tuned="out/tune-$stamp"
accept="out/accept-$stamp"
report="out/report-$stamp.html"
whatif="out/whatif-$stamp.html"

stage 3 "the first table: 4 ranks (mpi backend, host memory), allreduce allgather reducescatter alltoall, 8 B to 4 MiB (seconds)"
mpirun -np 4 --oversubscribe build/collbench run --backend mpi -b 8 -e 4M -f 4 --coll all --json out/demo.json "$@" |
  tee out/demo.txt
done_stage

# No `| head` on a pipeline here: under pipefail the writer's SIGPIPE would end the demo.
plan=$(build/collbench sweep sweeps/ompi-tuned.json --out "$store" --dry-run 2>/dev/null || true)
configs="" cases="" estimate=""
if [[ $plan =~ ([0-9]+\ configurations) ]]; then configs=${BASH_REMATCH[1]}; fi
if [[ $plan =~ ([0-9]+\ cases) ]]; then cases=${BASH_REMATCH[1]}; fi
if [[ $plan =~ (estimated\ [^\(]*) ]]; then estimate=${BASH_REMATCH[1]}; fi
stage 4 "sweep of Open MPI's tuned algorithms (sweeps/ompi-tuned.json): ${configs:-?}, ${cases:-?}, ${estimate:-time unknown}(its own rough estimate)"
build/collbench sweep sweeps/ompi-tuned.json --out "$store"
done_stage

# tune exits 1 when --validate finds the recommendation slower than the default beyond noise: that
# is a finding (validation.md says where), not a failure of the demo. 2 and 3 are failures.
stage 5 "tune the sweep into settings, then measure the default and the recommendation again, interleaved (seconds)"
status=0
tune_rc=0
build/collbench tune "$store" --out "$tuned" --validate | tee out/tune-$stamp.txt || tune_rc=${PIPESTATUS[0]}
[ "$tune_rc" -ge 2 ] && status=$tune_rc
done_stage

# Acceptance rehearsal: 4 ranks as 4 one-rank "nodes" (--ranks-per-node 1) on this one host.
stage 6 "acceptance rehearsal: 2 good runs make a baseline; a third good run and one with rank 2 delayed 3 ms are checked, each node alone and in pairs (about 20 s)"
mkdir -p "$accept"
acc_run=(mpirun -np 4 --oversubscribe build/collbench run --backend mpi --coll allreduce,allgather -b 1K -e 1M -f 4
         -n 20 --per-node --pairs --ranks-per-node 1)
for i in 1 2; do "${acc_run[@]}" --json "$accept/good-$i.json" > "$accept/good-$i.txt"; done
build/collbench baseline "$accept/good-1.json" "$accept/good-2.json" --out "$accept/baseline.json"
"${acc_run[@]}" --json "$accept/good-3.json" > "$accept/good-3.txt"
COLLBENCH_INJECT=delay:2:3000 "${acc_run[@]}" --json "$accept/slow.json" > "$accept/slow.txt"
declare -A verdict_rc
for r in good-3 slow; do
  rc=0
  build/collbench check "$accept/$r.json" --baseline "$accept/baseline.json" --rules sweeps/acceptance/rules-shared-cpu.json \
    --per-node --pairs --json "$accept/$r-verdict.json" --junit "$accept/$r-junit.xml" > "$accept/$r-verdict.txt" || rc=$?
  [ "$rc" -ge 2 ] && status=$rc
  verdict_rc[$r]=$rc
  echo "demo: acceptance check of $r.json: exit $rc ($accept/$r-verdict.txt, $r-junit.xml)"
done
done_stage

stage 7 "one report of everything measured: HTML and Markdown (seconds)"
build/collbench report out/demo.json "$store" "$tuned" --format html --out "$report"
build/collbench report out/demo.json "$store" "$tuned" --format md --out "${report%.html}.md"
done_stage

# Planning at a scale nobody can rent: NCCL's cost model for DGX H100 nodes, 1 to 1024 of them.
# Every number it writes is labelled as a prediction.
stage 8 "predictions, not measurements: NCCL's cost model for DGX H100 nodes, 1 to 1024 of them (seconds)"
build/collbench whatif --topology sweeps/topologies/dgx-h100.json --format html --out "$whatif"
build/collbench run --backend model --topology sweeps/topologies/h100-8x400g-16n.json --coll allreduce -b 1K -e 1G -f 8 \
  --placement out --json "out/model-16n-$stamp.json" > "out/model-16n-$stamp.txt"
done_stage

# --- the summary: what a person reads in ten seconds ------------------------------------------
rows=$(awk '$1 ~ /^[0-9]+$/ && NF >= 13' out/demo.txt | wc -l)
validated=$(grep -E '^  [a-z]+ .*(observed|not compared)' "out/tune-$stamp.txt" | sed -n 's/^ *//; s/  */ /g; 1,2p' || true)
oob=$(sed -n 's/^# Out of bounds values : //p' out/demo.txt | sort -u | tr '\n' ' ')
deploy=$(grep -m1 '^deploy: ' "out/tune-$stamp.txt" | sed 's/^deploy: //' || true)
held=$(sed -n 's/^validate: \(.*\) (.*/\1/p' "out/tune-$stamp.txt" | tail -1)
headline() { sed -n 's/^# \(PASS\|FAIL\|RUN FAILED\)\(.*\)/\1\2/p' "$accept/$1-verdict.txt" | tail -1; }
suspect=$(sed -n '/^# Suspects:/{n;s/^  //p;q}' "$accept/slow-verdict.txt")
val_text=""
while IFS= read -r l; do
  if [ -n "$l" ]; then val_text+="            validated: $l"$'\n'; fi
done <<<"$validated"
cat <<EOF

== collbench demo: done in $(( (SECONDS - t_demo) / 60 )) min $(( (SECONDS - t_demo) % 60 )) s ==
measured    $rows sizes of allreduce, allgather, reducescatter and alltoall on 4 ranks, mpi backend, host memory
            (not a GPU figure); out of bounds values: ${oob:-?}-> out/demo.json
tuned       ${cases:-the cases} swept (sweeps/ompi-tuned.json); env files deploy: ${deploy:-?}
${val_text}            measured again: ${held:-not validated} -> $tuned/summary.md, validation.md
accepted    good run: exit ${verdict_rc[good-3]}: $(headline good-3 | sed 's/, [0-9]* errors, [0-9]* skipped//')
            slow run: exit ${verdict_rc[slow]}: $(headline slow | sed 's/, [0-9]* errors, [0-9]* skipped//; s/; suspect:.*//')
            ${suspect:+slow node named: $suspect}
report      file://$PWD/$report
what-if     file://$PWD/$whatif (predicted by NCCL's cost model, not measured)
EOF
if [ "${verdict_rc[good-3]}" -eq 1 ]; then
  echo "(a good run failing its check is this shared machine's own noise; $accept/good-3-verdict.txt says which case)"
fi
exit "$status"

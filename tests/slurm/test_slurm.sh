#!/usr/bin/env bash
# collbench under a real single-node Slurm (ctest label "slurm"): starts munged, slurmctld and
# slurmd with a configuration generated in WORK (tests/slurm/cluster.sh), then
#   1. srun -n 4 -O collbench run: the JSON names the Slurm job, step, nodes and tasks per node,
#      and scontrol agrees; srun --mpi=none -n 4 runs the nccl backend on the GPU stand-in without
#      MPI (ranks meet at NCCL's rendezvous on the step's first node), and --backend mpi there is
#      refused with one line and exit 2;
#   2. collbench sweep with the srun launcher (every launch its own job), then tune;
#   3. the sbatch templates: run.sbatch, sweep-tune.sbatch and accept-rack.sbatch (pass and fail
#      verdicts as the job's exit code; check runs inside the batch script),
# and stops the daemons it started by pid, also when a check fails or the test is killed.
# The sbatch jobs run 2 tasks per node: Slurm 22.05 refuses --ntasks-per-node above the node's
# CPUs even with -O (the templates' directives ask for 8, one per GPU; the test overrides them).
# Exit 77 (ctest: Skipped) with the reason when the daemons cannot start here; never a pass.
# Usage: test_slurm.sh COLLBENCH_BINARY SOURCE_DIR WORK_DIR
set -uo pipefail
bin=$(realpath "$1")
src=$(realpath "$2")
work=$3
here=$src/tests/slurm
"$here/cluster.sh" stop "$work/cluster" >/dev/null 2>&1   # a cluster an earlier, killed run left
rm -rf "$work" && mkdir -p "$work" && work=$(realpath "$work")
cluster=$work/cluster

# An allocation this test may run inside must not leak into the test's own cluster.
while read -r v; do unset "$v"; done < <(env | grep -o '^SLURM[A-Z_]*' | sort -u)
# shellcheck source=../../scripts/env.sh
source "$src/scripts/env.sh"

stop() { "$here/cluster.sh" stop "$cluster" >/dev/null 2>&1; }
trap stop EXIT
trap 'exit 130' INT TERM
# A watchdog outside the test's process group: if the test is killed (ctest's timeout sends
# SIGKILL, which no trap sees), it stops the jobs and daemons by their pid files once this shell
# is gone. Started first, so that a kill while the cluster comes up is covered too.
setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; "$2" stop "$3"' _ $$ "$here/cluster.sh" "$cluster" \
  </dev/null >/dev/null 2>&1 &
"$here/cluster.sh" start "$cluster"
rc=$?
[ "$rc" -eq 0 ] || exit "$rc"   # 77: skipped, the reason is printed
# shellcheck source=/dev/null
source "$cluster/env.sh"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
step() { echo; echo "== $*"; }
# py FILE EXPR...: python3 assertions over a JSON document bound to `d`.
py() {
  local file=$1; shift
  python3 - "$file" "$@" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    print(f"  cannot read {sys.argv[1]}: {e}")
    sys.exit(1)
ok = True
for expr in sys.argv[2:]:
    try:
        good = eval(expr, {"d": d})
    except Exception as e:  # a missing key is a failed check, named
        good, expr = False, f"{expr} ({type(e).__name__}: {e})"
    if not good:
        print(f"  check failed: {expr}")
        ok = False
sys.exit(0 if ok else 1)
EOF
}
cpus=$(nproc)
over=$([ 4 -gt "$cpus" ] && echo True || echo False)

step "1. srun -n 4 -O collbench run (PMIx)"
timeout 300 srun -n 4 -O -J collbench-slurm-run "$bin" run --backend mpi --coll all -b 1K -e 64K --iters 10 --warmup 2 \
  --json "$work/run.json" >"$work/run.txt" 2>&1
rc=$?
tail -n 3 "$work/run.txt"
[ "$rc" -eq 0 ] || fail "srun collbench run exited $rc (output: $work/run.txt)"
job=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["launch"]["slurm"]["job_id"])' "$work/run.json" 2>/dev/null)
py "$work/run.json" \
  'd["schema_version"] == 10' 'd["status"] == "ok"' 'd["metadata"]["nranks"] == 4' \
  'd["metadata"]["launch"]["launcher"] == "srun"' \
  'd["metadata"]["launch"]["slurm"]["step_id"] == "0"' \
  'd["metadata"]["launch"]["slurm"]["job_name"] == "collbench-slurm-run"' \
  'd["metadata"]["launch"]["slurm"]["cluster"] == "collbench-test"' \
  'd["metadata"]["launch"]["slurm"]["partition"] == "debug"' \
  'd["metadata"]["launch"]["slurm"]["nodelist"] == "localhost"' \
  'd["metadata"]["launch"]["slurm"]["nodes"] == ["localhost"]' \
  'd["metadata"]["launch"]["slurm"]["tasks_per_node"] == [4]' \
  'd["metadata"]["launch"]["slurm"]["ntasks"] == 4 and d["metadata"]["launch"]["slurm"]["nnodes"] == 1' \
  'd["metadata"]["launch"]["local_tasks"] == 4' \
  "d['metadata']['launch']['oversubscribed'] == $over" \
  "d['metadata']['launch']['set_yield_when_idle'] == $over" \
  "($over == False) or d['metadata']['env'].get('OMPI_MCA_mpi_yield_when_idle') == '1'" \
  '[r for h in d["metadata"]["hosts"] for r in h["ranks"]] == [0, 1, 2, 3]' \
  'all(h.get("slurm_node") == "localhost" for h in d["metadata"]["hosts"])' \
  'sorted({r["collective"] for r in d["results"]}) == ["allgather", "allreduce", "alltoall", "reducescatter"]' \
  'all(r["status"] == "ok" and r["checked"] and r["wrong"] == 0 and r["nranks"] == 4 for r in d["results"])' \
  || fail "the run's JSON ($work/run.json)"
grep -q "^# Launched by srun: Slurm job $job step 0" "$work/run.txt" || fail "the table does not name the Slurm job $job"
# Slurm's own account of that job agrees.
show=$(scontrol show job "$job" 2>&1)
echo "$show" | grep -q "JobName=collbench-slurm-run" || fail "scontrol show job $job: $show"
echo "$show" | grep -q "NumTasks=4" || fail "scontrol show job $job does not say NumTasks=4"
echo "job $job, $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$work/run.json") records"

step "1b. srun --mpi=none -n 4: the nccl backend without MPI (GPU stand-in); --backend mpi refused, exit 2"
standin=$(dirname "$bin")/tests/standin/lib
if [ -e "$standin/libnccl.so.2" ]; then
  timeout 300 srun -n 4 -O --mpi=none --export=ALL,LD_LIBRARY_PATH="$standin",COLLBENCH_STANDIN_GPUS=4 \
    "$bin" run --backend nccl --coll every -b 8 -e 64K -f 32 --iters 3 --warmup 1 --init-timeout 60 \
    --json "$work/none.json" >"$work/none.txt" 2>&1
  rc=$?
  tail -n 3 "$work/none.txt"
  [ "$rc" -eq 0 ] || fail "srun --mpi=none collbench run exited $rc (output: $work/none.txt)"
  py "$work/none.json" \
    'd["status"] == "ok"' 'd["metadata"]["nranks"] == 4' \
    'd["metadata"]["launch"]["launcher"] == "srun"' \
    'd["metadata"]["launch"]["control_plane"] == "nccl"' \
    'd["metadata"]["launch"]["rendezvous"].startswith("localhost:")' \
    '"SLURM_STEP_NODELIST" in d["metadata"]["launch"]["rendezvous_source"]' \
    'd["metadata"]["launch"]["slurm"]["tasks_per_node"] == [4]' \
    '"mpi_library" not in d["metadata"]["settings"]' \
    'all(r["status"] == "ok" and r["checked"] and r["wrong"] == 0 and r["nranks"] == 4 for r in d["results"] if r["status"] != "skipped")' \
    'all(r["error"] for r in d["results"] if r["status"] == "skipped")' \
    'len([r for r in d["results"] if r["status"] == "ok"]) >= 6 * 2' \
    || fail "the srun --mpi=none run's JSON ($work/none.json)"
  grep -q "^# Launched by srun without MPI: rendezvous localhost:" "$work/none.txt" || fail "the table does not say the run had no MPI"
else
  echo "  (the GPU stand-in is not built: $standin)"
fi
timeout 120 srun -n 2 -O --mpi=none "$bin" run --backend mpi -b 1K -e 1K >"$work/none-mpi.txt" 2>&1
rc=$?
cat "$work/none-mpi.txt"
grep -q "exit code 2" "$work/none-mpi.txt" || fail "srun --mpi=none --backend mpi: expected the tasks to exit 2 (srun exit $rc)"
[ "$(grep -c 'was not started by an MPI launcher' "$work/none-mpi.txt")" -eq 1 ] || fail "srun --mpi=none --backend mpi: expected one line from task 0"

step "2. collbench sweep with the srun launcher, then tune"
cd "$work" || exit 1
timeout 300 "$bin" sweep "$here/sweep-srun.json" --out "$work/sweep" >"$work/sweep.txt" 2>&1
rc=$?
cat "$work/sweep.txt"
[ "$rc" -eq 0 ] || fail "sweep exited $rc"
grep -q "srun -n 4 -O --mpi=pmix --export=ALL --kill-on-bad-exit=1 " "$work/sweep/logs/L000-r0.log" || fail "the launch did not run srun"
python3 - "$work/sweep" <<'EOF' || fail "the sweep's store"
import glob, json, sys
store = sys.argv[1]
manifest = json.load(open(f"{store}/manifest.json"))
assert manifest["launcher"]["kind"] == "srun", manifest["launcher"]
cases = [json.loads(l) for l in open(f"{store}/results.jsonl")]
assert len(cases) == 6 and all(c["status"] == "ok" and c["wrong"] == 0 for c in cases), [c["status"] for c in cases]
metas = sorted(glob.glob(f"{store}/launches/*.meta.json"))
# Open MPI's algorithms are set per communicator through MPI_T: one launch (one srun) measures all.
assert len(metas) == 1, f"one launch: {metas}"
m = json.load(open(metas[0]))
s = m["launch"]["slurm"]
assert m["launch"]["launcher"] == "srun" and s["step_id"] == "0" and s["tasks_per_node"] == [4], m["launch"]
# What the tasks saw (rank 0's environment): srun passed the launch's dynamic rules on, and no algorithm.
assert m["env"].get("OMPI_MCA_coll_tuned_use_dynamic_rules") == "1", m["env"]
assert "OMPI_MCA_coll_tuned_allreduce_algorithm" not in m["env"], m["env"]
algos = sorted(c.get("backend_notes", {}).get("mpi_t", "default") for c in cases)
want = sorted(["default"] * 2 + ["coll_tuned_allreduce_algorithm=3"] * 2 + ["coll_tuned_allreduce_algorithm=4"] * 2)
assert algos == want, f"each record's communicator settings: {algos}"
print(f"  6 cases in 1 launch, Slurm job {s['job_id']}")
EOF
timeout 120 "$bin" tune "$work/sweep" --out "$work/tuned" >"$work/tune.txt" 2>&1 || fail "tune exited $? ($work/tune.txt)"
# ompi-rules.conf only when a setting beats the default beyond noise: not a given on a shared CPU.
py "$work/tuned/summary.json" 'd["backend"] == "mpi"' || fail "tune wrote no summary.json"
[ -s "$work/tuned/collbench.env" ] || fail "tune wrote no collbench.env"

step "3. the sbatch templates parse"
for f in "$src"/scripts/*.sbatch; do bash -n "$f" || fail "$f: bash -n"; done

step "3a. sbatch scripts/run.sbatch"
submit() {  # submit NAME SBATCH_ARGS... : sbatch --wait, the job's exit code (a job past 300 s is cancelled)
  local name=$1 rc; shift
  timeout 300 sbatch --wait --parsable -o "$work/$name.out" "$@" >"$work/$name.jobid" 2>"$work/$name.err"
  rc=$?
  [ "$rc" -eq 124 ] && [ -s "$work/$name.jobid" ] && scancel "$(cut -d';' -f1 "$work/$name.jobid")"
  return "$rc"
}
OUT=$work/run-sbatch COLLBENCH=$bin BACKEND=mpi COLL=allreduce SIZES="-b 1K -e 16K" ARGS="--iters 10" \
  submit run-sbatch --ntasks-per-node=2 --gpus-per-node=0 "$src/scripts/run.sbatch"
rc=$?
tail -n 2 "$work/run-sbatch.out"
[ "$rc" -eq 0 ] || fail "run.sbatch: job exit $rc ($work/run-sbatch.out, $(cat "$work/run-sbatch.err"))"
py "$work/run-sbatch/run.json" 'd["status"] == "ok"' 'd["metadata"]["launch"]["launcher"] == "srun"' \
  "d['metadata']['launch']['slurm']['job_id'] == '$(cut -d';' -f1 "$work/run-sbatch.jobid")'" \
  'd["metadata"]["launch"]["slurm"]["step_id"] == "0"' 'd["metadata"]["launch"]["slurm"]["job_name"] == "collbench-run"' \
  'd["metadata"]["nranks"] == 2' 'd["metadata"]["launch"]["slurm"]["tasks_per_node"] == [2]' || fail "run.sbatch's JSON"

step "3b. sbatch scripts/sweep-tune.sbatch (a spec written for mpirun, launched by srun)"
SPEC=$here/sweep-mpirun.json OUT=$work/sweep-sbatch COLLBENCH=$bin \
  submit sweep-sbatch --ntasks-per-node=2 --gpus-per-node=0 "$src/scripts/sweep-tune.sbatch"
rc=$?
tail -n 3 "$work/sweep-sbatch.out"
[ "$rc" -eq 0 ] || fail "sweep-tune.sbatch: job exit $rc ($work/sweep-sbatch.out, $(cat "$work/sweep-sbatch.err"))"
grep -q "srun -n 2 " "$work/sweep-sbatch/store/logs/L000-r0.log" || fail "sweep-tune.sbatch: the launches were not srun -n 2"
[ -s "$work/sweep-sbatch/tuned/summary.json" ] || fail "sweep-tune.sbatch: no tuned/summary.json"
py "$work/sweep-sbatch/store/launches/L000-r0.meta.json" 'd["launch"]["launcher"] == "srun"' 'd["nranks"] == 2' \
  "d['launch']['slurm']['job_id'] == '$(cut -d';' -f1 "$work/sweep-sbatch.jobid")'" \
  || fail "sweep-tune.sbatch: the launches were not steps of the batch job"
# export reads the Slurm job and the library from the store's launches: its series name the job.
job=$(cut -d';' -f1 "$work/sweep-sbatch.jobid")
"$bin" export "$work/sweep-sbatch/store" --out "$work/sweep-sbatch/store.prom" 2>/dev/null || fail "export of the sbatch sweep's store"
grep -q "^collbench_busbw_bytes_per_second{.*slurm_job_id=\"$job\"" "$work/sweep-sbatch/store.prom" \
  || fail "export of the sbatch sweep's store: its busbw does not name job $job"
grep -q '^collbench_run_info{.*library="Open MPI' "$work/sweep-sbatch/store.prom" \
  || fail "export of the sbatch sweep's store: collbench_run_info has no library"

step "3c. sbatch scripts/accept-rack.sbatch: a pass, then a fail, as the job's exit code"
for verdict in pass fail; do
  OUT=$work/accept-$verdict COLLBENCH=$bin BACKEND=mpi SIZES="-b 1K -e 64K" EXPECT=$here/expect-cpu-$verdict.json \
    RULES=$src/sweeps/acceptance/rules-shared-cpu.json PROMETHEUS=$work/accept-$verdict/collbench.prom \
    submit accept-$verdict --ntasks-per-node=2 --gpus-per-node=0 "$src/scripts/accept-rack.sbatch"
  rc=$?
  tail -n 2 "$work/accept-$verdict.out"
  want=$([ "$verdict" = pass ] && echo 0 || echo 1)
  [ "$rc" -eq "$want" ] || fail "accept-rack.sbatch ($verdict): job exit $rc, expected $want ($work/accept-$verdict.out)"
  [ -s "$work/accept-$verdict/junit.xml" ] || fail "accept-rack.sbatch ($verdict): no junit.xml"
  # PROMETHEUS=FILE leaves the verdict for node_exporter: 1 for PASS, 0 for FAIL, under this job.
  grep -q "^collbench_check_verdict_pass{verdict=\"$(echo "$verdict" | tr a-z A-Z)\"} $([ "$verdict" = pass ] && echo 1 || echo 0)\$" \
    "$work/accept-$verdict/collbench.prom" || fail "accept-rack.sbatch ($verdict): collbench.prom has no such verdict"
  grep -q "^collbench_busbw_bytes_per_second{.*slurm_job_id=\"[0-9]" "$work/accept-$verdict/collbench.prom" \
    || fail "accept-rack.sbatch ($verdict): collbench.prom's busbw does not name the Slurm job"
done
grep -q "<failure" "$work/accept-fail/junit.xml" || fail "accept-rack.sbatch (fail): the JUnit XML has no failure"

step "3d. sbatch scripts/accept-rack.sbatch with PRESET=links: the sendrecv ring both ways, judged together"
OUT=$work/accept-links COLLBENCH=$bin BACKEND=mpi PRESET=links SIZES="-b 1K -e 16K -f 4" EXPECT=$here/expect-cpu-links.json \
  RULES=$src/sweeps/acceptance/rules-shared-cpu.json submit accept-links --ntasks-per-node=2 --gpus-per-node=0 \
  "$src/scripts/accept-rack.sbatch"
rc=$?
tail -n 2 "$work/accept-links.out"
[ "$rc" -eq 0 ] || fail "accept-rack.sbatch (links): job exit $rc, expected 0 ($work/accept-links.out)"
py "$work/accept-links/run.json" 'd["metadata"]["settings"]["sendrecv_ring"].startswith("forward")' \
  'all(r["wrong"] == 0 for r in d["results"] if r["status"] == "ok")' || fail "accept-rack.sbatch (links): run.json is not the forward ring"
py "$work/accept-links/run-reverse.json" 'd["metadata"]["settings"]["sendrecv_ring"].startswith("reverse")' \
  'all(r["wrong"] == 0 for r in d["results"] if r["status"] == "ok")' || fail "accept-rack.sbatch (links): no reversed ring"
py "$work/accept-links/verdict.json" 'len(d["inputs"]) == 2' || fail "accept-rack.sbatch (links): check did not judge both runs"

echo
if [ "$failures" -ne 0 ]; then
  echo "slurm: $failures check(s) failed; logs in $work and $cluster/log"
  exit 1
fi
echo "slurm: all checks passed"

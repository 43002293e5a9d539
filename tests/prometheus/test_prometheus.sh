#!/usr/bin/env bash
# collbench's Prometheus exposition against the real parts (ctest label "prometheus"), each from
# Debian's packages, started on free loopback ports in WORK and stopped by pid afterwards:
#   1. promtool check metrics accepts every exposition collbench writes: run --prometheus, check
#      --prometheus (PASS and FAIL), export of a run, a verdict, --per-rank, an import store of a
#      real nccl-tests log and the model backend's predictions;
#   2. node_exporter with --collector.textfile.directory serves what `collbench export --out` wrote,
#      and a Prometheus server scraping it answers an HTTP API query for collbench's busbw with the
#      run's own numbers (and for the verdict and the slow node);
#   3. a Pushgateway receives `export --push` under its grouping key (job, instance, slurm_job_id);
#   4. bad inputs exit 2 with one line; an unreachable --push URL exits 3 and leaves no partial file.
# Exit 77 (ctest: Skipped) with the reason when a package is missing; never a pass.
# Usage: test_prometheus.sh COLLBENCH_BINARY SOURCE_DIR WORK_DIR
set -uo pipefail
bin=$(realpath "$1")
src=$(realpath "$2")
work=$3
rm -rf "$work" && mkdir -p "$work" && work=$(realpath "$work")
cd "$work" || exit 1
# shellcheck source=../../scripts/env.sh
source "$src/scripts/env.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset SLURM_JOB_ID

missing=()
for tool in promtool prometheus prometheus-node-exporter prometheus-pushgateway curl python3 mpirun; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "SKIPPED: not installed: ${missing[*]} (Debian: prometheus prometheus-node-exporter prometheus-pushgateway curl; scripts/setup.sh installs them)"
  exit 77
fi

pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap stop EXIT
trap 'exit 130' INT TERM

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
step() { echo; echo "== $*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_http URL SECONDS: until URL answers 200.
wait_http() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
# lint FILE: promtool's verdict on one exposition.
lint() {
  local out
  if out=$(promtool check metrics < "$1" 2>&1); then echo "promtool: $1 ok ($(grep -vc '^#' "$1") samples)"
  else fail "promtool refuses $1: $(echo "$out" | head -3)"; fi
}
# one_line CMD...: runs a command that must fail with one line on stderr; prints "rc|line".
one_line() {
  local err rc
  err=$("$@" 2>&1 >/dev/null)
  rc=$?
  echo "$rc|$(echo "$err" | wc -l)|$err"
}

step "results and verdicts (mpirun -np 2, mpi backend)"
mpirun -np 2 --oversubscribe "$bin" run --backend mpi -b 1K -e 256K -f 4 --iters 30 --warmup 5 --json run.json \
  --prometheus run.prom >run.out 2>&1 || fail "collbench run: exit $? ($(tail -2 run.out))"
"$bin" baseline run.json --out baseline.json >/dev/null || fail "baseline"
"$bin" check run.json --baseline baseline.json --json pass.json --prometheus pass.prom >/dev/null
[ $? -eq 0 ] || fail "check against its own baseline did not pass"
# An expectation no host reaches: FAIL, exit 1, and the verdict still written for the collector.
cat >expect-fail.json <<'EOF'
{"schema": "collbench.expect", "version": 1,
 "expect": [{"collective": "allreduce", "min_bytes": "1K", "max_bytes": "256K", "min_busbw_gbps": 100000}]}
EOF
"$bin" check run.json --expect expect-fail.json --json fail.json --prometheus fail.prom >/dev/null
[ $? -eq 1 ] || fail "check against an impossible expectation did not exit 1"
"$bin" import "$src/../shared/fixtures/nccl-tests-logs/cscs_alps_gh200_2x4_slingshot_srun_allreduce.txt" --out imported -q \
  || fail "import of a real nccl-tests log"
"$bin" run --backend model --topology "$src/sweeps/topologies/dgx-h100.json" -b 1M -e 16M -f 4 --json model.json \
  >/dev/null 2>&1 || fail "the model backend's run"

"$bin" sweep "$src/tests/slurm/sweep-mpirun.json" --out sweep >sweep.log 2>&1 || fail "collbench sweep ($(tail -2 sweep.log))"

step "promtool check metrics accepts every exposition"
lint run.prom
lint pass.prom
lint fail.prom
"$bin" export run.json pass.json --out export.prom 2>/dev/null || fail "export run.json pass.json"
lint export.prom
"$bin" export run.json --per-rank --out per-rank.prom 2>/dev/null || fail "export --per-rank"
lint per-rank.prom
"$bin" export imported --out imported.prom 2>/dev/null || fail "export of an import store"
lint imported.prom
"$bin" export model.json --out model.prom 2>/dev/null || fail "export of model predictions"
lint model.prom
grep -q 'origin="predicted"' model.prom || fail "model predictions are not labelled origin=\"predicted\""
grep -q '^nccl_bus_bandwidth_gbs' model.prom && fail "a prediction appears under Inspector's measured name"
"$bin" export sweep --out sweep.prom 2>/dev/null || fail "export of a sweep store"
lint sweep.prom
grep -q '^collbench_run_info{source="sweep",kind="sweep",.*library="Open MPI' sweep.prom \
  || fail "a sweep store's collbench_run_info does not name the library its launches used"
grep -q '^collbench_busbw_bytes_per_second{.*config="coll_tuned_allreduce_algorithm=[0-9a-z]*"' sweep.prom \
  || fail "a sweep store's configurations are not in the config label ($(grep -o 'config="[^"]*"' sweep.prom | sort -u | tr '\n' ' '))"
grep -q '^collbench_rank_outside_call_seconds' per-rank.prom || fail "--per-rank wrote no per-rank series"
grep -q '^collbench_rank_' export.prom && fail "per-rank series without --per-rank"
grep -q 'collbench_check_verdict_pass{verdict="FAIL"} 0' fail.prom || fail "the FAIL verdict is not 0 in fail.prom"
grep -q 'collbench_check_pass{rule="expect_busbw"' fail.prom || fail "fail.prom has no per-rule gauge"
cmp -s <(grep -v '^collbench_check_time' pass.prom | grep '^collbench_check') \
       <("$bin" export pass.json 2>/dev/null | grep -v '^collbench_check_time' | grep '^collbench_check') \
  || fail "check --prometheus and export of its --json differ in the verdict's metrics"

step "node_exporter's textfile collector serves what export wrote"
mkdir -p textfile
"$bin" export run.json pass.json --out textfile/collbench.prom || fail "export --out textfile/collbench.prom"
ls textfile | grep -v '^collbench.prom$' && fail "export left another file in the textfile directory"
ne_port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" --collector.disable-defaults --collector.textfile \
  --collector.textfile.directory="$work/textfile" >node_exporter.log 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$ne_port/metrics" 20 || fail "node_exporter did not start ($(tail -2 node_exporter.log))"
curl -fsS "http://127.0.0.1:$ne_port/metrics" >node_exporter.metrics
grep -q '^collbench_busbw_bytes_per_second{' node_exporter.metrics || fail "node_exporter does not serve collbench_busbw_bytes_per_second"
grep -q '^node_textfile_scrape_error 0' node_exporter.metrics || fail "node_exporter: textfile scrape error ($(grep textfile_scrape_error node_exporter.metrics))"

step "a Prometheus server scraping node_exporter answers PromQL with the run's numbers"
prom_port=$(free_port)
cat >prometheus.yml <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: node
    static_configs: [{targets: ["127.0.0.1:$ne_port"]}]
EOF
prometheus --config.file=prometheus.yml --storage.tsdb.path="$work/tsdb" --web.listen-address="127.0.0.1:$prom_port" \
  >prometheus.log 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$prom_port/-/ready" 60 || fail "prometheus did not start ($(tail -2 prometheus.log))"
query='collbench_busbw_bytes_per_second{collective="AllReduce",placement="out_of_place"}'
answer=""
for _ in $(seq 1 100); do
  answer=$(curl -fsS -G "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$query" 2>/dev/null)
  [ "$(echo "$answer" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["result"]))' 2>/dev/null)" -gt 0 ] 2>/dev/null && break
  sleep 0.2
done
echo "PromQL: $query"
echo "$answer" | python3 -c '
import json, sys
for r in sorted(json.load(sys.stdin)["data"]["result"], key=lambda r: int(r["metric"]["size"])):
    print("  size=%-7s %s B/s" % (r["metric"]["size"], r["value"][1]))'
python3 - "$answer" run.json <<'EOF' || fail "Prometheus' answer does not match the run's busbw"
import json, sys
answer, run = json.loads(sys.argv[1]), json.load(open(sys.argv[2]))
got = {int(r["metric"]["size"]): float(r["value"][1]) for r in answer["data"]["result"]}
want = {r["bytes"]: r["busbw_gbps"] * 1e9 for r in run["results"]
        if r["collective"] == "allreduce" and r["placement"] == "out_of_place" and r["status"] == "ok"}
assert want, "the run has no allreduce out_of_place record"
assert set(got) == set(want), f"sizes: Prometheus {sorted(got)}, run.json {sorted(want)}"
for b in want:
    assert abs(got[b] - want[b]) <= 1e-9 * want[b], f"size {b}: Prometheus {got[b]}, run.json {want[b]}"
print(f"  = run.json's busbw_gbps x 1e9 at all {len(want)} sizes")
EOF
verdict=$(curl -fsS -G "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode 'query=collbench_check_verdict_pass' |
  python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["metric"]["verdict"], r[0]["value"][1] if r else "")')
[ "$verdict" = "PASS 1" ] || fail "collbench_check_verdict_pass: got '$verdict', expected 'PASS 1'"

step "every PromQL query of reports/METRICS.md and of the Grafana dashboard runs on the server"
python3 "$src/tests/prometheus/documented_queries.py" "http://127.0.0.1:$prom_port" "$src/reports/METRICS.md" \
  "$src/reports/grafana-collbench.json" || fail "a documented query does not run"
# What the dashboard's panels show must be there: the busbw per collective, the node's verdict.
for q in 'max by (collective) (collbench_busbw_bytes_per_second)' 'collbench_check_verdict_pass' 'collbench_check_items'; do
  n=$(curl -fsS -G "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$q" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["result"]))')
  [ "${n:-0}" -gt 0 ] || fail "the server has no data for $q"
done

step "the Pushgateway receives export --push under its grouping key"
pg_port=$(free_port)
prometheus-pushgateway --web.listen-address="127.0.0.1:$pg_port" >pushgateway.log 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$pg_port/-/ready" 30 || fail "pushgateway did not start ($(tail -2 pushgateway.log))"
SLURM_JOB_ID=4242 "$bin" export run.json fail.json --push "http://127.0.0.1:$pg_port" 2>push.err || fail "export --push: $(cat push.err)"
curl -fsS "http://127.0.0.1:$pg_port/metrics" >pushgateway.metrics
host=$(hostname)
grep -q "^collbench_check_verdict_pass{instance=\"$host\",job=\"collbench\",slurm_job_id=\"4242\",verdict=\"FAIL\"} 0" pushgateway.metrics \
  || fail "the Pushgateway does not serve the verdict under job=collbench, instance=$host, slurm_job_id=4242 ($(grep verdict_pass pushgateway.metrics))"
grep -q '^collbench_busbw_bytes_per_second{.*job="collbench"' pushgateway.metrics || fail "the Pushgateway does not serve the busbw"
# A second push to the same group replaces it (PUT): the FAIL verdict gives way to PASS.
SLURM_JOB_ID=4242 "$bin" export run.json pass.json --push "http://127.0.0.1:$pg_port" 2>/dev/null || fail "second push"
curl -fsS "http://127.0.0.1:$pg_port/metrics" | grep -q 'verdict="FAIL"' && fail "a second push did not replace the group"

step "bad inputs exit 2 with one line; an unreachable push exits 3 and writes nothing partial"
echo '{"schema": "collbench.tune"}' >tune.json
printf 'not a log\n' >garbage.txt
python3 -c 'import json; d=json.load(open("pass.json")); d["items"][0]["status"]="maybe"; json.dump(d, open("bad-verdict.json","w"))'
while IFS='|' read -r want args; do
  # shellcheck disable=SC2086
  IFS='|' read -r rc lines msg <<<"$(one_line "$bin" export $args)"
  if [ "$rc" != "$want" ] || [ "$lines" != 1 ]; then fail "export $args: exit $rc with $lines line(s), expected $want and one line: $msg"
  else echo "exit $rc: export $args: $msg"; fi
done <<'EOF'
2|missing.json
2|garbage.txt
2|tune.json
2|pass.json fail.json
2|bad-verdict.json
2|run.json --format openmetrics
2|run.json --push ftp://127.0.0.1:1
EOF
dead_port=$(free_port)
IFS='|' read -r rc lines msg <<<"$(one_line "$bin" export run.json --out pushed.prom --push "http://127.0.0.1:$dead_port")"
[ "$rc" = 3 ] && [ "$lines" = 1 ] || fail "unreachable push: exit $rc with $lines line(s): $msg"
echo "exit $rc: unreachable push: $msg"
promtool check metrics <pushed.prom >/dev/null 2>&1 || fail "after a failed push, pushed.prom is not a whole exposition"
ls -a | grep -q '\.tmp' && fail "a temporary file was left behind: $(ls -a | grep '\.tmp')"

echo
if [ "$failures" -gt 0 ]; then echo "prometheus: $failures failure(s)"; exit 1; fi
echo "prometheus: all passed"

#!/usr/bin/env bash
# Sweep overhead, side by side: the same spec (default sweeps/ompi-tuned.json: 4 ranks, Open MPI
# algorithms x sizes) swept RUNS times (default 3) each way, alternated:
#   per-launch:  collbench sweep --no-mpi-t  (each configuration and repetition in a launch of its
#                own, Open MPI's algorithm in the launch's environment: collbench before issue 21)
#   one-launch:  collbench sweep             (one launch; each configuration on a communicator
#                configured through MPI_T)
# Prints per run and as medians: wall time, launches, time inside the measured collective loops
# and its share of the wall time; then the wall-time ratio of the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
runs=${1:-3}
spec=${SPEC:-sweeps/ompi-tuned.json}
[ -x build/collbench ] || scripts/build.sh default
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq "$runs"); do
  build/collbench sweep "$spec" --out "$tmp/per-launch$i" --no-mpi-t > "$tmp/per-launch$i.txt"
  build/collbench sweep "$spec" --out "$tmp/one-launch$i" > "$tmp/one-launch$i.txt"
done
python3 - "$tmp" "$runs" "$spec" <<'PY'
import json, statistics, sys
tmp, runs, spec = sys.argv[1], int(sys.argv[2]), sys.argv[3]
med = {}
print(f"{spec}, {runs} runs each way, alternated")
for mode in ("per-launch", "one-launch"):
    rows = []
    for i in range(1, runs + 1):
        s = json.load(open(f"{tmp}/{mode}{i}/manifest.json"))["sessions"][-1]
        inside = 1 - s["outside_share"]
        rows.append((s["wall_s"], s["launches"], s["measured_s"], inside))
        print(f"  {mode} run {i}: wall {s['wall_s']:.2f} s, {s['launches']} launches, {s['cases_recorded']} cases, "
              f"in timed loops {s['measured_s']:.3f} s = {100 * inside:.1f}% of the wall time")
    med[mode] = [statistics.median(r[k] for r in rows) for k in range(4)]
    m = med[mode]
    print(f"  {mode} median: wall {m[0]:.2f} s, {m[1]:.0f} launches, in timed loops {m[2]:.3f} s = {100 * m[3]:.1f}%")
print(f"one-launch is {med['per-launch'][0] / med['one-launch'][0]:.2f}x faster in wall time (median over median)")
PY

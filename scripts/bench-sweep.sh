#!/usr/bin/env bash
# Sweep overhead: runs sweeps/ompi-tuned.json (4 ranks, Open MPI algorithms x sizes) RUNS times
# (default 3) and prints, per run and as medians: wall time, launches, time inside the measured
# collective loops, the share of wall time outside them, and wall seconds per launch.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
runs=${1:-3}
spec=${SPEC:-sweeps/ompi-tuned.json}
[ -x build/collbench ] || scripts/build.sh default
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The floor of one launch, alternated with the sweeps: mpirun starting 4 ranks that measure one
# 64 B case once (MPI start-up and shut-down dominate it).
for i in $(seq "$runs"); do
  build/collbench sweep "$spec" --out "$tmp/run$i" > "$tmp/run$i.txt"
  python3 -c 'import subprocess, sys, time; t = time.monotonic(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); print(time.monotonic() - t)' \
    mpirun -np 4 --oversubscribe build/collbench run --backend mpi -b 64 -e 64 -n 1 -w 0 --probe-iters 0 -c 0 >> "$tmp/floor.txt"
done
python3 - "$tmp" "$runs" <<'PY'
import json, statistics, sys
tmp, runs = sys.argv[1], int(sys.argv[2])
rows = []
for i in range(1, runs + 1):
    m = json.load(open(f"{tmp}/run{i}/manifest.json"))
    s = m["sessions"][-1]
    rows.append((s["wall_s"], s["launches"], s["measured_s"], s["outside_share"], s["wall_s"] / max(1, s["launches"])))
    print(f"run {i}: wall {s['wall_s']:.2f} s, {s['launches']} launches, {s['cases_recorded']} cases, "
          f"measured {s['measured_s']:.3f} s, outside {100 * s['outside_share']:.1f}%, {rows[-1][4]:.3f} s/launch")
med = lambda k: statistics.median(r[k] for r in rows)
floor = statistics.median(float(x) for x in open(f"{tmp}/floor.txt"))
print(f"one-case launch (the floor of a launch): median {floor:.3f} s")
print(f"median: wall {med(0):.2f} s, measured {med(2):.3f} s, outside measured collectives {100 * med(3):.1f}%, "
      f"{med(4):.3f} s per launch ({med(4) / floor:.2f}x the one-case launch)")
PY

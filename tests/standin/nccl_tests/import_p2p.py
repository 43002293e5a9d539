#!/usr/bin/env python3
"""nccl-tests' sendrecv_perf and alltoallv_perf logs import exactly (TEST ONLY; ctest
standin.nccl_tests.import_p2p).

    import_p2p.py <collbench> <stand-in lib dir> <twin .so> <nccl-tests build dir> <work dir>

On 2 and 4 ranks of the GPU stand-in, real mpirun: sendrecv_perf; alltoallv_perf with its default
traffic, with NCCL_TESTS_ALLTOALLV_SPREAD=0.5 (and NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY=1, whose lines
split the rows), with a matrix file (and on 4 ranks the matrix scaled by 0.5); sendrecv_perf -o all
on 2. Each writes its text table and -J JSON. nccl-tests' own check must pass (#wrong 0 out of
place, N/A in place, "Out of bounds values : 0 OK"). Then:
  1. `collbench import` of the text and of the JSON: every record equals what the table printed,
     read here independently (size, count, type, op "none", root, ranks, placement, time, algbw,
     busbw as printed, #wrong, N/A = unchecked, the row's line or index; -o all: the repetition).
  2. `collbench run --backend nccl` with the same ranks, sizes and traffic: its records' bytes and
     count equal nccl-tests' size and count columns row by row, in place too.
  3. `collbench compare LOG RUN`: pairs every out-of-place row that both measured (nccl-tests'
     figure, the log's time as printed); `collbench report LOG RUN` shows both as series of the
     collective with the same sizes.
Exits 1 naming every mismatch.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

failures = []


def fail(what):
    failures.append(what)
    print("FAIL: " + what, flush=True)


def check(cond, what):
    if not cond:
        fail(what)
    return cond


def run(cmd, env_extra=None, timeout=180, split=False):
    env = dict(os.environ)
    env.update(env_extra or {})
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE if split else subprocess.STDOUT,
                       text=True, timeout=timeout)
    return (p.returncode, p.stdout, p.stderr) if split else (p.returncode, p.stdout)


def mpirun(np_, prog, args, env_extra, nccl_tests=False):
    """nccl-tests: (rc, stdout, stderr) with its kernel twins; collbench: (rc, output)."""
    xs = []
    keys = ["LD_LIBRARY_PATH", "COLLBENCH_STANDIN_GPUS"] + (["COLLBENCH_STANDIN_KERNELS"] if nccl_tests else [])
    for k in keys + sorted(env_extra):
        xs += ["-x", k]
    cmd = ["mpirun", "--oversubscribe", "-np", str(np_), "--bind-to", "none", "--mca", "mpi_yield_when_idle", "1"]
    extra = dict(env_extra, **({"COLLBENCH_STANDIN_KERNELS": os.environ["CBSI_TWIN"]} if nccl_tests else {}))
    return run(cmd + xs + [prog] + args, extra, split=nccl_tests)


# ---------------------------------------------------------------------------- the printed table


def read_table(text):
    """The rows nccl-tests printed, read here: the NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY tails and
    their '#   rank=' lines put aside, a row's pieces joined. Each row: its line number, the 13
    columns as printed."""
    rows, pending, start = [], "", 0
    for n, line in enumerate(text.split("\n"), 1):
        if line.startswith("#   rank="):
            continue
        cut = line.find("# NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY:")
        body = line if cut < 0 else line[:cut]
        if not body.strip() or not body.strip()[0].isdigit():
            continue  # comments, the summary's first line, anything else a rank printed
        if not pending:
            start = n
        pending += " " + body
        if cut >= 0:
            continue  # more of this row follows the summary
        t = pending.split()
        pending = ""
        if t[0].isdigit() and len(t) == 13:
            rows.append({"line": start, "cols": t})
    check(pending == "", "a row is left unfinished at the end of the log")
    return rows


def nccl_tests_passed(label, rc, text, rows):
    ok = check(rc == 0, f"{label}: mpirun exit {rc}\n{text[-2000:]}")
    ok &= check(len(rows) > 0, f"{label}: no result rows")
    for r in rows:
        c = r["cols"]
        ok &= check(c[8] == "0", f"{label}:{r['line']}: out-of-place #wrong {c[8]}")
        ok &= check(c[12] == "N/A", f"{label}:{r['line']}: in-place #wrong {c[12]} (nccl-tests does not check it)")
    ok &= check("# Out of bounds values : 0 OK" in text, f"{label}: no '# Out of bounds values : 0 OK'")
    return ok


# ---------------------------------------------------------------------------- import


def import_store(collbench, log, store):
    rc, out = run([collbench, "import", log, "--out", store, "-q"])
    if not check(rc == 0, f"collbench import {log}: exit {rc}: {out}"):
        return [], {}
    with open(os.path.join(store, "results.jsonl")) as f:
        recs = [json.loads(l) for l in f if l.strip()]
    with open(os.path.join(store, "manifest.json")) as f:
        manifest = json.load(f)
    return recs, manifest["sources"][0]["metadata"]


def expect_record(where, r, want):
    for key, value in want.items():
        got = r
        for part in key.split("."):
            got = got.get(part) if isinstance(got, dict) else None
        check(got == value, f"{where}: {key} is {got!r}, the table printed {value!r}")


def check_import(label, collbench, log, store, rows, coll, np_, json_results=None):
    """Text rows, or the JSON's results when json_results is given (the same run's numbers)."""
    recs, md = import_store(collbench, log, store)
    if not check(len(recs) == 2 * len(rows), f"{label}: {len(recs)} records for {len(rows)} rows"):
        return md
    seen = {}
    for i, row in enumerate(rows):
        c = row["cols"]
        rep = seen.get(c[0], 0)
        seen[c[0]] = rep + 1
        for k, placement in enumerate(["out_of_place", "in_place"]):
            r = recs[2 * i + k]
            where = f"{label} row {i} (line {row['line']}) {placement}"
            if json_results is None:
                t, a, b, w = c[5 + 4 * k: 9 + 4 * k]
                t, a, b = float(t), float(a), float(b)
                src = ("backend_notes.source_line", str(row["line"]))
            else:
                body = json_results[i][placement]
                t, a, b = body["time"], body["alg_bw"], body["bus_bw"]
                w = "N/A" if body["nwrong"] is None else str(int(body["nwrong"]))
                src = ("backend_notes.source_index", str(i))
            want = {"collective": coll, "bytes": int(c[0]), "count": int(c[1]), "datatype": c[2], "op": "none",
                    "root": int(c[4]), "nranks": np_, "placement": placement, "printed.time_us": t,
                    "printed.algbw_gbps": a, "printed.busbw_gbps": b, "nccl_tests.time_us": t, src[0]: src[1],
                    "sweep.rep": rep}
            if w == "N/A":
                want.update({"wrong": -1, "checked": False})
            else:
                want.update({"wrong": int(w), "checked": True})
            expect_record(where, r, want)
    return md


def json_as_rows(doc):
    """The -J results as table rows (for the checks shared with the text)."""
    rows = []
    for res in doc["results"]:
        rows.append({"line": 0, "cols": [str(res["size"]), str(res["count"]), res["type"], res["redop"],
                                         res["root"].strip()] + ["?"] * 8})
    return rows


# ---------------------------------------------------------------------------- collbench's own run


def check_run_counts(label, run_doc, coll, rows):
    """collbench's records of `coll`, in the order it ran them, against nccl-tests' rows."""
    by_place = {"out_of_place": [], "in_place": []}
    for r in run_doc["results"]:
        if r["collective"] == coll:
            by_place[r["placement"]].append(r)
    table = [(int(r["cols"][0]), int(r["cols"][1])) for r in rows]
    for placement, recs in by_place.items():
        ours = [(r["bytes"], r["count"]) for r in recs]
        check(ours == table, f"{label}: collbench {coll} {placement} (bytes, count) {ours} != nccl-tests' {table}")
    for r in by_place["out_of_place"]:
        if r["status"] == "skipped":
            check(r["bytes"] == 0, f"{label}: collbench skipped {coll} at {r['bytes']} bytes: {r.get('error')}")
        else:
            check(r["status"] == "ok" and r["wrong"] == 0, f"{label}: collbench {coll} {r['bytes']}: {r['status']}")


def check_compare_report(label, collbench, work, log, run_json, coll, np_, rows):
    # Sizes that send nothing (alltoallv's 0 B rows, several per log) are timed by both tools, as
    # repetitions of one case in the import: compare takes their median.
    times = {}
    for r in rows:
        times.setdefault(int(r["cols"][0]), []).append(float(r["cols"][5]))
    measured = {b: statistics.median(t) for b, t in times.items()}
    out = os.path.join(work, label + ".compare.json")
    rc, text = run([collbench, "compare", log, run_json, "--json", out])
    if not check(rc == 0, f"{label}: collbench compare exit {rc}: {text[-1500:]}"):
        return
    with open(out) as f:
        cmp = json.load(f)
    pairs = [r for r in cmp["rows"] if r["collective"] == coll]
    check(sorted(r["bytes"] for r in pairs) == sorted(measured),
          f"{label}: compare paired {coll} at {sorted(r['bytes'] for r in pairs)}, expected {sorted(measured)}")
    for r in pairs:
        where = f"{label}: compare {coll} {r['bytes']}"
        check(r["placement"] == "out_of_place" and r["op"] == "none" and r["datatype"] == "float" and
              r["nranks"] == np_, f"{where}: key {r}")
        check(r["basis"] == "nccl_tests", f"{where}: basis {r['basis']}")
        want = measured.get(r["bytes"])
        check(want is not None and abs(r["a_time_us"] - want) <= 1e-9 * max(1.0, want),
              f"{where}: A time {r['a_time_us']} != printed {want}")
    out = os.path.join(work, label + ".report.json")
    rc, text = run([collbench, "report", log, run_json, "--format", "json", "--out", out])
    if not check(rc == 0, f"{label}: collbench report exit {rc}: {text[-1500:]}"):
        return
    with open(out) as f:
        rep = json.load(f)
    kinds = sorted(s["kind"] for s in rep["sources"])
    check(kinds == ["log", "run"], f"{label}: report sources {kinds}")
    series = [s for c in rep["collectives"] if c["collective"] == coll for s in c["series"]
              if s["placement"] == "out_of_place"]
    check(len(series) == 2, f"{label}: report has {len(series)} out-of-place {coll} series, expected the log's and the run's")
    for s in series:
        check(s["nranks"] == np_ and s["op"] == "none", f"{label}: report series {s['label']} {s['nranks']} {s['op']}")
    if len(series) == 2:
        a, b = ([p["bytes"] for p in s["points"]] for s in series)
        check(a == b == sorted(measured), f"{label}: report points {a} and {b}, expected {sorted(measured)}")


# ---------------------------------------------------------------------------- the cases


def main():
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    collbench, lib, twin, nt, work = (os.path.abspath(a) for a in sys.argv[1:6])
    shutil.rmtree(work, ignore_errors=True)  # stores are added to: start empty
    os.makedirs(work)
    os.environ.update({"LD_LIBRARY_PATH": lib, "CBSI_TWIN": twin, "COLLBENCH_STANDIN_GPUS": "4",
                       "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
                       "OMPI_MCA_btl_base_warn_component_unused": "0"})
    matrix = os.path.join(work, "matrix.txt")
    with open(matrix, "w") as f:  # zero cells; 4004 is not a multiple of 16; rank 2 receives the most
        f.write("0 4096 0 1024\n2048 0 8192 16\n512 512 0 0\n0 0 4004 64\n")
    sizes = ["-b", "8", "-e", "256K", "-f", "4"]
    t0 = time.time()
    for np_ in (2, 4):
        # (label, program, collective, nccl-tests env, sizes, collbench traffic flags or None for the shared run)
        cases = [("sendrecv", "sendrecv_perf", "sendrecv", {}, sizes, None),
                 ("alltoallv", "alltoallv_perf", "alltoallv", {}, sizes, None),
                 ("alltoallv-spread0.5", "alltoallv_perf", "alltoallv",
                  {"NCCL_TESTS_ALLTOALLV_SPREAD": "0.5", "NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY": "1"}, sizes,
                  ["--alltoallv-traffic", "spread:0.5"]),
                 ("alltoallv-matrix", "alltoallv_perf", "alltoallv", {"NCCL_TESTS_ALLTOALLV_MATRIX_FILE": matrix},
                  ["-b", "16K", "-e", "16K"], ["--alltoallv-traffic", "matrix:" + matrix])]
        if np_ == 4:
            cases.append(("alltoallv-matrix-scale0.5", "alltoallv_perf", "alltoallv",
                          {"NCCL_TESTS_ALLTOALLV_MATRIX_FILE": matrix, "NCCL_TESTS_ALLTOALLV_MATRIX_SCALE": "0.5"},
                          ["-b", "16K", "-e", "16K"],
                          ["--alltoallv-traffic", "matrix:" + matrix, "--alltoallv-scale", "0.5"]))
        # collbench's run of both with the default traffic, shared by the first two cases.
        shared = os.path.join(work, f"run.np{np_}.json")
        rc, out = mpirun(np_, collbench, ["run", "--backend", "nccl", "--coll", "sendrecv,alltoallv", *sizes,
                                          "--json", shared], {})
        check(rc == 0, f"np {np_}: collbench run --coll sendrecv,alltoallv: exit {rc}: {out[-1500:]}")
        for label, prog, coll, env, args, traffic in cases:
            label = f"{label}.np{np_}"
            log, js = os.path.join(work, label + ".txt"), os.path.join(work, label + ".json")
            rc, text, err = mpirun(np_, os.path.join(nt, prog), args + ["-c", "1", "-g", "1", "-J", js], env, True)
            with open(log, "w") as f:
                f.write(text)
            rows = read_table(text)
            if not nccl_tests_passed(label, rc, text + err, rows):
                continue
            md = check_import(label + " text", collbench, log, os.path.join(work, label + ".store"), rows, coll, np_)
            with open(js) as f:
                doc = json.load(f)
            check(json_as_rows(doc) and [r["cols"][:5] for r in json_as_rows(doc)] == [r["cols"][:5] for r in rows],
                  f"{label}: the JSON's results are not the text's rows")
            mdj = check_import(label + " json", collbench, js, os.path.join(work, label + ".jstore"), rows, coll, np_,
                               doc["results"])
            if coll == "alltoallv":
                summary = "NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY" in env
                check(("alltoallv_traffic" in md.get("settings", {})) == summary,
                      f"{label}: text settings.alltoallv_traffic {md.get('settings', {}).get('alltoallv_traffic')!r}")
                check("alltoallv_traffic" in mdj.get("settings", {}), f"{label}: the JSON's traffic not recorded")
            run_json = shared
            if traffic is not None:
                run_json = os.path.join(work, label + ".run.json")
                rc, out = mpirun(np_, collbench, ["run", "--backend", "nccl", "--coll", coll, *args, *traffic,
                                                  "--json", run_json], {})
                if not check(rc == 0, f"{label}: collbench run {' '.join(traffic)}: exit {rc}: {out[-1500:]}"):
                    continue
            with open(run_json) as f:
                run_doc = json.load(f)
            if coll == "alltoallv" and traffic is not None:
                ours = run_doc["metadata"]["settings"].get("alltoallv_traffic", "")
                if "matrix" not in traffic[1]:
                    check(ours == mdj.get("settings", {}).get("alltoallv_traffic"),
                          f"{label}: the run's traffic {ours!r} != the import's {mdj.get('settings', {}).get('alltoallv_traffic')!r}")
            check_run_counts(label, run_doc, coll, rows)
            check_compare_report(label, collbench, work, log, run_json, coll, np_, rows)
            print(f"{label}: {len(rows)} rows checked", flush=True)

    # sendrecv_perf -o all: the same transfer once per op, op none, repetitions 0..5.
    label = "sendrecv-all-ops.np2"
    log = os.path.join(work, label + ".txt")
    rc, text, err = mpirun(2, os.path.join(nt, "sendrecv_perf"), ["-b", "8", "-e", "1K", "-f", "4", "-o", "all", "-c", "1",
                                                             "-g", "1"], {}, True)
    with open(log, "w") as f:
        f.write(text)
    rows = read_table(text)
    if nccl_tests_passed(label, rc, text + err, rows):
        ops = sorted({r["cols"][3] for r in rows})
        check(ops == ["avg", "max", "min", "mulsum", "prod", "sum"], f"{label}: ops {ops}")
        md = check_import(label, collbench, log, os.path.join(work, label + ".store"), rows, "sendrecv", 2)
        notes = md.get("imported", {}).get("notes", [])
        check(any("6 ops" in n and "repetitions" in n for n in notes), f"{label}: no note on the ops: {notes}")
        print(f"{label}: {len(rows)} rows checked", flush=True)

    print(f"import_p2p: {time.time() - t0:.1f}s, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

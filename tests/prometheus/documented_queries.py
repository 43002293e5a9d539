#!/usr/bin/env python3
"""Runs every PromQL query that reports/METRICS.md (its ```promql blocks) and the Grafana dashboard
(each panel's targets and each query variable) give, against a Prometheus server's HTTP API.
A query must be valid PromQL and use only the dashboard's own variables, which are replaced by
`.*` (and $size by the largest size the server holds). Exit 1 when one fails.
Usage: documented_queries.py SERVER_URL METRICS_MD DASHBOARD_JSON"""
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request


def query(server, q):
    url = server + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:  # a bad query: 400 with the parser's error
        return json.load(e)


def panels(ps):
    for p in ps:
        yield p
        yield from panels(p.get("panels", []))


def main():
    server, doc, dashboard = sys.argv[1:4]
    queries = []
    for block in re.findall(r"```promql\n(.*?)```", open(doc, encoding="utf-8").read(), re.S):
        queries += [("METRICS.md", line) for line in block.splitlines() if line.strip()]
    d = json.load(open(dashboard, encoding="utf-8"))
    variables = d["templating"]["list"]
    defined = {v["name"] for v in variables}
    for p in panels(d["panels"]):
        for t in p.get("targets", []):
            if t.get("expr"):
                queries.append((f"panel '{p['title']}'", t["expr"]))
    for v in variables:
        if v.get("type") != "query":
            continue
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        m = re.match(r"label_values\((.*),\s*(\w+)\)$", q)
        if not m:
            print(f"  variable {v['name']}: not label_values(SELECTOR, LABEL): {q}")
            return 1
        queries.append((f"variable {v['name']}", m.group(1)))
    sizes = query(server, "collbench_busbw_bytes_per_second")["data"]["result"]
    largest = str(max(int(r["metric"]["size"]) for r in sizes)) if sizes else "0"
    bad = 0
    for where, q in queries:
        used = set(re.findall(r"\$(\w+)", q))
        if used - defined:
            print(f"  {where}: undefined variable(s) {sorted(used - defined)}: {q}")
            bad += 1
            continue
        q = re.sub(r"\$\w+", ".*", q.replace("$size", largest))
        r = query(server, q)
        if r.get("status") != "success":
            print(f"  {where}: {r.get('error')}: {q}")
            bad += 1
    print(f"  {len(queries)} documented queries: {len(queries) - bad} ran, {bad} failed")
    if len(queries) < 20:
        print("  expected at least 20 queries (METRICS.md and the dashboard): were they found?")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

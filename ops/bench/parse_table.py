#!/usr/bin/env python3
"""Side-by-side table of parse benchmark JSON lines (stdin): the peer kit's html/parse_bench.py
lines and kickoff's parse_bench example lines, pooled over rounds. Per page and metric, every
parser's median pages/s (median of its runs' medians), the min-max over all batches, rows/s, and
kickoff's median divided by that parser's."""
import json
import statistics
import sys

runs = {}
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    # the peers only time fixtures_page.html and do not name the page
    key = (r.get("page", "fixtures_page"), r["metric"], r["impl"])
    e = runs.setdefault(key, {"median": [], "min": [], "max": [], "rows": r.get("rows")})
    for k in ("median", "min", "max"):
        e[k].append(r[k])

ours = {(p, m): statistics.median(e["median"]) for (p, m, i), e in runs.items() if i.startswith("kickoff")}
header = ("page", "metric", "parser", "pages/s", "min-max", "rows/s", "kickoff/this")
fmt = "{:<17} {:<22} {:<27} {:>9} {:>17} {:>10} {:>12}"
print(fmt.format(*header))
order = sorted(runs.items(), key=lambda kv: (kv[0][0], kv[0][1], -statistics.median(kv[1]["median"])))
for (page, metric, impl), e in order:
    med = statistics.median(e["median"])
    rows = f"{med * e['rows']:.0f}" if e["rows"] else ""
    mine = ours.get((page, metric))
    ratio = "" if impl.startswith("kickoff") or mine is None else f"{mine / med:.1f}x"
    spread = f"{min(e['min']):.1f}-{max(e['max']):.1f}"
    print(fmt.format(page, metric.replace(" pages/s", ""), impl, f"{med:.1f}", spread, rows, ratio))

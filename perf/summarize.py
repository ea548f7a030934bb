"""Medians of perf/run.sh's summary.tsv, per backend and measurement (req/s and p99)."""
import csv
import statistics
import sys
from collections import defaultdict

rows = defaultdict(list)
with open(sys.argv[1]) as f:
    for r in csv.DictReader(f, delimiter="\t"):
        rows[(r["backend"], r["measurement"])].append(r)


def med(values):
    values = [float(v) for v in values if v not in ("", None)]
    return statistics.median(values) if values else None


print("backend\tmeasurement\truns\tmedian_req_per_s\tmedian_p99_ms\tstatus_gt_399_total")
for (backend, name), rs in rows.items():
    rps, p99 = med(r["req_per_s"] for r in rs), med(r["p99_ms"] for r in rs)
    errs = sum(int(r["status_gt_399"] or 0) for r in rs)
    fmt = lambda v: "" if v is None else f"{v:.1f}" if v >= 10 else f"{v:.3f}"
    print(f"{backend}\t{name}\t{len(rs)}\t{fmt(rps)}\t{fmt(p99)}\t{errs}")

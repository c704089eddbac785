#!/usr/bin/env python3
"""Reads the server's /metrics text (Prometheus format) after a load run and prints, per
route, the requests, mean latency and share answered within 50 ms (from the histogram's
0.05 bucket), then how long requests waited for a database connection.

usage: metrics_summary.py METRICS.txt
"""

import re
import sys
from collections import defaultdict

LINE = re.compile(r'^(\w+)(?:\{(.*)\})? ([0-9.eE+-]+|NaN|\+Inf)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')

count, total, fast = defaultdict(float), defaultdict(float), defaultdict(float)
pool = {}
for line in open(sys.argv[1]):
    m = LINE.match(line.strip())
    if not m:
        continue
    name, labels, value = m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))
    if name.startswith("certcase_http_request_duration_seconds"):
        key = (labels.get("method"), labels.get("route"))
        if name.endswith("_count"):
            count[key] = value
        elif name.endswith("_sum"):
            total[key] = value
        elif name.endswith("_bucket") and labels.get("le") == "0.05":
            fast[key] = value
    elif name.startswith("certcase_db_pool_wait_seconds"):
        if name.endswith("_count"):
            pool["count"] = value
        elif name.endswith("_sum"):
            pool["sum"] = value
        elif name.endswith("_bucket") and labels.get("le") == "0.01":
            pool["fast"] = value

print("   per route (server side): requests, mean ms, share within 50 ms")
for key in sorted(count, key=lambda k: -count[k]):
    if count[key] < 1:
        continue
    mean = 1000 * total[key] / count[key]
    print(f"     {key[0]:6} {key[1]:55} {count[key]:7.0f} {mean:8.1f} {100 * fast[key] / count[key]:6.1f} %")
if pool.get("count"):
    print(f"   pool waits: {pool['count']:.0f}, mean {1000 * pool['sum'] / pool['count']:.2f} ms, "
          f"{100 * pool.get('fast', 0) / pool['count']:.1f} % within 10 ms")

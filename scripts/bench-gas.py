#!/usr/bin/env python3
"""POST /gas/isolate over HTTP against GET /health in the same run, p50/p99
(docs/gas-isolation.md, "Measured"). Needs a running server without sign-in
(`lookout serve --dev-open`) on the seed-1 dataset:

    scripts/bench-gas.py http://127.0.0.1:8080 [runs]

Reports, never asserts: the numbers depend on the machine and its load."""
import json
import sys
import time
import urllib.request

URL = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8080"
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 300


def timed(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(URL + path, data=data, method=method, headers={"content-type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        r.read()
    return (time.perf_counter() - started) * 1000


def percentiles(ms):
    ms = sorted(ms)
    return ms[len(ms) // 2], ms[round((len(ms) - 1) * 0.99)]


CASES = [
    ("GET /health (baseline)", "GET", "/health", None),
    ("trace: Taiyuan DN600 feed line, pipe 177 (the city loses gas)", "POST", "/gas/isolate", {"pipe": 177}),
    ("trace: a point on the Taiyuan medium grid", "POST", "/gas/isolate", {"point": [112.5303, 37.8585]}),
    ("what-if: pipe 177 with its valve failing", "POST", "/gas/isolate", {"pipe": 177, "fail": [69]}),
]

for _, method, path, body in CASES:  # warm up
    for _ in range(20):
        timed(method, path, body)
for name, method, path, body in CASES:
    p50, p99 = percentiles([timed(method, path, body) for _ in range(RUNS)])
    print(f"{name}: p50 {p50:.2f} ms, p99 {p99:.2f} ms ({RUNS} runs)")

#!/usr/bin/env python3
"""A fixed, seeded list of tile paths inside Shanxi (for scripts/bench-http),
or, with --fetch PORT, fetch each path from stdin once and print tiles/s."""
import math
import random
import sys
import time
import urllib.request


def tile(lon, lat, z):
    n = 2 ** z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tile_list(layers):
    random.seed(11)
    seen = []
    for z in range(6, 15):
        for _ in range(8 if z < 9 else 60):
            x, y = tile(random.uniform(110.6, 114.2), random.uniform(34.9, 40.4), z)
            path = f"/tiles/{layers}/{z}/{x}/{y}"
            if path not in seen:
                seen.append(path)
    return seen


def fetch_all(port, paths):
    start = time.perf_counter()
    for p in paths:
        req = urllib.request.Request(f"http://127.0.0.1:{port}{p}", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req) as r:
            r.read()
    return len(paths) / (time.perf_counter() - start)


if __name__ == "__main__":
    if sys.argv[1] == "--fetch":
        print(f"{fetch_all(sys.argv[2], sys.stdin.read().split()):.0f}")
    else:
        print("\n".join(tile_list(sys.argv[1])))

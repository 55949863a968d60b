#!/usr/bin/env python3
"""Fixed, seeded request lists inside Shanxi for scripts/bench-http: tile
paths (default), or with --nearest, /nearest queries; with --fetch PORT,
fetch each path from stdin once and print requests/s."""
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


def nearest_list():
    random.seed(13)
    return [f"/nearest?lon={random.uniform(111.0, 113.8):.5f}&lat={random.uniform(35.2, 39.8):.5f}"
            "&layer=rescue_teams&k=5&kind=hazmat&status=available" for _ in range(300)]


if __name__ == "__main__":
    if sys.argv[1] == "--nearest":
        print("\n".join(nearest_list()))
    elif sys.argv[1] == "--fetch":
        print(f"{fetch_all(sys.argv[2], sys.stdin.read().split()):.0f}")
    else:
        print("\n".join(tile_list(sys.argv[1])))

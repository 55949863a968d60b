"""End-to-end fixtures: a real `lookout serve` on a free port, over the repo's data/."""
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("LOOKOUT_BIN", ROOT / "target" / "release" / "lookout"))
# LOOKOUT_E2E_REGION=yangquan (a folder of data/regions/) runs the suite's
# servers on that region instead of the bundled Shanxi (scripts/test runs the
# region-aware modules a second time so). Its generated dataset goes to a
# scratch data folder shared by the session's servers.
REGION = os.environ.get("LOOKOUT_E2E_REGION") or None
_region_data = None


def region_args():
    return ["--region", str(ROOT / "data" / "regions" / REGION)] if REGION else []


def region_data_dir():
    global _region_data
    if _region_data is None:
        _region_data = Path(tempfile.mkdtemp(prefix=f"lookout-e2e-{REGION}-"))
    return _region_data


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A lookout process; start() waits until /health answers. By default it
    runs `--dev-open` (a single desk on loopback: no sign-in, everyone admin
    as `dev`); `open_access=False` makes it require sign-in (test_auth.py)."""

    def __init__(self, state_dir, extra_args=(), open_access=True, data_dir=None):
        self.state_dir = Path(state_dir)
        extra_args = list(extra_args)
        if REGION and "--region" not in extra_args:
            extra_args += region_args()
            data_dir = data_dir or region_data_dir()
        self.data_dir = Path(data_dir) if data_dir else ROOT / "data"
        self.extra_args = extra_args + (["--dev-open"] if open_access else [])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.log = self.state_dir / "server.log"

    def start(self):
        assert BIN.exists(), f"{BIN} is missing: build it first (scripts/test does)"
        self.state_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [str(BIN), "serve", "--bind", f"127.0.0.1:{self.port}", "--data-dir", str(self.data_dir),
             "--state-dir", str(self.state_dir), "--web-dir", str(ROOT / "web"), *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"lookout exited with {self.proc.returncode}: {self.log.read_text()[-3000:]}")
            try:
                if get(self.url + "/health")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("lookout did not answer /health in 120 s")

    def stop(self, kill=False):
        if self.proc and self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
            self.proc.wait(timeout=30)


def request(method, url, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Accept": "application/json", **(headers or {})})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw else None), {k.lower(): v for k, v in r.headers.items()}
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = raw.decode(errors="replace")
        return e.code, payload, {k.lower(): v for k, v in e.headers.items()}


def get(url):
    status, body, _ = request("GET", url)
    return status, body


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("state")).start()
    yield s
    s.stop()


class Place:
    """Where the running server's region is, read from the server (never
    hard-coded): `centre` is the capital's seat district (the first census
    city's core on /basemap.geojson), `bounds` the default view, `outside` a
    point a degree beyond its south-west corner, `hazard` the first major
    hazard source holding chlorine (else the first one)."""

    def __init__(self, url):
        status, basemap = get(url + "/basemap.geojson")
        assert status == 200, basemap
        self.region = basemap["region"]["id"]
        self.bounds = basemap["region"]["bounds"]
        cities = [f for f in basemap["features"] if f["properties"]["kind"] == "city"]
        self.centre = cities[0]["geometry"]["coordinates"]
        w, s = self.bounds[:2]
        self.outside = [round(w - 1.0, 3), round(s - 1.0, 3)]
        _, sources = get(url + "/collections/hazard_sources/items?limit=1000")
        chlorine = [f for f in sources["features"] if any(x["substance"] == "chlorine" for x in f["properties"]["substances"])]
        self.hazard = (chlorine or sources["features"])[0]["geometry"]["coordinates"]
        _, counties = get(url + "/collections/counties/items?limit=1")
        self.counties = counties["numberMatched"]


@pytest.fixture(scope="session")
def place(server):
    return Place(server.url)

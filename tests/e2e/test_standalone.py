"""The release binary alone is the product: started from an empty folder,
with nothing beside it, it generates its dataset under its data home and
serves the map, MapLibre and the drill scenarios built into it."""
import re
import os
import subprocess
import time
import urllib.request

from conftest import BIN, free_port, get, request


def test_the_binary_serves_the_whole_product_from_an_empty_folder(tmp_path):
    cwd = tmp_path / "empty"
    cwd.mkdir()
    home = tmp_path / "home"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "LOOKOUT_HOME"}
    env["XDG_DATA_HOME"] = str(home)
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([str(BIN), "serve", "--bind", f"127.0.0.1:{port}", "--dev-open"],
                            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 180
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            assert time.time() < deadline, "no /health in 180 s"
            try:
                if get(url + "/health")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        with urllib.request.urlopen(url + "/map/", timeout=30) as r:
            page = r.read().decode()
            assert r.status == 200 and "vendor/maplibre-gl/maplibre-gl.js" in page
            assert r.headers["ETag"]
        with urllib.request.urlopen(url + "/map/vendor/maplibre-gl/maplibre-gl.js", timeout=30) as r:
            assert r.status == 200 and len(r.read()) > 100_000, "MapLibre is built in"
        with urllib.request.urlopen(url + "/map/app.js", timeout=30) as r:
            assert r.status == 200
            plain = r.read()
        # the page names every other file by the version of all of them; those
        # are kept a year, the page itself is asked for again each time
        base = re.search(r'<base href="(/map/~[0-9a-f]{12}/)">', page)
        assert base, page[:400]
        with urllib.request.urlopen(url + base.group(1) + "app.js", timeout=30) as r:
            assert r.read() == plain
            assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        with urllib.request.urlopen(url + base.group(1) + "vendor/maplibre-gl/maplibre-gl.css", timeout=30) as r:
            assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        with urllib.request.urlopen(url + "/map/~000000000000/app.js", timeout=30) as r:
            assert r.headers["Cache-Control"] == "no-cache", "an old version is not kept"
        assert request("GET", url + "/map/package.json")[0] == 404
        status, scenarios, _ = request("GET", url + "/scenarios")
        assert status == 200 and len(scenarios["scenarios"]) > 0, scenarios
        # nothing was written where it was started; data and state are in the data home
        assert list(cwd.iterdir()) == []
        assert (home / "lookout" / "data" / "generated").is_dir()
        assert (home / "lookout" / "state").is_dir()
    finally:
        proc.terminate()
        proc.wait(timeout=30)

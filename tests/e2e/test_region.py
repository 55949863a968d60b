"""The second region (data/regions/yangquan, one city of five districts) is
served whole from its region.toml: map title and view, tiles, nearest by road
time, incidents inside and outside it. An OpenStreetMap road import
(`lookout import --layer roads`) changes the dataset; the next start begins a
new journal epoch with the old journal archived, and says so in /health."""
import gzip
import math
import subprocess
import urllib.request
from pathlib import Path

import mapbox_vector_tile
import pytest

from conftest import BIN, ROOT, Server, get, request

REGION = ROOT / "data" / "regions" / "yangquan"
# The seat district (城区) of Yangquan, where the generated teams and roads concentrate.
CENTRE = [113.58, 37.86]
# Linfen, some 250 km south-west: outside this region.
LINFEN = [111.62, 36.104]


def tile_of(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.fixture(scope="module")
def yq(tmp_path_factory):
    data = tmp_path_factory.mktemp("yq-data")
    s = Server(tmp_path_factory.mktemp("yq-state"), ["--region", str(REGION)], data_dir=data).start()
    yield s
    s.stop()


def test_the_map_takes_its_title_and_view_from_the_region(yq):
    status, basemap = get(yq.url + "/basemap.geojson")
    assert status == 200, basemap
    region = basemap["region"]
    assert region["id"] == "yangquan"
    assert "阳泉" in region["title_zh"] and "Yangquan" in region["title_en"]
    assert region["bounds"] == [112.9, 37.65, 114.05, 38.53]
    cities = [f["properties"]["name_zh"] for f in basemap["features"] if f["properties"]["kind"] == "city"]
    assert cities == ["阳泉市"]
    # No river of Shanxi's drawn over a region that lists none.
    assert not [f for f in basemap["features"] if f["properties"]["kind"] == "river"]
    assert get(yq.url + "/health")[1]["region"] == "yangquan"


def test_the_layers_are_the_regions_own(yq):
    status, counties = get(yq.url + "/collections/counties/items?limit=100")
    assert status == 200
    assert sorted(f["properties"]["county"] for f in counties["features"]) == sorted(["城区", "矿区", "郊区", "平定县", "盂县"])
    status, teams = get(yq.url + "/collections/rescue_teams/items?limit=1000")
    assert teams["features"] and all(f["properties"]["city"] == "阳泉市" for f in teams["features"])


def test_tiles_draw_the_region(yq):
    z = 11
    x, y = tile_of(*CENTRE, z)
    req = urllib.request.Request(f"{yq.url}/tiles/enterprises,roads,counties/{z}/{x}/{y}", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status == 200
        raw = r.read()
        if r.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
    layers = mapbox_vector_tile.decode(raw, default_options={"y_coord_down": True})
    assert {"enterprises", "roads", "counties"} <= set(layers), list(layers)
    assert layers["roads"]["features"] and layers["counties"]["features"]


def test_nearest_teams_by_road_time(yq):
    status, body = get(f"{yq.url}/nearest?lon={CENTRE[0]}&lat={CENTRE[1]}&layer=rescue_teams&k=3&by=time")
    assert status == 200, body
    items = body["results"]
    assert len(items) == 3
    times = [r["travel_time_s"] for r in items]
    assert all(t is not None and t > 0 for t in times), body
    assert times == sorted(times)


def test_incidents_inside_the_region_are_accepted_and_outside_refused(yq):
    status, inc, _ = request("POST", yq.url + "/incidents", {"kind": "mine_accident", "location": CENTRE, "cordon_m": 300})
    assert status == 201, inc
    status, err, _ = request("POST", yq.url + "/incidents", {"kind": "mine_accident", "location": LINFEN, "cordon_m": 300})
    assert status == 400, err
    assert "outside the region" in err["message"]


def test_features_must_lie_in_this_region_not_shanxi(yq):
    # Linfen is in Shanxi's extent, but far outside Yangquan's (its counties plus 0.5°).
    moved = {"geometry": {"type": "Point", "coordinates": LINFEN}}
    status, err, _ = request("PATCH", yq.url + "/collections/shelters/items/1", moved)
    assert status == 400, err
    assert "outside the region" in err["message"], err
    status, body, _ = request("PATCH", yq.url + "/collections/shelters/items/1", {"geometry": {"type": "Point", "coordinates": CENTRE}})
    assert status == 204, body
    assert get(yq.url + "/collections/shelters/items/1")[1]["geometry"]["coordinates"] == CENTRE


def test_an_osm_road_import_begins_a_new_journal_epoch(tmp_path):
    data, state = tmp_path / "data", tmp_path / "state"
    region = ["--region", str(REGION)]
    s = Server(state, region, data_dir=data).start()
    try:
        status, inc, _ = request("POST", s.url + "/incidents", {"kind": "mine_accident", "location": CENTRE, "cordon_m": 300})
        assert status == 201, inc
        assert "epoch" not in get(s.url + "/health")[1]
    finally:
        s.stop()

    pbf = tmp_path / "roads.osm.pbf"
    subprocess.run(["osmium", "cat", str(ROOT / "layers/tests/fixtures/roads-small.osm"), "-o", str(pbf)], check=True)
    done = subprocess.run([str(BIN), "import", "--layer", "roads", "--from", str(pbf), "--data-dir", str(data), *region],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "roads imported" in done.stderr

    s = Server(state, region, data_dir=data).start()
    try:
        health = get(s.url + "/health")[1]
        epoch = health["epoch"]
        assert epoch["new"] is True
        assert epoch["previous"].startswith("yangquan-seed-1-scale-1-g") and "-base-" not in epoch["previous"]
        assert "-base-" in epoch["current"]
        archived = epoch["archived_to"]
        assert (tmp_path / "state" / "yangquan" / "seed-1-scale-1" / "archive").is_dir()
        assert (Path(archived) / "journal.lkj").is_file()
        # The new epoch starts from the dataset: the old incident is in the archive, not here.
        assert get(s.url + "/incidents?drill=all")[1]["numberMatched"] == 0
        # The imported network replaced the generated one.
        assert get(s.url + "/collections/roads/items?limit=1")[1]["numberMatched"] == 17
    finally:
        s.stop()

    # The same dataset again: no new epoch.
    s = Server(state, region, data_dir=data).start()
    try:
        assert "epoch" not in get(s.url + "/health")[1]
    finally:
        s.stop()

"""What a user of the API checks: the layers are there, the numbers agree with
the domain's rules, bad requests are told why, changes are kept."""
import json
import subprocess
import urllib.parse

from conftest import Server, get, request

LAYERS = ["counties", "enterprises", "hazard_sources", "gas_pipes", "gas_valves", "gas_stations",
          "disaster_zones", "rescue_teams", "warehouses", "shelters", "roads", "population"]

# GB 18218 as REFERENCE.md gives it, written out independently of the server's code.
THRESHOLD_T = {"chlorine": 5, "ammonia": 10, "hydrogen_sulphide": 5, "lpg": 50, "methanol": 500,
               "benzene": 50, "gasoline": 200, "natural_gas": 50, "hydrogen": 5}
BETA = {"chlorine": 4, "ammonia": 2, "hydrogen_sulphide": 5, "lpg": 1.5, "natural_gas": 1.5, "hydrogen": 1.5,
        "methanol": 1, "benzene": 1, "gasoline": 1}


def alpha(people):
    return 2.0 if people >= 100 else 1.5 if people >= 50 else 1.2 if people >= 30 else 1.0 if people >= 1 else 0.5


def level(r):
    return 1 if r >= 100 else 2 if r >= 50 else 3 if r >= 10 else 4


def test_collections_list_every_layer_with_counts(server):
    status, body = get(server.url + "/collections")
    assert status == 200
    counts = {c["id"]: c["featureCount"] for c in body["collections"]}
    assert set(LAYERS) <= set(counts)
    assert counts["counties"] == 119
    assert counts["hazard_sources"] == 80
    assert counts["enterprises"] >= 10_000
    assert all(counts[layer] > 0 for layer in LAYERS)


def test_hazard_source_levels_agree_with_gb18218(server):
    status, body = get(server.url + "/collections/hazard_sources/items?limit=100")
    assert status == 200 and body["numberMatched"] == 80 and len(body["features"]) == 80
    for f in body["features"]:
        p = f["properties"]
        r = alpha(p["people_within_500m"]) * sum(BETA[s["substance"]] * s["quantity_t"] / THRESHOLD_T[s["substance"]] for s in p["substances"])
        assert p["level"] == level(r), (f["id"], p["level"], r)
        assert abs(p["r_value"] - r) < 0.01
        assert set(p["responsible_persons"]) == {"principal", "technical", "operational"}


def test_paging_walks_every_enterprise_once(server):
    url = server.url + "/collections/enterprises/items?limit=5000"
    seen = []
    while url:
        status, page = get(url)
        assert status == 200
        seen += [f["id"] for f in page["features"]]
        url = next((l["href"] for l in page["links"] if l["rel"] == "next"), None)
    assert len(seen) == len(set(seen)) == page["numberMatched"]


def test_bbox_and_property_filters_select_what_they_say(server):
    bbox = (112.3, 37.6, 112.8, 38.0)
    status, body = get(server.url + "/collections/enterprises/items?limit=10000&risk_level=red,orange&bbox=" + ",".join(map(str, bbox)))
    assert status == 200 and body["numberReturned"] > 0
    for f in body["features"]:
        x, y = f["geometry"]["coordinates"]
        assert bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]
        assert f["properties"]["risk_level"] in ("red", "orange")
    status, teams = get(server.url + "/collections/rescue_teams/items?kind=hazmat&status=available&limit=1000")
    assert status == 200 and teams["numberReturned"] > 0
    assert all(t["properties"]["kind"] == "hazmat" and t["properties"]["status"] == "available" for t in teams["features"])


def test_limit_beyond_the_maximum_is_capped(server):
    status, body = get(server.url + "/collections/enterprises/items?limit=1000000000")
    assert status == 200
    assert body["numberReturned"] == 10_000
    nxt = next(l["href"] for l in body["links"] if l["rel"] == "next")
    assert "limit=10000" in nxt


def test_bad_requests_get_4xx_json_with_a_reason_and_the_server_stays_up(server):
    bad = [
        "/collections/enterprises/items?bbox=1,2,3",
        "/collections/enterprises/items?bbox=a,b,c,d",
        "/collections/enterprises/items?bbox=112,38,113,37",
        "/collections/enterprises/items?limit=-1",
        "/collections/enterprises/items?limit=ten",
        "/collections/enterprises/items?offset=-3",
        "/collections/enterprises/items?colour=red",
        "/collections/enterprises/items?risk_level=purple",
        "/collections/nope",
        "/collections/nope/items",
        "/collections/enterprises/items/99999999",
        "/collections/enterprises/items/abc",
        "/no/such/route",
    ]
    for path in bad:
        status, body = get(server.url + path)
        assert 400 <= status < 500, (path, status)
        assert isinstance(body, dict) and body.get("message"), (path, body)
    assert get(server.url + "/health")[0] == 200


def test_writes_are_validated_journalled_and_survive_a_restart(tmp_path):
    s = Server(tmp_path / "state").start()
    try:
        team = "/collections/rescue_teams/items/1"
        status, before = get(s.url + team)
        assert status == 200
        personnel = before["properties"]["personnel"] + 7
        status, _, headers = request("PATCH", s.url + team, {"properties": {"personnel": personnel}}, {"X-Lookout-Actor": "duty-officer-7"})
        assert status == 204
        # A wrong code, a wrong type, a broken body: refused, nothing stored.
        for patch in ({"properties": {"status": "asleep"}}, {"properties": {"personnel": "many"}}, {"colour": 1}):
            assert 400 <= request("PATCH", s.url + team, patch)[0] < 500, patch
        status, created, headers = request("POST", s.url + "/collections/shelters/items", {
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [112.55, 37.85]},
            "properties": {"name": "临时安置点", "kind": "school", "capacity": 800, "occupancy": 0,
                           "county_id": 4, "county": "迎泽区", "city": "太原市"}})
        assert status == 201 and created["id"] > 0
        location = headers["location"]
        assert request("POST", s.url + "/collections/shelters/items", {"type": "Feature", "geometry": {"type": "Point", "coordinates": [500, 37]}, "properties": {}})[0] == 422
    finally:
        s.stop()
    s2 = Server(tmp_path / "state")
    s2.port, s2.url = s.port, s.url
    s2.start()
    try:
        status, after = get(s2.url + team)
        assert after["properties"]["personnel"] == personnel
        assert get(location.replace(s.url, s2.url))[0] == 200
    finally:
        s2.stop()


def test_a_torn_journal_tail_is_reported_and_not_applied(tmp_path):
    s = Server(tmp_path / "state").start()
    team = "/collections/rescue_teams/items/2"
    assert request("PATCH", s.url + team, {"properties": {"vehicles": 99}})[0] == 204
    s.stop(kill=True)
    journal = next((tmp_path / "state").rglob("journal.lkj"))
    with open(journal, "ab") as f:  # half a record, as a crash mid-write leaves it
        f.write((500).to_bytes(4, "little") + b"\x00\x00\x00\x00{\"seq\":2")
    s2 = Server(tmp_path / "state")
    s2.start()
    try:
        assert get(s2.url + team)[1]["properties"]["vehicles"] == 99
        assert "torn" in s2.log.read_text()
        assert list((tmp_path / "state").rglob("journal.torn-*"))
    finally:
        s2.stop()


def test_gdal_reads_the_collections(server):
    out = subprocess.run(["ogrinfo", "-ro", "-so", "OAPIF:" + server.url], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for layer in LAYERS:
        assert f": {layer} " in out.stdout, layer
    out = subprocess.run(["ogrinfo", "-ro", "-so", "OAPIF:" + server.url, "hazard_sources"], capture_output=True, text=True, timeout=120)
    assert "Feature Count: 80" in out.stdout, out.stdout
    dest = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", "OAPIF:" + server.url, "rescue_teams"], capture_output=True, text=True, timeout=300)
    assert dest.returncode == 0, dest.stderr
    teams = json.loads(dest.stdout)["features"]
    assert len(teams) == get(server.url + "/collections/rescue_teams")[1]["featureCount"]


def test_openapi_describes_every_route(server):
    status, spec = get(server.url + "/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.")
    for path in ["/", "/conformance", "/collections", "/collections/{collection}", "/collections/{collection}/items",
                 "/collections/{collection}/items/{id}", "/health", "/incidents", "/incidents/{id}/dispatch",
                 "/events/stream", "/scenarios/{id}/start", "/replay", "/nearest", "/impact"]:
        assert path in spec["paths"], path
    status, conf = get(server.url + "/conformance")
    assert any(c.endswith("/conf/core") for c in conf["conformsTo"])

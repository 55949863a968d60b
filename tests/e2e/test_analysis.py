"""Nearest resources by road travel time, and exposure inside a zone."""
import math

import pytest

from conftest import get, request

R = 6371008.8


def haversine(a, b):
    (x1, y1), (x2, y2) = a, b
    p1, p2 = math.radians(y1), math.radians(y2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(x2 - x1) / 2) ** 2
    return 2 * R * math.asin(math.sqrt(h))


# The capital's seat district of the running server's region (conftest.Place:
# read from the server, so that the module also runs on a second region).
TAIYUAN = None


@pytest.fixture(autouse=True, scope="module")
def _centre(place):
    global TAIYUAN
    TAIYUAN = tuple(place.centre)


def how_many(server, layer, k, keep=lambda p: True):
    """What a ranking of k should return: k, or every feature that qualifies
    when the region has fewer (the small test region)."""
    _, items = get(f"{server.url}/collections/{layer}/items?limit=10000")
    n = sum(1 for f in items["features"] if keep(f["properties"]))
    assert n > 0, layer
    return min(k, n)


def test_nearest_available_hazmat_teams_by_road_time(server):
    status, body = get(f"{server.url}/nearest?lon={TAIYUAN[0]}&lat={TAIYUAN[1]}&layer=rescue_teams&k=5"
                       "&kind=hazmat&status=available&route=true")
    assert status == 200 and body["by"] == "time"
    results = body["results"]
    assert len(results) == how_many(server, "rescue_teams", 5, lambda p: p["kind"] == "hazmat" and p["status"] == "available")
    times = [r["travel_time_s"] for r in results]
    assert times == sorted(times)
    for r in results:
        status, team = get(f"{server.url}/collections/rescue_teams/items/{r['id']}")
        assert team["properties"]["kind"] == "hazmat" and team["properties"]["status"] == "available"
        assert abs(haversine(TAIYUAN, team["geometry"]["coordinates"]) - r["distance_m"]) < 2
        assert r["route_length_m"] >= r["distance_m"] * 0.9
        assert r["route"]["type"] == "LineString" and len(r["route"]["coordinates"]) >= 2


def test_nearest_by_distance_ranks_by_air(server):
    status, body = get(f"{server.url}/nearest?lon={TAIYUAN[0]}&lat={TAIYUAN[1]}&layer=shelters&k=10&by=distance")
    assert status == 200
    d = [r["distance_m"] for r in body["results"]]
    assert len(d) == how_many(server, "shelters", 10) and d == sorted(d)


def test_a_dispatched_team_drops_out_of_the_available_ranking(tmp_path):
    from conftest import Server
    s = Server(tmp_path / "state").start()
    try:
        url = f"{s.url}/nearest?lon={TAIYUAN[0]}&lat={TAIYUAN[1]}&k=3&kind=fire&status=available"
        first = get(url)[1]["results"][0]["id"]
        status, incident, _ = request("POST", f"{s.url}/incidents", {"kind": "fire", "location": list(TAIYUAN), "cordon_m": 200})
        assert status == 201, incident
        assert request("POST", f"{s.url}/incidents/{incident['id']}/dispatch", {"teams": [first]})[0] == 200
        assert first not in [r["id"] for r in get(url)[1]["results"]]
    finally:
        s.stop()


def test_bad_nearest_queries_get_4xx(server):
    for q in ["lat=37.8", "lon=abc&lat=37.8", "lon=12&lat=37", "lon=112.5&lat=37.8&k=0", "lon=112.5&lat=37.8&k=1000",
              "lon=112.5&lat=37.8&layer=volcanoes", "lon=112.5&lat=37.8&layer=roads", "lon=112.5&lat=37.8&colour=red",
              "lon=112.5&lat=37.8&by=speed"]:
        status, body = get(f"{server.url}/nearest?{q}")
        assert 400 <= status < 500, (q, status)
        assert body.get("message"), q


def test_exposure_counts_agree_with_the_features_inside(server):
    status, e = request("POST", f"{server.url}/exposure", {"center": list(TAIYUAN), "radius_m": 5000})[:2]
    assert status == 200
    # Brute force over the box round the circle.
    dlat = 5000 / R * 180 / math.pi
    dlon = dlat / math.cos(math.radians(TAIYUAN[1] + dlat))
    bbox = f"{TAIYUAN[0] - dlon},{TAIYUAN[1] - dlat},{TAIYUAN[0] + dlon},{TAIYUAN[1] + dlat}"
    for layer in ("enterprises", "shelters", "rescue_teams"):
        _, items = get(f"{server.url}/collections/{layer}/items?limit=10000&bbox={bbox}")
        inside = [f for f in items["features"] if haversine(TAIYUAN, f["geometry"]["coordinates"]) <= 5000]
        assert e["layers"][layer]["count"] == len(inside), layer
    ent = e["layers"]["enterprises"]
    assert sum(ent["by"]["risk_level"].values()) == ent["count"]
    assert e["population"] > 0 and 70 < e["area_km2"] < 90


def test_bad_zones_get_4xx(server):
    bow_tie = {"type": "Polygon", "coordinates": [[[112, 37], [113, 38], [113, 37], [112, 38], [112, 37]]]}
    for body in [{"center": [112.5, 37.8], "radius_m": 1e9}, {"geometry": bow_tie}, {"center": [112.5, 37.8]}, {"radius": 3}]:
        status, answer = request("POST", f"{server.url}/exposure", body)[:2]
        assert 400 <= status < 500, body
        assert answer.get("message"), body


def test_coverage_reach_and_gaps(server):
    status, short = get(f"{server.url}/coverage?kind=hazmat&minutes=20")
    assert status == 200
    status, long = get(f"{server.url}/coverage?kind=hazmat&minutes=90")
    assert status == 200
    assert short["reachable"]["type"] == "MultiPolygon" and long["reachable"]["coordinates"]
    assert long["hazard_sources"]["count"] <= short["hazard_sources"]["count"]
    assert long["enterprises"]["count"] <= short["enterprises"]["count"]
    assert short["population_covered"] <= long["population_covered"] <= long["population_total"]
    # Every listed gap really is outside: its fastest team by road takes longer than the limit.
    for gap in short["hazard_sources"]["items"][:5]:
        status, h = get(f"{server.url}/collections/hazard_sources/items/{gap['id']}")
        lon, lat = h["geometry"]["coordinates"]
        _, nearest = get(f"{server.url}/nearest?lon={lon}&lat={lat}&layer=rescue_teams&k=1&kind=hazmat")
        assert gap["time_s"] is None or nearest["results"][0]["travel_time_s"] > 20 * 60 - 1


def test_bad_coverage_queries_get_4xx(server):
    for q in ["kind=hazmat", "minutes=30", "kind=hazmat&minutes=0", "kind=hazmat&minutes=abc", "kind=purple&minutes=30",
              "kind=hazmat&minutes=30&colour=red"]:
        status, body = get(f"{server.url}/coverage?{q}")
        assert 400 <= status < 500, (q, status)
        assert body.get("message"), q


def test_nearest_warehouses_by_stock_and_shelters_by_free_places(server):
    _, body = get(f"{server.url}/nearest?lon={TAIYUAN[0]}&lat={TAIYUAN[1]}&layer=warehouses&k=3&item=tent&min_count=500")
    assert len(body["results"]) == how_many(
        server, "warehouses", 3, lambda p: any(s["item"] == "tent" and s["count"] >= 500 for s in p["stock"]))
    for r in body["results"]:
        stock = get(f"{server.url}/collections/warehouses/items/{r['id']}")[1]["properties"]["stock"]
        assert any(s["item"] == "tent" and s["count"] >= 500 for s in stock)
    _, body = get(f"{server.url}/nearest?lon={TAIYUAN[0]}&lat={TAIYUAN[1]}&layer=shelters&k=3&min_free=5000&by=distance")
    assert len(body["results"]) == how_many(server, "shelters", 3, lambda p: p["capacity"] - p["occupancy"] >= 5000)
    for r in body["results"]:
        p = get(f"{server.url}/collections/shelters/items/{r['id']}")[1]["properties"]
        assert p["capacity"] - p["occupancy"] >= 5000
    for q in ["layer=shelters&item=tent", "layer=warehouses&min_free=10", "layer=shelters&min_free=-1"]:
        status, answer = get(f"{server.url}/nearest?lon={TAIYUAN[0]}&lat={TAIYUAN[1]}&{q}")
        assert status == 400 and answer["message"], q

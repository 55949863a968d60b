"""POST /impact: impact zones for a hazard at a place, with the exposure of
each zone and the domino check, checked against independent computations."""
import math

from conftest import get, request


def haversine(a, b):
    r = 6371008.8
    (lon1, lat1), (lon2, lat2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def chlorine_at(server, location, wind_from=270):
    status, body, _ = request("POST", f"{server.url}/impact", {
        "location": location, "hazard": "release", "substance": "chlorine", "spill": "large",
        "release_rate_kg_s": 2.0,
        "weather": {"wind_from_deg": wind_from, "wind_speed_ms": 3.0, "daytime": True},
    })
    assert status == 200, body
    return body


def zone(body, tier):
    return next(f for f in body["zones"]["features"] if f["properties"]["zone"]["tier"] == tier)


def test_a_chlorine_leak_draws_isolation_and_downwind_zones(server):
    _, sources = get(f"{server.url}/collections/hazard_sources/items?limit=100")
    location = sources["features"][0]["geometry"]["coordinates"]
    body = chlorine_at(server, location, wind_from=270)
    assert body["substance"] == "chlorine"
    tiers = [f["properties"]["zone"]["tier"] for f in body["zones"]["features"]]
    assert {"isolation", "protective_action", "tier1", "tier2", "tier3"} <= set(tiers)
    iso = zone(body, "isolation")
    radius = iso["properties"]["zone"]["radius_m"]
    for lon, lat in iso["geometry"]["coordinates"][0]:
        assert abs(haversine(location, (lon, lat)) - radius) < radius * 0.005
    # Wind from the west: the protective-action zone lies to the east.
    pa = zone(body, "protective_action")["geometry"]["coordinates"][0]
    cx = sum(p[0] for p in pa[:-1]) / (len(pa) - 1)
    cy = sum(p[1] for p in pa[:-1]) / (len(pa) - 1)
    assert cx > location[0] and abs(cy - location[1]) < (cx - location[0]) * 0.2
    # And with wind from the north, to the south.
    south = zone(chlorine_at(server, location, wind_from=0), "protective_action")["geometry"]["coordinates"][0]
    assert sum(p[1] for p in south[:-1]) / (len(south) - 1) < location[1]
    # Plume tiers nest: the most severe reaches least far.
    reach = {t: zone(body, t)["properties"]["zone"]["downwind_m"] for t in ("tier1", "tier2", "tier3")}
    assert reach["tier3"] < reach["tier2"] < reach["tier1"]
    assert any("30" in limit for limit in body["limits"])


def test_each_zone_lists_what_exposure_finds_and_the_domino_check_is_complete(server):
    _, sources = get(f"{server.url}/collections/hazard_sources/items?limit=100")
    location = sources["features"][3]["geometry"]["coordinates"]
    body = chlorine_at(server, location)
    iso = zone(body, "isolation")
    status, direct = request("POST", f"{server.url}/exposure", {"geometry": iso["geometry"]})[:2]
    assert status == 200
    mine = iso["properties"]["exposure"]
    assert mine["population"] == direct["population"]
    for layer in ("enterprises", "hazard_sources", "shelters"):
        assert mine["layers"][layer]["count"] == direct["layers"][layer]["count"], layer
    # Every hazard source within the isolation radius, found by brute force, is flagged.
    radius = iso["properties"]["zone"]["radius_m"]
    flagged = {d["id"] for d in body["domino"] if d["layer"] == "hazard_sources"}
    for f in sources["features"]:
        if haversine(location, f["geometry"]["coordinates"]) < radius * 0.99:
            assert f["id"] in flagged, f["id"]
    assert sources["features"][3]["id"] in flagged
    for d in body["domino"]:
        assert d["layer"] != "gas_pipes" or d["grade"] in ("high", "sub_high")


def test_fire_and_explosion_circles_are_ordered(server):
    for hazard, tiers in (("fire", None), ("explosion", None)):
        status, body, _ = request("POST", f"{server.url}/impact", {
            "location": [112.55, 37.87], "hazard": hazard, "substance": "lpg", "mass_kg": 20000,
            "weather": {"wind_from_deg": 90, "wind_speed_ms": 2, "daytime": False},
        })
        assert status == 200, body
        radii = [f["properties"]["zone"]["radius_m"] for f in body["zones"]["features"]]
        assert len(radii) == 3 and radii == sorted(radii, reverse=True), radii


def test_bad_hazards_get_422_or_400_with_a_reason(server):
    weather = {"wind_from_deg": 90, "wind_speed_ms": 2, "daytime": True}
    for body, code, why in [
        ({"location": [112.5, 37.8], "hazard": "release", "substance": "kryptonite", "weather": weather}, 422, "kryptonite"),
        ({"location": [112.5, 37.8], "hazard": "release", "weather": {**weather, "wind_speed_ms": 99}}, 422, "wind"),
        ({"location": [112.5, 37.8], "hazard": "explosion", "substance": "lpg", "weather": weather}, 422, "mass_kg"),
        ({"location": [212.5, 37.8], "hazard": "fire", "mass_kg": 10, "weather": weather}, 422, "location"),
        ({"location": [112.5, 37.8], "hazard": "meteor", "weather": weather}, 400, "meteor"),
    ]:
        status, reply, _ = request("POST", f"{server.url}/impact", body)
        assert status == code and why in reply["message"], (body, status, reply)
    status, subs = get(f"{server.url}/impact/substances")
    codes = {s["code"] for s in subs["substances"]}
    assert {"chlorine", "ammonia", "hydrogen_sulphide", "benzene", "methanol", "lpg", "natural_gas", "hydrogen",
            "gasoline", "sulphur_dioxide", "hydrogen_chloride"} <= codes

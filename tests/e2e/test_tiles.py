"""Vector tiles, decoded by an independent decoder (mapbox-vector-tile) and
checked against the features the API serves for the same ground."""
import gzip
import math
import urllib.error
import urllib.request

import mapbox_vector_tile

from conftest import Place, Server, get, request

EXTENT, BUFFER = 4096, 64


def tile_of(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tile_bounds(z, x, y, buffer=0):
    n = 2 ** z
    lon = lambda v: v / n * 360 - 180
    lat = lambda v: math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * v / n))))
    pad = buffer / EXTENT
    return lon(x - pad), lat(y + 1 + pad), lon(x + 1 + pad), lat(y - pad)


def fetch_tile(url, headers=None):
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            body = r.read()
            if r.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return r.status, body, {k.lower(): v for k, v in r.headers.items()}
    except urllib.error.HTTPError as e:
        return e.code, e.read(), {k.lower(): v for k, v in e.headers.items()}


def decode(body):
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})


def shoelace(ring):
    pts = ring[:-1] if ring[0] == ring[-1] else ring
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(pts, pts[1:] + pts[:1])) / 2


def rings_of(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def coords_of(geometry):
    c = geometry["coordinates"]
    t = geometry["type"]
    if t == "Point":
        return [c]
    if t in ("MultiPoint", "LineString"):
        return c
    if t in ("MultiLineString", "Polygon"):
        return [p for part in c for p in part]
    return [p for poly in c for ring in poly for p in ring]


def assert_valid_per_spec(layer):
    assert layer["extent"] == EXTENT
    for f in layer["features"]:
        g = f["geometry"]
        for x, y in coords_of(g):
            assert -BUFFER <= x <= EXTENT + BUFFER and -BUFFER <= y <= EXTENT + BUFFER, (f["id"], x, y)
        for polygon in rings_of(g):
            assert shoelace(polygon[0]) > 0, f"exterior ring of {f['id']} must wind clockwise (positive area, y down)"
            for hole in polygon[1:]:
                assert shoelace(hole) < 0, f"hole of {f['id']} must wind anticlockwise"
        if g["type"] in ("LineString", "MultiLineString"):
            lines = [g["coordinates"]] if g["type"] == "LineString" else g["coordinates"]
            assert all(len(line) >= 2 for line in lines)


def expected_properties(p):
    out = {}
    for k, v in p.items():
        if v is None or isinstance(v, dict) or (isinstance(v, list) and v and isinstance(v[0], dict)):
            continue
        out[k] = ",".join(v) if isinstance(v, list) else v
    return out


def test_an_unclustered_tile_holds_exactly_the_features_in_its_buffered_bounds(server):
    z = 12  # enterprises are clustered below 12, rescue teams below 8
    lon, lat = get(server.url + "/collections/rescue_teams/items/1")[1]["geometry"]["coordinates"]
    x, y = tile_of(lon, lat, z)
    status, body, headers = fetch_tile(f"{server.url}/tiles/enterprises,rescue_teams,roads,counties/{z}/{x}/{y}")
    assert status == 200 and headers["content-type"] == "application/vnd.mapbox-vector-tile"
    layers = decode(body)
    for layer in layers.values():
        assert_valid_per_spec(layer)
    w, s, e, n = tile_bounds(z, x, y, BUFFER)
    for name in ("enterprises", "rescue_teams"):
        status, items = get(f"{server.url}/collections/{name}/items?limit=10000&bbox={w},{s},{e},{n}")
        want = {f["id"]: f for f in items["features"]}
        got = {f["id"]: f for f in layers.get(name, {"features": []})["features"]}
        assert want and set(got) == set(want), name
        for fid, f in got.items():
            fields = {k: v for k, v in expected_properties(want[fid]["properties"]).items() if k in f["properties"]}
            assert f["properties"] == fields, fid
            assert set(f["properties"]) >= {"name"}


def test_clusters_at_low_zoom_carry_counts_and_the_worst_risk(server, place):
    _, coll = get(f"{server.url}/collections/enterprises")
    w, s, e, n = coll["extent"]["spatial"]["bbox"][0]
    _, total = get(f"{server.url}/collections/enterprises/items?limit=1")
    _, red = get(f"{server.url}/collections/enterprises/items?limit=1&risk_level=red")
    for z in (6, 9):
        (x0, y0), (x1, y1) = tile_of(w, n, z), tile_of(e, s, z)
        counted, red_clusters = 0, 0
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                status, body, _ = fetch_tile(f"{server.url}/tiles/enterprises/{z}/{x}/{y}")
                if status == 204:
                    continue
                layer = decode(body)["enterprises"]
                assert_valid_per_spec(layer)
                for f in layer["features"]:
                    assert f["properties"]["cluster"] is True
                    cx, cy = f["geometry"]["coordinates"]
                    if 0 <= cx < EXTENT and 0 <= cy < EXTENT:  # each cell is drawn in one tile, kept in its neighbours' buffers
                        counted += f["properties"]["count"]
                        red_clusters += f["properties"]["count"] if f["properties"]["risk_level"] == "red" else 0
        assert counted == total["numberMatched"], z
        assert red["numberMatched"] <= red_clusters <= counted, z
        # (at z6 a small region is a cluster or two, each with a red enterprise)
        assert red_clusters < counted or (z == 6 and place.region != "shanxi"), z


def test_filtered_clusters_count_only_what_passes(server, place):
    z = 8
    x, y = tile_of(*place.centre, z)
    status, body, _ = fetch_tile(f"{server.url}/tiles/enterprises/{z}/{x}/{y}?industry=coal_mine")
    assert status == 200
    features = decode(body)["enterprises"]["features"]
    w, s, e, n = tile_bounds(z, x, y, BUFFER)
    _, items = get(f"{server.url}/collections/enterprises/items?limit=1&industry=coal_mine&bbox={w},{s},{e},{n}")
    assert sum(f["properties"]["count"] for f in features) == items["numberMatched"]


def test_every_hazard_source_shows_at_low_zoom(server, place):
    # 80 in the bundled Shanxi dataset; every one is drawn (never clustered) at z4.
    total = get(server.url + "/collections/hazard_sources/items?limit=1")[1]["numberMatched"]
    assert total == 80 or place.region != "shanxi"
    w, s, e, n = place.bounds
    (x0, y0), (x1, y1) = tile_of(w, n, 4), tile_of(e, s, 4)
    ids = set()
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            status, body, _ = fetch_tile(f"{server.url}/tiles/hazard_sources/4/{x}/{y}")
            if status == 200:
                ids |= {f["id"] for f in decode(body)["hazard_sources"]["features"]}
    assert total > 0 and len(ids) == total


def test_filters_select_what_they_say_in_tiles(server):
    z = 13
    red = get(server.url + "/collections/enterprises/items?risk_level=red&limit=1")[1]["features"][0]
    x, y = tile_of(*red["geometry"]["coordinates"], z)
    status, body, _ = fetch_tile(f"{server.url}/tiles/enterprises/{z}/{x}/{y}?risk_level=red,orange")
    assert status == 200
    risks = {f["properties"]["risk_level"] for f in decode(body)["enterprises"]["features"]}
    assert risks and risks <= {"red", "orange"}


def test_etag_revalidation_and_empty_tiles(server, place):
    x, y = tile_of(*place.centre, 6)
    url = f"{server.url}/tiles/counties/6/{x}/{y}"
    status, _, headers = fetch_tile(url)
    assert status == 200 and headers["cache-control"] == "no-cache"
    status, _, _ = fetch_tile(url, {"If-None-Match": headers["etag"]})
    assert status == 304
    status, body, _ = fetch_tile(f"{server.url}/tiles/counties/6/0/0")  # mid-Pacific
    assert status == 204 and body == b""


def test_tilejson_and_catalog(server):
    status, tj = get(f"{server.url}/tiles/enterprises,hazard_sources")
    assert status == 200 and tj["tilejson"] == "3.0.0"
    assert tj["tiles"][0].endswith("/tiles/enterprises,hazard_sources/{z}/{x}/{y}")
    assert [v["id"] for v in tj["vector_layers"]] == ["enterprises", "hazard_sources"]
    assert "FICTIONAL" in tj["attribution"]
    status, catalog = get(f"{server.url}/catalog")
    assert {t["id"] for t in catalog["tiles"]} >= {"enterprises", "hazard_sources", "roads", "counties"}


def test_bad_tile_requests_get_4xx_json(server):
    for path in ["/tiles/enterprises/23/0/0", "/tiles/enterprises/3/8/0", "/tiles/enterprises/3/0/-1",
                 "/tiles/enterprises/a/b/c", "/tiles/volcanoes/3/0/0", "/tiles/enterprises/3/0/0?colour=red",
                 "/tiles/enterprises/3/0/0?risk_level=purple", "/tiles/gas_valves/5/25/12", "/tiles/volcanoes",
                 "/tiles/enterprises,enterprises/3/0/0"]:
        status, body = get(server.url + path)
        assert 400 <= status < 500, (path, status)
        assert body.get("message"), path


def test_an_edit_shows_in_the_next_tile_at_every_zoom(tmp_path):
    s = Server(tmp_path / "state").start()
    try:
        status, team = get(s.url + "/collections/rescue_teams/items/1")
        lon, lat = team["geometry"]["coordinates"]
        before = team["properties"]["personnel"]
        after = before + 11
        urls = []
        for z in (8, 10, 12, 14):
            x, y = tile_of(lon, lat, z)
            urls.append(f"{s.url}/tiles/rescue_teams,counties/{z}/{x}/{y}")
        for url in urls:  # warm the cache
            status, body, _ = fetch_tile(url)
            assert {f["id"]: f for f in decode(body)["rescue_teams"]["features"]}[1]["properties"]["personnel"] == before
        assert request("PATCH", s.url + "/collections/rescue_teams/items/1", {"properties": {"personnel": after}})[0] == 204
        for url in urls:
            status, body, _ = fetch_tile(url)
            assert {f["id"]: f for f in decode(body)["rescue_teams"]["features"]}[1]["properties"]["personnel"] == after, url
        # Moved to the far corner of the region's view: gone from the old tiles it left.
        w, so, e, n = Place(s.url).bounds
        far = max(([a, b] for a in (w + 0.05, e - 0.05) for b in (so + 0.05, n - 0.05)),
                  key=lambda p: (p[0] - lon) ** 2 + (p[1] - lat) ** 2)
        assert request("PATCH", s.url + "/collections/rescue_teams/items/1", {"geometry": {"type": "Point", "coordinates": far}})[0] == 204
        left = 0
        for z, url in zip((8, 10, 12, 14), urls):
            x0, y0, x1, y1 = tile_bounds(z, *tile_of(lon, lat, z), BUFFER)
            if x0 <= far[0] <= x1 and y0 <= far[1] <= y1:
                continue  # still within this tile (a small region at z8)
            left += 1
            status, body, _ = fetch_tile(url)
            ids = {f["id"] for f in decode(body).get("rescue_teams", {"features": []})["features"]}
            assert 1 not in ids, url
        assert left >= 2
    finally:
        s.stop()


def test_every_polygon_in_county_and_zone_tiles_is_valid_by_ogc_rules(server, place):
    """Issue 21 (valid tiles): decoded with mapbox-vector-tile and checked with
    shapely (GEOS), an independent implementation: every polygon in the tiles
    over the whole province at z4-z10, and in the tiles on each county's and
    each disaster zone's boundary at z11-z15, is valid after clipping,
    simplification and snapping to the grid."""
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    layers = "counties,disaster_zones"
    _, counties = get(f"{server.url}/collections/counties/items?limit=1000")
    _, zones = get(f"{server.url}/collections/disaster_zones/items?limit=1000")
    assert len(counties["features"]) == place.counties and zones["features"]
    assert place.counties == 119 or place.region != "shanxi"
    w, s, e, n = place.bounds
    tiles = set()
    for z in range(4, 11):
        (x0, y0), (x1, y1) = tile_of(w, n, z), tile_of(e, s, z)
        tiles |= {(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)}
    for i, f in enumerate(counties["features"] + zones["features"]):
        ring = rings_of(f["geometry"])[0][0]
        for z in range(11, 16):
            lon, lat = ring[(i * 7 + z * 131) % len(ring)]  # a different boundary vertex at each zoom
            tiles.add((z, *tile_of(lon, lat, z)))
    checked, invalid = 0, []
    for z, x, y in sorted(tiles):
        status, body, _ = fetch_tile(f"{server.url}/tiles/{layers}/{z}/{x}/{y}")
        if status == 204:
            continue
        assert status == 200, (z, x, y, status)
        for name, layer in decode(body).items():
            assert_valid_per_spec(layer)
            for f in layer["features"]:
                g = f["geometry"]
                if g["type"] not in ("Polygon", "MultiPolygon"):
                    continue
                checked += 1
                geom = shape(g)
                if not geom.is_valid:
                    invalid.append(f"{name} {f['id']} in {z}/{x}/{y}: {explain_validity(geom)}")
    # (some 8 polygons checked per county: more than 1,000 over Shanxi's 119)
    assert checked > 8 * place.counties, checked
    assert not invalid, f"{len(invalid)} invalid of {checked}: {invalid[:10]}"

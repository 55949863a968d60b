"""The PostGIS store against a real PostGIS (a throwaway cluster started by
scripts/pg; scripts/test starts it and sets LOOKOUT_PG_URL). Missing PostGIS
is a failure, not a skip.

Checks: import then serve gives the same features as the embedded store;
export round-trips; two replicas see each other's changes (features and
tiles) within a second; PostGIS stopped mid-run → reads still answer, writes
get 503, and after it is back writes succeed without a restart and no
acknowledged event is missing; in-memory tiles equal ST_AsMVT's."""
import json
import os
import subprocess
import urllib.request
import time
from pathlib import Path

import mapbox_vector_tile
import pytest
from shapely.geometry import shape

from conftest import BIN, ROOT, Server, get, request
from test_tiles import fetch_tile, tile_of

COLLECTIONS = ["counties", "population", "disaster_zones", "roads", "gas_pipes", "gas_valves",
               "gas_stations", "enterprises", "hazard_sources", "rescue_teams", "warehouses", "shelters",
               "incidents", "sensors", "sensitive_sites"]


def pg_url():
    url = os.environ.get("LOOKOUT_PG_URL")
    if not url:
        pytest.fail("LOOKOUT_PG_URL is not set: run the tests with scripts/test, which starts a throwaway PostGIS")
    return url


def psql(sql):
    out = subprocess.run(["psql", pg_url(), "-v", "ON_ERROR_STOP=1", "-Atqc", sql],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def pg_ctl(action):
    subprocess.run([str(ROOT / "scripts" / "pg"), action], check=True, capture_output=True)


def lookout(*args):
    out = subprocess.run([str(BIN), *args], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "LOOKOUT_STORE": pg_url()})
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stderr


def all_features(base, collection):
    features, offset = [], 0
    while True:
        status, page = get(f"{base}/collections/{collection}/items?limit=10000&offset={offset}")
        assert status == 200, page
        features += page["features"]
        offset += 10000
        if len(page["features"]) < 10000:
            return {f["id"]: f for f in features}


@pytest.fixture(scope="module")
def imported():
    """A fresh schema with the scale-1 dataset imported (twice: it must be idempotent)."""
    psql("DROP SCHEMA IF EXISTS lookout CASCADE; DROP TABLE IF EXISTS public.lookout_migrations")
    lookout("db", "migrate")
    lookout("import")
    first = {c: psql(f"SELECT count(*), coalesce(sum(hashtext(t::text)), 0) FROM lookout.{c} t") for c in COLLECTIONS}
    lookout("import")
    second = {c: psql(f"SELECT count(*), coalesce(sum(hashtext(t::text)), 0) FROM lookout.{c} t") for c in COLLECTIONS}
    assert first == second, "a second import changed the tables"
    return second


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """A fresh embedded server: the shared one has been written to by other tests."""
    s = Server(tmp_path_factory.mktemp("embedded")).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def desks(imported):
    """API tokens made by the command line on PostGIS, each acting for a desk:
    the events they make are signed by the desk, whatever headers say."""
    tokens = {}
    for desk in ["desk-a", "desk-b", "outage-test"]:
        out = subprocess.run([str(BIN), "token", "create", "--name", f"{desk}-script", "--role", "admin", "--user", desk],
                             cwd=ROOT, capture_output=True, text=True, env={**os.environ, "LOOKOUT_STORE": pg_url()})
        assert out.returncode == 0, out.stderr[-3000:]
        tokens[desk] = {"Authorization": f"Bearer {out.stdout.strip()}"}
    return tokens


@pytest.fixture(scope="module")
def replicas(imported, tmp_path_factory):
    a = Server(tmp_path_factory.mktemp("replica-a"), ["--store", pg_url()]).start()
    b = Server(tmp_path_factory.mktemp("replica-b"), ["--store", pg_url()]).start()
    yield a, b
    a.stop()
    b.stop()


def test_schema_has_typed_columns_for_every_queryable_and_gist_indexes(imported, server):
    for c in COLLECTIONS:
        status, q = get(f"{server.url}/collections/{c}/queryables")
        assert status == 200
        columns = dict(line.split("|") for line in psql(
            f"SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = 'lookout' AND table_name = '{c}'").splitlines())
        for name in q["properties"]:
            if name == "geometry":
                continue
            assert name in columns, f"{c}.{name} has no column"
        assert columns["props"] == "jsonb" and columns["geom"] == "USER-DEFINED"
        srid = psql(f"SELECT Find_SRID('lookout', '{c}', 'geom')")
        assert srid == "4326"
        assert "gist" in psql(f"SELECT indexdef FROM pg_indexes WHERE schemaname = 'lookout' AND tablename = '{c}'")


def test_imported_counts_match_the_dataset(imported):
    meta = json.loads((ROOT / "data" / "generated" / "seed-1-scale-1" / "metadata.json").read_text())
    for collection, count in meta["counts"]:
        assert imported[collection].split("|")[0] == str(count), collection


def test_served_from_postgis_equals_the_embedded_store(replicas, embedded):
    a, _ = replicas
    _, mine = get(f"{a.url}/collections")
    _, theirs = get(f"{embedded.url}/collections")
    assert [c["id"] for c in mine["collections"]] == [c["id"] for c in theirs["collections"]]
    for c in COLLECTIONS:
        pg = all_features(a.url, c)
        reference = all_features(embedded.url, c)
        assert len(pg) == len(reference), c
        different = [i for i in reference if reference[i] != pg.get(i)]
        assert not different, f"{c}: {len(different)} features differ, e.g. {different[:3]}"


def test_export_from_postgis_writes_the_dataset_back(imported, tmp_path):
    lookout("export", "--out", str(tmp_path / "out"))
    source = ROOT / "data" / "generated" / "seed-1-scale-1"
    for c in ["hazard_sources", "rescue_teams", "counties"]:
        exported = json.loads((tmp_path / "out" / f"{c}.geojson").read_text())["features"]
        original = json.loads((source / f"{c}.geojson").read_text())["features"]
        assert [f["id"] for f in exported] == sorted(f["id"] for f in original)
        by_id = {f["id"]: f for f in original}
        for f in exported:
            assert f["geometry"] == by_id[f["id"]]["geometry"], (c, f["id"])
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text())
    assert meta["seed"] == 1 and meta["scale"] == 1


def wait_for(predicate, seconds):
    deadline = time.time() + seconds
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(0.02)


def team_in_tile(base, team, z):
    lon, lat = team["geometry"]["coordinates"]
    x, y = tile_of(lon, lat, z)
    status, body, _ = fetch_tile(f"{base}/tiles/rescue_teams/{z}/{x}/{y}")
    assert status == 200
    layer = mapbox_vector_tile.decode(body)["rescue_teams"]
    return next(f["properties"] for f in layer["features"] if f["id"] == team["id"])


def test_a_change_through_one_replica_shows_in_the_other_within_a_second(replicas, desks):
    a, b = replicas
    _, page = get(f"{a.url}/collections/rescue_teams/items?status=available&limit=1")
    team = page["features"][0]
    tid = team["id"]
    assert team_in_tile(b.url, team, 12)["status"] == "available"  # cached in B now
    started = time.time()
    # A team's status changes through the dispatch cycle (an operations event).
    status, moved, _ = request("POST", f"{a.url}/teams/{tid}/status", {"status": "out_of_service"},
                               desks["desk-a"])
    assert status == 200, moved
    new_status = "out_of_service"
    seen = wait_for(lambda: get(f"{b.url}/collections/rescue_teams/items/{tid}")[1]["properties"]["status"] == new_status, 1.0)
    assert seen, f"replica B did not see the change within 1 s"
    assert team_in_tile(b.url, team, 12)["status"] == new_status, "B's cached tile is stale"
    print(f"replica B saw the change after {time.time() - started:.3f} s")

    # The other way round, with a new feature and a delete.
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [112.55, 37.87]},
               "properties": {**team["properties"], "name": "跨副本测试队", "status": "available"}}
    status, created, _ = request("POST", f"{b.url}/collections/rescue_teams/items", feature, desks["desk-b"])
    assert status == 201, created
    new_id = created["id"]
    assert wait_for(lambda: get(f"{a.url}/collections/rescue_teams/items/{new_id}")[0] == 200, 1.0)
    assert psql(f"SELECT properties->>'name' FROM (SELECT props || jsonb_build_object('name', name) AS properties FROM lookout.rescue_teams WHERE id = {new_id}) q") == "跨副本测试队"
    status, _, _ = request("DELETE", f"{a.url}/collections/rescue_teams/items/{new_id}")
    assert status == 204
    assert wait_for(lambda: get(f"{b.url}/collections/rescue_teams/items/{new_id}")[0] == 404, 1.0)
    events = psql("SELECT string_agg(kind || ':' || actor, ',' ORDER BY seq) FROM lookout.events")
    assert "unit_status_changed:desk-a" in events and "feature_created:desk-b" in events
    assert psql("SELECT token FROM lookout.events WHERE actor = 'desk-b' AND kind = 'feature_created'") == "desk-b-script"
    # Both replicas at the log's end. Each replica's ledger clock may still be
    # storing its first round over the generated history (an overdue alarm
    # per overdue item, one transaction each), so look until they agree.
    assert wait_for(lambda: get(f"{a.url}/health")[1]["last_event"] == get(f"{b.url}/health")[1]["last_event"] == int(
        psql("SELECT max(seq) FROM lookout.events")), 30.0)
    # B's metrics say it follows: listening, the lag of the last event it
    # applied from A (seconds, a moment at most here), and the same last event
    def metrics(url):
        req = urllib.request.Request(f"{url}/metrics")
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode()
        return {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines()
                if line and not line.startswith("#") and "{" not in line.split(" ")[0]}
    mb = metrics(b.url)
    assert mb.get("lookout_follower_listening") == 1.0, mb
    assert 0.0 <= mb["lookout_follower_lag_seconds"] < 5.0, mb["lookout_follower_lag_seconds"]
    assert wait_for(lambda: metrics(b.url)["lookout_store_last_event"] == metrics(a.url)["lookout_store_last_event"], 10.0)


def test_the_event_log_is_append_only(replicas):
    with pytest.raises(subprocess.CalledProcessError) as e:
        psql("DELETE FROM lookout.events")
    assert "append-only" in e.value.stderr


def test_postgis_stopped_reads_answer_writes_fail_fast_then_recover(replicas, desks):
    a, b = replicas
    acknowledged = []

    def patch(base, n):
        status, body, headers = request("PATCH", f"{base}/collections/shelters/items/{1 + n % 20}",
                                        {"properties": {"occupancy": n}}, desks["outage-test"])
        return status, body, headers

    for n in range(5):
        assert patch(a.url, n)[0] == 204
        acknowledged.append(n)
    pg_ctl("stop")
    try:
        status, body = get(f"{a.url}/collections/hazard_sources/items?limit=5")
        assert status == 200 and len(body["features"]) == 5
        assert fetch_tile(f"{b.url}/tiles/counties/6/52/24")[0] in (200, 204)
        started = time.time()
        status, body, headers = patch(a.url, 100)
        assert status == 503, body
        assert "PostGIS" in body["message"] and headers.get("retry-after")
        assert time.time() - started < 6, "a write with PostGIS down must fail fast"
        _, shelter = get(f"{a.url}/collections/shelters/items/1")
        assert shelter["properties"]["occupancy"] != 100, "a refused write must not be applied"
        # A load balancer sees the replica not ready (alive though: /health answers).
        assert wait_for(lambda: get(f"{a.url}/ready")[0] == 503, 10), "/ready stays 200 with PostGIS down"
        assert get(f"{a.url}/health")[0] == 200
    finally:
        pg_ctl("start")
    assert wait_for(lambda: get(f"{a.url}/ready")[0] == 200, 15), "/ready did not recover"
    # Back: writes succeed again on both replicas without a restart.
    ok = wait_for(lambda: patch(a.url, 5)[0] == 204, 15)
    assert ok, "writes did not recover after PostGIS came back"
    acknowledged.append(5)
    assert wait_for(lambda: patch(b.url, 6)[0] == 204, 15)
    acknowledged.append(6)
    stored = psql("SELECT string_agg((payload->'properties'->>'occupancy'), ',' ORDER BY seq) "
                  "FROM lookout.events WHERE actor = 'outage-test'").split(",")
    assert stored == [str(n) for n in acknowledged], "an acknowledged event is missing or a refused one was stored"
    last = int(psql("SELECT max(seq) FROM lookout.events"))
    assert wait_for(lambda: get(f"{a.url}/health")[1]["last_event"] == last == get(f"{b.url}/health")[1]["last_event"], 5)
    assert get(f"{a.url}/collections/shelters/items/7")[1]["properties"]["occupancy"] == 6


def geometries_within(mem, pg, units):
    """Each geometry lies within `units` tile units of the other (Hausdorff)."""
    a, b = shape(mem), shape(pg)
    return a.hausdorff_distance(b) <= units


def on_buffer_edge(geometry, buffer=64, extent=4096):
    if geometry["type"] != "Point":
        return False
    return any(abs(v + buffer) <= 1 or abs(v - extent - buffer) <= 1 for v in geometry["coordinates"])


def first_position(geometry):
    c = geometry["coordinates"]
    while isinstance(c[0], list):
        c = c[0]
    return c


@pytest.mark.parametrize("layer,z", [
    ("hazard_sources", 8), ("enterprises", 13), ("roads", 10), ("gas_pipes", 14), ("gas_valves", 15),
    ("counties", 8), ("population", 11), ("disaster_zones", 9), ("rescue_teams", 11), ("shelters", 12),
    ("sensitive_sites", 12),
])
def test_in_memory_tiles_equal_st_asmvt(replicas, layer, z):
    a, _ = replicas
    # A tile round a feature of the layer near Taiyuan, so it is not empty.
    _, page = get(f"{a.url}/collections/{layer}/items?limit=1&bbox=112.3,37.6,112.8,38.1")
    lon, lat = first_position(page["features"][0]["geometry"])
    x, y = tile_of(lon, lat, z)
    s1, mem_body, _ = fetch_tile(f"{a.url}/tiles/{layer}/{z}/{x}/{y}")
    s2, pg_body, headers = fetch_tile(f"{a.url}/tiles/{layer}/{z}/{x}/{y}?source=postgis")
    assert s1 == 200 and s2 == 200 and headers.get("x-lookout-tile-source") == "postgis"
    mem = {f["id"]: f for f in mapbox_vector_tile.decode(mem_body, default_options={"y_coord_down": True})[layer]["features"]}
    pg = {f["id"]: f for f in mapbox_vector_tile.decode(pg_body, default_options={"y_coord_down": True})[layer]["features"]}
    assert mem, "an empty tile proves nothing"
    # A point on the very edge of the buffer may round in or out: within a pixel either way.
    edge = {fid for fid, f in [*mem.items(), *pg.items()] if on_buffer_edge(f["geometry"])}
    only_mem, only_pg = set(mem) - set(pg) - edge, set(pg) - set(mem) - edge
    assert not only_mem and not only_pg, f"ids only in memory {sorted(only_mem)[:5]}, only in PostGIS {sorted(only_pg)[:5]}"
    assert len(set(mem) & set(pg)) >= 0.95 * len(mem)
    pixel = 4096 / 256
    for fid, f in mem.items():
        if fid not in pg:
            continue
        g = pg[fid]
        mine = {k: v for k, v in f["properties"].items()}
        theirs = {k: v for k, v in g["properties"].items()}
        assert mine == theirs, (fid, mine, theirs)
        # Both sides make clipped polygons valid, each its own way (ST_AsMVTGeom
        # splits a sliver off a neck at the buffer edge where Lookout's overlay
        # keeps it joined): within two pixels, and areas that differ by no more
        # than the whole boundary moved by the half-pixel simplification
        # tolerance (4 units).
        tolerance = 2 * pixel if g["geometry"]["type"] in ("Polygon", "MultiPolygon") else pixel
        assert geometries_within(f["geometry"], g["geometry"], tolerance), (layer, fid)
        if tolerance > pixel:
            m, p = shape(f["geometry"]), shape(g["geometry"])
            assert abs(m.area - p.area) <= 4 * max(m.length, p.length), (layer, fid, m.area, p.area, m.length)


def test_postgis_tile_path_refuses_what_it_cannot_draw(replicas, server):
    a, _ = replicas
    status, body = get(f"{a.url}/tiles/enterprises/8/210/97?source=postgis")
    assert status == 400 and "clustered" in body["message"]
    status, body = get(f"{a.url}/tiles/roads/10/841/388?source=bogus")
    assert status == 400 and "memory or postgis" in body["message"]
    status, body = get(f"{a.url}/tiles/roads/10/841/388?source=postgis&road_class=expressway")
    assert status == 400 and "filters" in body["message"]
    status, body = get(f"{server.url}/tiles/roads/10/841/388?source=postgis")
    assert status == 400 and "PostGIS" in body["message"]


def test_incidents_on_postgis_follow_across_replicas_and_a_new_replica_folds_the_record(replicas, tmp_path_factory):
    a, b = replicas
    status, inc, _ = request("POST", f"{a.url}/incidents", {
        "title": "PostGIS 氯气泄漏", "kind": "leak", "location": [111.62, 36.104], "substance": "chlorine",
        "weather": {"wind_from_deg": 315, "wind_speed_ms": 2.0, "daytime": True}})
    assert status == 201, inc
    deadline = time.time() + 3
    while time.time() < deadline:
        status, seen = get(f"{b.url}/incidents/{inc['id']}")
        if status == 200 and seen.get("zones"):
            break
        time.sleep(0.1)
    assert status == 200 and seen["zones"] == inc["zones"], "replica B did not follow the incident"
    rec = get(f"{b.url}/incidents/{inc['id']}/recommendation?k=1")[1]
    team = rec["teams"][0]["id"]
    status, after, _ = request("POST", f"{b.url}/incidents/{inc['id']}/dispatch", {"teams": [team]})
    assert status == 200, after
    # A refuses a second dispatch of the same team: B's write is applied there first.
    status, err, _ = request("POST", f"{a.url}/incidents/{inc['id']}/dispatch", {"teams": [team]})
    assert status == 409, err
    assert get(f"{a.url}/collections/rescue_teams/items/{team}")[1]["properties"]["status"] == "dispatched"
    assert psql(f"SELECT status, units FROM lookout.incidents WHERE id = {inc['id']}") == "open|1"
    assert psql(f"SELECT status FROM lookout.rescue_teams WHERE id = {team}") == "dispatched"
    # A feature edit before C starts: C's audit log holds it too, though C
    # reads the features from the tables, not from the events.
    status, _, _ = request("PATCH", f"{a.url}/collections/shelters/items/1", {"properties": {"occupancy": 7}})
    assert status == 204
    c = Server(tmp_path_factory.mktemp("replica-c"), ["--store", pg_url()]).start()
    try:
        assert get(f"{c.url}/incidents/{inc['id']}")[1] == get(f"{a.url}/incidents/{inc['id']}")[1]
        audit = "/audit?type=feature_created,feature_replaced,feature_updated,feature_deleted&limit=1000"
        status, seen_by_c = get(c.url + audit)
        assert status == 200, seen_by_c
        assert seen_by_c["entries"], "C's audit log lacks the feature edits made before it started"
        assert seen_by_c == get(a.url + audit)[1]
    finally:
        c.stop()


def test_failed_sign_ins_are_limited_across_replicas(replicas):
    """Failed sign-ins are events every replica folds: five on A, and B holds
    the sixth back (429), though it never saw a request of that user."""
    a, b = replicas
    out = subprocess.run([str(BIN), "user", "add", "guard", "--role", "viewer", "--password-stdin"],
                         cwd=ROOT, input="a long enough password 1\n", capture_output=True, text=True,
                         env={**os.environ, "LOOKOUT_STORE": pg_url()})
    assert out.returncode == 0, out.stderr[-3000:]
    for _ in range(5):
        status, body, _ = request("POST", f"{a.url}/auth/login", {"username": "guard", "password": "wrong"})
        assert status == 401, body
    # B follows A's events within a second; then the sixth attempt waits.
    deadline = time.time() + 3
    while time.time() < deadline:
        failures = get(f"{b.url}/audit?user=guard&type=sign_in_failed")[1]["entries"]
        if len(failures) == 5:
            break
        time.sleep(0.1)
    assert len(failures) == 5, failures
    status, body, headers = request("POST", f"{b.url}/auth/login",
                                    {"username": "guard", "password": "a long enough password 1"})
    assert status == 429, body
    assert int(headers["retry-after"]) > 0


def test_readings_are_shared_by_replicas_in_a_partition_per_day_and_old_days_are_dropped(replicas, tmp_path_factory):
    """With PostGIS as the store, readings go to lookout.readings (a partition
    per UTC day): a series stored through one replica is read through the
    other, and a partition past the retention is dropped at start."""
    from datetime import datetime, timedelta, timezone
    a, b = replicas
    status, page = get(f"{a.url}/collections/sensors/items?kind=tank_level&limit=1")
    assert status == 200 and page["features"], page
    sensor = page["features"][0]["id"]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    values = [41.5, 42.0, 42.5, 43.0, 43.5]
    batch = [{"sensor": sensor, "value": v, "at": (now - timedelta(seconds=60 - 10 * i)).isoformat()}
             for i, v in enumerate(values)]
    status, body, _ = request("POST", f"{a.url}/readings", batch)
    assert status == 200 and body["accepted"] == len(values), body
    span = f"from={(now - timedelta(minutes=5)).isoformat()}&to={(now + timedelta(minutes=1)).isoformat()}".replace("+", "%2B")
    status, series = get(f"{b.url}/sensors/{sensor}/readings?{span}")
    assert status == 200, series
    assert [x["mean"][0] for x in series["buckets"]] == values, "replica B charts what replica A stored"
    days = {(now - timedelta(seconds=60 - 10 * i)).strftime("%Y%m%d") for i in range(len(values))}
    stored = sum(int(psql(f"SELECT count(*) FROM lookout.readings_{d} WHERE sensor = {sensor}")) for d in days)
    assert stored == len(values)
    # a day long past the retention (90 days) is dropped whole when a replica starts
    psql("CREATE TABLE lookout.readings_20200101 PARTITION OF lookout.readings "
         "FOR VALUES FROM ('2020-01-01') TO ('2020-01-02')")
    c = Server(tmp_path_factory.mktemp("replica-readings"), ["--store", pg_url()]).start()
    try:
        assert psql("SELECT to_regclass('lookout.readings_20200101')") == ""
        # ...and today's is kept, its readings answered by the new replica too
        status, again = get(f"{c.url}/sensors/{sensor}/readings?{span}")
        assert [x["mean"][0] for x in again["buckets"]] == values
    finally:
        c.stop()


def test_a_register_imported_into_postgis_shows_on_both_replicas_and_a_reimport_updates_in_place(replicas, tmp_path):
    """Issue 20: `lookout import --layer … --store postgres://…` while two
    replicas serve: both show the rows (they follow the events log), and a
    re-import with a changed row updates that feature in place on both."""
    from test_import import MAPPING, feature_named, rows, write_csv
    a, b = replicas
    recs = rows("PG", 950)
    register, mapping = tmp_path / "pg.csv", tmp_path / "pg.toml"
    write_csv(register, recs)
    mapping.write_text(MAPPING.format(geometry='[geometry]\nlon = "lon"\nlat = "lat"'), encoding="utf-8")
    out = lookout("import", "--layer", "enterprises", "--from", str(register), "--mapping", str(mapping))
    assert "5 to create" in out and "0 refused" in out, out
    assert psql("SELECT count(*) FROM lookout.enterprises WHERE name LIKE 'PG测试企业%'") == "5"
    ids = {}
    for s in (a, b):
        for r in recs:
            assert wait_for(lambda: len(feature_named(s, r["NAME"])) == 1, 5.0), (s.url, r["NAME"])
            f = feature_named(s, r["NAME"])[0]
            assert f["properties"]["external_id"] == r["ID"] and f["properties"]["credit_code"] == r["CODE"]
            assert ids.setdefault(r["ID"], f["id"]) == f["id"], "the replicas agree on the id"

    recs[0]["EMP"] = "77"
    write_csv(register, recs)
    out = lookout("import", "--layer", "enterprises", "--from", str(register), "--mapping", str(mapping))
    assert "0 to create, 1 to update, 4 unchanged" in out, out
    for s in (a, b):
        assert wait_for(lambda: feature_named(s, recs[0]["NAME"])[0]["properties"]["employees"] == 77, 5.0), s.url
        assert feature_named(s, recs[0]["NAME"])[0]["id"] == ids[recs[0]["ID"]], "updated in place"
    assert psql("SELECT count(*) FROM lookout.enterprises WHERE name LIKE 'PG测试企业%'") == "5"


def test_an_attachment_uploaded_through_one_replica_downloads_from_the_other(replicas):
    """A danger's photo (docs/ledger.md, "Attachments") goes to lookout.blobs,
    committed before its event: replica B serves the bytes replica A took,
    the same bytes are kept once, and the table refuses a DELETE."""
    import hashlib
    a, b = replicas
    status, page = get(f"{a.url}/collections/enterprises/items?limit=1")
    assert status == 200, page
    enterprise = page["features"][0]["id"]
    status, danger, _ = request("POST", f"{a.url}/dangers", {
        "enterprise": enterprise, "category": "fire", "severity": "general", "description": "灭火器过期",
        "found_by": "检查组", "found_at": "2026-01-05T09:00:00+08:00", "source": "inspection",
        "rectification": {"deadline": "2099-01-01T00:00:00Z"}})
    assert status == 201, danger
    photo = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    sha = hashlib.sha256(photo).hexdigest()
    req = urllib.request.Request(f"{a.url}/dangers/{danger['id']}/attachments?name=extinguisher.png",
                                 data=photo, method="POST", headers={"Content-Type": "image/png"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 201
        assert json.loads(r.read())["sha256"] == sha
    assert psql(f"SELECT size FROM lookout.blobs WHERE sha256 = '{sha}'") == str(len(photo))
    url = f"{b.url}/dangers/{danger['id']}/attachments/{sha}"
    assert wait_for(lambda: get(f"{b.url}/dangers/{danger['id']}/attachments")[1].get("numberMatched") == 1, 5)
    with urllib.request.urlopen(url, timeout=30) as r:
        assert r.headers["Content-Type"] == "image/png"
        assert r.headers["ETag"] == f'"{sha}"'
        assert r.read() == photo, "replica B serves the bytes replica A took"
    with pytest.raises(subprocess.CalledProcessError) as e:
        psql(f"DELETE FROM lookout.blobs WHERE sha256 = '{sha}'")
    assert "append-only" in e.value.stderr

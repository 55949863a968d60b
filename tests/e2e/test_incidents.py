"""Incidents over HTTP, the whole command loop: open → zones with exposure →
recommendation → dispatch → status cycle → close, with the timeline; bad
input; the SSE feed (two clients, resume with Last-Event-ID); replay equals
what was live; a drill scenario end to end with its after-action report; and
kill -9 during a burst of writes loses nothing acknowledged."""
import concurrent.futures
import http.client
import json
import math
import threading
import time
from datetime import datetime, timezone

import pytest

from conftest import Server, get, request

# A major hazard source holding chlorine in the running server's dataset
# (conftest.Place: read from the server, so that the module also runs on a
# second region, LOOKOUT_E2E_REGION).
SITE = None


@pytest.fixture(autouse=True, scope="module")
def _site(place):
    global SITE
    SITE = place.hazard


def haversine(a, b):
    r = 6371008.8
    (lon1, lat1), (lon2, lat2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def bearing(a, b):
    (lon1, lat1), (lon2, lat2) = [(math.radians(x), math.radians(y)) for x, y in (a, b)]
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return math.degrees(math.atan2(y, x)) % 360


def chlorine(**extra):
    body = {"title": "液氯储罐泄漏", "kind": "leak", "location": SITE, "substance": "chlorine",
            "spill": "large", "release_rate_kg_s": 1.5,
            "weather": {"wind_from_deg": 315, "wind_speed_ms": 2.0, "daytime": True}}
    body.update(extra)
    return body


@pytest.fixture(scope="module")
def ops(tmp_path_factory):
    """A server of its own: these tests change team statuses."""
    s = Server(tmp_path_factory.mktemp("ops")).start()
    yield s
    s.stop()


def post(server, path, body=None):
    return request("POST", server.url + path, body)


def team_status(server, team):
    status, f = get(f"{server.url}/collections/rescue_teams/items/{team}")
    assert status == 200, f
    return f["properties"]["status"]


def test_the_whole_loop_open_zones_recommend_dispatch_statuses_close(ops):
    status, inc, headers = post(ops, "/incidents", chlorine())
    assert status == 201, inc
    assert headers["location"] == f"/incidents/{inc['id']}"
    assert inc["status"] == "open" and inc["drill"] is False

    # Zones: the ERG isolation circle round the spill, the protective-action
    # zone downwind (wind from 315° blows towards 135°), plume tiers; each with exposure.
    zones = {z["tier"]: z for z in inc["zones"]["zones"]}
    assert {"isolation", "protective_action", "tier1", "tier2", "tier3"} <= set(zones)
    iso = zones["isolation"]
    for p in iso["polygon"]["coordinates"][0]:
        assert abs(haversine(SITE, p) - iso["radius_m"]) < iso["radius_m"] * 0.01
    pa = zones["protective_action"]
    far = max(pa["polygon"]["coordinates"][0], key=lambda p: haversine(SITE, p))
    assert abs(((bearing(SITE, far) - 135) + 180) % 360 - 180) <= 46, bearing(SITE, far)
    assert all(z["exposure"]["population"] >= 0 for z in zones.values())
    assert pa["exposure"]["population"] > iso["exposure"]["population"] > 0
    assert inc["zones"]["limits"], "the methods' limits are stated"
    # The domino check lists hazard sources or gas mains inside the zones, each in a zone.
    for d in inc["zones"]["domino"]:
        assert d["layer"] in ("hazard_sources", "gas_pipes") and d["zone"] in zones

    # The incident is on the map: a feature of the incidents layer.
    status, feature = get(f"{ops.url}/collections/incidents/items/{inc['id']}")
    assert status == 200 and feature["properties"]["status"] == "open"
    assert feature["properties"]["people_in_zones"] == max(z["exposure"]["population"] for z in zones.values())

    # Recommendation: a chlorine leak needs hazmat and medical teams, nearest by road first.
    status, rec = get(f"{ops.url}/incidents/{inc['id']}/recommendation?k=2")
    assert status == 200, rec
    assert [n["kind"] for n in rec["needs"]][:2] == ["hazmat", "medical"]
    by_need = {}
    for t in rec["teams"]:
        assert t["status"] == "available" and t["kind"] == t["need"]
        assert t["route"]["type"] == "LineString" and t["travel_s"] > 0
        by_need.setdefault(t["need"], []).append(t)
    for teams in by_need.values():
        # By road time; a team that must cross another open incident's zone after those that need not.
        key = [(bool((t["avoidance"] or {}).get("crosses_zone")), t["travel_s"]) for t in teams]
        assert key == sorted(key)
    assert rec["warehouses"] and all(w["items"] for w in rec["warehouses"])
    hazmat, medical = by_need["hazmat"][0]["id"], by_need["medical"][0]["id"]

    status, inc = post(ops, f"/incidents/{inc['id']}/dispatch", {"teams": [hazmat, medical]})[:2]
    assert status == 200, inc
    assert [u["team"] for u in inc["units"]] == [hazmat, medical]
    assert all(u["status"] == "dispatched" and u["travel_s"] > 0 for u in inc["units"])
    assert team_status(ops, hazmat) == "dispatched"
    # Not twice, and nothing of a refused request is applied.
    status, err = post(ops, f"/incidents/{inc['id']}/dispatch", {"teams": [hazmat]})[:2]
    assert status == 409 and "dispatched" in err["message"]

    # The cycle, enforced.
    status, err = post(ops, f"/teams/{hazmat}/status", {"status": "on_scene"})[:2]
    assert status == 409 and "en_route" in err["message"]
    for step in ["en_route", "on_scene", "returning", "available"]:
        status, moved = post(ops, f"/teams/{hazmat}/status", {"status": step})[:2]
        assert status == 200, moved
        assert moved["status"] == step and moved["incident"] == inc["id"]
        assert team_status(ops, hazmat) == step
    status, err = post(ops, f"/teams/{hazmat}/status", {"status": "returning"})[:2]
    assert status == 409

    status, _ = post(ops, f"/incidents/{inc['id']}/notes", {"text": "下风向村庄已疏散"})[:2]
    assert status == 201
    status, closed = post(ops, f"/incidents/{inc['id']}/close", {"reason": "堵漏成功"})[:2]
    assert status == 200 and closed["status"] == "closed"
    status, err = post(ops, f"/incidents/{inc['id']}/close", {"reason": "again"})[:2]
    assert status == 409 and "closed" in err["message"]

    kinds = [e["type"] for e in closed["timeline"]]
    assert kinds == ["incident_opened", "zones_computed", "unit_dispatched", "unit_dispatched",
                     "unit_status_changed", "unit_status_changed", "unit_status_changed",
                     "unit_status_changed", "note_added", "incident_closed"]
    assert [e["seq"] for e in closed["timeline"]] == sorted(e["seq"] for e in closed["timeline"])
    assert all(e["summary_zh"] and e["summary_en"] for e in closed["timeline"])
    unit = next(u for u in closed["units"] if u["team"] == hazmat)
    assert unit["on_scene_at"] and unit["available_at"]


def test_an_update_redraws_the_zones_downwind_of_the_new_wind(ops):
    inc = post(ops, "/incidents", chlorine())[1]
    status, updated, _ = request("PATCH", f"{ops.url}/incidents/{inc['id']}",
                                 {"weather": {"wind_from_deg": 90, "wind_speed_ms": 3.0, "daytime": True}})
    assert status == 200, updated
    pa = next(z for z in updated["zones"]["zones"] if z["tier"] == "protective_action")
    far = max(pa["polygon"]["coordinates"][0], key=lambda p: haversine(SITE, p))
    assert abs(((bearing(SITE, far) - 270) + 180) % 360 - 180) <= 46
    assert [e["type"] for e in updated["timeline"]][-2:] == ["incident_updated", "zones_computed"]


@pytest.mark.parametrize("body, reason", [
    (chlorine(substance="unobtainium"), "unobtainium"),
    (chlorine(weather={"wind_from_deg": 400, "wind_speed_ms": 2, "daytime": True}), "wind direction"),
    (chlorine(weather={"wind_from_deg": 90, "wind_speed_ms": 99, "daytime": True}), "wind speed"),
    (chlorine(location=[200, 36]), "location"),
    (chlorine(weather=None), "weather"),
    (chlorine(kind="meteor"), "meteor"),
    (chlorine(release_rate_kg_s=-1), "release_rate_kg_s"),
    (chlorine(colour="red"), "colour"),
    ({"kind": "fire"}, "location"),
])
def test_bad_incidents_are_refused_with_the_reason(ops, body, reason):
    if "location" in body and body["location"] is None:  # built before SITE was read from the server
        body = {**body, "location": SITE}
    status, err = post(ops, "/incidents", body)[:2]
    assert status == 400, err
    assert reason in err["message"]


def test_bad_dispatch_and_writes_around_the_record_are_refused(ops):
    inc = post(ops, "/incidents", chlorine())[1]
    before = get(f"{ops.url}/incidents/{inc['id']}")[1]
    assert post(ops, f"/incidents/{inc['id']}/dispatch", {"teams": [999999]})[0] == 404
    assert post(ops, "/incidents/999999/dispatch", {"teams": [1]})[0] == 404
    assert post(ops, f"/incidents/{inc['id']}/dispatch", {"teams": []})[0] == 400
    assert post(ops, f"/incidents/{inc['id']}/dispatch", {"teams": [1, 1]})[0] == 400
    assert post(ops, f"/incidents/{inc['id']}/notes", {"text": "  "})[0] == 400
    assert request("PATCH", f"{ops.url}/incidents/{inc['id']}", {"drill": True})[0] == 400
    assert post(ops, "/teams/1/status", {"status": "dispatched"})[0] == 409
    assert post(ops, "/teams/1/status", {"status": "asleep"})[0] == 400
    # The generic feature API cannot bypass the record.
    assert post(ops, "/collections/incidents/items", {"type": "Feature"})[0] == 405
    status, err, _ = request("PATCH", f"{ops.url}/collections/rescue_teams/items/1",
                             {"properties": {"status": "on_scene"}})
    assert status == 409 and "/teams/" in err["message"]
    assert get(f"{ops.url}/incidents/{inc['id']}")[1] == before, "refused requests changed the incident"


class Sse:
    """A raw SSE client: reads events as they come."""

    def __init__(self, server, last_event_id=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.conn.request("GET", "/events/stream", headers=headers)
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200
        assert self.resp.getheader("content-type").startswith("text/event-stream")
        # The first message tells the number of the last stored event.
        hello = self.next()
        assert hello["event"] == "hello" and "id" not in hello, hello
        self.hello_seq = json.loads(hello["data"])["seq"]

    def next(self):
        fields = {}
        while True:
            line = self.resp.fp.readline().decode()
            if line in ("\n", ""):
                if "data" in fields:
                    return fields
                if line == "":
                    raise EOFError
                continue
            if line.startswith(":"):
                continue
            k, _, v = line.rstrip("\n").partition(": ")
            fields[k] = v

    def until(self, seq):
        out = []
        while not out or int(out[-1]["id"]) < seq:
            out.append(self.next())
        return out

    def close(self):
        self.conn.close()


def test_two_sse_clients_see_the_same_events_and_a_reconnect_misses_none(ops):
    # (The ledger's clock may store reminders of the generated history at any
    # moment: the streams must carry those too, in the same order.)
    start = get(f"{ops.url}/health")[1]["last_event"]
    a, b = Sse(ops, start), Sse(ops, start)
    assert a.hello_seq >= start and b.hello_seq >= start
    inc = post(ops, "/incidents", chlorine())[1]
    for n in range(5):
        post(ops, f"/incidents/{inc['id']}/notes", {"text": f"note {n}"})
    last = get(f"{ops.url}/health")[1]["last_event"]
    got_a, got_b = a.until(last), b.until(last)
    assert [e["id"] for e in got_a] == [e["id"] for e in got_b] == [str(s) for s in range(start + 1, last + 1)]
    mine = [e for e in got_a if json.loads(e["data"])["event"].get("incident") == inc["id"]
            or e["event"] == "incident_opened"]
    assert mine[0]["event"] == "incident_opened"
    assert [json.loads(e["data"])["event"].get("text") for e in mine[-5:]] == [f"note {n}" for n in range(5)]
    a.close()
    # Reconnect from the middle: everything after, then the live ones.
    middle = start + 3
    c = Sse(ops, middle)
    post(ops, f"/incidents/{inc['id']}/notes", {"text": "after the reconnect"})
    end = get(f"{ops.url}/health")[1]["last_event"]
    got_c = c.until(end)
    assert [int(e["id"]) for e in got_c] == list(range(middle + 1, end + 1))
    assert "after the reconnect" in [json.loads(e["data"])["event"].get("text") for e in got_c]
    assert [e["data"] for e in got_c[: last - middle]] == [e["data"] for e in got_a[middle - start:]]
    got_b_more = b.until(end)
    assert got_b_more[-1]["data"] == got_c[-1]["data"]
    b.close()
    c.close()


def test_replay_at_t_equals_the_state_that_was_live_at_t(ops):
    seen = []

    def snapshot(inc_id, team):
        time.sleep(0.02)
        live = get(f"{ops.url}/incidents/{inc_id}")[1]
        t = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
        seen.append((t, live, team_status(ops, team)))
        time.sleep(0.02)

    inc = post(ops, "/incidents", chlorine(title="replay"))[1]
    rec = get(f"{ops.url}/incidents/{inc['id']}/recommendation?k=1")[1]
    team = rec["teams"][0]["id"]
    snapshot(inc["id"], team)
    post(ops, f"/incidents/{inc['id']}/dispatch", {"teams": [team]})
    snapshot(inc["id"], team)
    post(ops, f"/teams/{team}/status", {"status": "en_route"})
    request("PATCH", f"{ops.url}/incidents/{inc['id']}", {"release_rate_kg_s": 3.0})
    snapshot(inc["id"], team)
    post(ops, f"/teams/{team}/status", {"status": "on_scene"})
    post(ops, f"/incidents/{inc['id']}/close", {"reason": "done"})
    snapshot(inc["id"], team)
    for t, live, status in seen:
        status_code, past = get(f"{ops.url}/replay?at={t}")
        assert status_code == 200, past
        replayed = next(i for i in past["incidents"] if i["id"] == inc["id"])
        assert replayed == live, f"state at {t} differs"
        unit = past["units"].get(str(team))
        assert (unit["status"] if unit else "available") == status
    before = get(f"{ops.url}/replay?at=2000-01-01T00:00:00Z")[1]
    assert before["incidents"] == [] and before["last_seq"] == 0
    assert get(f"{ops.url}/replay?at=yesterday")[0] == 400


def test_a_drill_scenario_runs_end_to_end_and_reports_the_right_times(ops, place):
    if place.region != "shanxi":
        pytest.skip("the bundled drill scenarios are set in Shanxi")
    status, scenarios = get(f"{ops.url}/scenarios")
    ids = {s["id"] for s in scenarios["scenarios"]}
    assert {"linfen-chlorine", "taiyuan-gas-main", "changzhi-mine-flood"} <= ids
    status, drill, _ = post(ops, "/scenarios/linfen-chlorine/start", {"speed": 3600})
    assert status == 201, drill
    assert drill["drill"] is True and drill["scenario"] == "linfen-chlorine"
    # Injects fire by themselves: scenario minute 60 is one real second at speed 3600.
    deadline = time.time() + 20
    while time.time() < deadline:
        drill = get(f"{ops.url}/incidents/{drill['id']}")[1]
        if len(drill["injects"]) == 5:
            break
        time.sleep(0.2)
    assert [i["index"] for i in drill["injects"]] == [0, 1, 2, 3, 4]
    assert drill["weather"]["wind_from_deg"] == 270 and drill["release_rate_kg_s"] == 3.0
    assert post(ops, f"/incidents/{drill['id']}/injects/next")[0] == 409

    # Never mixed with real incidents.
    real = get(f"{ops.url}/incidents")[1]["incidents"]
    assert drill["id"] not in [i["id"] for i in real]
    assert drill["id"] in [i["id"] for i in get(f"{ops.url}/incidents?drill=true")[1]["incidents"]]
    assert all(i["drill"] for i in get(f"{ops.url}/incidents?drill=true")[1]["incidents"])

    rec = get(f"{ops.url}/incidents/{drill['id']}/recommendation?k=1")[1]
    team = next(t["id"] for t in rec["teams"] if t["need"] == "hazmat")
    before = team_status(ops, team)
    post(ops, f"/incidents/{drill['id']}/dispatch", {"teams": [team]})
    post(ops, f"/teams/{team}/status", {"status": "en_route", "drill": True})
    post(ops, f"/teams/{team}/status", {"status": "on_scene", "drill": True})
    assert team_status(ops, team) == before, "a drill changed a real team's status"
    overlay = get(f"{ops.url}/teams/status?drill=true")[1]["teams"]
    assert overlay[str(team)]["status"] == "on_scene"

    drill = get(f"{ops.url}/incidents/{drill['id']}")[1]
    opened = datetime.fromisoformat(drill["opened_at"].replace("Z", "+00:00"))

    def since_open(kind, team_id=None, to=None):
        for e in drill["timeline"]:
            if e["type"] == kind and (to is None or to in e["summary_en"]):
                return (datetime.fromisoformat(e["at"].replace("Z", "+00:00")) - opened).total_seconds()

    status, report = get(f"{ops.url}/incidents/{drill['id']}/report")
    assert status == 200, report
    assert report["drill"] is True and report["scenario"] == "linfen-chlorine"
    assert report["first_dispatch_s"] == pytest.approx(since_open("unit_dispatched"), abs=0.002)
    assert report["teams"][0]["on_scene_s"] == pytest.approx(since_open("unit_status_changed", to="on_scene"), abs=0.002)
    assert report["first_on_scene_s"] == report["teams"][0]["on_scene_s"]
    # Opened, then redrawn by the two injects that change the incident.
    assert report["zones_drawn"] == 3
    assert len(report["injects"]) == 5 and report["people_in_zones"] > 0
    assert report["people_in_zones"] == max(z["population"] for z in report["zones"])

    page = http.client.HTTPConnection("127.0.0.1", ops.port, timeout=10)
    page.request("GET", f"/incidents/{drill['id']}/report.html?lang=en")
    html = page.getresponse().read().decode()
    assert "DRILL" in html and drill["title"] in html and "After-action report" in html
    # the scenario's injects in the page's language
    assert "Plant reports: the leak goes on, 2 workers poisoned" in html
    page.request("GET", f"/incidents/{drill['id']}/report.html")
    html = page.getresponse().read().decode()
    assert "事后评估报告" in html and "企业报告：泄漏持续，现场2人中毒" in html and "北京时间" in html


def test_kill_9_during_a_burst_loses_no_acknowledged_event(tmp_path):
    s = Server(tmp_path / "state").start()
    inc = post(s, "/incidents", chlorine(title="burst"))[1]
    acknowledged = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(w):
        n = 0
        while not stop.is_set():
            try:
                status, body = post(s, f"/incidents/{inc['id']}/notes", {"text": f"w{w} n{n}"})[:2]
            except OSError:
                return
            if status == 201:
                seq = max(note["seq"] for note in body["notes"] if note["text"] == f"w{w} n{n}")
                with lock:
                    acknowledged.append((seq, f"w{w} n{n}"))
            n += 1

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for w in range(4):
            pool.submit(writer, w)
        # kill once the burst means something (a slow build or a busy machine takes longer)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with lock:
                if len(acknowledged) > 40:
                    break
            time.sleep(0.05)
        s.stop(kill=True)
        stop.set()
    assert len(acknowledged) > 20, "the burst was too small to mean anything"
    s2 = Server(tmp_path / "state").start()
    try:
        after = get(f"{s2.url}/incidents/{inc['id']}")[1]
        kept = {(n["seq"], n["text"]) for n in after["notes"]}
        missing = [a for a in acknowledged if a not in kept]
        assert not missing, f"{len(missing)} acknowledged notes lost, e.g. {missing[:3]}"
    finally:
        s2.stop()

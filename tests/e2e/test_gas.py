"""Gas valve isolation end to end (docs/gas-isolation.md), on a real server:
the Taiyuan DN600 drill scenario's valve checklist closed valve by valve
(seen live on /events/stream) to "section isolated", kept when the gas
ignites, and in the after-action report with the outage count; a gas leak
opened on a generated pipe with its what-if; bad input refused with reasons."""
import http.client
import json
import time
import urllib.parse

import pytest

from conftest import Server, get, request
from test_incidents import Sse

WEATHER = {"wind_from_deg": 200, "wind_speed_ms": 3.0, "daytime": True}


@pytest.fixture(scope="module")
def gas(tmp_path_factory):
    """A server of its own: these tests open incidents and close valves."""
    s = Server(tmp_path_factory.mktemp("gas")).start()
    yield s
    s.stop()


def post(server, path, body=None):
    return request("POST", server.url + path, body)


def taiyuan_pipe(server, pressure_class="medium"):
    q = urllib.parse.urlencode({"network": "太原市", "pressure_class": pressure_class, "limit": 1})
    status, fc = get(f"{server.url}/collections/gas_pipes/items?{q}")
    assert status == 200 and fc["features"], fc
    return fc["features"][0]


def midpoint(line):
    (ax, ay), (bx, by) = line["geometry"]["coordinates"][:2]
    return [(ax + bx) / 2, (ay + by) / 2]


def test_the_taiyuan_dn600_drill_closes_its_valves_to_section_isolated_and_reports_the_outage(gas):
    status, drill, _ = post(gas, "/scenarios/taiyuan-gas-main/start", {"speed": 3600})
    assert status == 201, drill
    inc = drill["id"]
    iso = drill["gas_isolation"]
    assert "unavailable" not in iso, iso
    assert iso["network"] == "太原市" and iso["isolated"] is True
    # the DN600 feed line: the scenario's pipe is in the section
    assert iso["leak"]["pipe"] in iso["section"]["pipes"]
    pipe = get(f"{gas.url}/collections/gas_pipes/items/{iso['leak']['pipe']}")[1]
    assert pipe["properties"]["pressure_class"] == "high" and pipe["properties"]["diameter_mm"] == 610
    valves = [v["id"] for v in iso["valves_to_close"]]
    assert valves, iso
    assert [v["order"] for v in iso["valves_to_close"]] == list(range(1, len(valves) + 1))
    assert all(v["crew"] and v["travel_time_s"] > 0 for v in iso["valves_to_close"])
    # the city beyond the feed line loses gas: its far-side valve may stay open
    assert iso["outage"]["population"] > 0 and iso["outage"]["stations"]
    assert any(v["reason"] == "its far side reaches no supply point" for v in iso["optional_valves"])
    assert iso["pressure_sensors_expected_to_drop"], "pressure sensors downstream are expected to drop"
    assert iso["section_isolated"] is False

    # The drill runs at 3600×: by now the gas has ignited (the inject turns it
    # into a fire); the valves must still be closed, so the checklist stays.
    for _ in range(100):
        drill = get(f"{gas.url}/incidents/{inc}")[1]
        if len(drill["injects"]) == 5:
            break
        time.sleep(0.1)
    assert drill["kind"] == "fire", "the ignition inject fired"
    assert [v["id"] for v in drill["gas_isolation"]["valves_to_close"]] == valves

    sse = Sse(gas)
    try:
        last = None
        for i, v in enumerate(valves):
            status, body, _ = post(gas, f"/incidents/{inc}/valves", {"valve": v})
            assert status == 201, body
            assert body["gas_isolation"]["section_isolated"] is (i + 1 == len(valves))
            last = body
        seen = []
        while len(seen) < len(valves):
            msg = sse.next()
            if msg.get("event") == "valve_closed" or '"valve_closed"' in msg["data"]:
                seen.append(msg)
        live = [json.loads(m["data"])["event"] for m in seen]
        assert [e["valve"] for e in live] == valves and all(e["incident"] == inc and e["drill"] for e in live)
    finally:
        sse.close()
    assert last["gas_isolation"]["section_isolated"] is True
    assert post(gas, f"/incidents/{inc}/valves", {"valve": valves[0]})[0] == 409, "closed twice"

    status, report = get(f"{gas.url}/incidents/{inc}/report")
    assert status == 200, report
    assert [c["valve"] for c in report["valves_closed"]] == valves
    assert all(c["actor"] and c["at"] for c in report["valves_closed"])
    g = report["gas"]
    assert g["section_isolated"] is True and g["valves_closed"] == g["valves_to_close"] == len(valves)
    assert g["outage_population"] == last["gas_isolation"]["outage"]["population"]
    page = http.client.HTTPConnection("127.0.0.1", gas.port, timeout=10)
    page.request("GET", f"/incidents/{inc}/report.html?lang=en")
    html = page.getresponse().read().decode()
    assert "Section isolated" in html
    assert f"<dt>Residents losing gas</dt><dd>{g['outage_population']}</dd>" in html
    assert f"<td>{valves[-1]}</td>" in html


def test_a_leak_behind_an_inoperable_valve_at_the_gate_station_is_not_isolated_by_valves(gas):
    # The point the scenario had first: next to 太原门站, behind an inoperable valve.
    status, a, _ = post(gas, "/gas/isolate", {"point": [112.6270, 37.9352]})
    assert status == 200, a
    assert a["isolated"] is False and a["valves_to_close"] == []
    assert [s["name"] for s in a["stations_in_section"]] == ["太原门站"], "shut it at the station"
    assert "inoperable" in [v["reason"] for v in a["passed_through"]]


def test_a_gas_leak_on_a_generated_pipe_has_its_checklist_and_what_if(gas):
    pipe = taiyuan_pipe(gas)
    status, inc, _ = post(gas, "/incidents", {"kind": "gas_leak", "location": midpoint(pipe), "substance": "natural_gas", "weather": WEATHER})
    assert status == 201, inc
    iso = inc["gas_isolation"]
    assert iso["leak"]["pipe"] == pipe["id"]
    assert pipe["id"] in iso["section"]["pipes"]
    assert iso["section_isolated"] is False and iso["closed"] == []
    required = iso["valves_to_close"]
    assert required and all(v["crew"] for v in required), "each valve has the nearest crew by road"
    times = [v["travel_time_s"] for v in required]
    assert times == sorted(times), "nearest by road first"

    # Close the first: the checklist says so, who and when.
    status, body, _ = post(gas, f"/incidents/{inc['id']}/valves", {"valve": required[0]["id"]})
    assert status == 201, body
    closed = body["gas_isolation"]["closed"]
    assert [c["valve"] for c in closed] == [required[0]["id"]] and closed[0]["actor"] == "dev"
    assert body["gas_isolation"]["valves_to_close"][0]["reason"] == "closed"

    # What-if: that valve will not close. The section never shrinks, the valve is passed through.
    status, worse, _ = post(gas, "/gas/isolate", {"point": inc["location"], "fail": [required[0]["id"]]})
    assert status == 200, worse
    w = worse["what_if"]
    assert w["baseline"]["section_length_m"] == pytest.approx(iso["section"]["length_m"])
    assert w["with_failures"]["section_length_m"] >= w["baseline"]["section_length_m"]
    assert w["section_growth"] >= 1.0
    assert required[0]["id"] in [v["id"] for v in worse["passed_through"]]
    assert required[0]["id"] not in [v["id"] for v in worse["valves_to_close"]]
    # the answer names what it assumes
    assert any("600 m" in l for l in worse["limits"]) and any("gas_leak" in l for l in worse["limits"])


@pytest.mark.parametrize("body,status,code", [
    ({"point": [111.0, 39.9]}, 422, "no_pipe_near"),  # the far north-west, far from any city network
    ({"pipe": 987654321}, 404, "not_found"),
    ({"valve": 987654321}, 404, "not_found"),
    ({"pipe": 1, "fail": [987654321]}, 400, "bad_request"),
    ({"pipe": 1, "valve": 1}, 400, "bad_request"),
    ({}, 400, "bad_request"),
    ({"point": [200, 95]}, 400, "bad_request"),
    ({"pipe": 1, "colour": "red"}, 400, None),
])
def test_bad_isolation_requests_are_refused_with_the_reason(gas, body, status, code):
    got, answer, _ = post(gas, "/gas/isolate", body)
    assert got == status, answer
    assert isinstance(answer, dict) and answer.get("message"), answer
    if code:
        assert answer["error"] == code, answer


def test_valves_on_the_wrong_incident_are_refused(gas):
    pipe = taiyuan_pipe(gas, "low")
    _, inc, _ = post(gas, "/incidents", {"kind": "gas_leak", "location": midpoint(pipe), "substance": "natural_gas", "weather": WEATHER})
    assert post(gas, f"/incidents/{inc['id']}/valves", {"valve": 987654321})[0] == 404
    assert post(gas, f"/incidents/{inc['id']}/valves", {"gate": 1})[0] == 400
    _, chlorine, _ = post(gas, "/incidents", {"kind": "leak", "location": [111.62, 36.104], "substance": "chlorine", "weather": WEATHER})
    valve = inc["gas_isolation"]["valves_to_close"][0]["id"]
    status, body, _ = post(gas, f"/incidents/{chlorine['id']}/valves", {"valve": valve})
    assert status == 409 and "gas leak" in body["message"], body

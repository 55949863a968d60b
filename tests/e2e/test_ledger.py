"""The supervision ledger end to end (docs/ledger.md): a spreadsheet of 200
dangers with 5 bad rows is imported (the report names the 5, a second
import adds nothing); then a deadline passes on a server whose ledger clock
looks every second, the overdue alarm appears on /events/stream and in
/alarms, and the danger is submitted (the alarm ends), verified and closed."""
import json
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from conftest import Server, get, request
from test_incidents import Sse


@pytest.fixture(scope="module")
def ledger_server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("ledger"), ["--ledger-tick-secs", "1"]).start()
    yield s
    s.stop()


def post_sheet(server, text):
    req = urllib.request.Request(f"{server.url}/dangers/import", data=text.encode(), method="POST",
                                 headers={"Content-Type": "text/csv", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, json.loads(r.read())


BAD = {
    17: ("found_at", lambda row: row.__setitem__(6, "2026-02-30")),
    42: ("enterprise", lambda row: row.__setitem__(1, "不存在的化工有限公司")),
    88: ("description", lambda row: row.__setitem__(4, "")),
    131: ("deadline", lambda row: row.__setitem__(8, "下个月")),
    199: ("severity", lambda row: row.__setitem__(3, "特大")),
}


def sheet(enterprises):
    lines = ["编号,企业,类别,隐患等级,隐患描述,发现人,发现日期,来源,整改期限,整改措施"]
    for i in range(200):
        row = [f"E2E-{i:03d}", str(enterprises[i % len(enterprises)]), "消防",
               "重大" if i % 10 == 0 else "一般", f"第{i}项：消防通道堵塞", "检查组",
               "2026-10-01", "监督检查", "2030-12-31", "清理"]
        if i in BAD:
            BAD[i][1](row)
        lines.append(",".join(row))
    return "\n".join(lines) + "\n"


def test_an_import_of_200_rows_names_the_5_bad_ones_and_a_second_import_adds_nothing(ledger_server):
    status, body = get(f"{ledger_server.url}/collections/enterprises/items?limit=50")
    assert status == 200
    enterprises = [f["id"] for f in body["features"]]
    text = sheet(enterprises)
    # The generated history is in the ledger already: count what the import adds.
    status, before = get(f"{ledger_server.url}/dangers?limit=1")
    status, report = post_sheet(ledger_server, text)
    assert status == 200, report
    assert (report["rows"], report["imported"], report["refused"]) == (200, 195, 5), report
    named = {p["external_id"]: p for p in report["problems"]}
    assert set(named) == {f"E2E-{i:03d}" for i in BAD}
    for i, (column, _) in BAD.items():
        problem = named[f"E2E-{i:03d}"]
        assert problem["row"] == i + 2, problem  # the header is row 1
        assert any(r.startswith(column) for r in problem["reasons"]), problem
    status, again = post_sheet(ledger_server, text)
    assert (again["imported"], again["already_imported"], again["refused"]) == (0, 195, 5), again
    status, listed = get(f"{ledger_server.url}/dangers?limit=1")
    assert listed["numberMatched"] - before["numberMatched"] == 195
    majors = [body["counts"]["by_severity"].get("major", 0) for body in (listed, before)]
    assert majors[0] - majors[1] == 20


def wait_for(sse, predicate, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        message = sse.next()
        record = json.loads(message["data"])
        if predicate(record):
            return message, record
    raise AssertionError("not seen on the stream in time")


def test_a_passing_deadline_raises_the_overdue_alarm_on_the_stream_then_it_is_submitted_verified_and_closed(ledger_server):
    url = ledger_server.url
    status, body = get(f"{url}/collections/enterprises/items?limit=1")
    enterprise = body["features"][0]["id"]
    now = datetime.now(timezone.utc)
    deadline = now + timedelta(seconds=3)
    status, danger, _ = request("POST", f"{url}/dangers", {
        "enterprise": enterprise, "category": "process", "severity": "major",
        "description": "氯气储罐区泄漏报警仪失效", "found_by": "执法+专家检查组",
        "found_at": (now - timedelta(days=1)).isoformat(), "source": "inspection",
        "rectification": {"deadline": deadline.isoformat(), "measures": "更换报警仪", "responsible": "王厂长",
                          "funds_yuan": 30000, "interim_measures": "人工巡检每小时一次"},
    })
    assert status == 201, danger
    id_ = danger["id"]
    start = get(f"{url}/health")[1]["last_event"]
    sse = Sse(ledger_server, start)
    try:
        status, moved, _ = request("POST", f"{url}/dangers/{id_}/transitions", {"to": "rectifying", "reason": "方案已审"})
        assert status == 200, moved
        message, record = wait_for(sse, lambda r: r["event"]["type"] == "alarm_raised" and r["event"].get("danger") == id_)
        assert message["event"] == "alarm_raised"
        assert record["event"]["colour"] == "red" and record["event"]["rule"] == "overdue"
        assert record["actor"] == "ledger"
        alarm = record["event"]["alarm"]
        status, alarms = get(f"{url}/alarms")
        assert any(a["id"] == alarm and a["danger"] == id_ for a in alarms["alarms"]), alarms
        status, shown = get(f"{url}/dangers/{id_}")
        assert shown["overdue"] is True and shown["overdue_alarm"] == alarm

        for to in ("submitted", "verified", "closed"):
            status, moved, _ = request("POST", f"{url}/dangers/{id_}/transitions", {"to": to, "reason": to})
            assert status == 200, moved
            assert moved["status"] == to
        wait_for(sse, lambda r: r["event"]["type"] == "alarm_cleared" and r["event"]["alarm"] == alarm)
        status, a = get(f"{url}/alarms/{alarm}")
        assert a["cleared_at"], a
        status, shown = get(f"{url}/dangers/{id_}")
        assert shown["status"] == "closed" and shown["overdue_alarm"] is None
        assert [h["to"] for h in shown["history"]] == ["rectifying", "submitted", "verified", "closed"]
    finally:
        sse.close()
    # The clock raised it once: no second alarm for the danger.
    status, alarms = get(f"{url}/alarms?active=all")
    assert len([a for a in alarms["alarms"] if a.get("danger") == id_]) == 1

"""Monitoring end to end, with a real MQTT broker (Debian's mosquitto):
readings published over MQTT raise an alarm seen on /events/stream, and a
server killed with -9 during a burst of QoS-1 publishes stores every one of
them after its restart (the broker keeps what was not acknowledged)."""
import json
import os
import shutil
import socket
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import Server, free_port, get
from test_incidents import Sse

MOSQUITTO = "/usr/sbin/mosquitto"


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    """$LOOKOUT_MQTT_URL (scripts/test starts one), else a private broker on a free port."""
    url = os.environ.get("LOOKOUT_MQTT_URL")
    proc = None
    if not url:
        assert os.path.exists(MOSQUITTO), "mosquitto is missing: scripts/setup --test installs it"
        port = free_port()
        conf = tmp_path_factory.mktemp("mqtt") / "mosquitto.conf"
        conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
        proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"mqtt://127.0.0.1:{port}"
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
    assert shutil.which("mosquitto_pub"), "mosquitto_pub is missing: scripts/setup --test installs mosquitto-clients"
    yield url
    if proc:
        proc.terminate()
        proc.wait(timeout=10)


def port_of(url):
    return url.rsplit(":", 1)[1]


def publish(broker, sensor, lines):
    """Publishes each line as one QoS-1 message on lookout/readings/{sensor}."""
    subprocess.run(["mosquitto_pub", "-p", port_of(broker), "-q", "1", "-t", f"lookout/readings/{sensor}", "-l"],
                   input="\n".join(lines) + "\n", text=True, check=True, timeout=120)


def first_sensor(server, query):
    status, body = get(f"{server.url}/collections/sensors/items?{query}&limit=1")
    assert status == 200 and body["features"], body
    return body["features"][0]


def test_readings_published_over_mqtt_raise_an_alarm_on_the_live_stream(broker, tmp_path):
    s = Server(tmp_path / "state", ["--mqtt", broker, "--mqtt-client-id", f"lookout-e2e-{os.getpid()}-a"]).start()
    try:
        health = get(f"{s.url}/health")[1]
        deadline = time.time() + 20
        while not health["mqtt"]["connected"] and time.time() < deadline:
            time.sleep(0.2)
            health = get(f"{s.url}/health")[1]
        assert health["mqtt"]["connected"], health
        sensor = first_sensor(s, "kind=combustible_gas")
        stream = Sse(s)
        published = time.time()
        publish(broker, sensor["id"], ['{"value": 60}', '{"value": 62}', "not json"])
        while True:
            message = stream.next()
            # (The ledger's clock may raise overdue alarms of the generated history meanwhile.)
            if message.get("event") == "alarm_raised" and json.loads(message["data"])["event"].get("sensor") == sensor["id"]:
                break
        latency = time.time() - published
        print(f"publish → alarm on SSE: {latency * 1000:.0f} ms")
        alarm = json.loads(message["data"])
        assert alarm["event"]["sensor"] == sensor["id"]
        assert alarm["event"]["rule"] == "high_high"
        assert alarm["event"]["colour"] in ("red", "orange")
        assert alarm["actor"] == "monitor"
        status, alarms = get(f"{s.url}/alarms")
        # Sensor alarms only: the generated ledger history has overdue alarms too.
        assert [a["sensor"] for a in alarms["alarms"] if "sensor" in a] == [sensor["id"]]
        # The bad message was counted, not stored, and acknowledged all the same.
        health = get(f"{s.url}/health")[1]
        assert health["readings"]["rejected"].get("malformed") == 1, health
        assert health["mqtt"]["acknowledged"] == 3, health
        stream.close()
    finally:
        s.stop()


def test_a_server_killed_during_a_burst_stores_every_reading_after_its_restart(broker, tmp_path):
    client = ["--mqtt", broker, "--mqtt-client-id", f"lookout-e2e-{os.getpid()}-b"]
    s = Server(tmp_path / "state", client).start()
    sensor = first_sensor(s, "kind=tank_level")["id"]
    start = datetime.now(timezone.utc) - timedelta(minutes=30)
    n = 600
    lines = [f'{{"value": {40 + (i % 20)}, "at": "{(start + timedelta(seconds=2 * i)).isoformat()}"}}' for i in range(n)]
    burst = subprocess.Popen(["mosquitto_pub", "-p", port_of(broker), "-q", "1",
                              "-t", f"lookout/readings/{sensor}", "-l"], stdin=subprocess.PIPE, text=True)
    for i, line in enumerate(lines):
        burst.stdin.write(line + "\n")
        if i == n // 3:
            burst.stdin.flush()
            time.sleep(0.3)
            s.stop(kill=True)
    burst.stdin.close()
    assert burst.wait(timeout=120) == 0
    # Restarted on the same state and the same MQTT session: the broker sends
    # what it had not had acknowledged.
    s = Server(tmp_path / "state", client)
    s.start()
    try:
        frm = (start - timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
        deadline = time.time() + 60
        seen = set()
        while time.time() < deadline:
            status, series = get(f"{s.url}/sensors/{sensor}/readings?from={frm}")
            assert status == 200, series
            seen = {b["at"] for b in series["buckets"]}
            if len(seen) >= n:
                break
            time.sleep(0.5)
        assert len(seen) == n, f"{len(seen)} of {n} readings stored after kill -9 and restart"
    finally:
        s.stop()


def wait_acknowledged(server, n, seconds=30):
    deadline = time.time() + seconds
    health = get(f"{server.url}/health")[1]
    while health["mqtt"]["acknowledged"] < n and time.time() < deadline:
        time.sleep(0.1)
        health = get(f"{server.url}/health")[1]
    assert health["mqtt"]["acknowledged"] >= n, health


def test_a_restart_between_two_readings_still_raises_the_alarm_and_drill_readings_raise_a_drill_alarm(broker, tmp_path):
    """The debounce wants two readings in a row: the first before a restart,
    the second after it still raise the alarm (the count is rebuilt from the
    stored readings). Drill readings over MQTT raise a drill alarm."""
    state = tmp_path / "state"
    args = ["--mqtt", broker, "--mqtt-client-id", f"lookout-e2e-{os.getpid()}-c"]
    s = Server(state, args).start()
    try:
        sensor = first_sensor(s, "kind=combustible_gas")
        wait_acknowledged(s, 0)
        publish(broker, sensor["id"], ['{"value": 60}'])
        wait_acknowledged(s, 1)
        sensor_alarms = [a for a in get(f"{s.url}/alarms")[1]["alarms"] if "sensor" in a]
        assert sensor_alarms == [], "one reading is a stray"
    finally:
        s.stop()
    s = Server(state, args).start()
    try:
        deadline = time.time() + 20
        while not get(f"{s.url}/health")[1]["mqtt"]["connected"] and time.time() < deadline:
            time.sleep(0.2)
        publish(broker, sensor["id"], ['{"value": 62}'])
        wait_acknowledged(s, 1)
        alarms = [a for a in get(f"{s.url}/alarms")[1]["alarms"] if "sensor" in a]
        assert [(a["sensor"], a["rule"], a.get("drill")) for a in alarms] == [(sensor["id"], "high_high", False)], alarms
        before = get(f"{s.url}/situation")[1]

        other = get(f"{s.url}/collections/sensors/items?kind=combustible_gas&limit=2")[1]["features"][1]
        publish(broker, other["id"], ['{"value": 60, "drill": true}', '{"value": 61, "drill": true}'])
        wait_acknowledged(s, 3)
        drill = [a for a in get(f"{s.url}/alarms")[1]["alarms"] if a.get("sensor") == other["id"]]
        assert [a["drill"] for a in drill] == [True], drill
        situation = get(f"{s.url}/situation")[1]
        # The drill alarm counts apart; the real ones are the sensor's and the
        # ledger's overdue alarms (generated history) active before the drill.
        assert situation["alarms"]["drill"] == 1, situation
        assert situation["alarms"]["active"] == before["alarms"]["active"], (before, situation)
    finally:
        s.stop()

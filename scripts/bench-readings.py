"""Ingest benchmark of scripts/bench-readings (stdlib only): readings/s over
HTTP batches and over MQTT, publish → alarm latency on /events/stream, and
memory per reporting sensor, against GET /health requests/s on the same run.
Numbers are printed, never asserted."""
import http.client
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

port, mqtt_port, pid, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
# "full" (every measurement), or "mqtt:LABEL" (only the MQTT throughput, labelled: the baseline run)
mode = sys.argv[5] if len(sys.argv) > 5 else "full"
MQTT_CAP_S = float(__import__("os").environ.get("MQTT_SECONDS", "60"))
rng = random.Random(1)


def conn():
    return http.client.HTTPConnection("127.0.0.1", port, timeout=60)


def get(path):
    c = conn()
    c.request("GET", path)
    r = c.getresponse()
    body = json.loads(r.read() or b"null")
    c.close()
    return body


def rss_kib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


sensors = get("/collections/sensors/items?limit=10000")["features"]
measuring = [f for f in sensors if f["properties"]["kind"] not in ("camera", "weather")]
gas = [f for f in measuring if f["properties"]["kind"] == "combustible_gas"]


def quiet_value(f):
    """A value in range and below every alarm threshold (and above low)."""
    p = f["properties"]
    lo, hi = p["range"]
    t = p.get("thresholds", {})
    top = t.get("high", hi)
    bottom = t.get("low", lo)
    return round(bottom + (top - bottom) * rng.uniform(0.3, 0.6), 3)


def batch(n):
    now = datetime.now(timezone.utc)
    lines = []
    for i in range(n):
        f = measuring[rng.randrange(len(measuring))]
        at = (now - timedelta(milliseconds=rng.randrange(60_000))).isoformat()
        lines.append(json.dumps({"sensor": f["id"], "at": at, "value": quiet_value(f)}))
    return "\n".join(lines).encode()


# Baseline: GET /health, one keep-alive connection per thread, 2 threads.
def health_loop(stop, counter):
    c = conn()
    while not stop.is_set():
        c.request("GET", "/health")
        c.getresponse().read()
        counter.append(1)


def run_threads(target, n_threads, duration):
    stop, counts = threading.Event(), []
    threads = [threading.Thread(target=target, args=(stop, counts)) for _ in range(n_threads)]
    t0 = time.time()
    for t in threads:
        t.start()
    time.sleep(duration)
    stop.set()
    for t in threads:
        t.join()
    return sum(counts), time.time() - t0


def mqtt_throughput(label):
    """20 publishers (mosquitto_pub -l, QoS 1), each to its own sensor's topic;
    readings stored and acknowledged per second, over at most MQTT_SECONDS."""
    PUBLISHERS, PER = 20, 2000
    start_acked = get("/health")["mqtt"]["acknowledged"]
    procs = []
    t0 = time.time()
    for k in range(PUBLISHERS):
        f = measuring[k]
        now = datetime.now(timezone.utc)
        lines = "\n".join(json.dumps({"value": quiet_value(f), "at": (now - timedelta(milliseconds=i)).isoformat()})
                          for i in range(PER)) + "\n"
        p = subprocess.Popen(["mosquitto_pub", "-p", str(mqtt_port), "-q", "1", "-t", f"lookout/readings/{f['id']}", "-l"],
                             stdin=subprocess.PIPE, text=True)
        procs.append((p, lines))
    for p, lines in procs:
        threading.Thread(target=p.communicate, args=(lines,), daemon=True).start()
    total = PUBLISHERS * PER
    while get("/health")["mqtt"]["acknowledged"] - start_acked < total and time.time() - t0 < MQTT_CAP_S:
        time.sleep(0.05)
    dt = time.time() - t0
    acked = get("/health")["mqtt"]["acknowledged"] - start_acked
    for p, _ in procs:
        p.kill()
    whole = "all" if acked >= total else f"stopped after {MQTT_CAP_S:.0f} s:"
    print(f"MQTT QoS 1, {PUBLISHERS} mosquitto_pub publishers, {label}: {whole} {acked:,} of {total:,} readings stored and "
          f"acknowledged in {dt:.1f} s = {acked / dt:,.0f} readings/s (includes the publishers' own pace)")


if mode.startswith("mqtt:"):
    mqtt_throughput(mode[5:])
    sys.exit(0)

n, dt = run_threads(health_loop, 2, seconds)
health_rps = n / dt
print(f"GET /health (2 clients, keep-alive): {health_rps:,.0f} requests/s")

rss_before = rss_kib()
BATCH = 1000
bodies = [batch(BATCH) for _ in range(20)]


def ingest_loop(stop, counter):
    c = conn()
    i = 0
    while not stop.is_set():
        c.request("POST", "/readings", body=bodies[i % len(bodies)], headers={"Content-Type": "application/x-ndjson"})
        r = c.getresponse()
        report = json.loads(r.read())
        if r.status != 200:
            print(f"POST /readings answered {r.status}: {report}")
            stop.set()
            return
        counter.append(report["accepted"])
        i += 1


n, dt = run_threads(ingest_loop, 2, seconds)
http_rps = n / dt
print(f"POST /readings, NDJSON batches of {BATCH} (2 clients, alarms evaluated): {http_rps:,.0f} readings/s "
      f"({http_rps / BATCH:,.1f} batches/s, {http_rps / BATCH / health_rps * 100:.1f}% of /health requests/s)")
health = get("/health")
reporting = health["readings"]["sensors_reporting"]
rss_after = rss_kib()
print(f"memory: RSS {rss_before / 1024:,.0f} MiB before readings, {rss_after / 1024:,.0f} MiB after; "
      f"{reporting} sensors reporting; {(rss_after - rss_before) * 1024 / max(reporting, 1):,.0f} bytes per reporting sensor "
      f"(an upper bound: includes allocator growth from the batches)")

mqtt_throughput("after (a poll task feeding a channel)")

# Publish → alarm on a subscribed SSE client.
arrivals = {}
ready = threading.Event()


def sse():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("GET", "/events/stream", headers={"Accept": "text/event-stream"})
    r = c.getresponse()
    ready.set()
    event = None
    while True:
        line = r.fp.readline().decode()
        if not line:
            return
        if line.startswith("event: "):
            event = line[7:].strip()
        elif line.startswith("data: ") and event == "alarm_raised":
            d = json.loads(line[6:])
            arrivals[d["event"]["sensor"]] = time.time()


threading.Thread(target=sse, daemon=True).start()
ready.wait(10)
samples = []
for f in gas[:40]:
    t = time.time()
    subprocess.run(["mosquitto_pub", "-p", str(mqtt_port), "-q", "1", "-t", f"lookout/readings/{f['id']}", "-l"],
                   input='{"value": 60}\n{"value": 62}\n', text=True, check=True)
    deadline = time.time() + 10
    while f["id"] not in arrivals and time.time() < deadline:
        time.sleep(0.002)
    if f["id"] in arrivals:
        samples.append((arrivals[f["id"]] - t) * 1000)
samples.sort()
if samples:
    p99 = samples[min(len(samples) - 1, int(round(0.99 * (len(samples) - 1))))]
    print(f"publish (2 readings, mosquitto_pub start included) → alarm_raised on SSE, {len(samples)} samples: "
          f"p50 {statistics.median(samples):.0f} ms, p99 {p99:.0f} ms, max {samples[-1]:.0f} ms")
else:
    print("publish → alarm: no alarm arrived")

# Reading → alarm event, without a publisher's start: POST /readings (two
# readings over the second level) → alarm_raised on the subscribed SSE client.
samples = []
for f in gas[40:80]:
    body = "\n".join(json.dumps({"sensor": f["id"], "value": v}) for v in (60, 62)).encode()
    t = time.time()
    c = conn()
    c.request("POST", "/readings", body=body, headers={"Content-Type": "application/x-ndjson"})
    c.getresponse().read()
    c.close()
    deadline = time.time() + 10
    while f["id"] not in arrivals and time.time() < deadline:
        time.sleep(0.001)
    if f["id"] in arrivals:
        samples.append((arrivals[f["id"]] - t) * 1000)
samples.sort()
if samples:
    p99 = samples[min(len(samples) - 1, int(round(0.99 * (len(samples) - 1))))]
    print(f"POST /readings (2 readings) → alarm_raised on SSE, {len(samples)} samples: "
          f"p50 {statistics.median(samples):.1f} ms, p99 {p99:.1f} ms, max {samples[-1]:.1f} ms")
else:
    print("POST /readings → alarm: no alarm arrived")


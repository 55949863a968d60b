"""A full disk during a burst of incident opens: every answer is either 201
with the incident's zones or 503 store_unavailable with a reason and
Retry-After; nothing is half-stored (after a restart every incident has its
zones), and retries with the same Idempotency-Key make no duplicate.

The state folder is a small tmpfs (`mount -t tmpfs`: run as root, as CI does).
"""
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import Server, get, request

SIZE_SMALL = "160k"
SIZE_LARGE = "8m"


def body(i):
    return {"title": f"burst {i}", "kind": "mine_accident", "location": [112.40 + i * 0.001, 37.80],
            "cordon_m": 500 + i}


def post(server, i, key=None, payload=None):
    headers = {"Idempotency-Key": key or f"burst-{i}", "X-Lookout-Actor": "durability-test"}
    return request("POST", server.url + "/incidents", payload or body(i), headers)


def last_event(server):
    status, health = get(server.url + "/health")
    assert status == 200
    return health["last_event"]


@pytest.fixture()
def small_disk(tmp_path):
    mount = tmp_path / "state"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE_SMALL}", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def start(mount, tmp_path):
    # Without the generated ledger history: its journal (megabytes) would
    # fill the small disk at start; this test is about the burst.
    server = Server(mount, ["--no-history"])
    server.log = tmp_path / "server.log"  # the log must not fill the small disk
    return server.start()


def check_answer(status, answer, headers):
    """201 with zones, or 503 with a reason and Retry-After; nothing else."""
    if status == 201:
        assert answer["zones"] and answer["zones"]["zones"], answer
        return "stored"
    assert status == 503, (status, answer)
    assert answer["error"] == "store_unavailable"
    assert "not stored" in answer["message"], answer["message"]
    assert int(headers["retry-after"]) > 0
    return "refused"


def test_a_full_disk_during_a_burst_of_opens_half_stores_nothing(small_disk, tmp_path):
    server = start(small_disk, tmp_path)
    try:
        answers = {}
        with ThreadPoolExecutor(max_workers=6) as pool:
            for start_at in range(0, 400, 24):
                batch = list(range(start_at, start_at + 24))
                for i, (status, answer, headers) in zip(batch, pool.map(lambda i: post(server, i), batch)):
                    answers[i] = (check_answer(status, answer, headers), answer)
                if sum(1 for a, _ in answers.values() if a == "refused") >= 12:
                    break
        stored = {i: a["id"] for i, (kind, a) in answers.items() if kind == "stored"}
        refused = [i for i, (kind, _) in answers.items() if kind == "refused"]
        print(f"{len(stored)} stored, {len(refused)} refused (503) of {len(answers)} opens")
        assert stored, "the disk filled before any incident was stored: make SIZE_SMALL larger"
        assert refused, "the disk never filled: make SIZE_SMALL smaller"
        # Two events per open (opened + zones), none for a refused one.
        assert last_event(server) == 2 * len(stored)

        # Retries: a stored request gets its first answer, nothing new is stored.
        for i, id_ in list(stored.items())[:10]:
            status, answer, headers = post(server, i)
            assert (status, answer["id"], headers.get("idempotent-replayed")) == (201, id_, "true")
        # A refused one is still refused while the disk is full.
        status, answer, headers = post(server, refused[0])
        check_answer(status, answer, headers)
        assert last_event(server) == 2 * len(stored)
    finally:
        server.stop()

    # Room again; restart: every incident stored has its zones, no more, no fewer.
    subprocess.run(["mount", "-o", f"remount,size={SIZE_LARGE}", str(small_disk)], check=True)
    server = start(small_disk, tmp_path)
    try:
        assert last_event(server) == 2 * len(stored)
        for id_ in stored.values():
            status, incident = get(f"{server.url}/incidents/{id_}")
            assert status == 200 and incident["zones"]["zones"], incident
        # Failed writes were cut off when they failed: no torn record was left to set aside.
        assert not list(small_disk.rglob("*torn*"))

        # After a restart the answers are no longer kept: rebuilt from the stored key.
        i, id_ = next(iter(stored.items()))
        status, answer, headers = post(server, i)
        assert (status, answer["id"], headers.get("idempotent-replayed")) == (201, id_, "true")
        assert headers["location"] == f"/incidents/{id_}"
        # The same key with another request is refused, and stores nothing.
        status, answer, _ = post(server, i, payload=body(i + 1000))
        assert (status, answer["error"]) == (422, "idempotency_key_reused")

        # The refused ones go through now, once each however often retried.
        before = last_event(server)
        ids = set()
        for i in refused:
            for _ in range(2):
                status, answer, _ = post(server, i)
                assert status == 201, answer
                ids.add(answer["id"])
        assert len(ids) == len(refused)
        assert last_event(server) == before + 2 * len(refused)
        assert not ids & set(stored.values())
    finally:
        server.stop()


def test_postgis_a_retry_on_another_replica_stores_nothing(tmp_path):
    """The key is stored with the events in PostGIS: a retry sent to another
    replica (as after a connection lost after COMMIT) gets the first answer,
    and the log holds the unit once."""
    from test_postgis import lookout, pg_url, psql

    psql("DROP SCHEMA IF EXISTS lookout CASCADE; DROP TABLE IF EXISTS public.lookout_migrations")
    lookout("db", "migrate")
    lookout("import")
    a = Server(tmp_path / "a", ["--store", pg_url()]).start()
    b = Server(tmp_path / "b", ["--store", pg_url()]).start()
    try:
        status, first, _ = post(a, 1, key="pg-retry-1")
        assert status == 201, first
        # At once, before B may have followed: B's store finds the key under the writers' lock.
        status, again, headers = post(b, 1, key="pg-retry-1")
        assert (status, again["id"]) == (201, first["id"]), again
        assert psql("SELECT count(*) FROM lookout.events WHERE idempotency_key = 'pg-retry-1'") == "2"
        assert psql("SELECT count(*) FROM lookout.incidents") == "1"
        time.sleep(2.5)  # B has followed A: its index knows the key
        status, again, headers = post(b, 1, key="pg-retry-1")
        assert (status, again["id"], headers.get("idempotent-replayed")) == (201, first["id"], "true")
        status, answer, _ = post(b, 1, key="pg-retry-1", payload=body(2))
        assert (status, answer["error"]) == (422, "idempotency_key_reused")
        # A dispatch of several teams is one transaction: a busy team and none goes.
        status, teams = get(f"{a.url}/collections/rescue_teams/items?status=available&limit=3")
        ids = [t["id"] for t in teams["features"]]
        url = f"{a.url}/incidents/{first['id']}/dispatch"
        assert request("POST", url, {"teams": ids[:1]})[0] == 200
        # (The ledger's clock may store reminders meanwhile: not counted.)
        stored = "SELECT count(*) FROM lookout.events WHERE actor <> 'ledger'"
        before = psql(stored)
        assert request("POST", url, {"teams": ids})[0] == 409
        assert psql(stored) == before
    finally:
        a.stop()
        b.stop()


def test_kill_9_under_64_concurrent_writers_loses_no_acknowledged_write(tmp_path):
    """Group commit: 64 writers share fsyncs; each is answered only after the
    fsync that covers its record. Killed mid-burst, the server restarts with
    every acknowledged note, and the journal is a whole prefix (no gap)."""
    import threading

    state = tmp_path / "state"
    s = Server(state).start()
    status, inc, _ = post(s, 0, key="group-commit-incident")
    assert status == 201, inc
    url = f"{s.url}/incidents/{inc['id']}/notes"
    acknowledged, lock, stop = [], threading.Lock(), threading.Event()

    def writer(w):
        n = 0
        while not stop.is_set():
            text = f"w{w} n{n}"
            try:
                status, body, _ = request("POST", url, {"text": text})
            except OSError:
                return
            if status == 201:
                seq = max(note["seq"] for note in body["notes"] if note["text"] == text)
                with lock:
                    acknowledged.append((seq, text))
            n += 1

    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(64)]
    for t in threads:
        t.start()
    time.sleep(2.5)
    s.stop(kill=True)
    stop.set()
    for t in threads:
        t.join(timeout=70)
    assert len(acknowledged) > 64, f"the burst was too small to mean anything ({len(acknowledged)})"

    s2 = Server(state).start()
    try:
        after = get(f"{s2.url}/incidents/{inc['id']}")[1]
        kept = {(n["seq"], n["text"]) for n in after["notes"]}
        missing = [a for a in acknowledged if a not in kept]
        assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged notes lost, e.g. {missing[:3]}"
        # Replayed whole: the notes kept are events up to the last one, none missing between.
        # (The ledger's clock may have stored reminders between the notes.)
        seqs = sorted(seq for seq, _ in kept)
        status, page = get(f"{s2.url}/events?after={seqs[0] - 1}&limit=5000")
        assert status == 200 and not page.get("next"), page.get("next")
        logged = [e["seq"] for e in page["events"]]
        assert logged == list(range(seqs[0], seqs[0] + len(logged))), "a gap in the replayed journal"
        assert set(seqs) <= set(logged)
        assert last_event(s2) == logged[-1]
        print(f"{len(acknowledged)} acknowledged before kill -9, {len(kept)} notes replayed")
    finally:
        s2.stop()
